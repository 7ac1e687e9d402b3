from datetime import timedelta

from odoo import Command
from odoo.tests import tagged

from .common import demo_provider
from .test_portal import PortalCommon


@tagged("post_install", "-at_install")
class TestPortalPayments(PortalCommon):
    """Paying online from the account page, with Odoo's demo provider: the
    invoices ticked, every overdue one, or a plan's next installment, in one
    transaction reconciled with exactly those invoices; and what a hostile
    portal user sends instead."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = demo_provider(cls.env, cls.company, cls.bank)
        cls.method = cls.env.ref("payment_demo.payment_method_demo")
        cls.third = cls._invoice(cls.customer, 300.0, days_old=2, term_days=30)

    # ------------------------------------------------------------------
    def _transaction(self, what, amount, **extra):
        params = {
            "provider_id": self.provider.id,
            "payment_method_id": self.method.id,
            "token_id": None,
            "amount": amount,
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": "/my/receivables",
            "is_validation": False,
            "access_token": None,
            **extra,
        }
        return self._json_rpc(f"/my/receivables/transaction/{what}", **params)

    def _pay(self, what, amount, state="done"):
        """Make the transaction as the payment form does, let the demo
        provider answer ``state`` as its page does, and process it as Odoo's
        status page does."""
        answer = self._transaction(what, amount)
        self.assertIn("result", answer, answer)
        reference = answer["result"]["reference"]
        self._json_rpc(
            "/payment/demo/simulate_payment",
            reference=reference,
            payment_details="4242",
            simulated_state=state,
        )
        tx = self.env["payment.transaction"].search([("reference", "=", reference)])
        tx._post_process()
        return tx

    def _error(self, answer):
        self.assertIn("error", answer, answer)
        return answer["error"]["data"]["message"]

    def _transactions(self):
        return self.env["payment.transaction"].search_count(
            [("partner_id", "=", self.pat.id)]
        )

    # ------------------------------------------------------------------
    def test_pay_ticked_invoices_in_one_transaction(self):
        page = self._page(
            f"/my/receivables/pay?invoice_ids={self.late.id}&invoice_ids={self.soon.id}"
        ).text
        self.assertIn("o_payment_form", page)
        self.assertIn("700.00", page)
        tx = self._pay(f"invoices-{self.late.id}-{self.soon.id}", 700.0)
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.invoice_ids, self.late | self.soon)
        self.assertRecordValues(
            self.late | self.soon | self.third,
            [
                {"payment_state": "paid", "amount_residual": 0.0},
                {"payment_state": "paid", "amount_residual": 0.0},
                {"payment_state": "not_paid", "amount_residual": 300.0},
            ],
        )
        payment = tx.payment_id
        self.assertEqual(payment.partner_id, self.customer)
        self.assertEqual(payment.amount, 700.0)
        self.assertEqual(payment.reconciled_invoice_ids, self.late | self.soon)
        move = payment.move_id
        self.assertEqual(
            sum(move.line_ids.mapped("debit")), sum(move.line_ids.mapped("credit"))
        )
        # the account page no longer lists them
        html = self._page().text
        self.assertNotIn(f">{self.late.name}<", html)
        self.assertIn(f">{self.third.name}<", html)

    def test_pay_all_overdue(self):
        tx = self._pay("overdue", 500.0)
        self.assertEqual(tx.invoice_ids, self.late)
        self.assertTrue(self.late.currency_id.is_zero(self.late.amount_residual))
        self.assertEqual(self.soon.amount_residual, 200.0)

    def test_cancelled_or_failed_payment_leaves_everything_open(self):
        for state in ("cancel", "error"):
            with self.subTest(state=state):
                tx = self._pay(f"invoices-{self.late.id}", 500.0, state=state)
                self.assertNotEqual(tx.state, "done")
                self.assertFalse(tx.payment_id)
                self.assertEqual(self.late.amount_residual, 500.0)
                self.assertEqual(self.late.payment_state, "not_paid")

    def test_hostile_payments_write_nothing(self):
        before = self._transactions()
        cases = [
            # another customer's invoice, alone or among one's own
            (f"invoices-{self.theirs.id}", 900.0, {}, "your open invoices"),
            (f"invoices-{self.late.id}-{self.theirs.id}", 1400.0, {}, "open invoices"),
            ("invoices-1 OR 1=1", 500.0, {}, "your open invoices"),
            ("everything", 500.0, {}, "Choose what to pay"),
            # an amount not what is owed: less, more, none
            (f"invoices-{self.late.id}", 1.0, {}, "changed since"),
            (f"invoices-{self.late.id}", 5000.0, {}, "changed since"),
            (f"invoices-{self.late.id}", None, {}, "changed since"),
            # a forged reference or partner: not a parameter of the route
            (
                f"invoices-{self.late.id}",
                500.0,
                {"reference_prefix": "X"},
                "whitelisted",
            ),
            (f"invoices-{self.late.id}", 500.0, {"partner_id": 1}, "whitelisted"),
            # a provider the page did not offer
            (f"invoices-{self.late.id}", 500.0, {"provider_id": 0}, "ways to pay"),
            # someone else's plan
            ("plan-999999", 10.0, {}, "active payment plans"),
        ]
        for what, amount, extra, expected in cases:
            with self.subTest(what=what, extra=extra):
                message = self._error(self._transaction(what, amount, **extra))
                self.assertIn(expected, message)
        self.assertEqual(self._transactions(), before, "nothing written")
        # a reference the provider never issued
        answer = self._json_rpc(
            "/payment/demo/simulate_payment",
            reference="INV/FORGED-1",
            simulated_state="done",
        )
        self.assertIn("No transaction found", self._error(answer))
        self.assertEqual(self.late.amount_residual, 500.0)

    def test_replayed_payment_pays_once(self):
        tx = self._pay(f"invoices-{self.late.id}", 500.0)
        payment = tx.payment_id
        # the provider's answer again, then the status page again
        self._json_rpc(
            "/payment/demo/simulate_payment",
            reference=tx.reference,
            simulated_state="done",
        )
        tx._post_process()
        self.assertEqual(tx.payment_id, payment)
        self.assertEqual(
            self.env["account.payment"].search_count(
                [("payment_transaction_id", "=", tx.id)]
            ),
            1,
        )
        # and a new transaction for what is now paid is refused
        message = self._error(self._transaction(f"invoices-{self.late.id}", 500.0))
        self.assertIn("your open invoices", message)

    def test_pay_next_installment_of_a_plan(self):
        plan = self.env["ar.payment.plan"].create(
            {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set((self.late | self.soon).ids)],
                "installment_count": 2,
                "frequency": "monthly",
                "first_date": self.today + timedelta(days=3),
            }
        )
        plan.with_user(self.manager).action_activate()
        first = plan.line_ids.sorted("date_due")[0]
        self.assertEqual(first.amount, 350.0)
        html = self._page().text
        self.assertIn(f"/my/receivables/pay?plan_id={plan.id}", html)
        page = self._page(f"/my/receivables/pay?plan_id={plan.id}").text
        self.assertIn("350.00", page)
        tx = self._pay(f"plan-{plan.id}", 350.0)
        self.assertEqual(tx.state, "done")
        # applied as the plan's rules say: its oldest invoice first
        self.assertEqual(self.late.amount_residual, 150.0)
        self.assertEqual(self.soon.amount_residual, 200.0)
        self.assertEqual(first.amount_paid, 350.0)
        self.assertTrue(first.is_paid)
        self.assertEqual(plan.state, "active")
        # the next installment is the second one now
        self.assertEqual(plan._ar_next_installment(), plan.line_ids - first)
        # paying the first one again at its amount is refused
        self.assertIn(
            "changed since",
            self._error(self._transaction(f"plan-{plan.id}", 1.0)),
        )
