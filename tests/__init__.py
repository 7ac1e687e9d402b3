from . import test_credit_rules
from . import test_credit_hold
from . import test_credit_override
from . import test_exposure
from . import test_promise
