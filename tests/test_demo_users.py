"""The demo database's users, one per role (README, readme/SECURITY.md):
each logs in with the password the README gives and holds its role, so
that the separation of duties can be tried there as it is meant."""

from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

MODULE = "account_receivable_management"


@tagged("post_install", "-at_install")
class TestDemoUsers(HttpCase):
    def setUp(self):
        super().setUp()
        self.users = {
            login: self.env.ref(
                f"{MODULE}.ar_demo_user_{key}", raise_if_not_found=False
            )
            for key, login in (
                ("salesperson", "salesperson"),
                ("billing", "billing"),
                ("controller", "credit_controller"),
                ("manager", "credit_manager"),
            )
        }
        if not all(self.users.values()):
            self.skipTest("installed without demo data")
        self.customer = self.env.ref(f"{MODULE}.ar_demo_partner_overdue")

    def _call(self, login, model, method, args, **kwargs):
        self.authenticate(login, login)
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )

    def test_each_role_logs_in_and_does_its_part(self):
        for login, user in self.users.items():
            with self.subTest(login=login):
                self.assertEqual(user.login, login)
                self.assertFalse(user.share)
        # the salesperson sees the hold state, not the receivable
        [row] = self._call(
            "salesperson",
            "res.partner",
            "read",
            [self.customer.ids, ["ar_credit_hold"]],
        )
        self.assertIn("ar_credit_hold", row)
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self._call(
                "salesperson",
                "res.partner",
                "read",
                [self.customer.ids, ["ar_receivable"]],
            )
        # billing reads the receivable, not the risk assessment
        [row] = self._call(
            "billing", "res.partner", "read", [self.customer.ids, ["ar_receivable"]]
        )
        self.assertGreater(row["ar_receivable"], 0)
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self._call(
                "billing", "res.partner", "read", [self.customer.ids, ["ar_risk_grade"]]
            )
        # the controller follows its customers, and cannot place a hold
        [row] = self._call(
            "credit_controller",
            "res.partner",
            "read",
            [self.customer.ids, ["ar_collector_id"]],
        )
        self.assertEqual(row["ar_collector_id"][0], self.users["credit_controller"].id)
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self._call(
                "credit_controller",
                "res.partner",
                "action_ar_place_hold",
                [self.customer.ids],
            )
        # the Credit Manager places it
        action = self._call(
            "credit_manager", "res.partner", "action_ar_place_hold", [self.customer.ids]
        )
        wizard_id = self._call(
            "credit_manager",
            "ar.hold.wizard",
            "create",
            [{"reason": "Demo: the bank called", **self._defaults(action)}],
        )
        self._call("credit_manager", "ar.hold.wizard", "action_confirm", [[wizard_id]])
        holds = self.env["ar.hold"].search(
            [("partner_id", "=", self.customer.id), ("reason", "=", "manual")]
        )
        self.assertEqual(holds.user_id, self.users["credit_manager"])

    @staticmethod
    def _defaults(action):
        return {
            key.removeprefix("default_"): value
            for key, value in action["context"].items()
            if key.startswith("default_")
        }
