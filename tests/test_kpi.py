from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo.tests import TransactionCase, tagged, users

from ..models.ar_company_kpi import countback_days, kpi_figures
from .common_instruments import ArInstrumentCommon


@tagged("post_install", "-at_install")
class TestKpiFigures(TransactionCase):
    """The KPIs as functions of their figures (``kpi_figures``)."""

    def test_credits_beyond_the_past_due_reach_the_not_yet_due(self):
        """November on the demo: a ledger receivable of 56,096.88, 115,006.88
        owed and not yet due: the credits used up the past due part, so what is
        not yet due is the whole receivable and no day is delinquent (it was
        -0.7 d with the not yet due part taken before credits)."""
        months = [(30, 26_000.0), (31, 40_000.0)] + [(30, 0.0)] * 10
        figures = kpi_figures(56_096.88, 60_000.0, 115_006.88, months)
        self.assertAlmostEqual(figures["current_receivable"], 56_096.88)
        self.assertAlmostEqual(figures["best_dso"], figures["dso"])
        self.assertEqual(figures["days_delinquent"], 0.0)
        # 30 days of November, then (56,096.88 - 26,000) / 40,000 of October
        self.assertAlmostEqual(figures["dso"], 30 + 30_096.88 / 40_000 * 31)

    def test_delinquency_is_never_negative(self):
        months = [(30, 1_000.0), (31, 5_000.0), (30, 250.0)] + [(31, 0.0)] * 9
        for receivable in (0.0, 10.0, 999.0, 1_000.0, 4_000.0, 6_100.0, 9_000.0):
            for owed_not_due in (0.0, 500.0, 1_500.0, 7_000.0, 20_000.0):
                figures = kpi_figures(receivable, 2_000.0, owed_not_due, months)
                self.assertGreaterEqual(figures["days_delinquent"], 0.0)
                self.assertLessEqual(figures["current_receivable"], receivable)
                if figures["cei"] is not None:
                    self.assertLessEqual(figures["cei"], 100.0 + 1e-9)

    def test_a_month_of_negative_sales_counts_its_days_in_full(self):
        """October on the demo: more credit notes than invoices. The month
        explains none of the receivable: the countback goes on to September."""
        months = [(31, -24_650.0), (30, 50_000.0)] + [(31, 0.0)] * 10
        figures = kpi_figures(20_000.0, 30_000.0, 5_000.0, months)
        self.assertAlmostEqual(figures["dso"], 31 + 20_000 / 50_000 * 30)
        self.assertAlmostEqual(figures["best_dso"], 31 + 5_000 / 50_000 * 30)
        self.assertAlmostEqual(countback_days(20_000.0, months), figures["dso"])

    def test_figures_that_mean_nothing_are_none(self):
        no_sales = [(30, 0.0), (31, -100.0)] + [(30, 0.0)] * 10
        figures = kpi_figures(500.0, 0.0, 0.0, no_sales)
        self.assertIsNone(figures["dso"])
        self.assertIsNone(figures["best_dso"])
        self.assertIsNone(figures["days_delinquent"])
        # nothing collectible: 0 at start + -0 sales - 0 not yet due
        self.assertIsNone(figures["cei"])
        # in credit overall: no DSO either
        self.assertIsNone(kpi_figures(-50.0, 100.0, 0.0, [(30, 10.0)] * 12)["dso"])
        # nothing owed: 0 days, defined
        self.assertEqual(kpi_figures(0.0, 100.0, 0.0, no_sales)["dso"], 0.0)


