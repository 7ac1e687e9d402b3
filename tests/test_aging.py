from datetime import timedelta
from unittest import TestCase

from odoo import fields
from odoo.tests import tagged

from ..models import aging
from .common_instruments import ArInstrumentCommon


class TestBuckets(TestCase):
    """Bucket maths, boundaries included."""

    def test_boundaries(self):
        limits = (30, 60, 90, 120)
        cases = {
            -5: 0,  # not yet due
            0: 0,  # due today: current
            1: 1,
            30: 1,  # day 30 is still 1-30
            31: 2,  # day 31 opens 31-60
            60: 2,
            61: 3,
            90: 3,
            120: 4,
            121: 5,
            1000: 5,
        }
        for days, bucket in cases.items():
            self.assertEqual(aging.bucket_of(days, limits), bucket, days)

    def test_labels_and_limits(self):
        self.assertEqual(
            aging.bucket_labels((30, 60, 90, 120)),
            ["Current", "1-30", "31-60", "61-90", "91-120", "> 120"],
        )
        self.assertEqual(
            aging.bucket_labels((15, 45)), ["Current", "1-15", "16-45", "> 45"]
        )
        self.assertEqual(aging.parse_limits(" 30, 60,90 "), (30, 60, 90))
        for bad in ("", "0,30", "30,30", "60,30", "a,b"):
            with self.assertRaises(ValueError, msg=bad):
                aging.parse_limits(bad)

    def test_totals_add_up(self):
        items = [(-3, 100.0), (0, 50.0), (30, 20.0), (31, 7.0), (500, 3.0)]
        totals = aging.bucket_totals(items)
        self.assertEqual(totals, [150.0, 20.0, 7.0, 0.0, 0.0, 3.0])
        self.assertEqual(sum(totals), sum(amount for _days, amount in items))


@tagged("post_install", "-at_install")
class TestOpenItemsAsOf(ArInstrumentCommon):
    """Open items on a past day follow the reconciliation dates, not today's
    residual: a payment that came later leaves the invoice open that day."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.as_of = cls.today - timedelta(days=20)
        partner = cls.customer
        # A: 1,000 due 60 days ago; 300 paid 30 days ago, 700 paid 5 days ago.
        cls.inv_a = cls._invoice(partner, 1000.0, days_old=90, term_days=30)
        cls._pay_days_ago(cls.inv_a, 300.0, 30)
        cls._pay_days_ago(cls.inv_a, 700.0, 5)
        # B: 500, paid in full 25 days ago, before the day.
        cls.inv_b = cls._invoice(partner, 500.0, days_old=50, term_days=15)
        cls._pay_days_ago(cls.inv_b, 500.0, 25)
        # C: issued after the day.
        cls.inv_c = cls._invoice(partner, 200.0, days_old=10)
        # D: 800 issued 30 days ago, due today, still open.
        cls.inv_d = cls._invoice(partner, 800.0, days_old=30, term_days=30)

    @classmethod
    def _pay_days_ago(cls, invoice, amount, days_ago):
        invoice._ar_register_payment(
            amount=amount, payment_date=cls.today - timedelta(days=days_ago)
        )

    def _open(self, day, today=None):
        self.env.flush_all()
        rows = self.env.execute_query_dict(
            aging.open_items_sql(
                self.company.id,
                day,
                aging.receivable_account_ids(self.env),
                today or fields.Date.context_today(self.env.user),
                partner_ids=self.customer.ids,
            )
        )
        return {row["move_id"]: row for row in rows}

    def test_past_day_uses_reconciliation_dates(self):
        self.assertEqual(self.inv_a.payment_state, "paid")
        items = self._open(self.as_of)
        self.assertEqual(set(items), {self.inv_a.id, self.inv_d.id})
        self.assertAlmostEqual(items[self.inv_a.id]["open_amount"], 700.0)
        self.assertAlmostEqual(items[self.inv_d.id]["open_amount"], 800.0)
        buckets = aging.bucket_totals(
            ((self.as_of - row["date_maturity"]).days, float(row["open_amount"]))
            for row in items.values()
        )
        # A is 40 days past due on the day (31-60); D is not due until today.
        self.assertEqual(buckets, [800.0, 0.0, 700.0, 0.0, 0.0, 0.0])
        self.assertAlmostEqual(
            sum(buckets), sum(float(row["open_amount"]) for row in items.values())
        )

    def test_past_day_in_foreign_currency(self):
        """230 EUR (115.00 at 2 EUR for 1) paid 100 EUR before the day and
        130 EUR after it, at a new rate: on the day 130 EUR are open, 65.00 in
        company currency at the invoice's rate, whatever the exchange
        difference booked later."""
        invoice = self._taxed_invoice(200.0, days_old=60, currency=self.eur)
        self._pay_days_ago(invoice, 100.0, 30)
        self._pay_days_ago(invoice, 130.0, 5)
        self.assertEqual(invoice.payment_state, "paid")
        item = self._open(self.as_of)[invoice.id]
        self.assertEqual(item["currency_id"], self.eur.id)
        self.assertAlmostEqual(float(item["open_amount_currency"]), 130.0)
        self.assertAlmostEqual(float(item["open_amount"]), 65.0)
        # paid in full by today, the exchange difference included
        self.assertNotIn(invoice.id, self._open(self.today))
        self.assertNotIn(
            invoice.id, self._open(self.today, today=self.today + timedelta(days=1))
        )

    def test_today_matches_the_stored_residual(self):
        fast = self._open(self.today)
        self.assertEqual(set(fast), {self.inv_c.id, self.inv_d.id})
        # the reconciliation-date path, forced by a later "today", agrees
        replay = self._open(self.today, today=self.today + timedelta(days=1))
        self.assertEqual(
            {k: float(v["open_amount"]) for k, v in replay.items()},
            {k: float(v["open_amount"]) for k, v in fast.items()},
        )

    def test_metrics_replay_reads_open_items_as_of_the_day(self):
        metrics = self.env["ar.partner.metrics"]
        metrics._run(companies=self.company, today=self.as_of)
        row = metrics.search(
            [
                ("partner_id", "=", self.customer.id),
                ("company_id", "=", self.company.id),
            ]
        )
        self.assertAlmostEqual(row.open_amount, 1500.0)
        self.assertAlmostEqual(row.overdue_amount, 700.0)
        self.assertEqual(row.oldest_overdue_days, 40)

    def test_company_kpis_read_the_receivable_as_of_the_day(self):
        """The KPIs' receivable at a past month end counts the invoice paid
        afterwards; the stored residual would not."""
        receivable, current, credits = self.env["ar.company.kpi"]._open_at(
            self.company, self.as_of
        )
        self.assertAlmostEqual(receivable, 1500.0)
        self.assertAlmostEqual(current, 800.0)  # D is due today, A is late
        self.assertEqual(credits, 0.0)
        self.assertAlmostEqual(
            self.env["ar.company.kpi"]._open_at(self.company, self.today)[0],
            1000.0,  # C and D
        )
