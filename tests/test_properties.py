"""Property-based tests (hypothesis) of the addon's arithmetic: aging buckets,
the risk score, splitting amounts, applying payments to a plan, and the
days-to-pay maths of the nightly job over real invoices and payments."""

from datetime import timedelta
from fractions import Fraction
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import BaseCase, TransactionCase, tagged
from odoo.tools import SQL

from ..models import aging, paid_facts, plan_schedule, risk_score, settlement_math
from .common import ArCommon

# Strictly ascending bucket limits, as a policy may hold them.
limits_st = st.lists(
    st.integers(1, 2000), min_size=1, max_size=aging.MAX_LIMITS, unique=True
).map(lambda days: tuple(sorted(days)))
cents_st = st.integers(0, 10**11).map(lambda units: units / 100)


@tagged("post_install", "-at_install")
class TestBucketProperties(BaseCase):
    @given(limits=limits_st, days=st.integers(-5000, 5000))
    def test_bucket_matches_its_label(self, limits, days):
        index = aging.bucket_of(days, limits)
        labels = aging.bucket_labels(limits)
        self.assertEqual(len(labels), len(limits) + 2)
        self.assertTrue(0 <= index < len(labels))
        # The label's own range holds the days.
        low = 1 if index == 1 else (limits[index - 2] + 1 if index else None)
        if index == 0:
            self.assertLessEqual(days, 0)
        elif index <= len(limits):
            self.assertEqual(labels[index], f"{low}-{limits[index - 1]}")
            self.assertTrue(low <= days <= limits[index - 1])
        else:
            self.assertGreater(days, limits[-1])

    @given(limits=limits_st, a=st.integers(-5000, 5000), b=st.integers(-5000, 5000))
    def test_older_is_never_in_a_younger_bucket(self, limits, a, b):
        a, b = sorted((a, b))
        self.assertLessEqual(aging.bucket_of(a, limits), aging.bucket_of(b, limits))

    @given(
        limits=limits_st,
        items=st.lists(st.tuples(st.integers(-400, 3000), cents_st), max_size=40),
    )
    def test_bucket_totals_add_up_to_the_open_total(self, limits, items):
        totals = aging.bucket_totals(items, limits)
        self.assertAlmostEqual(sum(totals), sum(a for _d, a in items), places=2)

    @given(limits=limits_st)
    def test_limits_round_trip(self, limits):
        text = ", ".join(map(str, limits))
        self.assertEqual(aging.parse_limits(text), limits)

    @given(text=st.text(alphabet="0123456789, -x.", max_size=20))
    def test_limits_text_parses_or_says_no(self, text):
        try:
            limits = aging.parse_limits(text)
        except ValueError:
            return
        self.assertGreater(limits[0], 0)
        self.assertTrue(all(a < b for a, b in pairwise(limits)))


@tagged("post_install", "-at_install")
class TestBucketSql(TransactionCase):
    @settings(max_examples=30, deadline=None)
    @given(
        limits=limits_st,
        days=st.lists(st.integers(-5000, 5000), min_size=1, max_size=50),
    )
    def test_sql_buckets_are_the_python_buckets(self, limits, days):
        rows = self.env.execute_query(
            SQL(
                "SELECT d, %s FROM unnest(%s::int[]) d",
                aging.bucket_sql(SQL("d"), limits),
                days,
            )
        )
        self.assertEqual(
            [index for _d, index in rows], [aging.bucket_of(d, limits) for d in days]
        )


inputs_st = st.builds(
    risk_score.Inputs,
    avg_days_late=st.floats(0, 1000),
    trend_days=st.floats(-1000, 1000),
    broken_promises=st.integers(0, 50),
    exposure=st.floats(0, 1e9),
    credit_limit=st.floats(0, 1e9),
    open_amount=st.floats(0, 1e9),
    overdue_amount=st.floats(0, 1e9),
    defaulted_plans=st.integers(0, 5),
)
weights_st = st.fixed_dictionaries(
    {name: st.floats(0, 100) for name in risk_score.FACTORS}
)


@tagged("post_install", "-at_install")
class TestScoreProperties(BaseCase):
    @given(inputs=inputs_st, weights=weights_st)
    def test_score_is_bounded_graded_and_explained(self, inputs, weights):
        value, letter, contributions = risk_score.score(inputs, weights)
        self.assertTrue(0.0 <= value <= 100.0)
        self.assertEqual(letter, risk_score.grade(value))
        points = [p for _name, p in contributions]
        self.assertEqual(points, sorted(points, reverse=True))
        # The explanation leaves out only factors worth less than half a point.
        self.assertLessEqual(
            abs(sum(points) - value), 0.05 + 0.5 * len(risk_score.FACTORS)
        )

    @given(inputs=inputs_st, weights=weights_st, factor=st.floats(0.01, 100))
    def test_scaling_the_weights_changes_nothing(self, inputs, weights, factor):
        scaled = {name: weight * factor for name, weight in weights.items()}
        self.assertAlmostEqual(
            risk_score.score(inputs, weights)[0],
            risk_score.score(inputs, scaled)[0],
            delta=0.1 + 1e-9,
        )

    @given(
        inputs=inputs_st,
        weights=weights_st,
        more_late=st.floats(0, 100),
        more_broken=st.integers(0, 5),
        more_overdue=st.floats(0, 1e6),
    )
    def test_more_risk_never_lowers_the_score(
        self, inputs, weights, more_late, more_broken, more_overdue
    ):
        worse = risk_score.Inputs(
            **{
                **inputs.__dict__,
                "avg_days_late": inputs.avg_days_late + more_late,
                "broken_promises": inputs.broken_promises + more_broken,
                "overdue_amount": min(
                    inputs.overdue_amount + more_overdue, inputs.open_amount
                ),
            }
        )
        if inputs.overdue_amount > inputs.open_amount:
            return  # more overdue than open is not a state the job produces
        self.assertGreaterEqual(
            risk_score.score(worse, weights)[0] + 1e-9,
            risk_score.score(inputs, weights)[0],
        )


