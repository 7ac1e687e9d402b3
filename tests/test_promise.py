from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import ArCommon


@tagged("post_install", "-at_install")
class TestPromise(ArCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.credit_limit = 0.0  # no limit: promises only
        cls.policy.promise_grace_days = 3
        cls.invoice = cls._invoice(cls.customer, 800.0, days_old=40)

    def _promise(self, amount, days=7, invoices=None, user=None, **vals):
        return (
            self.env["ar.promise"]
            .with_user(user or self.collector)
            .create(
                {
                    "partner_id": self.customer.id,
                    "invoice_ids": [(6, 0, (invoices or self.invoice).ids)],
                    "amount": amount,
                    "promised_date": self.today + timedelta(days=days),
                    **vals,
                }
            )
        )

    def _judge(self, when):
        with freeze_time(when):
            self.env["ar.promise"]._cron_evaluate_promises()

    def test_kept_when_paid_before_date(self):
        promise = self._promise(500.0)
        self.assertRecordValues(
            promise, [{"state": "open", "deadline": self.today + timedelta(days=10)}]
        )
        self._pay(self.invoice, 500.0)
        self.assertRecordValues(
            promise,
            [{"state": "kept", "paid_amount": 500.0, "date_judged": self.today}],
        )
        self.assertEqual(self.customer.ar_promise_kept_count, 1)
        self.assertEqual(self.customer.ar_promise_broken_count, 0)
        self.assertFalse(promise.activity_ids)
        self.assertTrue(promise.name.startswith("PTP/"))

    def test_partial_after_deadline(self):
        promise = self._promise(500.0)
        self._pay(self.invoice, 200.0)
        self.assertRecordValues(promise, [{"state": "open", "paid_amount": 200.0}])
        self._judge(promise.deadline)  # judged the day after the deadline only
        self.assertEqual(promise.state, "open")
        self._judge(promise.deadline + timedelta(days=1))
        self.assertRecordValues(promise, [{"state": "partial", "paid_amount": 200.0}])
        self.assertEqual(self.customer.ar_promise_kept_count, 0)
        self.assertEqual(self.customer.ar_promise_broken_count, 0)

    def test_broken_creates_one_activity(self):
        promise = self._promise(500.0)
        after = promise.deadline + timedelta(days=1)
        self._judge(after)
        self._judge(after)
        self.assertRecordValues(promise, [{"state": "broken", "paid_amount": 0.0}])
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "ar.promise"), ("res_id", "=", promise.id)]
        )
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, self.collector)
        self.assertEqual(self.customer.ar_promise_broken_count, 1)
        self.assertEqual(self.customer.ar_last_broken_promise_date, after)
        self.assertIn("Broken promise", promise.message_ids[0].body)
        self.assertNotIn(
            "Broken promise", "".join(self.customer.message_ids.mapped("body"))
        )
        # A late payment does not mend a broken promise.
        self._pay(self.invoice, 500.0)
        self.assertEqual(promise.state, "broken")

    def test_payment_within_grace_keeps(self):
        promise = self._promise(300.0, days=2)
        with freeze_time(promise.promised_date + timedelta(days=3)):
            self.env["ar.promise"]._cron_evaluate_promises()
            self.assertEqual(promise.state, "open")
            self._pay(self.invoice, 300.0)
        self.assertEqual(promise.state, "kept")

    def test_credit_note_does_not_keep(self):
        promise = self._promise(300.0)
        refund = self._invoice(self.customer, 300.0, move_type="out_refund")
        (refund + self.invoice).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        self.assertEqual(self.invoice.amount_residual, 500.0)
        self.assertRecordValues(promise, [{"state": "open", "paid_amount": 0.0}])

    def test_broken_promises_hold(self):
        self.policy.write(
            {
                "broken_promise_rule": True,
                "broken_promise_count": 2,
                "broken_promise_days": 90,
            }
        )
        first = self._promise(100.0)
        second = self._promise(100.0, days=8)
        with freeze_time(self.today + timedelta(days=30)):
            self.env["ar.promise"]._cron_evaluate_promises()
            self.assertEqual((first | second).mapped("state"), ["broken", "broken"])
            self.assertHeld(self.customer, "broken_promises")
            order = self._order(self.customer, 10.0)
            with self.assertRaisesRegex(UserError, "2 promises to pay broken"):
                order.action_confirm()
            self.assertEqual(order.state, "draft")
        # 90 days on, the broken promises are old news.
        with freeze_time(self.today + timedelta(days=130)):
            self.env["ar.hold"]._cron_refresh()
            self.assertNotHeld(self.customer)

    def test_open_promise_suspends_overdue_rule(self):
        self.policy.write({"overdue_days_rule": True, "overdue_days": 5})
        self.env["ar.hold"]._cron_refresh()
        self.assertHeld(self.customer, "overdue_days")
        promise = self._promise(800.0)
        self.assertNotHeld(self.customer)
        self._order(self.customer, 10.0).action_confirm()
        # Without the option, the commitment does not count.
        self.policy.commitments_suspend_overdue = False
        self.assertHeld(self.customer, "overdue_days")
        self.policy.commitments_suspend_overdue = True
        self.assertNotHeld(self.customer)
        # Cancelling the promise ends the commitment at once.
        promise.action_cancel()
        self.assertHeld(self.customer, "overdue_days")
        promise = self._promise(800.0)
        self.assertNotHeld(self.customer)
        # Once broken, the invoice is overdue again.
        self._judge(promise.deadline + timedelta(days=1))
        self.assertEqual(promise.state, "broken")
        self.assertHeld(self.customer, "overdue_days")

    def test_bad_input(self):
        other = self.env["res.partner"].create({"name": "Other Co", "is_company": True})
        other_invoice = self._invoice(other, 100.0)
        paid = self._invoice(self.customer, 100.0)
        self._pay(paid)
        cases = {
            "is already paid": {"invoices": paid},
            "belongs to Other Co": {"invoices": other_invoice},
            "only have": {"amount": 800.01},
            "in the past": {"days": -1},
            # who promised is one of the customer's people, not another's
            "is not a contact of Acme Retail": {
                "contact_id": self.env["res.partner"]
                .create({"name": "Olga Other", "parent_id": other.id})
                .id
            },
        }
        for message, kwargs in cases.items():
            with self.subTest(message), self.assertRaises(ValidationError) as caught:
                self._promise(kwargs.pop("amount", 100.0), **kwargs)
            self.assertIn(message, str(caught.exception))
        with self.assertRaises(ValidationError):
            self._promise(100.0, partner_id=self.contact.id)
        self.assertEqual(
            self._promise(100.0, contact_id=self.contact.id).contact_id, self.contact
        )
        self.env["ar.promise"].search([]).unlink()
        self.assertFalse(
            self.env["ar.promise"].search(
                [("partner_id", "in", (self.customer | other).ids)]
            )
        )

    def test_record_from_invoice_list(self):
        second = self._invoice(self.contact, 200.0, days_old=10)
        action = (
            (self.invoice | second).with_user(self.collector).action_ar_record_promise()
        )
        form = Form(
            self.env["ar.promise"]
            .with_user(self.collector)
            .with_context(**action["context"])
        )
        self.assertEqual(form.amount, 1000.0)
        form.amount = 600.0
        form.promised_date = self.today + timedelta(days=5)
        promise = form.save()
        self.assertEqual(promise.invoice_ids, self.invoice | second)
        self.assertEqual(promise.partner_id, self.customer)
        self.assertEqual(self.customer.ar_promise_open_count, 1)
        other = self._invoice(self.env["res.partner"].create({"name": "Zed"}), 10.0)
        with self.assertRaisesRegex(UserError, "one customer"):
            (self.invoice | other).action_ar_record_promise()

    def test_postpone_a_partly_paid_promise(self):
        promise = self._promise(800.0)
        self._pay(self.invoice, 300.0)
        promise.promised_date = promise.promised_date + timedelta(days=5)
        self.assertRecordValues(promise, [{"state": "open", "paid_amount": 300.0}])
        with self.assertRaises(ValidationError):
            promise.promised_date = self.today - timedelta(days=1)

    def test_salesperson_cannot_record(self):
        with self.assertRaises(AccessError):
            self._promise(100.0, user=self.salesman)

    def test_promise_moves_the_predicted_pay_date_at_once(self):
        """Recorded, the promise's date is the invoice's predicted pay date
        (the forecast reads it); broken, the prediction goes back to the
        customer's habits, without waiting for the metrics job."""
        self.env["ar.partner.metrics"]._predict_pay_dates(
            self.company, self.customer.ids, self.today
        )
        before = self.invoice.ar_predicted_pay_date
        promise = self._promise(800.0, days=9)
        self.assertEqual(
            self.invoice.ar_predicted_pay_date, self.today + timedelta(days=9)
        )
        promise.with_user(self.collector).action_cancel()
        self.assertEqual(self.invoice.ar_predicted_pay_date, before)
