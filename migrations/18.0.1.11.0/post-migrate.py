"""18.0.1.11.0 puts an early warning's activity on the warning, which the
credit team alone reads, instead of on its customer, whose activities every
employee reads: the open activities of the warnings raised before move
there."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    warnings = (
        env["ar.risk.warning"]
        .with_context(active_test=False)
        .search([("activity_id.res_model", "=", "res.partner")])
    )
    model_id = env["ir.model"]._get_id("ar.risk.warning")
    for warning in warnings:
        warning.activity_id.with_context(mail_activity_quick_update=True).write(
            {"res_model_id": model_id, "res_id": warning.id}
        )
