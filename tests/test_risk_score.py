from odoo.tests import BaseCase

from ..models import risk_score
from ..models.ar_company_kpi import countback_days, period_days

WEIGHTS = {
    "days_late": 30,
    "trend": 20,
    "broken_promises": 15,
    "utilisation": 15,
    "overdue_share": 10,
    "defaulted_plans": 10,
}


class TestRiskScore(BaseCase):
    def test_no_risk(self):
        self.assertEqual(risk_score.score(risk_score.Inputs(), WEIGHTS), (0.0, "A", []))

    def test_every_factor_at_full_risk(self):
        inputs = risk_score.Inputs(
            avg_days_late=90,
            trend_days=45,
            broken_promises=5,
            exposure=2000,
            credit_limit=1000,
            open_amount=100,
            overdue_amount=100,
            defaulted_plans=1,
        )
        value, letter, top = risk_score.score(inputs, WEIGHTS)
        self.assertEqual((value, letter), (100.0, "E"))
        self.assertEqual(top[0], ("days_late", 30.0))

    def test_largest_factor_first(self):
        inputs = risk_score.Inputs(avg_days_late=12, broken_promises=2)
        value, letter, top = risk_score.score(inputs, WEIGHTS)
        # days late 12/60 x 30 = 6; promises 2/3 x 15 = 10
        self.assertEqual([name for name, _p in top], ["broken_promises", "days_late"])
        self.assertEqual((value, letter), (16.0, "A"))

    def test_weights_are_relative(self):
        inputs = risk_score.Inputs(trend_days=15)
        self.assertEqual(risk_score.score(inputs, {"trend": 1})[0], 50.0)
        self.assertEqual(risk_score.score(inputs, {})[0], 0.0)

    def test_grade_boundaries(self):
        self.assertEqual(risk_score.grade(19.9), "A")
        self.assertEqual(risk_score.grade(20.0), "B")
        self.assertEqual(risk_score.grade(59.9), "C")
        self.assertEqual(risk_score.grade(80.0), "E")
        self.assertEqual(risk_score.grade_rank("C"), 2)
        self.assertEqual(risk_score.grade_rank(False), -1)


class TestCountback(BaseCase):
    def test_countback(self):
        # 1500 owed: this month's 1000 (23 days) and half of last month's.
        self.assertEqual(countback_days(1500, [(23, 1000), (31, 1000)]), 23 + 15.5)
        self.assertEqual(countback_days(0, [(23, 1000)]), 0)
        # A month without sales is passed over in full.
        self.assertEqual(countback_days(500, [(10, 0), (30, 1000)]), 25)
        # More owed than all the sales: every month counts.
        self.assertEqual(countback_days(5000, [(10, 100), (30, 100)]), 40)

    def test_period_days(self):
        from datetime import date

        self.assertEqual(period_days(date(2026, 3, 5), count=3), [5, 28, 31])
