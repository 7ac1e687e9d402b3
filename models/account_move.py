from odoo import models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        self.env["res.partner"]._ar_refresh_holds_for_lines(posted.line_ids)
        return posted

    def button_draft(self):
        res = super().button_draft()
        self.env["res.partner"]._ar_refresh_holds_for_lines(self.line_ids)
        return res

    def button_cancel(self):
        res = super().button_cancel()
        self.env["res.partner"]._ar_refresh_holds_for_lines(self.line_ids)
        return res

    def action_ar_record_promise(self):
        """Record a promise to pay covering the selected invoices."""
        invoices = self.filtered(
            lambda m: (
                m.move_type == "out_invoice"
                and m.state == "posted"
                and m.payment_state in ("not_paid", "partial")
            )
        )
        partners = invoices.commercial_partner_id
        if not invoices or len(partners) != 1 or len(invoices.company_id) != 1:
            raise UserError(
                self.env._(
                    "Select open customer invoices of one customer and one company to "
                    "record a promise to pay."
                )
            )
        currency = invoices[:1].currency_id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Record Promise to Pay"),
            "res_model": "ar.promise",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_partner_id": partners.id,
                "default_company_id": invoices.company_id.id,
                "default_invoice_ids": invoices.filtered(
                    lambda m: m.currency_id == currency
                ).ids,
                "default_amount": sum(
                    invoices.filtered(lambda m: m.currency_id == currency).mapped(
                        "amount_residual"
                    )
                ),
            },
        }
