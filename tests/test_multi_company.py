"""Two companies in two currencies share one customer: every figure, hold and
instrument stays in its company, and a user of one company cannot reach the
other's records through search, read or RPC."""

import re
from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from .common import shown_lines
from .common_instruments import ArInstrumentCommon

# The addon's records that carry a company, and how to find the customer's.
PER_COMPANY_MODELS = (
    "ar.hold",
    "ar.partner.exposure",
    "ar.partner.metrics",
    "ar.partner.snapshot",
    "ar.promise",
    "ar.payment.plan",
    "ar.payment.plan.line",
    "ar.settlement",
    "ar.worklist",
)


class _TwoCompanies(ArInstrumentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.company  # USD
        cls.data_b = cls.setup_other_company(name="Company B", currency_id=cls.eur.id)
        cls.company_b = cls.data_b["company"]
        cls.company_b.account_use_credit_limit = True
        cls.company_b.ar_policy_id.block_on_limit = True
        cls.env.user.company_ids |= cls.company_b
        cls.manager.company_ids |= cls.company_b
        cls.collector.company_ids |= cls.company_b
        cls.customer.with_company(cls.company_a).credit_limit = 1000.0
        cls.customer.with_company(cls.company_b).credit_limit = 5000.0
        # A user of company B only, with every right of the addon.
        cls.manager_b = new_test_user(
            cls.env,
            login="ar_manager_b",
            password="ar_manager_b_pw",
            groups="account_receivable_management.group_ar_manager",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )

    @classmethod
    def _invoice_b(cls, amount, days_old=0):
        """A posted invoice of company B, in euros."""
        return cls._invoice(cls.customer, amount, days_old, company=cls.company_b)


@tagged("post_install", "-at_install")
class TestMultiCompany(_TwoCompanies):
    def test_default_policy_is_per_company(self):
        policy_a = self.company_a.ar_policy_id
        policy_b = self.company_b.ar_policy_id
        self.assertTrue(policy_a and policy_b)
        self.assertNotEqual(policy_a, policy_b)
        self.assertEqual(policy_a.company_id, self.company_a)
        self.assertEqual(policy_b.company_id, self.company_b)
        self.assertEqual(policy_b.currency_id, self.eur)
        # Company B's Credit Manager sees and edits B's policy only.
        policies = self.env["ar.credit.policy"].with_user(self.manager_b)
        self.assertEqual(policies.search([]), policy_b)
        policy_b.with_user(self.manager_b).block_on_limit = False
        self.assertTrue(policy_a.block_on_limit)
        with self.assertRaises(AccessError):
            policy_a.with_user(self.manager_b).block_on_limit = False
        # nor give a customer another company's policy
        with self.assertRaises(AccessError):
            self.customer.with_user(self.manager_b).ar_policy_id = policy_a
        # not even a manager of both companies: in A, a customer is judged by
        # one of A's policies
        customer_a = self.customer.with_user(self.manager).with_context(
            allowed_company_ids=(self.company_a | self.company_b).ids
        )
        with self.assertRaises(UserError) as caught:
            customer_a.write(
                {"ar_policy_id": policy_b.id, "ar_credit_change_reason": "Group terms"}
            )
        self.assertIn("Company B's: choose one of", str(caught.exception))
        self.assertEqual(
            self.customer.with_company(self.company_a).ar_policy_id,
            self.env["ar.credit.policy"],
        )
        # nor a new customer, given it by value or as the context's default
        Partner = self.env["res.partner"]
        partners = Partner.search_count([])
        for vals, context in (
            ({"name": "Group Subsidiary", "ar_policy_id": policy_b.id}, {}),
            ({"name": "Group Subsidiary"}, {"default_ar_policy_id": policy_b.id}),
        ):
            with self.assertRaises(UserError) as caught:
                Partner.with_user(self.manager).with_context(
                    allowed_company_ids=(self.company_a | self.company_b).ids,
                    **context,
                ).create(vals)
            self.assertIn("Company B's: choose one of", str(caught.exception))
        self.assertEqual(Partner.search_count([]), partners)
        # nor is a company's default policy another company's (Odoo's own
        # company check on the field)
        with self.assertRaises(UserError):
            self.company_a.ar_policy_id = policy_b
        self.company_a.invalidate_recordset()  # read back what was kept
        self.assertEqual(self.company_a.ar_policy_id, policy_a)

    def test_limits_exposure_and_holds_stay_in_their_company(self):
        self._invoice(self.customer, 900.0)  # USD, company A
        self._invoice_b(300.0)  # EUR, company B
        customer_a = self.customer.with_company(self.company_a)
        customer_b = self.customer.with_company(self.company_b)
        self.assertEqual(customer_a.ar_exposure, 900.0)
        self.assertEqual(customer_b.ar_exposure, 300.0)
        self.assertEqual(customer_a.ar_credit_limit, 1000.0)
        self.assertEqual(customer_b.ar_credit_limit, 5000.0)

        order_a = self._order(self.customer, 200.0)
        with self.assertRaisesRegex(UserError, "credit limit"):
            order_a.action_confirm()
        self.assertEqual(order_a.state, "draft")
        order_b = self._order(self.customer, 200.0, company=self.company_b)
        order_b.action_confirm()
        self.assertEqual(order_b.state, "sale")
        self.env.invalidate_all()
        self.assertEqual(customer_b.ar_exposure, 500.0)  # the order counts in B
        self.assertEqual(customer_a.ar_exposure, 900.0)

        # A manual hold in B holds in B only.
        self._hold_wizard(self.customer, "place", "Disputed delivery", self.manager_b)
        self.assertHeld(self.customer, "manual", company=self.company_b)
        self.assertNotHeld(self.customer, company=self.company_a)
        self.assertFalse(
            self.env["ar.hold"]
            .with_user(self.manager_b)
            .search([("company_id", "=", self.company_a.id)])
        )

    def test_dashboard_shows_its_company_in_its_currency(self):
        self._invoice(self.customer, 900.0)  # USD, company A
        self._invoice_b(300.0)  # EUR, company B
        self._hold_wizard(self.customer, "place", "Disputed", self.manager)

        def cards(user, company):
            data = (
                self.env["ar.dashboard"]
                .with_user(user)
                .with_company(company)
                .get_data()
            )
            return data, {card["key"]: card["value"] for card in data["cards"]}

        data_b, cards_b = cards(self.manager_b, self.company_b)
        self.assertEqual(data_b["company"], "Company B")
        self.assertEqual(data_b["currency_id"], self.eur.id)
        self.assertEqual(cards_b["receivable"], 300.0)
        self.assertEqual(cards_b["on_hold"], 0)  # the hold is in company A
        _data_a, cards_a = cards(self.manager, self.company_a)
        self.assertEqual(cards_a["receivable"], 900.0)
        self.assertEqual(cards_a["on_hold"], 1)

    def test_metrics_are_per_company(self):
        invoice_a = self._invoice(self.customer, 1000.0, days_old=90)
        invoice_a._ar_register_payment(payment_date=self.today - timedelta(days=40))
        invoice_b = self._invoice_b(500.0, days_old=60)
        payment = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice_b.ids)
            .create({"payment_date": self.today - timedelta(days=50)})
        )
        payment._create_payments()
        self.assertEqual(invoice_b.payment_state, "paid")
        Metrics = self.env["ar.partner.metrics"]
        Metrics._run(companies=self.company_a | self.company_b)
        rows = Metrics.search([("partner_id", "=", self.customer.id)])
        by_company = {row.company_id: row for row in rows}
        self.assertEqual(set(by_company), {self.company_a, self.company_b})
        self.assertEqual(by_company[self.company_a].avg_days_to_pay, 50.0)
        self.assertEqual(by_company[self.company_b].avg_days_to_pay, 10.0)
        self.assertEqual(by_company[self.company_a].paid_amount, 1000.0)
        self.assertEqual(by_company[self.company_b].paid_amount, 500.0)
        # B's user reads B's row only.
        self.assertEqual(
            Metrics.with_user(self.manager_b).search(
                [("partner_id", "=", self.customer.id)]
            ),
            by_company[self.company_b],
        )

    def test_instruments_take_their_company_invoices_only(self):
        invoice_a = self._invoice(self.customer, 800.0, days_old=40)
        invoice_b = self._invoice_b(600.0, days_old=40)
        Plan = self.env["ar.payment.plan"].with_user(self.collector)
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            Plan.create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company_a.id,
                    "invoice_ids": [Command.set((invoice_a | invoice_b).ids)],
                    "first_date": self.today + timedelta(days=30),
                }
            )
        settlement = (
            self.env["ar.settlement"]
            .with_user(self.collector)
            .with_company(self.company_b)
            .create(
                {
                    "partner_id": self.customer.id,
                    "company_id": self.company_b.id,
                    "invoice_ids": [Command.set(invoice_b.ids)],
                    "amount_agreed": 500.0,
                    "journal_id": self.data_b["default_journal_bank"].id,
                }
            )
        )
        self.assertEqual(settlement.currency_id, self.eur)
        settlement.with_user(self.manager).with_company(self.company_b).action_approve()
        settlement.with_user(self.collector).with_company(
            self.company_b
        ).action_settle()
        self.assertEqual(invoice_b.payment_state, "paid")
        self.assertEqual(invoice_a.payment_state, "not_paid")
        self.assertEqual(
            set(settlement.move_ids.mapped("company_id")), {self.company_b}
        )
        # Company B's user sees the settlement, company A's records stay hidden.
        self.assertEqual(
            self.env["ar.settlement"].with_user(self.manager_b).search([]), settlement
        )

    def test_a_user_of_company_b_cannot_reach_company_a(self):
        self._invoice(self.customer, 1500.0, days_old=60)  # held in A
        self.env["ar.promise"].create(
            {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(self._invoice(self.customer, 50.0).ids)],
                "amount": 50.0,
                "promised_date": self.today + timedelta(days=3),
            }
        )
        open_a = self._invoice(self.customer, 700.0, days_old=30)
        self.env["ar.payment.plan"].create(
            {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(open_a.ids)],
                "first_date": self.today + timedelta(days=30),
            }
        )
        self.env["ar.settlement"].create(
            {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(open_a.ids)],
                "amount_agreed": 600.0,
                "journal_id": self.bank.id,
            }
        )
        self.env["ar.partner.metrics"]._run(companies=self.company_a)
        self.assertHeld(self.customer, "over_limit", company=self.company_a)
        for model in PER_COMPANY_MODELS:
            records_a = self.env[model].search([("company_id", "=", self.company_a.id)])
            as_b = self.env[model].with_user(self.manager_b)
            with self.subTest(model=model):
                self.assertTrue(records_a, f"the test needs {model} records in A")
                self.assertFalse(as_b.search([("id", "in", records_a.ids)]))
                self.assertFalse(as_b.search_count([]) and as_b.search([]) & records_a)
                with self.assertRaises(AccessError):
                    records_a.with_user(self.manager_b).read(["company_id"])
                # nor by asking for company A explicitly in the context
                with self.assertRaises(AccessError):
                    as_b.with_context(allowed_company_ids=self.company_a.ids).search(
                        [("id", "in", records_a.ids)]
                    ).read(["company_id"])

    def test_wizards_refuse_a_company_the_user_does_not_work_for(self):
        """Each wizard that acts in the company it is given refuses company A
        to a Credit Manager of B (at its creation, by its record rule, or when
        it acts), and changes nothing in A."""
        self.customer.email = "customer@example.com"
        self._invoice(self.customer, 300.0, days_old=40)
        as_b = self.env(
            user=self.manager_b, context={"allowed_company_ids": self.company_b.ids}
        )
        customer = self.customer.with_env(as_b)
        messages = len(self.customer.message_ids)
        wizards = {
            "ar.hold.wizard": (
                {"partner_id": customer.id, "reason": "forged"},
                "action_confirm",
            ),
            "ar.call.log": ({"partner_id": customer.id, "note": "x"}, "action_log"),
            "ar.statement.wizard": ({"partner_ids": customer.ids}, "action_download"),
            "ar.statement.wizard ": ({"partner_ids": customer.ids}, "action_send"),
            "ar.collector.assign": (
                {"partner_ids": customer.ids, "collector_id": self.manager_b.id},
                "action_assign",
            ),
            "ar.aging.report": ({}, "action_show"),
        }
        for model, (vals, method) in wizards.items():
            with self.subTest(model=model), self.assertRaises(AccessError):
                wizard = as_b[model.strip()].create(
                    {"company_id": self.company_a.id, **vals}
                )
                getattr(wizard, method)()
        # the call log's own check says why
        log = as_b["ar.call.log"].create(
            {"partner_id": customer.id, "company_id": self.company_a.id, "note": "x"}
        )
        with self.assertRaisesRegex(
            AccessError, f"You do not work for {re.escape(self.company_a.name)}"
        ):
            log.action_log()
        self.assertFalse(
            self.env["ar.hold"].search(
                [
                    ("partner_id", "=", self.customer.id),
                    ("company_id", "=", self.company_a.id),
                    ("reason", "=", "manual"),
                ]
            )
        )
        partner_a = self.customer.with_company(self.company_a)
        self.assertFalse(partner_a.ar_last_contact_date)
        self.assertFalse(partner_a.ar_collector_id)
        self.assertEqual(len(self.customer.message_ids), messages)
        # in its own company, the same wizard places the hold
        as_b["ar.hold.wizard"].create(
            {
                "partner_id": customer.id,
                "company_id": self.company_b.id,
                "reason": "asked by the customer's bank",
            }
        ).action_confirm()
        self.assertHeld(self.customer, "manual", company=self.company_b)

    def test_a_wizard_form_shows_nothing_of_another_company(self):
        """The credit override wizard shows its order's total and credit
        block. A Credit Manager of B naming an order of A, in the form or in
        a wizard they make, is refused, not told A's figures; their own
        order's form computes."""
        order_a = self._order(self.customer, 4321.0)
        order_b = self._order(self.customer, 1234.0, company=self.company_b)
        as_b = self.env(
            user=self.manager_b, context={"allowed_company_ids": self.company_b.ids}
        )
        Wizard = as_b["ar.credit.override.wizard"]
        spec = {"order_id": {}, "amount_total": {}, "block_message": {}}
        with self.assertRaises(AccessError) as refused:
            Wizard.onchange({"order_id": order_a.id}, [], spec)
        self.assertNotIn("4,321", str(refused.exception))
        self.assertNotIn("4321", str(refused.exception))
        # nor as the context's default, as the order's button opens it
        with self.assertRaises(AccessError):
            Wizard.with_context(default_order_id=order_a.id).onchange({}, [], spec)
        # nor made for it, to read its figures after
        with self.assertRaises(AccessError), self.env.cr.savepoint():
            Wizard.create({"order_id": order_a.id, "reason": "to read its total"})
        self.assertFalse(
            self.env["ar.credit.override.wizard"].search(
                [("order_id", "=", order_a.id)]
            )
        )
        result = Wizard.onchange({"order_id": order_b.id}, [], spec)
        self.assertEqual(result["value"]["amount_total"], 1234.0)

    def test_nothing_moves_into_another_company_with_its_document(self):
        """A reminder step, a plan's line and a dispute are in the company of
        their policy, plan and invoice. A Credit Manager of B who gives them
        one of company A's is refused: A's reminders, plans and disputes are
        not theirs to add to, and nothing moves."""
        as_b = self.env(
            user=self.manager_b, context={"allowed_company_ids": self.company_b.ids}
        )
        step = as_b["ar.reminder.step"].search(
            [("policy_id", "=", self.company_b.ar_policy_id.id)], limit=1
        )
        plan_b = as_b["ar.payment.plan"].create(
            {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(self._invoice_b(900.0, 40).ids)],
                "first_date": self.today + timedelta(days=30),
            }
        )
        plan_a = self.env["ar.payment.plan"].create(
            {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(self._invoice(self.customer, 600.0).ids)],
                "first_date": self.today + timedelta(days=30),
            }
        )
        invoice_a = self._invoice(self.customer, 300.0, days_old=40)
        dispute = as_b["ar.dispute"].create(
            {
                "move_id": self._invoice_b(400.0, 40).id,
                "amount": 100.0,
                "reason_id": self.env.ref(
                    "account_receivable_management.dispute_reason_price"
                ).id,
                "description": "Billed twice.",
            }
        )
        self.assertTrue(step and plan_b.line_ids and plan_a.state == "draft")
        moves = (
            (step, "policy_id", self.company_a.ar_policy_id),
            (plan_b.line_ids[0], "plan_id", plan_a),
            (dispute, "move_id", invoice_a),
        )
        for record, field, document_a in moves:
            with self.subTest(model=record._name):
                with self.assertRaisesRegex(UserError, "stays in Company B"):
                    record.write({field: document_a.id})
                self.assertEqual(record[field].company_id, self.company_b)
                self.assertEqual(record.company_id, self.company_b)
        self.assertEqual(len(plan_a.line_ids), 3)
        self.assertFalse(invoice_a.ar_in_dispute)
        # within its company, a line still moves to another draft plan
        plan_b2 = as_b["ar.payment.plan"].create(
            {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(self._invoice_b(300.0, 40).ids)],
                "first_date": self.today + timedelta(days=30),
            }
        )
        line = plan_b.line_ids[0]
        line.plan_id = plan_b2
        self.assertEqual(line.plan_id, plan_b2)


