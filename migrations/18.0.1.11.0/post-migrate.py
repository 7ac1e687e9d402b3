"""18.0.1.11.0 puts an early warning's activity on the warning, which the
credit team alone reads, instead of on its customer, whose activities every
employee reads: the open activities of the warnings raised before move
there. The warning's link to its activity (``activity_id``) is gone, the
activity being the warning's own now (``activity_ids``): its column is read
here, before the upgrade's end drops it."""

from odoo import SUPERUSER_ID, api
from odoo.tools.sql import column_exists


def migrate(cr, version):
    if not version or not column_exists(cr, "ar_risk_warning", "activity_id"):
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    cr.execute(
        """SELECT w.id, w.activity_id FROM ar_risk_warning w
             JOIN mail_activity a ON a.id = w.activity_id
            WHERE a.res_model = 'res.partner'"""
    )
    moved = cr.fetchall()
    model_id = env["ir.model"]._get_id("ar.risk.warning")
    Activity = env["mail.activity"].with_context(mail_activity_quick_update=True)
    for warning_id, activity_id in moved:
        Activity.browse(activity_id).write(
            {"res_model_id": model_id, "res_id": warning_id}
        )
