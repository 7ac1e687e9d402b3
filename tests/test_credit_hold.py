from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import ArCommon


@tagged("post_install", "-at_install")
class TestCreditHold(ArCommon):
    def test_confirm_blocked_over_limit(self):
        self._invoice(self.customer, 800.0)
        order = self._order(self.customer, 300.0)
        with self.assertRaises(UserError) as caught:
            order.action_confirm()
        message = str(caught.exception)
        self.assertIn("Acme Retail", message)
        self.assertIn("Over credit limit", message)
        # limit 1,000, exposure 800 + 300 = 1,100, 100 over
        self.assertIn("1,100.00", message)
        self.assertIn("1,000.00", message)
        self.assertIn("100.00 over", message)
        self.assertRecordValues(order, [{"state": "draft"}])

    def test_confirm_within_limit(self):
        self._invoice(self.customer, 700.0)
        order = self._order(self.customer, 300.0)  # exactly at the limit
        order.action_confirm()
        self.assertRecordValues(order, [{"state": "sale"}])
        self.assertNotHeld(self.customer)

    def test_confirm_blocked_as_salesperson(self):
        self._invoice(self.customer, 1200.0)
        self.assertHeld(self.customer, "over_limit")
        order = self._order(self.customer, 10.0).with_user(self.salesman)
        with self.assertRaisesRegex(UserError, "credit limit"):
            order.action_confirm()
        # Writing the state directly is the same confirmation.
        with self.assertRaisesRegex(UserError, "credit limit"):
            order.write({"state": "sale"})
        self.assertRecordValues(order, [{"state": "draft"}])

    def test_confirm_blocked_overdue(self):
        self.policy.write({"overdue_days_rule": True, "overdue_days": 30})
        self.customer.credit_limit = 0.0
        self._invoice(self.customer, 100.0, days_old=75, term_days=30)  # 45 days late
        self.assertHeld(self.customer, "overdue_days")
        order = self._order(self.customer, 50.0)
        with self.assertRaisesRegex(UserError, "45 days past due"):
            order.with_user(self.salesman).action_confirm()
        self.assertRecordValues(order, [{"state": "draft"}])

    def test_overdue_within_grace_is_not_held(self):
        self.policy.write({"overdue_days_rule": True, "overdue_days": 30})
        self._invoice(self.customer, 100.0, days_old=50, term_days=30)  # 20 days late
        self.assertNotHeld(self.customer)
        self._order(self.customer, 50.0).action_confirm()

    def test_overdue_amount_rule(self):
        self.policy.write({"overdue_amount_rule": True, "overdue_amount": 150.0})
        self.customer.credit_limit = 0.0
        self._invoice(self.customer, 100.0, days_old=40)
        self.assertNotHeld(self.customer)
        self._invoice(self.customer, 100.0, days_old=35)
        self.assertHeld(self.customer, "overdue_amount")

    def test_child_contact_counts_against_company(self):
        self._invoice(self.contact, 900.0)
        self.assertEqual(self.customer.ar_receivable, 900.0)
        order = self._order(self.contact, 200.0)
        with self.assertRaisesRegex(UserError, "Acme Retail"):
            order.action_confirm()
        self.assertRecordValues(order, [{"state": "draft"}])

    def test_confirmed_order_may_grow_within_the_limit(self):
        order = self._order(self.customer, 300.0)
        order.action_confirm()
        order.order_line.write({"price_unit": 900.0})  # exposure 900 of 1,000
        self.assertEqual(order.amount_total, 900.0)
        with self.assertRaises(UserError) as caught:
            order.order_line.write({"price_unit": 1200.0})
        self.assertIn("cannot grow", str(caught.exception))
        self.assertEqual(order.amount_total, 900.0)
        self.assertNotHeld(self.customer)

    def test_orders_confirmed_together_add_up(self):
        orders = self._order(self.customer, 600.0) | self._order(self.customer, 600.0)
        with self.assertRaisesRegex(UserError, "credit limit"):
            orders.action_confirm()
        self.assertEqual(set(orders.mapped("state")), {"draft"})

    def test_paying_lifts_automatic_hold(self):
        self.policy.write({"overdue_days_rule": True, "overdue_days": 10})
        invoice = self._invoice(self.customer, 400.0, days_old=60)
        self.assertHeld(self.customer, "overdue_days")
        hold = self.customer.ar_hold_reason_ids
        self._pay(invoice)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertNotHeld(self.customer)
        self.assertRecordValues(hold, [{"active": False}])
        self.assertTrue(hold.date_end)
        order = self._order(self.customer, 100.0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_holds_judged_on_those_in_force_whatever_the_context(self):
        """A call sent with ``active_test`` off (over JSON-RPC the context is
        the caller's) made the refresh take a released hold for one in force:
        the customer, overdue again, was not held, and the released hold's
        end was rewritten."""
        self.policy.write({"overdue_days_rule": True, "overdue_days": 10})
        self._pay(self._invoice(self.customer, 400.0, days_old=60))
        released = (
            self.env["ar.hold"]
            .with_context(active_test=False)
            .search([("partner_id", "=", self.customer.id)])
        )
        self.assertRecordValues(released, [{"active": False}])
        ended = released.date_end
        invoice = self._invoice(self.customer, 300.0, days_old=60, post=False)
        invoice.with_context(active_test=False).action_post()
        self.assertHeld(self.customer, "overdue_days")
        self.assertEqual(self.customer.ar_hold_reason_ids.reason, "overdue_days")
        self.assertNotEqual(self.customer.ar_hold_reason_ids, released)
        self.assertEqual(released.date_end, ended)
        # its reasons are the holds in force, whichever context reads them
        in_force = self.customer.ar_hold_reason_ids
        self.customer.invalidate_recordset(["ar_hold_reason_ids"])
        self.assertEqual(
            self.customer.with_context(active_test=False).ar_hold_reason_ids,
            in_force,
        )
        # paid again, the hold in force is released
        self._pay(invoice.with_context(active_test=False))
        self.assertNotHeld(self.customer)

    def test_reversal_lifts_hold(self):
        invoice = self._invoice(self.customer, 1500.0)
        self.assertHeld(self.customer, "over_limit")
        invoice._reverse_moves(cancel=True)
        self.assertNotHeld(self.customer)

    def test_manual_hold_stays_until_released(self):
        invoice = self._invoice(self.customer, 100.0)
        self._hold_wizard(self.customer, "place", "Disputed ownership")
        self.assertHeld(self.customer, "manual")
        self._pay(invoice)
        self.assertHeld(self.customer, "manual")
        order = self._order(self.customer, 10.0)
        with self.assertRaisesRegex(UserError, "Disputed ownership"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        with self.assertRaises(ValidationError):
            self._hold_wizard(self.customer, "release", "   ")
        self.assertHeld(self.customer, "manual")
        self._hold_wizard(self.customer, "release", "New directors signed")
        self.assertNotHeld(self.customer)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        manual = self.customer.with_context(active_test=False).ar_hold_ids
        self.assertRecordValues(
            manual,
            [
                {
                    "reason": "manual",
                    "active": False,
                    "note": "Disputed ownership",
                    "user_id": self.manager.id,
                    "release_note": "New directors signed",
                    "release_user_id": self.manager.id,
                }
            ],
        )
        bodies = "\n".join(self.customer.message_ids.mapped("body"))
        self.assertIn("Manual credit hold placed", bodies)
        self.assertIn("Manual credit hold released", bodies)

    def test_manual_hold_needs_manager(self):
        for user in (self.salesman, self.collector):
            with self.assertRaises(AccessError):
                self._hold_wizard(self.customer, "place", "No", user=user)
            with self.assertRaises(AccessError):
                self.customer.with_user(user).action_ar_place_hold()
        self.assertNotHeld(self.customer)

    def test_hold_state_cannot_be_written(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.manager).write({"ar_credit_hold": True})
        with self.assertRaises(AccessError):
            self.customer.with_user(self.collector).write({"credit_limit": 99999.0})
        self.assertEqual(self.customer.credit_limit, 1000.0)

    def test_plain_odoo_when_disabled(self):
        self.company.account_use_credit_limit = False
        self._invoice(self.customer, 5000.0, days_old=200)
        self.assertNotHeld(self.customer)
        order = self._order(self.customer, 5000.0)
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertFalse(
            self.env["ar.hold"].search([("partner_id", "=", self.customer.id)])
        )
        self.assertFalse(order.ar_credit_block_message)

    def test_new_company_policy_warns_only_as_odoo(self):
        """Out of the box the limit rule is off: Odoo's warning, no block."""
        other = self.setup_other_company(name="Company W")["company"]
        other.account_use_credit_limit = True
        self.env.user.company_ids |= other
        self.assertFalse(other.ar_policy_id.block_on_limit)
        self._invoice(self.customer, 900.0, company=other)
        self.customer.with_company(other).credit_limit = 1000.0
        order = self._order(self.customer, 500.0, company=other)
        self.assertIn("credit limit", order.partner_credit_warning)  # Odoo's own
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertNotHeld(self.customer, company=other)

    def test_switching_sales_credit_limit_off_lifts_limit_holds(self):
        self._invoice(self.customer, 1500.0)
        self.assertHeld(self.customer, "over_limit")
        self.company.account_use_credit_limit = False
        self.assertNotHeld(self.customer)
        self.company.account_use_credit_limit = True
        self.assertHeld(self.customer, "over_limit")

    def test_bad_input(self):
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.customer.credit_limit = -1.0
        with self.assertRaises(ValidationError):
            self.policy.overdue_days = -5
        with self.assertRaises(ValidationError):
            self.policy.overdue_amount = -0.01

    def test_limit_per_company(self):
        other = self.setup_other_company(name="Company B")["company"]
        other.account_use_credit_limit = True
        other.ar_policy_id.block_on_limit = True
        self._invoice(self.customer, 1500.0)
        self.assertHeld(self.customer, "over_limit")
        self.assertNotHeld(self.customer, company=other)
        self.env.user.company_ids |= other
        order_b = self._order(self.customer, 800.0, company=other)
        order_b.action_confirm()
        self.assertEqual(order_b.state, "sale")
        order_a = self._order(self.customer, 10.0)
        with self.assertRaisesRegex(UserError, "credit limit"):
            order_a.action_confirm()

    def test_nightly_cron_catches_invoices_turning_overdue(self):
        self.policy.write({"overdue_days_rule": True, "overdue_days": 5})
        self._invoice(self.customer, 100.0, days_old=20, term_days=30)
        self.env["ar.hold"]._cron_refresh()
        self.assertNotHeld(self.customer)
        # Nothing is posted or paid; time alone makes the invoice overdue.
        with freeze_time(self.today + timedelta(days=20)):
            self.env["ar.hold"]._cron_refresh()
            self.assertHeld(self.customer, "overdue_days")

    def test_partner_form_shows_policy_for_manager(self):
        form = Form(self.customer.with_user(self.manager))
        form.ar_policy_id = self.env["ar.credit.policy"].create(
            {"name": "Lenient", "company_id": self.company.id}
        )
        form.save()
        self.assertEqual(self.customer.ar_policy_id.name, "Lenient")
        note = self.customer.message_ids[0]
        self.assertIn("Credit settings changed", note.body)
        self.assertEqual(
            note.sudo()
            .tracking_value_ids.filtered(lambda t: t.field_id.name == "ar_policy_id")
            .new_value_char,
            "Lenient",
        )
