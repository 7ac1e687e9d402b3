from . import ar_hold_wizard
from . import ar_credit_override_wizard
