from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged, users

from ..models.ar_late_charge import interest, open_segments
from .common_instruments import ArInstrumentCommon


@tagged("post_install", "-at_install")
class TestLateCharges(ArInstrumentCommon):
    """Hand-computed charges: a 10,000 invoice 40 days late at 12 % a year
    with 10 days of grace and 4,000 paid on day 25 owes interest on 10,000 for
    days 11-24 and on 6,000 for days 25-40: (14 x 10,000 + 16 x 6,000) x 12 %
    / 365 = 77.59."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.write(
            {
                "late_interest_rate": 12.0,
                "late_grace_days": 10,
                # switched on two months ago
                "late_charges_since": cls.today - timedelta(days=60),
            }
        )
        cls.Charge = cls.env["ar.late.charge"]
        cls.due = cls.today - timedelta(days=40)
        cls.invoice = cls._invoice(cls.customer, 10000.0, days_old=70, term_days=30)
        cls.invoice._ar_register_payment(
            amount=4000.0, payment_date=cls.due + timedelta(days=25)
        )

    def _charges(self, until=None):
        return self.Charge._charge(self.company, until or self.today)

    def test_history_before_switching_on_is_not_charged(self):
        """Switched on today: nothing before today is charged, and the
        switch-on day is recorded."""
        self.policy.write({"late_interest_rate": 0.0, "late_charges_since": False})
        self.policy.write({"late_interest_rate": 12.0})
        self.assertEqual(self.policy.late_charges_since, self.today)
        charge = self._charges()
        # today only, on the 6,000 left
        self.assertAlmostEqual(charge.amount_total, round(6000 * 0.12 / 365, 2))

    def test_segments_and_interest(self):
        segments = open_segments(
            self.due + timedelta(days=11),
            self.due + timedelta(days=40),
            10000.0,
            [(self.due + timedelta(days=25), 4000.0)],
        )
        self.assertEqual(segments, [(14, 10000.0), (16, 6000.0)])
        self.assertAlmostEqual(interest(segments, 12.0), 236000 * 0.12 / 365)

    def test_interest_to_the_cent(self):
        charge = self._charges()
        self.assertEqual(len(charge), 1)
        self.assertEqual(charge.state, "posted")
        self.assertEqual(charge.partner_id, self.customer)
        self.assertTrue(charge.ar_is_late_charge)
        self.assertAlmostEqual(charge.amount_total, 77.59)
        [line] = charge.invoice_line_ids
        self.assertIn(self.invoice.name, line.name)
        self.assertIn("30 days", line.name)
        self.assertIn("12.0 %", line.name)
        self.assertEqual(line.product_id, self.policy.late_fee_product_id)
        self.assertEqual(self.invoice.ar_charged_until, self.today)
        self.assertAlmostEqual(self.invoice.ar_late_charged, 77.59)
        # the charge is owed like any invoice
        self.assertEqual(charge.payment_state, "not_paid")
        # the same days are never charged twice: a second run this month
        self.assertFalse(self._charges())
        # the next month charges its own days only, on the 6,000 left
        first = charge
        charge = self._charges(self.today + timedelta(days=30))
        self.assertAlmostEqual(charge.amount_total, round(30 * 6000 * 0.12 / 365, 2))
        # and never the charge invoices themselves, 60 days late as they are
        charge = self._charges(self.today + timedelta(days=60))
        self.assertNotIn(first.name, charge.invoice_line_ids.name)
        self.assertFalse(first.ar_charged_until)

    def test_fixed_fee_once(self):
        self.policy.write({"late_interest_rate": 0.0, "late_fee_amount": 25.0})
        charge = self._charges()
        self.assertAlmostEqual(charge.amount_total, 25.0)
        self.assertIn("late fee", charge.invoice_line_ids.name)
        self.assertFalse(self._charges(self.today + timedelta(days=30)))

    def test_cap(self):
        self.policy.late_charge_cap = 50.0
        charge = self._charges()
        self.assertAlmostEqual(charge.amount_total, 50.0)
        self.assertIn("capped", charge.invoice_line_ids.name)
        self.assertFalse(self._charges(self.today + timedelta(days=30)))
        self.assertAlmostEqual(self.invoice.ar_late_charged, 50.0)

    def test_minimum_waits_for_more_days(self):
        self.policy.late_min_charge = 100.0
        self.assertFalse(self._charges())
        self.assertFalse(self.invoice.ar_charged_until)
        # 30 days later: days 11-70, 14 on 10,000 and 46 on 6,000
        charge = self._charges(self.today + timedelta(days=30))
        self.assertAlmostEqual(charge.amount_total, round(416000 * 0.12 / 365, 2))

    def test_not_charged(self):
        promised = self._invoice(self.customer, 500.0, days_old=70, term_days=30)
        self.env["ar.promise"].create(
            {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(promised.ids)],
                "amount": 500.0,
                "promised_date": self.today + timedelta(days=5),
            }
        )
        quiet = self.env["res.partner"].create(
            {"name": "Quiet Ltd", "is_company": True}
        )
        quiet.with_user(self.manager).write({"ar_no_late_charges": True})
        self._invoice(quiet, 900.0, days_old=70, term_days=30)
        charge = self._charges()
        self.assertEqual(charge.partner_id, self.customer)
        self.assertNotIn(promised.name, charge.invoice_line_ids.name)
        self.assertFalse(promised.ar_charged_until)

    def test_waive(self):
        charge = self._charges()
        wizard = (
            self.env["ar.late.charge.waive"]
            .with_user(self.manager)
            .create({"move_id": charge.id, "reason": "Bank delay, not theirs"})
        )
        wizard.action_waive()
        self.assertEqual(charge.payment_state, "reversed")
        self.assertTrue(any("Bank delay" in (m.body or "") for m in charge.message_ids))
        with self.assertRaises(UserError):
            self.Charge.with_user(self.manager)._waive(charge, "again")

    def test_waive_only_a_charge_of_ones_company(self):
        charge = self._charges()
        other = self.env["res.company"].create({"name": "Other Receivables Co"})
        outsider = new_test_user(
            self.env,
            login="ar_other_manager",
            groups="account.group_account_invoice,"
            "account_receivable_management.group_ar_manager",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        with self.assertRaises(AccessError):
            self.Charge.with_user(outsider)._waive(charge, "Not mine")
        self.assertEqual(charge.payment_state, "not_paid")

    def test_drafts_for_review(self):
        self.policy.late_charge_post = False
        charge = self._charges()
        self.assertEqual(charge.state, "draft")
        self.Charge.with_user(self.manager)._waive(charge, "Goodwill")
        self.assertEqual(charge.state, "cancel")
        # waived, the days stay charged
        self.assertEqual(self.invoice.ar_charged_until, self.today)
        self.assertFalse(self._charges())

    def test_deleted_draft_gives_its_days_back(self):
        """A draft charge deleted instead of waived: the next run charges the
        same days again, fee included; an earlier draft cannot be deleted
        from under a later one."""
        self.policy.write({"late_charge_post": False, "late_fee_amount": 25.0})
        first = self._charges()
        self.assertAlmostEqual(first.amount_total, 77.59 + 25.0)
        first.with_user(self.manager).unlink()
        self.assertFalse(self.invoice.ar_charged_until)
        self.assertAlmostEqual(self.invoice.ar_late_charged, 0.0)
        again = self._charges()
        self.assertAlmostEqual(again.amount_total, 77.59 + 25.0)
        self.assertEqual(self.invoice.ar_charged_until, self.today)
        later = self._charges(self.today + timedelta(days=30))
        self.assertAlmostEqual(later.amount_total, round(30 * 6000 * 0.12 / 365, 2))
        with self.assertRaisesRegex(UserError, "delete that later charge first"):
            again.with_user(self.manager).unlink()
        self.assertTrue(again.exists())
        self.assertEqual(self.invoice.ar_charged_until, self.today + timedelta(30))
        later.with_user(self.manager).unlink()
        self.assertEqual(self.invoice.ar_charged_until, self.today)
        self.assertAlmostEqual(self.invoice.ar_late_charged, 77.59 + 25.0)
        # the charge line's link is the workflow's, never a user's
        with self.assertRaises(AccessError):
            again.invoice_line_ids.with_user(self.manager).write(
                {"ar_charge_source_id": False}
            )

    @users("ar_collector")
    def test_collector_cannot_charge_waive_or_configure(self):
        charge = self.Charge.sudo()._charge(self.company, self.today)
        with self.assertRaises(AccessError):
            self.env["ar.late.charge"].action_charge()
        with self.assertRaises(AccessError):
            self.env["account.move"].browse(charge.id).action_ar_waive_charge()
        with self.assertRaises(AccessError):
            self.env["ar.late.charge.waive"].create(
                {"move_id": charge.id, "reason": "mine"}
            )
        with self.assertRaises(AccessError):
            self.policy.with_env(self.env).late_interest_rate = 1.0
        with self.assertRaises(AccessError):
            self.customer.with_env(self.env).write({"ar_no_late_charges": True})
        with self.assertRaises(AccessError):
            self.env["account.move"].browse(self.invoice.id).write(
                {"ar_charged_until": False}
            )
