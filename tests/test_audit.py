"""The audit trail: every change of a credit limit, policy, hold or override,
and every approval, is in a chatter with who made it, when, and why."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common_instruments import ArInstrumentCommon


@tagged("post_install", "-at_install")
class TestAudit(ArInstrumentCommon):
    def setUp(self):
        super().setUp()
        self.started = fields.Datetime.now() - timedelta(seconds=1)

    def _note(self, record, text):
        """The one message of ``record`` since the test began that contains
        ``text``; checks it has an author and a date."""
        messages = record.message_ids.filtered(
            lambda m: text in (m.body or "") and m.date >= self.started
        )
        self.assertEqual(len(messages), 1, f"one note with {text!r} on {record}")
        self.assertTrue(messages.date)
        return messages

    def _tracked(self, note, user=None):
        """{field: (old, new)} of ``note``'s tracking values, those ``user``
        may see as Odoo's chatter filters them (all without a user)."""
        values = note.sudo().tracking_value_ids
        if user:
            values = values._filter_has_field_access(self.env(user=user))
        return {
            value.field_id.name: (
                value.old_value_char or value.old_value_float,
                value.new_value_char or value.new_value_float,
            )
            for value in values
        }

    def test_limit_and_policy_changes_say_who_and_why(self):
        strict = self.env["ar.credit.policy"].create({"name": "Strict"})
        self.customer.with_user(self.manager).write(
            {
                "credit_limit": 2500.0,
                "ar_policy_id": strict.id,
                "ar_credit_change_reason": "Audited accounts received",
            }
        )
        note = self._note(self.customer, "Credit settings changed")
        self.assertEqual(note.author_id, self.manager.partner_id)
        self.assertIn(self.company.name, note.body)
        self.assertEqual(
            self._tracked(note),
            {
                "credit_limit": (1000.0, 2500.0),
                "ar_policy_id": (0.0, "Strict"),
                "ar_credit_change_reason": (0.0, "Audited accounts received"),
            },
        )
        # Without a reason it says so.
        self.customer.with_user(self.manager).credit_limit = 3000.0
        later = self.customer.message_ids.filtered(
            lambda m: m.date >= self.started and m != note and m.tracking_value_ids
        )
        self.assertEqual(
            self._tracked(later),
            {
                "credit_limit": (2500.0, 3000.0),
                "ar_credit_change_reason": (0.0, "no reason given"),
            },
        )
        # The reason is not kept on the customer.
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.ar_credit_change_reason)

    def test_a_policy_customers_follow_is_not_deleted(self):
        """Deleting a policy would empty its customers' policy in SQL,
        without a note in their history: refused while any follows it, even
        archived; once they follow another, it goes."""
        strict = self.env["ar.credit.policy"].create({"name": "Strict"})
        self.customer.with_user(self.manager).ar_policy_id = strict
        self.customer.action_archive()
        Policy = self.env["ar.credit.policy"].with_user(self.manager)
        with self.assertRaisesRegex(UserError, "Customers follow policy Strict"):
            Policy.browse(strict.id).unlink()
        self.assertTrue(strict.exists())
        self.assertEqual(self.customer.with_company(self.company).ar_policy_id, strict)
        self.customer.with_user(self.manager).ar_policy_id = False
        Policy.browse(strict.id).unlink()
        self.assertFalse(strict.exists())

    def test_unticking_the_partner_limit_is_noted(self):
        """Unticking *Partner Limit* puts the company's default limit back
        (Odoo's inverse writes it): a change of the limit, noted once."""
        self.customer.with_user(self.manager).write({"use_partner_credit_limit": False})
        note = self._note(self.customer, "Credit settings changed")
        self.assertEqual(
            self._tracked(note),
            {
                "credit_limit": (
                    1000.0,
                    self.customer._fields[
                        "credit_limit"
                    ].get_company_dependent_fallback(self.customer),
                ),
                "ar_credit_change_reason": (0.0, "no reason given"),
            },
        )

    def test_credit_settings_note_shows_each_reader_its_own_fields(self):
        """The customer's chatter is every employee's: the note names no
        figure, and each change shows to those who read its field (the
        limit to accounting users, the policy and why to the credit team)."""
        strict = self.env["ar.credit.policy"].create({"name": "Strict"})
        self.customer.with_user(self.manager).write(
            {
                "credit_limit": 2500.0,
                "ar_policy_id": strict.id,
                "ar_credit_change_reason": "Bank guarantee renewed",
            }
        )
        note = self._note(self.customer, "Credit settings changed")
        billing = self._user("ar_audit_billing", "account.group_account_invoice")
        self.assertEqual(self._tracked(note, self.salesman), {})
        self.assertEqual(set(self._tracked(note, billing)), {"credit_limit"})
        self.assertEqual(
            set(self._tracked(note, self.collector)),
            {"credit_limit", "ar_policy_id", "ar_credit_change_reason"},
        )
        # what a salesperson reads of the customer's messages
        [body] = (
            self.env["mail.message"]
            .with_user(self.salesman)
            .search([("id", "=", note.id)])
            .mapped("body")
        )
        for secret in ("2,500", "2500", "Strict", "Bank guarantee"):
            self.assertNotIn(secret, body)
        with self.assertRaises(AccessError):
            note.with_user(self.salesman).tracking_value_ids.read(["new_value_float"])

    def test_policy_edits_are_tracked(self):
        # (the test base switches tracking off; the product has it on). Odoo
        # does not track a record created in the same transaction, as this
        # test's policy was: end that transaction's tracking first.
        self.env.flush_all()
        self.env.cr.precommit.run()
        policy = self.policy.with_context(tracking_disable=False, mail_notrack=False)
        policy.with_user(self.manager).write(
            {
                "overdue_days": self.policy.overdue_days + 7,
                "block_on_limit": not self.policy.block_on_limit,
            }
        )
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking is written just before commit
        message = self.policy.message_ids.filtered(
            lambda m: m.tracking_value_ids and m.date >= self.started
        )[:1]
        self.assertEqual(message.author_id, self.manager.partner_id)
        tracked = message.tracking_value_ids.mapped("field_id.name")
        self.assertIn("overdue_days", tracked)
        self.assertIn("block_on_limit", tracked)

    def test_manual_hold_placed_and_released(self):
        self._hold_wizard(self.customer, "place", "Cheque bounced twice")
        note = self._note(self.customer, "Cheque bounced twice")
        self.assertEqual(note.author_id, self.manager.partner_id)
        hold = self.customer.with_company(self.company).ar_hold_reason_ids
        self.assertEqual(
            (hold.user_id, hold.note, bool(hold.date_start)),
            (self.manager, "Cheque bounced twice", True),
        )
        self._hold_wizard(self.customer, "release", "Paid by transfer")
        note = self._note(self.customer, "Paid by transfer")
        self.assertEqual(note.author_id, self.manager.partner_id)
        self.assertEqual(
            (hold.active, hold.release_user_id, hold.release_note),
            (False, self.manager, "Paid by transfer"),
        )
        self.assertTrue(hold.date_end)

    def test_automatic_hold_and_lift_are_noted(self):
        invoice = self._invoice(self.customer, 1500.0)
        self.assertHeld(self.customer, "over_limit")
        self.assertIn("hold", self._note(self.customer, "limit").body.lower())
        self._pay(invoice)
        self.assertNotHeld(self.customer)
        lifted = self.customer.message_ids.filtered(
            lambda m: m.date >= self.started and "lift" in (m.body or "").lower()
        )
        self.assertTrue(lifted, "the lift of the hold is noted")

    def test_override_names_the_manager_and_the_reason(self):
        self._invoice(self.customer, 900.0)
        order = self._order(self.customer, 500.0)
        self._approve(order, "Pays on delivery")
        for record in (order, self.customer):
            note = self._note(record, "Pays on delivery")
            self.assertEqual(note.author_id, self.manager.partner_id)
        self.assertEqual(
            (order.ar_override_user_id, order.ar_override_reason),
            (self.manager, "Pays on delivery"),
        )
        self.assertTrue(order.ar_override_date)

    def test_approvals_are_noted_with_the_approver(self):
        invoice = self._taxed_invoice(1000.0)  # 1,150 owed
        settlement = (
            self.env["ar.settlement"]
            .with_user(self.collector)
            .create(
                {
                    "partner_id": self.customer.id,
                    "invoice_ids": [Command.set(invoice.ids)],
                    "amount_agreed": 1000.0,
                    "journal_id": self.bank.id,
                    "reason": "Damaged in transit",
                }
            )
        )
        settlement.with_user(self.collector).action_approve()
        note = self._note(settlement, "Approved")
        self.assertEqual(note.author_id, self.collector.partner_id)
        self.assertEqual(settlement.approved_by_id, self.collector)
        self.assertTrue(settlement.date_approved)
        self.assertEqual(settlement.reason, "Damaged in transit")

        plan = (
            self.env["ar.payment.plan"]
            .with_user(self.collector)
            .create(
                {
                    "partner_id": self.customer.id,
                    "invoice_ids": [Command.set(self._taxed_invoice(400.0).ids)],
                    "first_date": self.today + timedelta(days=30),
                }
            )
        )
        plan.with_user(self.manager).action_activate()
        note = self._note(plan, "activated")
        self.assertEqual(note.author_id, self.manager.partner_id)
        self.assertFalse(
            self.customer.message_ids.filtered(
                lambda m: plan.name in (m.body or "") and m.date >= self.started
            ),
            "nothing of the plan on the customer's chatter, every employee's",
        )
        self.assertEqual(plan.activated_by_id, self.manager)