@tagged("post_install", "-at_install")
class TestSplittingProperties(BaseCase):
    @given(
        total=st.integers(0, 10**11),
        weights=st.lists(st.integers(0, 10**9), min_size=1, max_size=12),
    )
    def test_prorate_sums_exactly_and_stays_within_a_cent(self, total, weights):
        if not sum(weights):
            weights = [*weights[:-1], 1]
        shares = settlement_math.prorate(total / 100, weights)
        units = [round(share * 100) for share in shares]
        self.assertEqual(sum(units), total)
        for unit, weight in zip(units, weights, strict=True):
            exact = Fraction(total * weight, sum(weights))
            self.assertLess(abs(unit - exact), 1)
            if not weight:
                self.assertEqual(unit, 0)

    @given(
        amounts=st.lists(st.integers(1, 10**9), min_size=1, max_size=24),
        paid=st.integers(0, 3 * 10**9),
    )
    def test_payments_fill_the_oldest_installments_first(self, amounts, paid):
        covered = plan_schedule.allocate([a / 100 for a in amounts], paid / 100)
        units = [round(c * 100) for c in covered]
        self.assertEqual(sum(units), min(paid, sum(amounts)))
        for index, (unit, amount) in enumerate(zip(units, amounts, strict=True)):
            self.assertTrue(0 <= unit <= amount)
            if unit and index:
                self.assertEqual(units[index - 1], amounts[index - 1])


# One invoice of a generated history: its amount in cents, its age and payment
# term in days, and its payments as (weight, days after the invoice date); the
# last payment is left out when ``settled`` is false.
invoice_st = st.fixed_dictionaries(
    {
        "cents": st.integers(1000, 2_000_000),
        "age": st.integers(40, 400),
        "term": st.integers(0, 60),
        "payments": st.lists(
            st.tuples(st.integers(1, 9), st.integers(0, 39)), min_size=1, max_size=3
        ),
        "settled": st.booleans(),
    }
)


@tagged("post_install", "-at_install")
class TestDaysToPayProperties(ArCommon):
    """The nightly job's days to pay, days late and share paid on time over
    generated histories, against the definition computed here in exact
    fractions: each fully paid invoice's paid date is the date of its payments
    weighted by their amounts, and invoices weigh by what was paid."""

    @settings(
        max_examples=8,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(history=st.lists(invoice_st, min_size=1, max_size=3))
    def test_days_to_pay_is_the_weighted_definition(self, history):
        partner = self.env["res.partner"].create({"name": "Generated Customer"})
        expected = []  # (paid, days to pay, days late) of each settled invoice
        for spec in history:
            invoice = self._invoice(
                partner,
                spec["cents"] / 100,
                days_old=spec["age"],
                term_days=spec["term"],
            )
            weights = [weight for weight, _after in spec["payments"]]
            parts = settlement_math.prorate(spec["cents"] / 100, weights)
            if not spec["settled"] and len(parts) > 1:
                parts, payments = parts[:-1], spec["payments"][:-1]
            elif not spec["settled"]:
                parts, payments = [], []
            else:
                payments = spec["payments"]
            for part, (_weight, after) in zip(parts, payments, strict=True):
                invoice._ar_register_payment(
                    amount=part,
                    payment_date=invoice.invoice_date + timedelta(days=after),
                )
            if parts and len(parts) == len(spec["payments"]):
                self.assertEqual(invoice.payment_state, "paid")
                amounts = [Fraction(round(p * 100)) for p in parts]
                paid_day = sum(
                    a * after for a, (_w, after) in zip(amounts, payments, strict=True)
                ) / sum(amounts)
                late = max(paid_day - spec["term"], 0)
                x = paid_facts.day_number(invoice.invoice_date)
                expected.append((sum(amounts), paid_day, late, x))
        [row] = self.env["ar.partner.metrics"]._fill_figures(
            self.company, self.today, partner_ids=[partner.id]
        )
        self.assertEqual(row["paid_count"], len(expected))
        weight = sum(paid for paid, *_rest in expected)
        if not weight:
            self.assertEqual(row["avg_days_to_pay"], 0)
            return
        self.assertAlmostEqual(
            float(row["avg_days_to_pay"]),
            float(sum(p * d for p, d, *_rest in expected) / weight),
            places=6,
        )
        self.assertAlmostEqual(
            float(row["avg_days_late"]),
            float(sum(p * late for p, _d, late, _x in expected) / weight),
            places=6,
        )
        self.assertAlmostEqual(
            float(row["on_time_share"]),
            float(sum(p for p, _d, late, _x in expected if not late) / weight),
            places=6,
        )
        # Amount-weighted least squares of days late over invoice day, per 30
        # days (0 when the invoice days do not vary).
        sw = weight
        swx = sum(p * x for p, _d, _l, x in expected)
        swl = sum(p * late for p, _d, late, _x in expected)
        swxl = sum(p * x * late for p, _d, late, x in expected)
        swxx = sum(p * x * x for p, _d, _l, x in expected)
        spread = sw * swxx - swx * swx
        slope = (sw * swxl - swx * swl) / spread * 30 if spread else 0
        self.assertAlmostEqual(float(row["trend_slope"]), float(slope), places=6)
