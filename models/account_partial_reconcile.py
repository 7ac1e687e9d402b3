from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    def init(self):
        result = super().init()
        # The reconciliations dated after a day (by the later of their two
        # items): what the aged receivables and the statements of a past day
        # add back to the items open today. A month's of 1.2 million.
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS ar_partial_reconcile_max_date_idx
                   ON account_partial_reconcile (company_id, max_date)"""
        )
        return result

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        invoice_ids = partials._ar_invoice_ids()
        self.env["account.move"]._ar_refresh_paid_facts(invoice_ids)
        # a payment answers the reminders
        self.env["account.move"].browse(invoice_ids)._ar_reminders_answered()
        partials._ar_refresh_holds()
        (partials.debit_move_id | partials.credit_move_id)._ar_refresh_predictions()
        return partials

    def unlink(self):
        lines = self.debit_move_id | self.credit_move_id
        invoice_ids = self._ar_invoice_ids()
        res = super().unlink()
        self.env["account.move"]._ar_refresh_paid_facts(invoice_ids)
        self.env["ar.hold"]._refresh_for_lines(lines.exists())
        lines.exists()._ar_refresh_predictions()
        return res

    def _ar_refresh_holds(self):
        """A payment, credit note or reversal changed what customers owe: judge
        the promises it may keep, then the holds."""
        lines = self.debit_move_id | self.credit_move_id
        self.env["ar.promise"]._ar_evaluate_for_lines(lines)
        self.env["ar.payment.plan"]._ar_evaluate_for_lines(lines)
        self.env["ar.hold"]._refresh_for_lines(lines)

    def _ar_invoice_ids(self):
        """Ids of the entries on the debit side: the customer invoices among
        them get their paid facts refreshed."""
        return self.sudo().debit_move_id.move_id.ids
