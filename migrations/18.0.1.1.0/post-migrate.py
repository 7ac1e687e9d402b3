"""18.0.1.1.0 stores each customer invoice's paid facts (account_move.ar_paid_*,
see models/paid_facts.py): fill them from the reconciliations already there,
in one statement, before the next metrics run reads them."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["account.move"]._ar_refresh_paid_facts()
