from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        partials._ar_refresh_holds()
        return partials

    def unlink(self):
        lines = self.debit_move_id | self.credit_move_id
        res = super().unlink()
        self.env["res.partner"]._ar_refresh_holds_for_lines(lines.exists())
        return res

    def _ar_refresh_holds(self):
        """A payment, credit note or reversal changed what customers owe."""
        self.env["res.partner"]._ar_refresh_holds_for_lines(
            self.debit_move_id | self.credit_move_id
        )
