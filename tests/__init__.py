from . import test_credit_hold, test_credit_override, test_credit_rules, test_exposure
