from . import controllers
from . import reports
from . import models
from . import wizards

from odoo.tools import SQL


def post_init_hook(env):
    """On a database with a history: compute every customer's payment metrics,
    scores and snapshots (set-based, in batches of customers), then the holds of
    the customers that owe something. The default policies are created by
    data/ar_credit_policy_data.xml. The paid facts of the invoices come
    first: the metrics read them."""
    env["account.move"]._ar_refresh_paid_facts()
    env["ar.partner.metrics"]._run()
    env["ar.hold"]._cron_refresh()


def uninstall_hook(env):
    """The indexes the addon made on Odoo's own tables outside the ORM go
    with it (those on its own tables go with the tables)."""
    cr = env.cr
    cr.execute(
        """SELECT indexname FROM pg_indexes
            WHERE schemaname = current_schema() AND indexname LIKE 'ar\\_%'
              AND tablename NOT LIKE 'ar\\_%'"""
    )
    for (name,) in cr.fetchall():
        cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))