@tagged("post_install", "-at_install")
class TestCompanyKpis(ArInstrumentCommon):
    """The KPIs stored for a past day, against figures computed by hand, with
    credit notes and unapplied payments in the month and the month before."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The 20th of the month before last: a day in the past, so that the
        # figures are those of that day (reconciliation dates count).
        cls.day = (cls.today - relativedelta(months=2)).replace(day=20)
        start = cls.day.replace(day=1)
        cls.start = start

        def days_old(day):
            return (cls.today - day).days

        # Before the month: 1,000 invoiced, paid 1,000 on the 13th of the month;
        # 200 paid on the 27th of the month before, applied to nothing.
        cls.old = cls._invoice(
            cls.customer, 1000.0, days_old=days_old(start - timedelta(days=40))
        )
        cls._unapplied_payment(200.0, start - timedelta(days=5))
        cls.old._ar_register_payment(
            amount=1000.0, payment_date=start + timedelta(days=12)
        )
        # In the month: 2,000 due after the day, 3,000 due on the 10th,
        # a credit note of 1,200 and 300 received, neither applied.
        cls._invoice(cls.customer, 2000.0, days_old=days_old(start + timedelta(1)))
        cls._invoice(
            cls.customer, 3000.0, days_old=days_old(start + timedelta(3)), term_days=6
        )
        cls._invoice(
            cls.customer,
            1200.0,
            days_old=days_old(start + timedelta(days=9)),
            move_type="out_refund",
        )
        cls._unapplied_payment(300.0, start + timedelta(days=14))
        # After the day: neither counts for it.
        cls._invoice(cls.customer, 700.0, days_old=days_old(cls.day + timedelta(3)))

    @classmethod
    def _unapplied_payment(cls, amount, day):
        payment = cls.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": cls.customer.id,
                "amount": amount,
                "date": day,
                "journal_id": cls.bank.id,
            }
        )
        payment.action_post()
        return payment

    def test_hand_computed_month(self):
        kpi = self.env["ar.company.kpi"]._store_month(self.company, self.day)
        self.assertEqual(kpi.month, self.start)
        # ledger on the 20th: 2,000 + 3,000 - 1,200 - 300 - 200
        self.assertAlmostEqual(kpi.receivable, 3300.0)
        self.assertAlmostEqual(kpi.unapplied_credits, -1700.0)
        # at the end of the month before: 1,000 - 200
        self.assertAlmostEqual(kpi.receivable_start, 800.0)
        self.assertAlmostEqual(kpi.sales, 3800.0)
        # the credits (1,700) cover the 3,000 past due in part: the 2,000 not
        # yet due stays whole
        self.assertAlmostEqual(kpi.current_receivable, 2000.0)
        self.assertAlmostEqual(kpi.dso, round(3300 / 3800 * 20, 1))
        self.assertAlmostEqual(kpi.best_dso, round(2000 / 3800 * 20, 1))
        self.assertAlmostEqual(kpi.days_delinquent, round(1300 / 3800 * 20, 1))
        # collected in the month: 1,000 applied and 300 not yet applied
        self.assertAlmostEqual(kpi.cei, 50.0)
        self.assertTrue(kpi.dso_defined and kpi.cei_defined)
        self.assertEqual(kpi.cei_text, "50.0")
        self.assertFalse(kpi.note)

    def test_credits_beyond_the_past_due(self):
        """A second credit note of 2,500 in the month: the credits (4,200) are
        more than the past due (3,000), so the rest comes off what is not yet
        due; no day is delinquent and CEI is 100 %."""
        self._invoice(
            self.customer,
            2500.0,
            days_old=(self.today - self.start).days - 15,
            move_type="out_refund",
        )
        kpi = self.env["ar.company.kpi"]._store_month(self.company, self.day)
        self.assertAlmostEqual(kpi.receivable, 800.0)
        self.assertAlmostEqual(kpi.sales, 1300.0)
        self.assertAlmostEqual(kpi.current_receivable, 800.0)
        self.assertAlmostEqual(kpi.dso, kpi.best_dso)
        self.assertEqual(kpi.days_delinquent, 0.0)
        self.assertAlmostEqual(kpi.cei, 100.0)

    def test_negative_month_and_undefined_figures(self):
        """Credit notes of 6,000 more: sales are -2,200 and the receivable is
        in the customer's favour. DSO and CEI mean nothing: stored empty,
        shown as "—" and explained, skipped by the pivot's averages."""
        self._invoice(
            self.customer,
            6000.0,
            days_old=(self.today - self.start).days - 16,
            move_type="out_refund",
        )
        kpi = self.env["ar.company.kpi"]._store_month(self.company, self.day)
        self.assertAlmostEqual(kpi.sales, -2200.0)
        self.assertAlmostEqual(kpi.receivable, -2700.0)
        self.assertFalse(kpi.dso_defined)
        self.assertFalse(kpi.cei_defined)
        for name in ("dso_text", "best_dso_text", "days_delinquent_text", "cei_text"):
            self.assertEqual(kpi[name], "—", name)
        self.assertIn("Credit notes exceeded invoices", kpi.note)
        self.assertIn(self.company.currency_id.format(-2200.0), kpi.note)
        self.assertIn("DSO undefined", kpi.note)
        self.assertIn("CEI undefined", kpi.note)
        self.env.cr.execute(
            "SELECT dso, best_dso, days_delinquent, cei FROM ar_company_kpi "
            "WHERE id = %s",
            [kpi.id],
        )
        self.assertEqual(self.env.cr.fetchall(), [(None, None, None, None)])
        [(cei,)] = self.env["ar.company.kpi"]._read_group(
            [("id", "=", kpi.id)], aggregates=["cei:avg"]
        )
        self.assertFalse(cei)
        # The next run of the month computes them again once they mean
        # something.
        self._invoice(
            self.customer, 9000.0, days_old=(self.today - self.start).days - 17
        )
        kpi = self.env["ar.company.kpi"]._store_month(self.company, self.day)
        self.assertTrue(kpi.dso_defined and kpi.cei_defined)
        self.assertNotEqual(kpi.cei_text, "—")

    @users("ar_collector")
    def test_the_dashboard_shows_undefined_alike(self):
        self._invoice(self.customer, 6000.0, days_old=0, move_type="out_refund")
        kpi = self.env["ar.company.kpi"].sudo()._store_month(self.company, self.today)
        self.assertFalse(kpi.cei_defined)
        cards = {
            card["key"]: card for card in self.env["ar.dashboard"].get_data()["cards"]
        }
        self.assertIsNone(cards["cei"]["value"])
        self.assertEqual(cards["dso"]["value"], kpi.dso if kpi.dso_defined else None)
        self.assertEqual(kpi.with_env(self.env).cei_text, "—")
