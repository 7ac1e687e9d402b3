from datetime import timedelta
from unittest.mock import patch

import psycopg2.errors

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..models.access import MANAGER_GROUP
from ..models.ar_company_kpi import period_days
from ..models.ar_partner_metrics import SNAPSHOT_FIGURES, STORED_FIGURES
from .common_instruments import ArInstrumentCommon


@tagged("post_install", "-at_install")
class TestMetrics(ArInstrumentCommon):
    """Hand-computed payment histories, run through the nightly job."""

    def _day(self, days_ago):
        return self.today - timedelta(days=days_ago)

    def _inv(self, partner, amount, days_old, term=30, currency=None):
        return self._invoice(
            partner,
            amount,
            days_old=days_old,
            term_days=term,
            currency_id=(currency or self.company.currency_id).id,
        )

    def _pay_on(self, invoice, amount, days_ago):
        return invoice._ar_register_payment(
            amount=amount, payment_date=self._day(days_ago)
        )

    def _run(self, incremental=False):
        return self.env["ar.partner.metrics"]._run(
            incremental=incremental, companies=self.company
        )

    def _metrics(self, partner):
        return self.env["ar.partner.metrics"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", self.company.id)]
        )

    def _only_trend_counts(self, **policy_values):
        """Score the trend only: a sliding customer's 20 days make 20/30 of
        100 = 66.7, grade D."""
        self.policy.write(
            {
                "weight_days_late": 0,
                "weight_broken_promises": 0,
                "weight_utilisation": 0,
                "weight_overdue_share": 0,
                "weight_defaulted_plans": 0,
                "weight_trend": 100,
                **policy_values,
            }
        )

    def _sliding_customer(self):
        """Paid on the due date 7 to 12 months ago, 20 days late in the last
        6 months, and nothing overdue now."""
        partner = self.env["res.partner"].create(
            {"name": "Slow Slide Ltd", "is_company": True}
        )
        for paid_ago in (330, 300, 270, 240):
            invoice = self._inv(partner, 1000.0, days_old=paid_ago + 30)
            self._pay_on(invoice, 1000.0, paid_ago)  # on the due date
        for paid_ago in (150, 120, 90, 60):
            invoice = self._inv(partner, 1000.0, days_old=paid_ago + 50)
            self._pay_on(invoice, 1000.0, paid_ago)  # 20 days late
        return partner

    def test_figure_lists_name_fields(self):
        """The lists the statements are built from name the fields they fill."""
        metrics = self.env["ar.partner.metrics"]._fields
        snapshot = self.env["ar.partner.snapshot"]._fields
        self.assertFalse(set(STORED_FIGURES) - set(metrics))
        self.assertFalse(set(SNAPSHOT_FIGURES) - set(metrics))
        self.assertFalse(set(SNAPSHOT_FIGURES) - set(snapshot))

    def test_hand_computed_fixture(self):
        """Payments, partial payments, a credit note and a EUR invoice."""
        customer = self.customer
        inv1 = self._inv(customer, 1000.0, days_old=100)
        self._pay_on(inv1, 1000.0, 60)  # 40 days to pay, 10 late
        inv2 = self._inv(customer, 2000.0, days_old=80)
        self._pay_on(inv2, 1000.0, 50)
        self._pay_on(inv2, 1000.0, 30)  # weighted: paid 40 days ago
        inv3 = self._inv(customer, 500.0, days_old=60)
        refund = self._invoice(
            customer, 100.0, days_old=40, move_type="out_refund", post=True
        )
        (refund + inv3).line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        ).reconcile()
        self._pay_on(inv3, 400.0, 25)  # the credit note does not time it
        inv4 = self._inv(customer, 3000.0, days_old=50, currency=self.eur)
        self._pay_on(inv4, 3000.0, 5)  # 1500 booked, 1200 paid at 2.5
        self.assertEqual(inv4.payment_state, "paid")

        self._run()
        row = self._metrics(customer)
        self.assertEqual(row.paid_count, 4)
        self.assertAlmostEqual(row.paid_amount, 4600.0)
        # (1000*40 + 2000*40 + 400*35 + 1200*45) / 4600
        self.assertAlmostEqual(row.avg_days_to_pay, 188000 / 4600, places=4)
        # (1000*10 + 2000*10 + 400*5 + 1200*15) / 4600
        self.assertAlmostEqual(row.avg_days_late, 50000 / 4600, places=4)
        self.assertEqual(row.on_time_share, 0.0)
        self.assertAlmostEqual(row.days_to_pay_small, 35.0, places=4)  # 500 < 1000
        self.assertAlmostEqual(row.days_to_pay_medium, 174000 / 4200, places=4)
        self.assertFalse(row.days_to_pay_large)
        self.assertAlmostEqual(row.credited_amount, 100.0)
        self.assertAlmostEqual(row.other_amount, 300.0)  # exchange difference
        self.assertEqual(row.trend_days, 0.0)  # nothing paid 6-12 months ago
        self.assertEqual(row.open_amount, 0.0)
        self.assertAlmostEqual(customer.ar_avg_days_late, row.avg_days_late, places=1)

    def test_sliding_customer_trend_and_one_warning(self):
        partner = self._sliding_customer()
        self._run()
        row = self._metrics(partner)
        self.assertAlmostEqual(row.trend_days, 20.0)
        # Least squares of days late over invoice day, equal weights: invoices
        # 360, 330, 300, 270 days ago on time, 200, 170, 140, 110 days ago 20
        # late: covariance 6400 / variance 60200 (sums), per 30 days.
        self.assertAlmostEqual(row.trend_slope, 6400 / 60200 * 30, places=2)
        self.assertAlmostEqual(row.avg_days_late, 10.0)
        warning = self.env["ar.risk.warning"].search([("partner_id", "=", partner.id)])
        self.assertEqual(warning.kind, "trend")
        self.assertIn("20 days later", warning.activity_ids.note)
        self._run()
        self._run(incremental=True)
        self.assertEqual(
            self.env["ar.risk.warning"].search([("partner_id", "=", partner.id)]),
            warning,
        )
        self.assertEqual(len(warning.activity_ids), 1)
        # Largest factor first: the trend (20/30 x 20 = 13.3) beats the days
        # late (10/60 x 30 = 5).
        self.assertTrue(row.risk_explanation.startswith("+13 pays 20 days later"))
        self.assertAlmostEqual(row.risk_score, 18.3)
        self.assertEqual(row.risk_grade, "A")

    def test_warnings_of_one_run_each_get_their_activity(self):
        """Two customers warned twice each by the same run (the grade worsens
        and the trend crosses the threshold): each warning has its own
        activity, on its customer, for its collector (else a Credit
        Manager), naming that customer."""
        first = self._sliding_customer()
        second = self._sliding_customer()
        second.name = "Second Slide Ltd"
        first.ar_collector_id = self.collector
        threshold = self.policy.warning_trend_days
        self.policy.warning_trend_days = 1000
        self._run()
        Warning = self.env["ar.risk.warning"]
        domain = [("partner_id", "in", (first | second).ids)]
        self.assertFalse(Warning.search(domain))
        # Grade A to D, and the trend over the threshold.
        self._only_trend_counts(warning_trend_days=threshold)
        self._run()
        warnings = Warning.search(domain)
        self.assertEqual(
            sorted(warnings.mapped("kind")), ["grade", "grade", "trend", "trend"]
        )
        self.assertEqual(len(warnings.activity_ids), 4)
        for warning in warnings:
            activity = warning.activity_ids
            partner = warning.partner_id
            self.assertEqual(len(activity), 1)
            self.assertIn(partner.name, activity.note)
            self.assertRecordValues(
                activity,
                [
                    {
                        "user_id": warning.user_id.id,
                        "activity_type_id": self.env.ref(
                            "mail.mail_activity_data_todo"
                        ).id,
                        "date_deadline": self.today,
                    }
                ],
            )
        self.assertEqual(
            warnings.filtered(lambda w: w.partner_id == first).user_id, self.collector
        )
        fallback = warnings.filtered(lambda w: w.partner_id == second).user_id
        self.assertTrue(fallback.has_group(MANAGER_GROUP), "a Credit Manager")
        # What a warning says (the grade, the trend) is the credit team's:
        # nothing of it on the customers, which every employee reads.
        partners = first | second
        self.assertFalse(
            self.env["mail.activity"].search(
                [("res_model", "=", "res.partner"), ("res_id", "in", partners.ids)]
            )
        )
        Activity = self.env["mail.activity"].with_user(self.salesman)
        self.assertFalse(Activity.search([("id", "in", warnings.activity_ids.ids)]))
        with self.assertRaises(AccessError):
            warnings.activity_ids.with_user(self.salesman).read(["note"])
        self.assertEqual(
            warnings.activity_ids.with_user(self.collector)
            .filtered(lambda a: a.user_id == self.collector)
            .mapped("res_id"),
            warnings.filtered(lambda w: w.user_id == self.collector).ids,
        )
        # handed to a Credit Manager, the warning's activity follows
        mine = warnings.filtered(lambda w: w.user_id == self.collector)[:1]
        added = mine.activity_schedule(
            "mail.mail_activity_data_call", user_id=self.env.user.id
        )
        mine.with_user(self.collector).user_id = self.manager
        self.assertEqual((mine.activity_ids - added).user_id, self.manager)
        self.assertEqual(added.user_id, self.env.user, "another's to-do stays theirs")
        # nor to someone outside the credit team, who could not read it
        with self.assertRaises(UserError):
            mine.with_user(self.manager).user_id = self.salesman

    def test_grade_worsens_once_and_grade_rule_holds(self):
        partner = self._sliding_customer()
        self._run()
        self.assertEqual(partner.with_company(self.company).ar_risk_grade, "A")
        self.assertNotHeld(partner)
        self._only_trend_counts(risk_grade_rule=True, risk_grade_hold="C")
        self._run()
        self._run()
        row = self._metrics(partner)
        self.assertEqual(row.risk_grade, "D")
        grade_warnings = self.env["ar.risk.warning"].search(
            [("partner_id", "=", partner.id), ("kind", "=", "grade")]
        )
        self.assertEqual(len(grade_warnings), 1)
        self.assertIn("from A to D", grade_warnings.message)
        self.assertHeld(partner, "risk_grade")
        order = self._order(partner, 10.0)
        with self.assertRaises(UserError):
            order.action_confirm()
        self.assertEqual(order.state, "draft")

    def test_predicted_pay_dates(self):
        partner = self._sliding_customer()  # medium band: 20 days late recently
        by_history = self._inv(partner, 1500.0, days_old=0, term=30)
        promised = self._inv(partner, 800.0, days_old=0, term=30)
        planned = self._inv(partner, 600.0, days_old=0, term=30)
        self.env["ar.promise"].create(
            {
                "partner_id": partner.id,
                "invoice_ids": [Command.set(promised.ids)],
                "amount": 800.0,
                "promised_date": self._day(-12),
            }
        )
        plan = self.env["ar.payment.plan"].create(
            {
                "partner_id": partner.id,
                "invoice_ids": [Command.set(planned.ids)],
                "installment_count": 2,
                "frequency": "monthly",
                "first_date": self._day(-20),
            }
        )
        plan.with_user(self.manager).action_activate()
        self._run()
        # Medium-band history: 10 days late on average over the window.
        self.assertEqual(
            by_history.ar_predicted_pay_date,
            by_history.invoice_date_due + timedelta(days=10),
        )
        self.assertEqual(promised.ar_predicted_pay_date, self._day(-12))
        # 300 + 300: the invoice is only covered by the second installment.
        self.assertEqual(planned.ar_predicted_pay_date, plan.line_ids[-1].date_due)

    def test_incremental_equals_full(self):
        partner = self._sliding_customer()
        other = self.env["res.partner"].create(
            {"name": "Steady Co", "is_company": True}
        )
        steady = self._inv(other, 700.0, days_old=40)
        self._pay_on(steady, 700.0, 20)
        open_invoice = self._inv(partner, 900.0, days_old=45)
        self._run()
        untouched = self._metrics(other)
        stamp = untouched.write_date

        self._pay_on(open_invoice, 400.0, 0)
        self.assertTrue(self._metrics(partner).dirty)
        self.assertFalse(self._metrics(other).dirty)
        self._run(incremental=True)
        self.assertEqual(self._metrics(other).write_date, stamp)
        fields_ = [
            name
            for name, field in self.env["ar.partner.metrics"]._fields.items()
            if field.store
            and name
            not in ("id", "write_date", "write_uid", "create_date", "create_uid")
        ]
        after_incremental = self._metrics(partner).read(fields_)
        self._run()
        self.assertEqual(self._metrics(partner).read(fields_), after_incremental)

    def test_one_run_at_a_time(self):
        with self.registry.cursor() as other_cr:
            other_cr.execute("SELECT pg_advisory_lock(%s)", [0x4152_4D45])
            self.assertFalse(self._run())
            other_cr.execute("SELECT pg_advisory_unlock(%s)", [0x4152_4D45])
        self.assertTrue(self._run())

    def test_failed_run_raises_its_error_and_releases_the_lock(self):
        """A statement failing mid-run: its own error comes out (not the
        unlock's, refused by an aborted transaction), nothing of the run is
        kept, and the next run can go."""
        partner = self._sliding_customer()

        def failing_snapshots(metrics, company, partner_ids, today):
            metrics.env.cr.execute("SELECT 1 / 0")

        Metrics = type(self.env["ar.partner.metrics"])
        with (
            patch.object(Metrics, "_store_snapshots", failing_snapshots),
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.DivisionByZero),
        ):
            self._run()
        row = self._metrics(partner)
        self.assertTrue(row.dirty, "still flagged for the next run")
        self.assertEqual(row.paid_count, 0, "the failed run wrote nothing")
        with self.registry.cursor() as other_cr:
            other_cr.execute("SELECT pg_try_advisory_lock(%s)", [0x4152_4D45])
            self.assertTrue(other_cr.fetchone()[0], "the lock is free")
            other_cr.execute("SELECT pg_advisory_unlock(%s)", [0x4152_4D45])
        self.assertTrue(self._run())
        self.assertEqual(row.paid_count, 8)
        self.assertFalse(row.dirty)

    def test_payment_during_the_run_is_not_lost(self):
        """The full run reads every customer's figures first, then writes them
        batch by batch. A payment posted meanwhile for a customer of a later
        batch flags it; writing that batch's (older) figures must leave the
        flag, so that the next hourly run takes the payment."""
        early = self.env["res.partner"].create({"name": "Aardvark", "is_company": True})
        late = self.env["res.partner"].create({"name": "Zebra", "is_company": True})
        self._inv(early, 500.0, days_old=40)
        invoice = self._inv(late, 800.0, days_old=40)
        Metrics = type(self.env["ar.partner.metrics"])
        score = Metrics._score
        paid = []

        def pay_during_the_run(metrics, company, rows, today):
            if not paid:  # while the first batch is scored
                paid.append(self._pay_on(invoice, 800.0, 0))
            return score(metrics, company, rows, today)

        with patch.object(Metrics, "_score", pay_during_the_run):
            self.env["ar.partner.metrics"]._run(companies=self.company, batch_size=1)
        self.assertTrue(paid)
        row = self._metrics(late)
        self.assertEqual(row.open_amount, 800.0, "the run wrote what it had read")
        self.assertTrue(row.dirty, "and left the customer flagged")
        self.assertFalse(self._metrics(early).dirty)
        self._run(incremental=True)
        self.assertRecordValues(row, [{"open_amount": 0.0, "dirty": False}])

    def test_recompute_now_for_one_customer(self):
        """A settled customer still showed overdue until the hourly run: the
        credit team recomputes it at once; others may not."""
        customer = self.env["res.partner"].create(
            {"name": "Settled Ltd", "is_company": True}
        )
        invoice = self._inv(customer, 600.0, days_old=60)
        self._run()
        row = self._metrics(customer)
        self.assertEqual(row.open_amount, 600.0)
        self._pay_on(invoice, 600.0, 0)
        self.assertEqual(row.open_amount, 600.0, "until a run")
        with self.assertRaises(AccessError):
            row.with_user(self.salesman).action_recompute()
        action = row.with_user(self.collector).action_recompute()
        self.assertEqual(action["params"]["type"], "success")
        row.invalidate_recordset()
        self.assertRecordValues(
            row,
            [{"open_amount": 0.0, "dirty": False, "date_computed": self.today}],
        )

    def test_warning_digest_to_credit_managers(self):
        self.manager.email = "credit.manager@example.com"
        self._sliding_customer()
        self._run()
        Mail = self.env["mail.mail"]
        before = Mail.search_count([])
        self.env["ar.risk.warning"]._cron_send_digest()
        self.assertEqual(Mail.search_count([]), before, "digest is off by default")
        self.company.ar_warning_digest = True
        self.env["ar.risk.warning"]._cron_send_digest()
        digest = Mail.search([], order="id desc", limit=1)
        self.assertIn("credit.manager@example.com", digest.email_to)
        self.assertIn("Slow Slide Ltd", digest.body_html)

    def test_monthly_invoicing_and_countback_dso(self):
        """Invoices of this month, the month before and two months before
        (that one paid): its invoicing by month, and the 3,000 still owed
        matched against this month (1,000) then the month before (2,000)."""
        this_month = self.today.replace(day=1)
        month_1 = (this_month - timedelta(days=1)).replace(day=1)
        month_2 = (month_1 - timedelta(days=1)).replace(day=1)
        for day, amount in ((this_month, 1000.0), (month_1, 2000.0)):
            self._inv(self.customer, amount, days_old=(self.today - day).days)
        paid = self._inv(self.customer, 500.0, days_old=(self.today - month_2).days)
        self._pay_on(paid, 500.0, 0)
        self._run()
        row = self._metrics(self.customer)
        self.assertEqual(row.monthly_sales, [1000, 2000, 500] + [0] * 9)
        self.assertAlmostEqual(row.open_amount, 3000.0)
        days = period_days(self.today)
        self.assertAlmostEqual(row.dso, days[0] + days[1])

    def test_company_kpis(self):
        invoice = self._inv(self.customer, 1000.0, days_old=10, term=30)
        self._pay_on(invoice, 400.0, 2)
        self._run()
        kpi = self.env["ar.company.kpi"].search(
            [
                ("company_id", "=", self.company.id),
                ("month", "=", self.today.replace(day=1)),
            ]
        )
        self.assertEqual(len(kpi), 1)
        self.assertAlmostEqual(kpi.receivable, 600.0)
        self.assertAlmostEqual(kpi.current_receivable, 600.0)
        self.assertAlmostEqual(kpi.days_delinquent, kpi.dso - kpi.best_dso)


