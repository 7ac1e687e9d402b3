from odoo.tests import tagged

from .common import ArCommon


@tagged("post_install", "-at_install")
class TestExposure(ArCommon):
    def test_breakdown_matches_odoo(self):
        self.customer.credit_limit = 100000.0
        self._invoice(self.customer, 1000.0)
        paid = self._invoice(self.contact, 500.0, days_old=60)
        self._pay(paid, amount=200.0)  # 300 left, overdue
        self._invoice(self.customer, 250.0, post=False)  # draft, not from an order
        order = self._order(self.customer, 400.0)
        order.action_confirm()
        partner = self.customer
        partner.invalidate_recordset()
        self.assertRecordValues(
            partner,
            [
                {
                    "ar_receivable": 1300.0,
                    "ar_to_invoice": 400.0,
                    "ar_draft_invoiced": 0.0,  # the policy does not count drafts
                    "ar_exposure": 1700.0,
                    "ar_overdue_amount": 300.0,
                    "ar_overdue_days": 30,
                    "ar_credit_available": 100000.0 - 1700.0,
                }
            ],
        )
        self.assertEqual(partner.ar_receivable, partner.credit)
        self.assertEqual(partner.ar_to_invoice, partner.credit_to_invoice)
        self.policy.include_draft_invoices = True
        partner.invalidate_recordset()
        self.assertRecordValues(
            partner, [{"ar_draft_invoiced": 250.0, "ar_exposure": 1950.0}]
        )
        # The contact shows its company's figures.
        self.assertEqual(self.contact.ar_exposure, 1950.0)

    def test_draft_invoice_from_order_not_counted_twice(self):
        self.policy.include_draft_invoices = True
        self.customer.credit_limit = 100000.0
        self.product.invoice_policy = "order"
        order = self._order(self.customer, 400.0)
        order.action_confirm()
        order._create_invoices()
        self.customer.invalidate_recordset()
        self.assertRecordValues(
            self.customer,
            [{"ar_to_invoice": 400.0, "ar_draft_invoiced": 0.0, "ar_exposure": 400.0}],
        )

    def test_foreign_currency_in_company_currency(self):
        self.customer.credit_limit = 100000.0
        other = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        self._invoice(self.customer, 1000.0, currency_id=other.id)
        self.assertEqual(self.customer.ar_receivable, 500.0)
