from . import ar_hold_wizard
from . import ar_credit_override_wizard
from . import ar_aging_report
from . import ar_call_log
from . import ar_export
from . import ar_late_charge_waive
from . import ar_statement_wizard
from . import ar_collector_assign
