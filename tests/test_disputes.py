from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged, users

from .common_instruments import ArInstrumentCommon


@tagged("post_install", "-at_install")
class TestDisputes(ArInstrumentCommon):
    """A disputed invoice pauses reminders, late charges, the worklist and the
    overdue hold rules while the dispute runs; crediting posts a credit note
    of exactly the disputed amount, reconciled with the invoice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.email = "ap@acme.example"
        cls.Dispute = cls.env["ar.dispute"]
        cls.price = cls.env.ref("account_receivable_management.dispute_reason_price")
        # 1,000 + 15 % = 1,150, due 20 days ago
        cls.invoice = cls._taxed_invoice(1000.0, days_old=50)

    def _dispute(self, amount=460.0, invoice=None, user=None):
        return self.Dispute.with_user(user or self.collector).create(
            {
                "move_id": (invoice or self.invoice).id,
                "amount": amount,
                "reason_id": self.price.id,
                "description": "The price list said 600 a unit.",
            }
        )

    def test_pauses_reminders_charges_and_worklist(self):
        dispute = self._dispute()
        self.assertTrue(self.invoice.with_user(self.collector).ar_in_dispute)
        self.assertEqual(dispute.partner_id, self.customer)
        self.assertEqual(dispute.user_id, self.collector)
        self.assertIn("Disputed by", self.invoice.message_ids[0].body)
        # no reminder
        run = self.env["ar.reminder.run"]._prepare(self.company)
        self.assertNotIn(self.invoice, run.line_ids.line_ids.move_id)
        # no late charge
        self.policy.write(
            {
                "late_interest_rate": 12.0,
                "late_charges_since": self.today - timedelta(days=60),
            }
        )
        charges = self.env["ar.late.charge"]._charge(self.company, self.today)
        self.assertNotIn(
            self.invoice.name, "".join(charges.invoice_line_ids.mapped("name"))
        )
        # not on the worklist as overdue without commitment
        self.env["ar.worklist"].flush_model()
        rows = self.env["ar.worklist"].search([("move_id", "=", self.invoice.id)])
        self.assertFalse(rows)
        # rejected: the invoice is chased again
        dispute.resolution = "The order confirmation says 800 a unit."
        dispute.with_user(self.collector).action_reject()
        self.assertEqual(dispute.state, "rejected")
        # the answer given stays as given
        with self.assertRaises(UserError):
            dispute.with_user(self.collector).resolution = "Something else."
        self.assertEqual(dispute.date_resolved, self.today)
        run = self.env["ar.reminder.run"]._prepare(self.company)
        self.assertIn(self.invoice, run.line_ids.line_ids.move_id)
        self.assertTrue(
            self.env["ar.worklist"].search([("move_id", "=", self.invoice.id)])
        )

    def test_credit_part_posts_the_exact_amount(self):
        dispute = self._dispute(amount=333.33)
        dispute.with_user(self.collector).action_review()
        self.assertEqual(dispute.state, "review")
        with self.assertRaisesRegex(UserError, "resolution"):
            dispute.with_user(self.collector).action_credit()
        self.assertFalse(dispute.credit_note_id)
        dispute.resolution = "Agreed: the discount was not applied."
        dispute.with_user(self.collector).action_credit()
        credit = dispute.credit_note_id
        self.assertRecordValues(
            dispute, [{"state": "credited", "resolved_by_id": self.collector.id}]
        )
        self.assertRecordValues(
            credit,
            [
                {
                    "move_type": "out_refund",
                    "state": "posted",
                    "amount_total": 333.33,
                    "reversed_entry_id": self.invoice.id,
                    "payment_state": "paid",
                }
            ],
        )
        # taxes follow: 15 % of the credit is tax
        self.assertAlmostEqual(credit.amount_tax, round(333.33 - 333.33 / 1.15, 2), 2)
        self.assertAlmostEqual(self.invoice.amount_residual, 1150.0 - 333.33)
        self.assertEqual(self.invoice.payment_state, "partial")
        self.assertAlmostEqual(sum(credit.line_ids.mapped("balance")), 0.0)
        self.assertIn("credit note", dispute.message_ids[0].body)

    def test_credit_whole_invoice(self):
        dispute = self._dispute(amount=1150.0)
        dispute.resolution = "Goods never arrived."
        dispute.with_user(self.manager).action_credit()
        self.assertAlmostEqual(dispute.credit_note_id.amount_total, 1150.0)
        self.assertIn(self.invoice.payment_state, ("paid", "reversed"))

    def test_credit_above_the_controller_limit_needs_a_manager(self):
        big = self._taxed_invoice(2000.0, days_old=50)  # 2,300
        dispute = self._dispute(amount=1500.0, invoice=big)
        dispute.resolution = "Half the shipment was damaged."
        with self.assertRaisesRegex(UserError, "Credit Manager"):
            dispute.with_user(self.collector).action_credit()
        self.assertEqual(dispute.state, "open")
        self.assertFalse(dispute.credit_note_id)
        self.assertEqual(big.amount_residual, 2300.0)
        dispute.with_user(self.manager).action_credit()
        self.assertEqual(dispute.state, "credited")

    def test_bad_input_is_refused(self):
        with self.assertRaises(ValidationError) as caught:
            self._dispute(amount=1150.01)
        self.assertIn("more than", str(caught.exception))
        self._dispute()
        with self.assertRaises(ValidationError) as caught:
            self._dispute(amount=10.0)
        self.assertIn("already in dispute", str(caught.exception))
        bill = self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": self.customer.id,
                "invoice_date": self.today,
                "invoice_line_ids": [Command.create({"name": "x", "price_unit": 10.0})],
            }
        )
        bill.action_post()
        with self.assertRaises(ValidationError) as caught:
            self._dispute(amount=5.0, invoice=bill)
        self.assertIn("not a posted customer invoice", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            self._dispute(amount=-5.0, invoice=self._taxed_invoice(10.0))
        self.assertIn("positive", str(caught.exception))

    def test_overdue_hold_rules_leave_it_out(self):
        """Held for 1,150 overdue (over 500 allowed); disputing 460 of it
        does not lift the hold, disputing the whole invoice does, and with the
        policy's pause off it does not."""
        self.customer.credit_limit = 0.0
        self.policy.write({"overdue_amount_rule": True, "overdue_amount": 500.0})
        self.env["ar.hold"]._refresh(self.customer, self.company)
        self.assertHeld(self.customer, "overdue_amount")
        dispute = self._dispute(amount=1150.0)
        self.assertNotHeld(self.customer)
        order = self._order(self.customer, 10.0)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        dispute.with_user(self.collector).action_withdraw()
        self.assertHeld(self.customer, "overdue_amount")
        self.policy.dispute_pauses_collection = False
        self._dispute(amount=1150.0)
        self.assertHeld(self.customer, "overdue_amount")

    def test_dashboard_counts_running_disputes(self):
        dispute = self._dispute()
        euro = self._taxed_invoice(100.0, currency=self.eur)  # 115 EUR, 57.50
        self._dispute(amount=23.0, invoice=euro)  # 11.50 at the invoice's rate
        data = self.env["ar.dashboard"].with_user(self.collector).get_data()
        card = next(c for c in data["cards"] if c["key"] == "disputes")
        self.assertEqual(card["value"], 2)
        self.assertAlmostEqual(card["details"][0]["value"], 460.0 + 23.0 / 2.0, 2)
        listed = self.env["ar.dispute"].search(card["action"]["domain"])
        self.assertEqual(len(listed), 2)
        dispute.resolution = "No."
        dispute.with_user(self.collector).action_reject()
        data = self.env["ar.dashboard"].with_user(self.collector).get_data()
        card = next(c for c in data["cards"] if c["key"] == "disputes")
        self.assertEqual(card["value"], 1)

    def test_from_the_invoice_form(self):
        action = self.invoice.with_user(self.collector).action_ar_dispute()
        form = Form(
            self.env["ar.dispute"]
            .with_user(self.collector)
            .with_context(**action["context"])
        )
        self.assertAlmostEqual(form.amount, 1150.0)
        form.reason_id = self.price
        dispute = form.save()
        again = self.invoice.with_user(self.collector).action_ar_dispute()
        self.assertEqual(again["res_id"], dispute.id)
        self.assertEqual(self.customer.with_user(self.collector).ar_dispute_count, 1)

    def test_workflow_fields_are_the_workflows(self):
        dispute = self._dispute()
        for vals in (
            {"state": "credited"},
            {"credit_note_id": self.invoice.id},
            {"days_to_resolve": 1},
        ):
            with self.assertRaises(AccessError):
                dispute.with_user(self.manager).write(vals)
        dispute.with_user(self.collector).action_review()
        with self.assertRaises(UserError):
            dispute.with_user(self.collector).write({"amount": 1.0})

    @users("ar_salesman")
    def test_salesperson_sees_none(self):
        dispute = self._dispute()
        with self.assertRaises(AccessError):
            self.env["ar.dispute"].browse(dispute.id).read(["amount"])
        with self.assertRaises(AccessError):
            self._dispute(user=self.env.user)

    def test_portal_user_reads_own_entity_only(self):
        dispute = self._dispute()
        other = self.env["res.partner"].create({"name": "Other Co", "is_company": True})
        other_dispute = self._dispute(
            amount=10.0, invoice=self._taxed_invoice(100.0, partner=other)
        )
        portal = new_test_user(
            self.env,
            login="ar_portal_acme",
            groups="base.group_portal",
            partner_id=self.env["res.partner"]
            .create({"name": "Pat Portal", "parent_id": self.customer.id})
            .id,
        )
        Dispute = self.env["ar.dispute"].with_user(portal)
        self.assertEqual(Dispute.search([]), dispute)
        with self.assertRaises(AccessError):
            Dispute.browse(other_dispute.id).read(["amount"])
        with self.assertRaises(AccessError):
            Dispute.browse(dispute.id).write({"description": "forged"})
        with self.assertRaises(AccessError):
            Dispute.create(
                {"move_id": self.invoice.id, "amount": 1.0, "reason_id": self.price.id}
            )
