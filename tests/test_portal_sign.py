import re
from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import SIGNATURE, demo_provider
from .test_portal import PortalCommon


class SignCommon(PortalCommon):
    def _json(self, url, **params):
        answer = self._json_rpc(url, **params)
        self.assertIn("result", answer, answer)
        return answer["result"]


@tagged("post_install", "-at_install")
class TestPortalPlanSignature(SignCommon):
    """The plan the customer asked for: its collector (a Credit Manager above
    the policy's amount) approves the schedule, the customer reviews it on the
    portal and signs it, which activates it, fee included; the signed schedule
    is kept on the plan."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.plan_approval_amount = 2000.0

    def _plan(self, fee=0.0):
        return self.env["ar.payment.plan"].create(
            {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set((self.late | self.soon).ids)],
                "installment_count": 2,
                "frequency": "monthly",
                "first_date": self.today + timedelta(days=10),
                "fee": fee,
                "user_id": self.collector.id,
            }
        )

    def _sign(self, plan, digest=None, name="Pat Portal", signature=SIGNATURE):
        digest = plan.approval_digest if digest is None else digest
        return self._json(
            f"/my/plans/{plan.id}/accept/{digest}", name=name, signature=signature
        )

    def test_collector_approves_customer_signs_plan_is_active(self):
        plan = self._plan(fee=20.0)
        # a plain draft is not the customer's to see yet
        self.assertNotIn(plan.name, self._page().text)
        self.assertIn("not one of yours", self._sign(plan, digest="x")["error"])
        plan.with_user(self.collector).action_approve_signature()
        self.assertEqual(plan.approved_by_id, self.collector)
        self.assertEqual(plan.state, "draft")
        # the customer is told, with the link to sign
        invite = plan.message_ids.filtered(lambda m: f"/my/plans/{plan.id}" in m.body)
        self.assertTrue(invite.partner_ids)
        self.assertIn(plan.name, self._page().text)
        page = self._page(f"/my/plans/{plan.id}").text
        self.assertIn("o_ar_plan_sign_open", page)
        breadcrumbs = re.search(r'<ol class="o_portal_submenu.*?</ol>', page, re.S)
        self.assertIn(plan.name, breadcrumbs.group(0))
        self.assertNotIn(self.late.name, breadcrumbs.group(0))
        self.assertIn(plan.approval_digest, page)
        result = self._sign(plan)
        self.assertTrue(result.get("force_refresh"), result)
        self.assertRecordValues(
            plan,
            [
                {
                    "state": "active",
                    "activated_by_id": self.collector.id,
                    "signed_by": "Pat Portal",
                }
            ],
        )
        self.assertTrue(plan.signature)
        # the fee invoiced on activation, on the plan
        self.assertEqual(plan.fee_invoice_id.state, "posted")
        self.assertIn(plan.fee_invoice_id, plan.invoice_ids)
        # the signed schedule is kept on the plan
        document = plan.signed_document_id
        self.assertEqual(document.res_model, "ar.payment.plan")
        self.assertEqual(document.res_id, plan.id)
        self.assertIn("signed", document.name)
        # signing again is refused
        self.assertIn("not waiting", self._sign(plan)["error"])
        # the page now offers to pay the first installment
        self.assertIn("o_ar_pay_installment", self._page(f"/my/plans/{plan.id}").text)

    def test_above_the_amount_a_credit_manager_approves(self):
        self.policy.plan_approval_amount = 500.0
        plan = self._plan()
        with self.assertRaises(AccessError) as caught:
            plan.with_user(self.collector).action_approve_signature()
        self.assertIn("Credit Manager", str(caught.exception))
        self.assertFalse(plan.approved_by_id)
        plan.with_user(self.manager).action_approve_signature()
        self.assertEqual(self._sign(plan).get("force_refresh"), True)
        self.assertEqual(plan.state, "active")
        self.assertEqual(plan.activated_by_id, self.manager)
        # a salesperson approves nothing
        other = self._plan()
        with self.assertRaises(AccessError):
            other.with_user(self.salesman).action_approve_signature()

    def test_changed_schedule_is_not_signed(self):
        plan = self._plan()
        plan.with_user(self.collector).action_approve_signature()
        digest = plan.approval_digest
        # new terms take the approval back
        plan.with_user(self.collector).installment_count = 3
        self.assertFalse(plan.approved_by_id)
        self.assertIn("not one of yours", self._sign(plan, digest=digest)["error"])
        plan.with_user(self.collector).action_approve_signature()
        # a digest not the one shown: refused, nothing written
        self.assertIn("changed", self._sign(plan, digest=digest)["error"])
        # an installment edited after the approval takes it back too
        plan.line_ids[0].with_user(self.collector).amount += 1.0
        plan.line_ids[1].with_user(self.collector).amount -= 1.0
        self.assertFalse(plan.approved_by_id)
        self.assertFalse(plan.signed_by)
        self.assertEqual(plan.state, "draft")

    def test_no_signature_no_name_refused(self):
        plan = self._plan()
        plan.with_user(self.collector).action_approve_signature()
        self.assertIn("sign in the box", self._sign(plan, signature="")["error"])
        self.assertIn("sign in the box", self._sign(plan, name="  ")["error"])
        self.assertIn("could not be read", self._sign(plan, signature="!!")["error"])
        self.assertFalse(plan.signed_by)
        self.assertEqual(plan.state, "draft")

    def test_approver_without_the_right_any_more(self):
        """The policy's amount lowered after the approval: the signature is
        kept, and a Credit Manager is asked to activate the plan."""
        plan = self._plan()
        plan.with_user(self.collector).action_approve_signature()
        self.policy.plan_approval_amount = 100.0
        self._sign(plan)
        self.assertEqual(plan.state, "draft")
        self.assertEqual(plan.signed_by, "Pat Portal")
        self.assertIn("activate it", plan.activity_ids.summary)
        self.assertIn("already signed", self._sign(plan)["error"])
        plan.with_user(self.manager).action_activate()
        self.assertEqual(plan.state, "active")

    def test_another_customers_plan(self):
        theirs = self.env["ar.payment.plan"].create(
            {
                "partner_id": self.other.id,
                "invoice_ids": [Command.set(self.theirs.ids)],
                "installment_count": 2,
                "first_date": self.today + timedelta(days=10),
            }
        )
        theirs.with_user(self.manager).action_approve_signature()
        self.assertIn("not one of yours", self._sign(theirs)["error"])
        response = self.url_open(f"/my/plans/{theirs.id}", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertFalse(theirs.signed_by)


@tagged("post_install", "-at_install")
class TestPortalOrderCreditReview(SignCommon):
    """A quotation signed on the portal that the credit check refuses: the
    customer sees that it waits for a credit review, not an error; the order
    is flagged and the collector has an activity at once."""

    def _quotation(self, amount):
        order = self._order(self.customer, amount)
        order.write({"require_signature": True, "require_payment": False})
        order.action_quotation_sent()
        return order

    def _accept(self, order):
        token = order.sudo()._portal_ensure_token()
        return self._json(
            f"/my/orders/{order.id}/accept",
            access_token=token,
            name="Pat Portal",
            signature=SIGNATURE,
        )

    def test_over_limit_order_waits_for_review(self):
        # 700 open and a limit of 1,000: an order of 500 takes it over
        order = self._quotation(500.0)
        result = self._accept(order)
        self.assertNotIn("error", result)
        self.assertTrue(result["force_refresh"])
        self.assertEqual(order.state, "sent", "not confirmed")
        self.assertTrue(order.sudo().ar_credit_review)
        activity = order.activity_ids
        self.assertEqual(activity.user_id, self.collector)
        self.assertIn("Credit review", activity.summary)
        self.assertIn("credit limit", activity.note.lower())
        page = self._page(order.get_portal_url()).text
        self.assertIn("waiting for a credit review", page)
        # a Credit Manager approves it and it is confirmed: no longer waiting
        self.env["ar.credit.override.wizard"].with_user(self.manager).create(
            {"order_id": order.id, "reason": "Big season ahead."}
        ).action_approve()
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.sudo().ar_credit_review)

    def test_over_limit_order_paid_in_part_online(self):
        """A prepayment paid online (as the e-commerce checkout does): the
        payment is processed, the order waits for its credit review."""
        order = self._quotation(500.0)
        order.write({"require_payment": True, "prepayment_percent": 0.5})
        provider = demo_provider(self.env, self.company, self.bank)
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": self.env.ref(
                        "payment_demo.payment_method_demo"
                    ).id,
                    "amount": 250.0,
                    "currency_id": order.currency_id.id,
                    "partner_id": self.pat.id,
                    "reference": f"{order.name}-prepay",
                    "sale_order_ids": [Command.set(order.ids)],
                }
            )
        )
        tx._set_done()
        tx._post_process()
        self.assertEqual(tx.state, "done")
        self.assertTrue(tx.payment_id, "the money received is booked")
        self.assertEqual(order.state, "sent")
        self.assertTrue(order.sudo().ar_credit_review)
        self.assertEqual(order.activity_ids.user_id, self.collector)

    def test_order_within_limit_is_confirmed(self):
        order = self._quotation(100.0)
        result = self._accept(order)
        self.assertTrue(result["force_refresh"])
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.sudo().ar_credit_review)
