from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..models import credit_rules
from ..models.access import require_company, require_manager


class ArHoldWizard(models.TransientModel):
    _name = "ar.hold.wizard"
    _inherit = ["ar.form.guard"]
    _description = "Place or Release a Credit Hold"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    action = fields.Selection(
        [("place", "Place Credit Hold"), ("release", "Release Credit Hold")],
        required=True,
        default="place",
    )
    reason = fields.Text()

    @api.constrains("reason")
    def _check_reason(self):
        for wizard in self:
            if not (wizard.reason or "").strip():
                raise ValidationError(self.env._("Say why: a reason is required."))

    def action_confirm(self):
        self.ensure_one()
        require_manager(self.env, self.env._("place or release a credit hold"))
        require_company(
            self.env, self.company_id, self.env._("place or release credit holds")
        )
        self._check_reason()
        partner = self.partner_id.commercial_partner_id.sudo()
        placed = self.env["ar.hold"]._manual_of(partner, self.company_id)
        reason = self.reason.strip()
        if self.action == "place":
            if placed.filtered(lambda h: h.reason == credit_rules.MANUAL):
                raise UserError(
                    self.env._(
                        "%(customer)s is already on a manual credit hold in "
                        "%(company)s.",
                        customer=partner.name,
                        company=self.company_id.name,
                    )
                )
            self.env["ar.hold"]._place_manual(partner, self.company_id, reason)
            return {"type": "ir.actions.act_window_close"}
        if not placed:
            raise UserError(
                self.env._(
                    "%(customer)s has no manual credit hold in %(company)s (nor "
                    "one placed by the reminder sequence). "
                    "Automatic holds lift by themselves when the customer pays; "
                    "approve a credit override to confirm one order.",
                    customer=partner.name,
                    company=self.company_id.name,
                )
            )
        placed.write(
            {
                "active": False,
                "date_end": fields.Datetime.now(),
                "release_user_id": self.env.uid,
                "release_note": reason,
            }
        )
        partner.message_post(
            body=self.env._(
                "Manual credit hold released in %(company)s: %(reason)s",
                company=self.company_id.name,
                reason=reason,
            )
            if set(placed.mapped("reason")) == {credit_rules.MANUAL}
            else self.env._(
                "Credit hold (%(what)s) released in %(company)s: %(reason)s",
                what=", ".join(placed.mapped("display_name")),
                company=self.company_id.name,
                reason=reason,
            )
        )
        self.env["ar.hold"]._refresh(partner, self.company_id, recompute=False)
        return {"type": "ir.actions.act_window_close"}
