from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import ArCommon


@tagged("post_install", "-at_install")
class TestCreditOverride(ArCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._invoice(cls.customer, 1200.0)  # over its 1,000 limit

    def test_override_confirms_exactly_that_order(self):
        order = self._order(self.customer, 300.0)
        other = self._order(self.customer, 300.0)
        self._approve(order, "Strategic account, CFO agreed", confirm=True)
        self.assertEqual(order.state, "sale")
        self.assertRecordValues(
            order,
            [
                {
                    "ar_override_amount": 300.0,
                    "ar_override_user_id": self.manager.id,
                    "ar_override_reason": "Strategic account, CFO agreed",
                }
            ],
        )
        with self.assertRaisesRegex(UserError, "credit limit"):
            other.action_confirm()
        self.assertEqual(other.state, "draft")
        for record in (order, self.customer):
            self.assertIn(
                "Strategic account, CFO agreed",
                "\n".join(record.message_ids.mapped("body")),
            )

    def test_approved_order_confirmed_by_salesperson(self):
        order = self._order(self.customer, 300.0)
        self._approve(order, "Paid by cheque on delivery")
        self.assertEqual(order.state, "draft")
        self.assertFalse(order.ar_credit_block_message)
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")

    def test_override_without_reason_fails(self):
        order = self._order(self.customer, 300.0)
        for reason in (False, "", "  "):
            with self.assertRaises(ValidationError):
                self._approve(order, reason, confirm=True)
        self.assertRecordValues(
            order, [{"state": "draft", "ar_override_user_id": False}]
        )

    def test_override_as_salesperson_fails(self):
        order = self._order(self.customer, 300.0)
        for user in (self.salesman, self.collector):
            with self.assertRaises(AccessError):
                self._approve(order, "Please", user=user, confirm=True)
            with self.assertRaises(AccessError):
                order.with_user(user).action_ar_open_override()
            # Nor by writing the approval on the order over RPC.
            with self.assertRaises(AccessError):
                order.with_user(user).write(
                    {"ar_override_amount": 1e9, "ar_override_user_id": user.id}
                )
        self.assertRecordValues(
            order, [{"state": "draft", "ar_override_user_id": False}]
        )

    def test_amount_growing_after_approval_blocks_again(self):
        order = self._order(self.customer, 300.0)
        self._approve(order, "One-off")
        with Form(order) as form, form.order_line.edit(0) as line:
            line.price_unit = 600.0
        self.assertEqual(order.amount_total, 600.0)
        self.assertTrue(order.ar_credit_block_message)
        with self.assertRaisesRegex(UserError, "credit limit"):
            order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "draft")
        # Back within the approved amount, it may go.
        with Form(order) as form, form.order_line.edit(0) as line:
            line.price_unit = 250.0
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_override_not_copied(self):
        order = self._order(self.customer, 300.0)
        self._approve(order, "One-off")
        copy = order.copy()
        self.assertFalse(copy.ar_override_user_id)
        with self.assertRaisesRegex(UserError, "credit limit"):
            copy.action_confirm()

    def test_paid_online_order_confirms(self):
        order = self._order(self.customer, 300.0)
        provider = self.env["payment.provider"].create({"name": "Test", "code": "none"})
        method = self.env.ref("payment.payment_method_unknown")
        self.env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": method.id,
                "amount": 300.0,
                "currency_id": order.currency_id.id,
                "partner_id": self.customer.id,
                "reference": "AR-TEST-1",
                "sale_order_ids": [(6, 0, order.ids)],
                "state": "done",
            }
        )
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_confirmed_order_growing_is_checked_again(self):
        order = self._order(self.customer, 300.0)
        self._approve(order, "One-off", confirm=True)
        self.assertEqual(order.state, "sale")
        # The approval covered 300: more is checked again, however it comes.
        with self.assertRaises(UserError) as caught:
            order.order_line.with_user(self.salesman).write({"price_unit": 400.0})
        self.assertIn("cannot grow", str(caught.exception))
        self.assertEqual(order.amount_total, 300.0)
        with self.assertRaises(UserError) as caught:
            order.with_user(self.salesman).write(
                {
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "price_unit": 5.0,
                                "tax_id": [Command.clear()],
                            }
                        )
                    ]
                }
            )
        self.assertIn("cannot grow", str(caught.exception))
        self.assertEqual(len(order.order_line), 1)
        # Less is fine.
        order.order_line.with_user(self.salesman).write({"price_unit": 250.0})
        self.assertEqual(order.amount_total, 250.0)