@tagged("post_install", "-at_install")
class TestMetricsDemo(TransactionCase):
    """The demo data as installed, read as the administrator of the main
    company."""

    def test_demo_customer_slides_from_a_to_c(self):
        partner = self.env.ref(
            "account_receivable_management.ar_demo_partner_sliding",
            raise_if_not_found=False,
        )
        if not partner:
            self.skipTest("installed without demo data")
        history = self.env["ar.partner.snapshot"].search(
            [("partner_id", "=", partner.id)], order="month"
        )
        # 18 month ends up to the server's day (the demo's dates); when the
        # user's day is already in the next month, the install's run adds it
        server_month = fields.Date.today().replace(day=1)
        root = self.env.ref("base.user_root")  # who ran it, in its timezone
        user_month = fields.Date.context_today(root.with_context(tz=root.tz))
        user_month = user_month.replace(day=1)
        self.assertEqual(len(history), 18 + (user_month > server_month))
        self.assertEqual(history[0].risk_grade, "A")
        self.assertEqual(history[-1].risk_grade, "C")
        self.assertGreater(history[-1].avg_days_late, history[8].avg_days_late)
        action = partner.action_ar_view_history()
        self.assertEqual(
            self.env["ar.partner.snapshot"].search_count(action["domain"]),
            len(history),
        )
