from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _check_amount_and_confirm_order(self):
        """A quotation paid online (in part, as its prepayment asks) is
        confirmed by Odoo here: one the credit check refuses waits for a
        credit review instead of failing the payment's processing
        (``sale.order.action_confirm``). Returns the orders confirmed."""
        confirmed = super(
            PaymentTransaction, self.with_context(ar_review_over_limit=True)
        )._check_amount_and_confirm_order()
        return confirmed.with_env(self.env).filtered(lambda o: o.state == "sale")
