"""18.0.1.9.0 gives each aged receivables line its report's owner
(``create_uid``, a constant of the lines' query): the record rule on the
lines reads it there, where it joined the report for each of the day's open
items. The rules are not updated by an upgrade (``noupdate``): this one is,
to the domain the module now declares."""

from odoo import SUPERUSER_ID, api

OWN_LINES = "[('create_uid', '=', user.id), ('company_id', 'in', company_ids)]"


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    rule = env.ref(
        "account_receivable_management.ar_aging_line_rule_owner",
        raise_if_not_found=False,
    )
    if rule and "report_id.create_uid" in (rule.domain_force or ""):
        rule.domain_force = OWN_LINES
