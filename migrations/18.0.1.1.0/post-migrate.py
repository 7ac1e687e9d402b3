"""18.0.1.1.0 stores each customer invoice's paid facts (account_move.ar_paid_*,
see models/paid_facts.py): fill them from the reconciliations already there,
in one statement, before the next metrics run reads them. The metrics and
snapshot tables lost four field indexes (Odoo keeps an index whose field no
longer asks for one): drop them."""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

DROPPED_INDEXES = (
    "ar_partner_metrics__partner_id_index",
    "ar_partner_metrics__risk_grade_index",
    "ar_partner_metrics__dirty_index",
    "ar_partner_snapshot__partner_id_index",
)


def migrate(cr, version):
    if not version:
        return
    for index in DROPPED_INDEXES:
        cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(index)))
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["account.move"]._ar_refresh_paid_facts()
