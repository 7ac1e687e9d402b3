from odoo import models


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
