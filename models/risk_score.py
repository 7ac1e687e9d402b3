"""The risk score as plain Python.

Each factor is scaled to 0..1 (0 = no risk), weighted by the policy, and the
weighted sum is brought to 0..100. The points each factor adds are kept, so the
score explains itself: the top factors become lines such as "+22 pays 14 days
later than 6 months ago".
"""

from dataclasses import dataclass
from typing import NamedTuple

FACTORS = (
    "days_late",
    "trend",
    "broken_promises",
    "utilisation",
    "overdue_share",
    "defaulted_plans",
)
# Grade letters, best first, and the score each starts at: the one grade
# scale of the addon (the hold rule and the selections read it from here).
GRADES = (("A", 0.0), ("B", 20.0), ("C", 40.0), ("D", 60.0), ("E", 80.0))
LETTERS = "".join(letter for letter, _start in GRADES)
GRADE_SELECTION = [(letter, letter) for letter in LETTERS]

# Where a factor reaches full risk.
FULL_DAYS_LATE = 60.0  # paying 60 days late on average
FULL_TREND_DAYS = 30.0  # 30 days later than 6 months before
FULL_BROKEN_PROMISES = 3  # broken within the policy's window


class EarlyWarning(NamedTuple):
    """An early warning a run raises: a customer's grade got worse (from
    ``before`` to ``after``), or it pays ``before`` days later than it did
    (``kind`` "trend")."""

    partner_id: int
    kind: str  # "grade" or "trend"
    before: object
    after: object = None


@dataclass(frozen=True)
class Inputs:
    """What the score reads about one customer in one company."""

    avg_days_late: float = 0.0
    trend_days: float = 0.0
    broken_promises: int = 0  # broken within the window
    exposure: float = 0.0
    credit_limit: float = 0.0  # 0 = no limit
    open_amount: float = 0.0
    overdue_amount: float = 0.0
    defaulted_plans: int = 0


def _clamp(value):
    return max(0.0, min(1.0, value))


def factor_levels(inputs):
    """{factor: 0..1} for ``inputs``."""
    utilisation = (
        inputs.exposure / inputs.credit_limit if inputs.credit_limit > 0 else 0.0
    )
    overdue_share = (
        inputs.overdue_amount / inputs.open_amount if inputs.open_amount > 0 else 0.0
    )
    return {
        "days_late": _clamp(inputs.avg_days_late / FULL_DAYS_LATE),
        "trend": _clamp(inputs.trend_days / FULL_TREND_DAYS),
        "broken_promises": _clamp(inputs.broken_promises / FULL_BROKEN_PROMISES),
        "utilisation": _clamp(utilisation),
        "overdue_share": _clamp(overdue_share),
        "defaulted_plans": 1.0 if inputs.defaulted_plans else 0.0,
    }


def grade(score):
    """The letter of ``score``: A below 20, B below 40, ... E from 80."""
    letter = GRADES[0][0]
    for name, start in GRADES:
        if score >= start:
            letter = name
    return letter


def score(inputs, weights):
    """(score 0..100, grade, [(factor, points)] largest first, zero points
    left out). ``weights`` maps each factor to a weight >= 0; all zero gives
    a score of 0."""
    total_weight = sum(max(weights.get(name, 0.0), 0.0) for name in FACTORS)
    if total_weight <= 0:
        return 0.0, grade(0.0), []
    levels = factor_levels(inputs)
    points = [
        (name, 100.0 * max(weights.get(name, 0.0), 0.0) * levels[name] / total_weight)
        for name in FACTORS
    ]
    value = round(sum(p for _name, p in points), 1)
    contributions = sorted(
        ((name, p) for name, p in points if round(p) > 0),
        key=lambda item: (-item[1], FACTORS.index(item[0])),
    )
    return value, grade(value), contributions


def grade_rank(letter):
    """0 for A ... 4 for E; -1 when there is no grade."""
    return LETTERS.index(letter) if letter and letter in LETTERS else -1
