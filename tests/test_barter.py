from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common_instruments import ArInstrumentCommon


@tagged("post_install", "-at_install")
class TestBarter(ArInstrumentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.purchase_tax = cls.tax_purchase_a  # 15 %
        cls.advertising = cls.company_data["default_account_expense"]

    def _barter(self, value, user=None, **vals):
        return (
            self.env["ar.barter"]
            .with_user(user or self.collector)
            .create(
                {
                    "partner_id": self.customer.id,
                    "kind": "advertising",
                    "description": "Radio spots, March",
                    "line_ids": [
                        Command.create(
                            {
                                "name": "30-second spot",
                                "quantity": 10,
                                "price_unit": value / 10,
                                "account_id": self.advertising.id,
                                "tax_ids": [Command.set(self.purchase_tax.ids)],
                            }
                        )
                    ],
                    **vals,
                }
            )
        )

    def test_barter_offsets_oldest_invoices(self):
        old = self._taxed_invoice(1000.0, days_old=60)  # 1150
        new = self._taxed_invoice(500.0, days_old=10)  # 575
        barter = self._barter(800.0)  # 920 with tax
        self.assertEqual(barter.amount_total, 920.0)
        self.assertEqual(barter.amount_open, 1725.0)
        barter.with_user(self.collector).action_approve()
        barter.with_user(self.collector).action_settle()

        self.assertEqual(barter.state, "done")
        bill = barter.bill_id
        self.assertRecordValues(
            bill,
            [
                {
                    "move_type": "in_invoice",
                    "partner_id": self.customer.id,
                    "amount_total": 920.0,
                    "amount_tax": 120.0,
                    "payment_state": "paid",
                }
            ],
        )
        self.assertEqual(old.amount_residual, 230.0)
        self.assertEqual(new.amount_residual, 575.0)
        self.assertEqual(barter.amount_netted, 920.0)
        self.assertEqual(barter.netting_move_id.journal_id.type, "general")
        self.assertEqual(barter.netting_move_id.ar_barter_id, barter)
        self.assertBalanced(bill + barter.netting_move_id)
        # The customer's balance dropped by exactly the agreed value.
        self.assertEqual(self._receivable_balance(), 1725.0 - 920.0)

    def test_value_above_balance_needs_the_flag(self):
        invoice = self._taxed_invoice(1000.0)  # 1150
        barters = self.env["ar.barter"].search_count([])
        with self.assertRaises(ValidationError) as caught:
            self._barter(1200.0)  # 1380 > 1150
        self.assertIn("Leave Remainder Payable", str(caught.exception))
        self.assertEqual(self.env["ar.barter"].search_count([]), barters)

        barter = self._barter(1200.0, allow_payable=True)
        barter.with_user(self.manager).action_approve()
        barter.with_user(self.collector).action_settle()
        self.assertPaid(invoice)
        self.assertEqual(barter.amount_netted, 1150.0)
        self.assertEqual(barter.bill_id.amount_residual, 230.0)
        self.assertEqual(self._receivable_balance(), 0.0)

    def test_foreign_currency(self):
        invoice = self._taxed_invoice(1000.0, days_old=40, currency=self.eur)
        barter = self._barter(400.0, invoice_ids=[Command.set(invoice.ids)])
        self.assertEqual(barter.currency_id, self.eur)
        barter.with_user(self.collector).action_approve()
        barter.with_user(self.collector).action_settle()
        self.assertEqual(invoice.amount_residual, 1150.0 - 460.0)
        self.assertEqual(barter.bill_id.currency_id, self.eur)
        self.assertEqual(barter.bill_id.payment_state, "paid")
        exchange = invoice.line_ids.matched_credit_ids.exchange_move_id
        self.assertTrue(exchange)
        self.assertBalanced(barter.bill_id + barter.netting_move_id + exchange)
        # 690 EUR still owed, at the invoice's rate of 2.0.
        self.assertEqual(self._receivable_balance(), 345.0)

    def test_approval_rights(self):
        self._taxed_invoice(5000.0)
        barter = self._barter(2000.0)
        self.assertTrue(barter.needs_manager)
        moves = self._moves_count()
        with self.assertRaises(AccessError):
            barter.with_user(self.collector).action_approve()
        with self.assertRaises(UserError):
            barter.with_user(self.collector).action_settle()
        self.assertEqual(barter.state, "draft")
        self.assertEqual(self._moves_count(), moves)

    def test_failure_in_the_middle_rolls_back(self):
        """The bill posts, then the netting journal refuses the receivable
        account: neither stays."""
        invoice = self._taxed_invoice(1000.0)
        journal = self.env["account.journal"].create(
            {
                "name": "Strict Netting",
                "code": "STNT",
                "type": "general",
                "account_control_ids": [Command.set(self.advertising.ids)],
            }
        )
        barter = self._barter(500.0, netting_journal_id=journal.id)
        barter.with_user(self.collector).action_approve()
        moves = self._moves_count()
        with self.assertRaises(UserError) as caught:
            barter.with_user(self.collector).action_settle()
        self.assertIn("cannot use this account", str(caught.exception))
        self.assertEqual(barter.state, "approved")
        self.assertEqual(self._moves_count(), moves)
        self.assertEqual(invoice.amount_residual, 1150.0)

    def test_netting_journal_required(self):
        self._taxed_invoice(1000.0)
        barter = self._barter(100.0)
        self.assertTrue(barter.netting_journal_id)
        barter.netting_journal_id = False
        with self.assertRaises(ValidationError) as caught:
            barter.with_user(self.collector).action_approve()
        self.assertIn("netting journal", str(caught.exception))

    def test_no_open_invoice(self):
        barter = self._barter(100.0, allow_payable=True)
        with self.assertRaises(ValidationError):
            barter.with_user(self.collector).action_approve()

    def test_a_line_without_product_books_to_the_purchase_expense(self):
        """What a vendor bill of the supply would book: the purchase
        journal's expense account, not whatever account comes first."""
        self._invoice(self.customer, 2000.0, days_old=40)
        barter = self.env["ar.barter"].create(
            {
                "partner_id": self.customer.id,
                "kind": "advertising",
                "line_ids": [
                    Command.create(
                        {"name": "Billboard, 6 weeks", "quantity": 6, "price_unit": 150}
                    )
                ],
            }
        )
        purchase = self.company_data["default_journal_purchase"]
        self.assertEqual(barter.line_ids.account_id, purchase.default_account_id)
        self.assertEqual(
            barter.line_ids.account_id, self.company_data["default_account_expense"]
        )
