from . import models
from . import wizards


def post_init_hook(env):
    """Compute the holds of the customers that already have open receivables
    (the default policies are created by data/ar_credit_policy_data.xml)."""
    env["res.partner"]._cron_refresh_credit_holds()
