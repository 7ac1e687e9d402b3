from . import ar_credit_override_wizard, ar_hold_wizard
