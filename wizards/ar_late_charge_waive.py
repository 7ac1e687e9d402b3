from odoo import fields, models


class ArLateChargeWaive(models.TransientModel):
    _name = "ar.late.charge.waive"
    _inherit = ["ar.form.guard"]
    _description = "Waive a Late-Payment Charge"

    move_id = fields.Many2one(
        "account.move",
        string="Charge",
        required=True,
        domain=[("ar_is_late_charge", "=", True)],
    )
    reason = fields.Text(required=True)

    def action_waive(self):
        self.ensure_one()
        self.env["ar.late.charge"]._waive(self.move_id, self.reason)
        return {"type": "ir.actions.act_window_close"}
