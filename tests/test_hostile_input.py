"""Bad and hostile input over JSON-RPC, as the web client or a script would send
it: wrong types, negative and huge amounts, ids that do not exist, another
customer's and another company's invoices. Every call gets an error that names
the problem, and the database is left as it was."""

import json
from datetime import timedelta

from odoo import Command
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

from .common_instruments import ArInstrumentCommon

# What a refused call must not have touched.
WATCHED_TABLES = (
    "ar_promise",
    "ar_payment_plan",
    "ar_payment_plan_line",
    "ar_settlement",
    "ar_barter",
    "ar_hold",
    "account_move",
    "account_partial_reconcile",
)


@tagged("post_install", "-at_install")
class TestHostileInput(ArInstrumentCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._invoice(cls.customer, 800.0, days_old=40)
        other = cls.env["res.partner"].create({"name": "Other Co", "is_company": True})
        cls.other_invoice = cls._invoice(other, 100.0, days_old=40)
        data_b = cls.setup_other_company(name="Company B")
        cls.env.user.company_ids |= data_b["company"]
        cls.invoice_b = cls._invoice(cls.customer, 50.0, company=data_b["company"])

    def _state(self):
        """Row count and last id of each watched table, and the customer's
        credit settings."""
        self.env.flush_all()
        state = {}
        for table in WATCHED_TABLES:
            self.env.cr.execute(f"SELECT count(*), max(id) FROM {table}")
            state[table] = self.env.cr.fetchone()
        partner = self.customer.with_company(self.company)
        state["credit"] = (partner.credit_limit, partner.ar_policy_id.id)
        return state

    def _call(self, model, method, args, **kwargs):
        params = {"model": model, "method": method, "args": args, "kwargs": kwargs}
        params = json.loads(json.dumps(params, default=str))
        return self.make_jsonrpc_request("/web/dataset/call_kw", params)

    def _refused(self, errors, model, method, args, **kwargs):
        """The call fails with one of ``errors`` and changes nothing."""
        before = self._state()
        with self.assertRaises(JsonRpcException) as caught:
            self._call(model, method, args, **kwargs)
        self.assertIn(str(caught.exception).rsplit(".", 1)[-1], errors)
        self.env.invalidate_all()
        self.assertEqual(self._state(), before)

    def _promise(self, **vals):
        return {
            "partner_id": self.customer.id,
            "invoice_ids": [Command.set(self.invoice.ids)],
            "amount": 100.0,
            "promised_date": self.today + timedelta(days=7),
            **vals,
        }

    def _plan(self, **vals):
        return {
            "partner_id": self.customer.id,
            "invoice_ids": [Command.set(self.invoice.ids)],
            "first_date": self.today + timedelta(days=30),
            **vals,
        }

    def _settlement(self, **vals):
        return {
            "partner_id": self.customer.id,
            "invoice_ids": [Command.set(self.invoice.ids)],
            "amount_agreed": 600.0,
            "journal_id": self.bank.id,
            **vals,
        }

    def test_collector_bad_input(self):
        self.authenticate(self.collector.login, self.collector.login)
        business = ("ValidationError", "UserError")
        typing = ("ValidationError", "UserError", "ValueError", "TypeError")
        missing = ("MissingError", "ValidationError", "AccessError")
        cases = [
            (
                "promise: amount as text",
                typing,
                "ar.promise",
                self._promise(amount="lots"),
            ),
            (
                "promise: negative amount",
                business,
                "ar.promise",
                self._promise(amount=-100.0),
            ),
            (
                "promise: huge amount",
                business,
                "ar.promise",
                self._promise(amount=1e20),
            ),
            (
                "promise: amount that is no number",
                ("ValidationError",),
                "ar.promise",
                self._promise(amount=float("nan")),
            ),
            (
                "settlement: infinite amount",
                ("ValidationError",),
                "ar.settlement",
                self._settlement(amount_agreed=float("inf")),
            ),
            (
                "promise: date as text",
                typing,
                "ar.promise",
                self._promise(promised_date="soon"),
            ),
            (
                "promise: invoice that does not exist",
                missing,
                "ar.promise",
                self._promise(invoice_ids=[Command.set([2_000_000_000])]),
            ),
            (
                "promise: another customer's invoice",
                business,
                "ar.promise",
                self._promise(invoice_ids=[Command.set(self.other_invoice.ids)]),
            ),
            (
                "promise: another company's invoice",
                ("ValidationError", "UserError", "AccessError"),
                "ar.promise",
                self._promise(invoice_ids=[Command.set(self.invoice_b.ids)]),
            ),
            (
                "promise: partner id as SQL",
                # a query parameter, refused by PostgreSQL as not an integer
                (*typing, "InvalidTextRepresentation"),
                "ar.promise",
                self._promise(partner_id="1; DROP TABLE ar_promise"),
            ),
            (
                "plan: no installment",
                business,
                "ar.payment.plan",
                self._plan(installment_count=0),
            ),
            (
                "plan: a million installments",
                business,
                "ar.payment.plan",
                self._plan(installment_count=1_000_000),
            ),
            (
                "plan: installments beyond an integer",
                (*typing, "NumericValueOutOfRange", "DataError"),
                "ar.payment.plan",
                self._plan(installment_count=10**12),
            ),
            (
                "plan: down payment above the total",
                business,
                "ar.payment.plan",
                self._plan(down_payment=10**9, down_payment_date=self.today),
            ),
            (
                "settlement: negative payment",
                business,
                "ar.settlement",
                self._settlement(amount_agreed=-50.0),
            ),
            (
                "settlement: more than owed",
                business,
                "ar.settlement",
                self._settlement(amount_agreed=1e15),
            ),
            (
                "settlement: another company's invoice",
                ("ValidationError", "UserError", "AccessError"),
                "ar.settlement",
                self._settlement(invoice_ids=[Command.set(self.invoice_b.ids)]),
            ),
        ]
        for label, errors, model, vals in cases:
            with self.subTest(label):
                self._refused(errors, model, "create", [vals])
        with self.subTest("approve a settlement that does not exist"):
            self._refused(missing, "ar.settlement", "action_approve", [[2_000_000_000]])
        with self.subTest("a collector sets a credit limit"):
            self._refused(
                ("AccessError",),
                "res.partner",
                "write",
                [self.customer.ids, {"credit_limit": 10**9}],
            )

    def test_manager_bad_input(self):
        self.authenticate(self.manager.login, self.manager.login)
        for label, vals, errors in (
            ("negative limit", {"credit_limit": -5.0}, ("ValidationError",)),
            (
                "limit as text",
                {"credit_limit": "a lot"},
                ("ValueError", "ValidationError"),
            ),
            (
                "policy that does not exist",
                {"ar_policy_id": 2_000_000_000},
                ("MissingError", "AccessError", "ValidationError"),
            ),
            (
                "limit that is no number",
                {"credit_limit": float("nan")},
                ("ValidationError",),
            ),
            (
                "hold state written directly",
                {"ar_credit_hold": False},
                ("AccessError",),
            ),
        ):
            with self.subTest(label):
                self._refused(errors, "res.partner", "write", [self.customer.ids, vals])
        # NaN passes every comparison it is in: a NaN weight made every
        # score NaN, a NaN trend never warned
        policy = self.company.ar_policy_id
        for vals in (
            {"weight_trend": float("nan")},
            {"warning_trend_days": float("inf")},
            {"band_large_limit": float("-inf")},
        ):
            with self.subTest(policy=vals):
                before = policy.read(list(vals))
                self._refused(
                    ("ValidationError",),
                    "ar.credit.policy",
                    "write",
                    [policy.ids, vals],
                )
                self.assertEqual(policy.read(list(vals)), before)
        with self.subTest("hold without a reason"):
            vals = {"partner_id": self.customer.id, "action": "place", "reason": " "}
            self._refused(
                ("ValidationError", "UserError"), "ar.hold.wizard", "create", [vals]
            )
        # And a good call still works after all that.
        self._call(
            "res.partner", "write", [self.customer.ids, {"credit_limit": 2000.0}]
        )
        self.env.invalidate_all()
        self.assertEqual(self.customer.with_company(self.company).credit_limit, 2000.0)