@tagged("post_install", "-at_install")
class TestMultiCompanyRpc(_TwoCompanies, HttpCase):
    def test_rpc_of_company_b_user_sees_nothing_of_a(self):
        self._invoice(self.customer, 1500.0, days_old=60)
        self.env["ar.partner.metrics"]._run(companies=self.company_a)
        held_a = self.env["ar.hold"].search([("company_id", "=", self.company_a.id)])
        self.assertTrue(held_a)
        # a Credit Manager of A shows A's aged receivables
        report_a = (
            self.env["ar.aging.report"]
            .with_user(self.manager)
            .create({"date": self.today, "company_id": self.company_a.id})
        )
        lines_a = shown_lines(report_a.sudo())
        self.assertTrue(lines_a)
        self.env.flush_all()
        self.authenticate("ar_manager_b", "ar_manager_b_pw")

        def call(model, method, args, **kwargs):
            return self.make_jsonrpc_request(
                "/web/dataset/call_kw",
                {"model": model, "method": method, "args": args, "kwargs": kwargs},
            )

        for model in (
            "ar.hold",
            "ar.partner.metrics",
            "ar.partner.exposure",
            "ar.aging.report",
            "ar.aging.line",
        ):
            with self.subTest(model=model):
                rows = call(model, "search_read", [[]], fields=["company_id"])
                self.assertTrue(
                    all(row["company_id"][0] == self.company_b.id for row in rows)
                )
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            call("ar.hold", "read", [held_a.ids, ["reason"]])
        # A's lines, asked for with A's report named as Show names it
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            call(
                "ar.aging.line",
                "read",
                [lines_a.ids, ["amount"]],
                context={"ar_aging_report_id": report_a.id},
            )
        # Asking for company A in the context is refused, not obeyed.
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            call(
                "ar.hold",
                "search_read",
                [[("id", "in", held_a.ids)]],
                fields=["reason"],
                context={"allowed_company_ids": self.company_a.ids},
            )
