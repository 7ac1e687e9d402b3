from . import test_credit_rules
from . import test_credit_hold
from . import test_credit_override
from . import test_exposure
from . import test_promise
from . import test_plan_schedule
from . import test_payment_plan
from . import test_concurrency
