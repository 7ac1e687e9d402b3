from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ArCommon


@tagged("post_install", "-at_install")
class TestExposure(ArCommon):
    def test_check_leaves_odoo_credit_to_invoice_fresh(self):
        """The confirmation check leaves Odoo's credit_to_invoice as it is: once
        the order is confirmed, Odoo's figure includes it."""
        order = self._order(self.customer, 400.0)
        order.action_confirm()
        self.assertEqual(self.customer.credit_to_invoice, 400.0)

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

    def _goods(self, policy, taxes=None):
        return self._create_product(
            name=f"Crate ({policy})",
            lst_price=100.0,
            taxes_id=[Command.set((taxes or self.env["account.tax"]).ids)],
            invoice_policy=policy,
            is_storable=True,
        )

    def _ordered(self, product, quantity, price=100.0):
        return self._confirmed_order(self.customer, product, quantity, price)

    def _figures(self):
        partner = self.customer.with_company(self.company)
        partner.invalidate_recordset()
        return partner

    def test_every_order_counts_until_invoiced(self):
        """Goods invoiced on delivery count before they are delivered; once
        part is delivered and invoiced, that part is a receivable."""
        self.customer.credit_limit = 100000.0
        order = self._ordered(self._goods("delivery"), 10)
        self.assertRecordValues(
            self._figures(), [{"ar_to_invoice": 1000.0, "ar_exposure": 1000.0}]
        )
        self.assertEqual(self.customer.credit_to_invoice, 0.0)  # Odoo's, untouched
        picking = order.picking_ids
        picking.move_ids.quantity = 4
        picking.with_context(skip_backorder=True).button_validate()
        order._create_invoices().action_post()
        self.assertRecordValues(
            self._figures(),
            [{"ar_receivable": 400.0, "ar_to_invoice": 600.0, "ar_exposure": 1000.0}],
        )

    def test_taxes_and_currency_of_what_is_left(self):
        self.customer.credit_limit = 100000.0
        self._ordered(self._goods("order", self.tax_sale_a), 10)  # 1,000 + 15 %
        self.assertEqual(self._figures().ar_to_invoice, 1150.0)
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        pricelist = self.env["product.pricelist"].create(
            {"name": "EUR", "currency_id": eur.id}
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "pricelist_id": pricelist.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self._goods("order").id,
                            "product_uom_qty": 1,
                            "price_unit": 500.0,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        self.assertEqual(order.currency_id, eur)
        self.assertEqual(self._figures().ar_to_invoice, 1150.0 + 250.0)

    def test_down_payment_counts_once(self):
        self.customer.credit_limit = 100000.0
        order = self._ordered(self._goods("order"), 10)
        self.env["sale.advance.payment.inv"].with_context(
            active_model="sale.order", active_ids=order.ids
        ).create(
            {"advance_payment_method": "percentage", "amount": 30}
        ).create_invoices()
        order.invoice_ids.action_post()
        self.assertRecordValues(
            self._figures(),
            [{"ar_receivable": 300.0, "ar_to_invoice": 700.0, "ar_exposure": 1000.0}],
        )
        final = order._create_invoices(final=True)
        final.action_post()
        self.assertRecordValues(
            self._figures(),
            [{"ar_receivable": 1000.0, "ar_to_invoice": 0.0, "ar_exposure": 1000.0}],
        )

    def test_foreign_currency_in_company_currency(self):
        self.customer.credit_limit = 100000.0
        other = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        self._invoice(self.customer, 1000.0, currency_id=other.id)
        self.assertEqual(self.customer.ar_receivable, 500.0)

    def test_read_only_cursor_computes_without_storing(self):
        """Odoo 18 serves reads (a partner form) on read-only cursors when a
        replica is configured: the figures are computed there, not cached."""
        with self.registry.cursor() as cr:
            # A connection in read-only mode, as a replica's is; only committed
            # records are visible to it.
            cr._cnx.set_session(readonly=True)
            try:
                self.assertTrue(cr.readonly)
                cr.execute(
                    "SELECT COALESCE(MAX(date), CURRENT_DATE) + 1"
                    " FROM ar_partner_exposure"
                )
                (day_without_row,) = cr.fetchone()
                env = api.Environment(cr, SUPERUSER_ID, {})
                partner = env.ref("base.partner_admin")
                company = env.ref("base.main_company")
                figures = env["ar.credit.figures"]._of(
                    partner, company, today=day_without_row
                )
                self.assertIn(partner.id, figures)
            finally:
                cr.rollback()
                cr._cnx.set_session(readonly=False)

    def test_branch_items_refresh_the_parent_company(self):
        self.company.write({"child_ids": [Command.create({"name": "Branch A"})]})
        self.env.cr.precommit.run()  # load the chart of accounts
        branch = self.company.child_ids
        self.env.user.company_ids |= branch
        self.assertNotHeld(self.customer)  # figures cached for the company
        self._invoice(self.customer, 1500.0, company_id=branch.id)
        # The company's figures include its branch's items, at once.
        self.assertEqual(self.customer.ar_receivable, 1500.0)
        self.assertHeld(self.customer, "over_limit")

    def test_order_in_foreign_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        pricelist = self.env["product.pricelist"].create(
            {"name": "EUR", "currency_id": eur.id}
        )
        order = self._order(self.customer, 1500.0)  # 1,500 EUR = 750
        order.pricelist_id = pricelist
        order.order_line.price_unit = 1500.0
        self.assertEqual(order.currency_id, eur)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        second = self._order(self.customer, 600.0)  # 600 EUR = 300: 1,050 in all
        second.pricelist_id = pricelist
        second.order_line.price_unit = 600.0
        with self.assertRaisesRegex(UserError, "1,050.00"):
            second.action_confirm()
