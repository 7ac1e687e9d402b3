from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from ..models.access import MANAGER_GROUP
from .common_instruments import ArInstrumentCommon


@tagged("post_install", "-at_install")
class TestSettlement(ArInstrumentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.loss_account = cls.policy._settlement_account()

    def _settlement(self, invoices, agreed, user=None, **vals):
        return (
            self.env["ar.settlement"]
            .with_user(user or self.collector)
            .create(
                {
                    "partner_id": invoices.commercial_partner_id.id,
                    "invoice_ids": [(6, 0, invoices.ids)],
                    "amount_agreed": agreed,
                    "journal_id": self.bank.id,
                    **vals,
                }
            )
        )

    def _settle(self, settlement):
        settlement.with_user(self.manager).action_approve()
        settlement.with_user(self.collector).action_settle()
        return settlement

    def _instrument_moves(self, settlement):
        return self.env["account.move"].search(
            [("ar_settlement_id", "=", settlement.id)]
        )

    # ------------------------------------------------------------------
    # Books
    # ------------------------------------------------------------------
    def test_credit_note_reduces_tax_in_proportion(self):
        big = self._taxed_invoice(1000.0)  # 1150.00
        small = self._taxed_invoice(500.0)  # 575.00
        settlement = self._settlement(big + small, 1200.0)
        self.assertEqual(settlement.amount_open, 1725.0)
        self.assertEqual(settlement.amount_forgiven, 525.0)
        self._settle(settlement)

        self.assertEqual(settlement.state, "done")
        self.assertPaid(big + small)
        # what was forgiven is said on the settlement, the credit team's, not
        # on the customer's chatter, which every employee reads
        self.assertIn("525.00 forgiven", settlement.message_ids[0].body)
        said = (
            self.env["mail.message"]
            .with_user(self.salesman)
            .search_read(
                [("model", "=", "res.partner"), ("res_id", "=", self.customer.id)],
                ["body"],
            )
        )
        self.assertFalse([m for m in said if "forgiven" in m["body"]])
        refunds = self._instrument_moves(settlement).filtered(
            lambda m: m.move_type == "out_refund"
        )
        by_invoice = {r.reversed_entry_id: r for r in refunds}
        # 525 split by what each invoice owed: 350 and 175, tax included.
        self.assertEqual(by_invoice[big].amount_total, 350.0)
        self.assertEqual(by_invoice[big].amount_tax, 45.65)
        self.assertEqual(by_invoice[small].amount_total, 175.0)
        self.assertEqual(by_invoice[small].amount_tax, 22.83)
        self.assertEqual(settlement.payment_id.amount, 1200.0)
        # Nothing was left for the write-off account.
        self.assertFalse(
            settlement.payment_id.move_id.line_ids.filtered(
                lambda line: line.account_id == self.loss_account
            )
        )
        self.assertBalanced(self._instrument_moves(settlement))
        self.assertEqual(self._receivable_balance(), 0.0)
        self.assertEqual(
            self.env["account.move"]._ar_open_balance_of(
                self.customer, self.company, self.company.currency_id
            ),
            0.0,
        )

    def test_write_off_leaves_tax_untouched(self):
        invoices = self._taxed_invoice(1000.0) + self._taxed_invoice(500.0)
        tax_before = sum(invoices.mapped("amount_tax"))
        settlement = self._settlement(invoices, 1200.0, method="write_off")
        self._settle(settlement)

        self.assertPaid(invoices)
        moves = self._instrument_moves(settlement)
        self.assertFalse(moves.filtered(lambda m: m.move_type == "out_refund"))
        writeoff = moves.line_ids.filtered(
            lambda line: line.account_id == self.loss_account
        )
        self.assertEqual(sum(writeoff.mapped("balance")), 525.0)
        self.assertFalse(writeoff.tax_ids)
        self.assertEqual(sum(invoices.mapped("amount_tax")), tax_before)
        self.assertBalanced(moves)
        self.assertEqual(self._receivable_balance(), 0.0)

    def test_partly_paid_invoice_and_odd_cents(self):
        """A partly paid invoice settles on what it still owes, and a cent the
        taxes cannot reach goes to the write-off account: the invoices still
        end paid, and the forgiven amount is exact."""
        first = self._taxed_invoice(333.33)  # 383.33
        second = self._taxed_invoice(0.07)  # 0.08
        self._pay(first, 100.0)
        settlement = self._settlement(first + second, 150.0)
        self.assertEqual(settlement.amount_open, 283.41)
        self._settle(settlement)

        self.assertPaid(first + second)
        moves = self._instrument_moves(settlement)
        refunds = moves.filtered(lambda m: m.move_type == "out_refund")
        writeoff = moves.line_ids.filtered(
            lambda line: line.account_id == self.loss_account
        )
        self.assertAlmostEqual(
            sum(refunds.mapped("amount_total")) + sum(writeoff.mapped("balance")),
            133.41,
            places=2,
        )
        self.assertBalanced(moves)
        self.assertEqual(self._receivable_balance(), 0.0)

    def test_foreign_currency_exchange_difference(self):
        """EUR invoice booked at 2.0, settled at 2.5: the invoice is paid in
        EUR, and the company-currency difference goes to Odoo's exchange
        difference entry, leaving the receivable at zero."""
        invoice = self._taxed_invoice(1000.0, days_old=40, currency=self.eur)
        self.assertEqual(invoice.amount_total_signed, 575.0)  # 1150 EUR at 2.0
        settlement = self._settlement(invoice, 800.0)
        self.assertEqual(settlement.currency_id, self.eur)
        # 350 EUR forgiven is 140 in company currency at 2.5: a controller may
        # not approve above 1000, but this is below.
        self.assertEqual(settlement.amount_approval, 140.0)
        self.assertFalse(settlement.needs_manager)
        settlement.with_user(self.collector).action_approve()
        settlement.with_user(self.collector).action_settle()

        self.assertPaid(invoice)
        refund = self._instrument_moves(settlement).filtered(
            lambda m: m.move_type == "out_refund"
        )
        self.assertEqual(refund.currency_id, self.eur)
        self.assertEqual(refund.amount_total, 350.0)
        exchange = invoice.line_ids.matched_credit_ids.exchange_move_id
        self.assertTrue(exchange, "the rate moved: Odoo books an exchange difference")
        self.assertEqual(self._receivable_balance(), 0.0)
        self.assertBalanced(self._instrument_moves(settlement) + exchange)

    def test_part_ways_holds_the_customer(self):
        invoice = self._taxed_invoice(400.0)
        settlement = self._settlement(invoice, 300.0, part_ways=True)
        self._settle(settlement)
        self.assertHeld(self.customer, "manual")
        hold = self.env["ar.hold"]._manual_of(self.customer, self.company)
        self.assertIn(settlement.name, hold.note)
        order = self._order(self.customer, 10.0)
        with self.assertRaises(UserError):
            order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "draft")

    def test_settle_from_invoice_list(self):
        invoice = self._taxed_invoice(400.0)
        action = invoice.with_user(self.collector).action_ar_negotiate_settlement()
        form = Form(
            self.env["ar.settlement"]
            .with_user(self.collector)
            .with_context(**action["context"])
        )
        form.amount_agreed = 400.0
        self.assertEqual(form.amount_forgiven, 60.0)
        settlement = form.save()
        self.assertEqual(settlement.invoice_ids, invoice)
        self.assertEqual(settlement.writeoff_account_id, self.loss_account)

    # ------------------------------------------------------------------
    # Bad input: a clear error and nothing written
    # ------------------------------------------------------------------
    def test_request_approval_above_the_controllers_amount(self):
        """Forgiving 1,500 (policy limit 1,000): the collector cannot approve
        it, sees *Request Approval* instead, and the company's Credit
        Managers each get an activity; the one who approves closes them."""
        invoice = self._invoice(self.customer, 2000.0, days_old=40)
        settlement = self._settlement(invoice, 500.0)
        as_collector = settlement.with_user(self.collector)
        self.assertTrue(as_collector.needs_manager)
        self.assertFalse(as_collector.can_approve)
        self.assertTrue(settlement.with_user(self.manager).can_approve)
        second = self._user(
            "ar_manager_two",
            "sales_team.group_sale_salesman,account_receivable_management.group_ar_manager",
        )
        as_collector.action_request_approval()
        activities = settlement.activity_ids
        # every Credit Manager of the company (accounting administrators are)
        self.assertLessEqual(self.manager | second, activities.user_id)
        self.assertTrue(all(u.has_group(MANAGER_GROUP) for u in activities.user_id))
        self.assertNotIn(self.collector, activities.user_id)
        self.assertIn("1,500.00", activities[0].summary)
        self.assertTrue(settlement.date_approval_requested)
        # the filter of each manager finds it; the collector's does not
        Settlement = self.env["ar.settlement"]
        for user, found in (
            (self.manager, True),
            (second, True),
            (self.collector, False),
        ):
            mine = Settlement.with_user(user).search(
                [("awaiting_my_approval", "=", True)]
            )
            self.assertEqual(settlement in mine, found, user.login)
        # asking again adds nobody
        as_collector.action_request_approval()
        self.assertEqual(settlement.activity_ids, activities)
        # a small one needs no request
        small = self._settlement(
            self._invoice(self.customer, 300.0, days_old=40), 250.0
        )
        with self.assertRaises(UserError):
            small.with_user(self.collector).action_request_approval()
        # approved by one manager: the request is answered for both
        settlement.with_user(second).action_approve()
        self.assertEqual(settlement.state, "approved")
        self.assertFalse(settlement.activity_ids)
        self.assertFalse(
            Settlement.with_user(self.manager).search(
                [("awaiting_my_approval", "=", True)]
            )
        )

    def test_bad_amounts(self):
        invoice = self._taxed_invoice(1000.0)
        before = self._moves_count()
        for agreed in (1150.0, 2000.0, 0.0, -5.0):
            with self.subTest(agreed=agreed), self.assertRaises(ValidationError):
                self._settlement(invoice, agreed)
        self.assertFalse(self.env["ar.settlement"].search([]))
        self.assertEqual(self._moves_count(), before)

    def test_agreed_above_open_balance(self):
        """An unapplied payment lowers what the customer owes in all: the agreed
        amount cannot exceed it."""
        invoice = self._taxed_invoice(1000.0)
        self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": 900.0,
                "journal_id": self.bank.id,
            }
        ).action_post()
        settlement = self._settlement(invoice, 500.0)
        payments = self.env["account.payment"].search_count([])
        with self.assertRaises(ValidationError) as caught:
            settlement.with_user(self.manager).action_approve()
        self.assertIn("owes in all", str(caught.exception))
        self.assertEqual(settlement.state, "draft")
        self.assertEqual(self.env["account.payment"].search_count([]), payments)

    def test_invoices_of_two_customers_or_companies(self):
        other = self.env["res.partner"].create(
            {"name": "Other Ltd", "is_company": True}
        )
        mine = self._taxed_invoice(100.0)
        theirs = self._taxed_invoice(100.0, partner=other)
        with self.assertRaises(ValidationError):
            self._settlement(mine, 50.0, invoice_ids=[(6, 0, (mine + theirs).ids)])
        company_b = self.setup_other_company(name="Company B")["company"]
        self.env.user.company_ids |= company_b
        foreign = (
            self.env["account.move"]
            .with_company(company_b)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_line_ids": [(0, 0, {"name": "B", "price_unit": 100.0})],
                }
            )
        )
        foreign.action_post()
        with self.assertRaises(UserError):
            self.env["ar.settlement"].create(
                {
                    "partner_id": self.customer.id,
                    "invoice_ids": [(6, 0, (mine + foreign).ids)],
                    "amount_agreed": 50.0,
                    "journal_id": self.bank.id,
                }
            )
        self.assertFalse(self.env["ar.settlement"].search([]))

    def test_approval_rights(self):
        invoice = self._taxed_invoice(10000.0)  # 11500.00
        big = self._settlement(invoice, 8000.0)  # forgives 3500 > 1000
        self.assertTrue(big.needs_manager)
        with self.assertRaises(AccessError):
            big.with_user(self.collector).action_approve()
        self.assertEqual(big.state, "draft")
        with self.assertRaises(AccessError):
            big.with_user(self.salesman).action_approve()
        with self.assertRaises(UserError):
            big.with_user(self.collector).action_settle()  # not approved
        big.with_user(self.manager).action_approve()
        self.assertEqual(big.approved_by_id, self.manager)

        small = self._settlement(self._taxed_invoice(100.0), 100.0)  # forgives 15
        small.with_user(self.collector).action_approve()
        self.assertEqual(small.state, "approved")
        with self.assertRaises(AccessError):
            self._settlement(self._taxed_invoice(100.0), 100.0, user=self.salesman)

    def test_failure_in_the_middle_rolls_back(self):
        """The credit notes post before the payment: when the payment cannot be
        made (the journal takes no incoming payments), nothing stays."""
        invoice = self._taxed_invoice(1000.0)
        journal = self.bank.copy({"name": "No Incoming", "code": "NOIN"})
        journal.inbound_payment_method_line_ids.unlink()
        settlement = self._settlement(invoice, 700.0, journal_id=journal.id)
        settlement.with_user(self.collector).action_approve()
        moves, payments = (
            self._moves_count(),
            self.env["account.payment"].search_count([]),
        )
        with self.assertRaises(UserError):
            settlement.with_user(self.collector).action_settle()
        self.assertEqual(settlement.state, "approved")
        self.assertEqual(self._moves_count(), moves)
        self.assertEqual(self.env["account.payment"].search_count([]), payments)
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertEqual(invoice.amount_residual, 1150.0)
