from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..models.access import require_manager


class ArCreditOverrideWizard(models.TransientModel):
    _name = "ar.credit.override.wizard"
    _inherit = ["ar.form.guard"]
    _description = "Approve a Credit Override"

    order_id = fields.Many2one("sale.order", required=True, ondelete="cascade")
    partner_id = fields.Many2one(related="order_id.partner_id")
    amount_total = fields.Monetary(related="order_id.amount_total")
    currency_id = fields.Many2one(related="order_id.currency_id")
    block_message = fields.Text(related="order_id.ar_credit_block_message")
    reason = fields.Text()

    @api.constrains("reason")
    def _check_reason(self):
        for wizard in self:
            if not (wizard.reason or "").strip():
                raise ValidationError(
                    self.env._("An override needs a reason: say why this order may go.")
                )

    def action_approve(self):
        """Approve this order at its current total, then confirm it."""
        self.action_record()
        self.order_id.action_confirm()
        return {"type": "ir.actions.act_window_close"}

    def action_record(self):
        """Approve this order at its current total; anyone may then confirm it
        as long as its total does not grow."""
        self.ensure_one()
        require_manager(self.env, self.env._("approve a credit override"))
        self._check_reason()
        order = self.order_id
        if order.state not in ("draft", "sent"):
            raise UserError(
                self.env._("%(order)s is not a quotation any more.", order=order.name)
            )
        reason = self.reason.strip()
        order.sudo().write(
            {
                "ar_override_amount": order.amount_total,
                "ar_override_currency_id": order.currency_id.id,
                "ar_override_user_id": self.env.uid,
                "ar_override_date": fields.Datetime.now(),
                "ar_override_reason": reason,
            }
        )
        amount = order.currency_id.format(order.amount_total)
        body = self.env._(
            "Credit override approved for %(order)s up to %(amount)s: %(reason)s",
            order=order.name,
            amount=amount,
            reason=reason,
        )
        order.message_post(body=body)
        order.partner_id.commercial_partner_id.sudo().message_post(body=body)
        return {"type": "ir.actions.act_window_close"}
