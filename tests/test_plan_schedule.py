from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from ..models import plan_schedule as ps


@tagged("post_install", "-at_install")
class TestPlanSchedule(BaseCase):
    def test_last_line_takes_the_rounding(self):
        lines = ps.schedule(1000.0, 3, "monthly", date(2026, 3, 15))
        self.assertEqual([amount for _d, amount in lines], [333.33, 333.33, 333.34])
        self.assertEqual(
            [day for day, _a in lines],
            [date(2026, 3, 15), date(2026, 4, 15), date(2026, 5, 15)],
        )

    def test_month_ends_stay_month_ends(self):
        days = ps.due_dates(date(2026, 1, 31), 5, "monthly")
        self.assertEqual(
            days,
            [
                date(2026, 1, 31),
                date(2026, 2, 28),
                date(2026, 3, 31),
                date(2026, 4, 30),
                date(2026, 5, 31),
            ],
        )
        self.assertEqual(
            ps.due_dates(date(2026, 2, 28), 3, "monthly"),
            [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)],
        )
        self.assertEqual(
            ps.due_dates(date(2026, 1, 30), 2, "monthly"),
            [date(2026, 1, 30), date(2026, 2, 28)],
        )

    def test_down_payment_first(self):
        lines = ps.schedule(
            1000.0, 2, "weekly", date(2026, 3, 10), 100.0, date(2026, 3, 1)
        )
        self.assertEqual(
            lines,
            [
                (date(2026, 3, 1), 100.0),
                (date(2026, 3, 10), 450.0),
                (date(2026, 3, 17), 450.0),
            ],
        )

    def test_bad_input(self):
        first = date(2026, 3, 10)
        for kwargs in (
            {"count": 0},
            {"total": 0.0},
            {"down_payment": 1000.0},
            {"down_payment": 10.0, "down_payment_date": first},
            {"frequency": "daily"},
        ):
            args = {
                "total": 1000.0,
                "count": 3,
                "frequency": "monthly",
                "first_date": first,
            }
            args.update(kwargs)
            with self.subTest(kwargs), self.assertRaises(ValueError):
                ps.schedule(**args)

    def test_allocate_oldest_first(self):
        self.assertEqual(ps.allocate([100.0, 100.0, 100.01], 150.5), [100.0, 50.5, 0.0])
        self.assertEqual(ps.allocate([100.0], 500.0), [100.0])

    def test_first_late(self):
        today = date(2026, 3, 20)
        dates = [date(2026, 3, 1), date(2026, 3, 14)]
        self.assertIsNone(ps.first_late(dates, [10, 10], [10, 0], today, 6))
        self.assertEqual(ps.first_late(dates, [10, 10], [10, 0], today, 5), dates[1])

    @given(
        total=st.decimals("0.05", "10000000", places=2),
        count=st.integers(1, 60),
        frequency=st.sampled_from(sorted(ps.FREQUENCIES)),
        first=st.dates(date(2020, 1, 1), date(2035, 12, 31)),
        down_share=st.integers(0, 90),
        digits=st.sampled_from([0, 2, 3]),
    )
    def test_schedule_properties(
        self, total, count, frequency, first, down_share, digits
    ):
        total = round(float(total), digits) or 1.0
        down = round(total * down_share / 100.0, digits)
        if down >= total:  # rounding to whole units can swallow the total
            down = 0.0
        lines = ps.schedule(
            total,
            count,
            frequency,
            first,
            down_payment=down,
            down_payment_date=first - timedelta(days=1),
            digits=digits,
        )
        units = [round(amount * 10**digits) for _d, amount in lines]
        self.assertEqual(sum(units), round(total * 10**digits))
        self.assertEqual(len(lines), count + (1 if down else 0))
        days = [day for day, _a in lines]
        self.assertTrue(all(a < b for a, b in pairwise(days)))
