"""Credit hold rules as plain Python.

Nothing here touches the ORM: the models gather the figures of a customer
(``CreditFigures``) and the settings of its policy (``PolicyRules``) and ask
:func:`hold_reasons` which automatic hold reasons apply. A rule is one entry of
``RULES``: its code (the hold's reason), its label, the switch that makes it
apply, the function that judges it and the line that says why. A new rule is
one more entry, and its settings: fields of ``PolicyRules`` and of the policy
of the same names.

All amounts are in the company currency; ``rounding`` is that currency's
rounding, so that a customer exactly at its limit is not over it.
"""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from odoo.tools.float_utils import float_compare

from . import risk_score

# Codes of the hold reasons (``ar.hold.reason``); the automatic ones are those
# of ``RULES``, in the order they are shown.
OVER_LIMIT = "over_limit"
OVERDUE_DAYS = "overdue_days"
OVERDUE_AMOUNT = "overdue_amount"
BROKEN_PROMISES = "broken_promises"
DEFAULTED_PLAN = "defaulted_plan"
RISK_GRADE = "risk_grade"
MANUAL = "manual"
# Placed by a reminder step that escalates (models/ar_reminder_line.py).
REMINDERS = "reminders"
# Reasons placed by a person or a workflow, lifted by a Credit Manager only.
PLACED = (MANUAL, REMINDERS)
GRADES = risk_score.LETTERS


class OpenItems(NamedTuple):
    """A customer's open receivable items in one company, in company currency:
    the part of its figures that only posting and reconciling change, which
    ``ar.partner.exposure`` keeps per day (one column per name)."""

    receivable: float = 0.0  # posted, unreconciled receivable residual (may be < 0)
    overdue_amount: float = 0.0  # positive residual past its due date
    oldest_due_date: date | None = None  # due date of the oldest overdue item
    # The same two overdue figures without the invoices an open commitment
    # (a promise to pay, an active plan) covers.
    uncommitted_overdue_amount: float = 0.0
    uncommitted_oldest_due_date: date | None = None
    broken_promise_dates: tuple = ()  # dates promises were judged broken
    defaulted_plans: int = 0  # defaulted payment plans not paid off


@dataclass(frozen=True)
class CreditFigures:
    """What a customer owes a company, in company currency: its open items
    and what else counts in its exposure."""

    receivable: float = 0.0
    to_invoice: float = 0.0  # confirmed orders' amounts left to invoice
    draft_invoiced: float = 0.0  # draft invoices not created from a sales order
    overdue_amount: float = 0.0
    oldest_due_date: date | None = None
    credit_limit: float = 0.0  # 0 means no limit
    uncommitted_overdue_amount: float = 0.0
    uncommitted_oldest_due_date: date | None = None
    broken_promise_dates: tuple = ()
    defaulted_plans: int = 0
    risk_grade: str | None = None  # A..E from the last metrics run

    @classmethod
    def of(cls, open_items, **others):
        """The figures of these ``OpenItems`` and the ``others``."""
        return cls(**open_items._asdict(), **others)


@dataclass(frozen=True)
class PolicyRules:
    """The switches and thresholds of a credit policy, for one company. Each
    is the policy's field of the same name (``POLICY_FIELDS``), with the same
    default, but for the two its company gives."""

    use_credit_limit: bool = False  # the company's "Sales Credit Limit" setting
    block_on_limit: bool = False
    include_draft_invoices: bool = False
    overdue_days_rule: bool = False
    overdue_days: int = 0
    overdue_amount_rule: bool = False
    overdue_amount: float = 0.0
    commitments_suspend_overdue: bool = False
    broken_promise_rule: bool = False
    broken_promise_count: int = 2
    broken_promise_days: int = 90
    defaulted_plan_rule: bool = False
    risk_grade_rule: bool = False
    risk_grade_hold: str = "E"
    rounding: float = 0.01  # the company currency's

    @property
    def any_active(self):
        """Whether any automatic rule can hold a customer under this policy."""
        return any(rule.switch(self) for rule in RULES)


# The settings of PolicyRules that are fields of ar.credit.policy: what the
# policy hands the rules, and what, changed, can hold or release customers.
POLICY_FIELDS = tuple(
    field.name
    for field in dataclasses.fields(PolicyRules)
    if field.name not in ("use_credit_limit", "rounding")
)


@dataclass(frozen=True)
class Reason:
    """One automatic reason to hold a customer, with the numbers behind it."""

    code: str
    value: float  # what was measured (exposure, days, amount)
    threshold: float  # what it was compared with

    @property
    def excess(self):
        return self.value - self.threshold


def exposure(figures, rules, extra=0.0):
    """Total exposure: open receivables + uninvoiced sales (+ drafts) + extra."""
    total = figures.receivable + figures.to_invoice + extra
    if rules.include_draft_invoices:
        total += figures.draft_invoiced
    return total


def overdue(figures, rules):
    """(overdue amount, oldest due date) the overdue rules look at: without the
    invoices under an open commitment when the policy says so."""
    if rules.commitments_suspend_overdue:
        return figures.uncommitted_overdue_amount, figures.uncommitted_oldest_due_date
    return figures.overdue_amount, figures.oldest_due_date


def days_past(due_date, today):
    """Days ``due_date`` is behind ``today`` (0 when not past)."""
    if not due_date or due_date >= today:
        return 0
    return (today - due_date).days


def overdue_days(figures, today):
    """Days the oldest overdue item is past its due date (0 when none)."""
    return days_past(figures.oldest_due_date, today)


def rule_over_limit(figures, rules, today, extra):
    if not (rules.use_credit_limit and rules.block_on_limit):
        return None
    if float_compare(figures.credit_limit, 0.0, precision_rounding=rules.rounding) <= 0:
        return None
    total = exposure(figures, rules, extra)
    if (
        float_compare(total, figures.credit_limit, precision_rounding=rules.rounding)
        > 0
    ):
        return Reason(OVER_LIMIT, total, figures.credit_limit)
    return None


def rule_overdue_days(figures, rules, today, extra):
    if not rules.overdue_days_rule:
        return None
    amount, oldest = overdue(figures, rules)
    if float_compare(amount, 0.0, precision_rounding=rules.rounding) <= 0:
        return None
    days = days_past(oldest, today)
    if days > rules.overdue_days:
        return Reason(OVERDUE_DAYS, days, rules.overdue_days)
    return None


def rule_overdue_amount(figures, rules, today, extra):
    if not rules.overdue_amount_rule:
        return None
    amount, _oldest = overdue(figures, rules)
    if (
        float_compare(amount, rules.overdue_amount, precision_rounding=rules.rounding)
        > 0
    ):
        return Reason(OVERDUE_AMOUNT, amount, rules.overdue_amount)
    return None


def rule_broken_promises(figures, rules, today, extra):
    """N broken promises within the last M days."""
    if not rules.broken_promise_rule:
        return None
    recent = sum(
        1
        for broken in figures.broken_promise_dates
        if 0 <= (today - broken).days <= rules.broken_promise_days
    )
    if recent >= rules.broken_promise_count:
        return Reason(BROKEN_PROMISES, recent, rules.broken_promise_count)
    return None


def rule_defaulted_plan(figures, rules, today, extra):
    if rules.defaulted_plan_rule and figures.defaulted_plans:
        return Reason(DEFAULTED_PLAN, figures.defaulted_plans, 0)
    return None


def rule_risk_grade(figures, rules, today, extra):
    """The risk grade is at or beyond the policy's grade."""
    hold_from = rules.risk_grade_hold or GRADES[-1]  # a policy left empty: E
    if not (rules.risk_grade_rule and figures.risk_grade in GRADES):
        return None
    rank, limit = GRADES.index(figures.risk_grade), GRADES.index(hold_from)
    if rank >= limit:
        return Reason(RISK_GRADE, rank, limit)
    return None


# What each reason says, with its figures: ``amount`` formats an amount in
# the company currency, ``env._`` translates, ``including`` follows the
# exposure ("including this order").
def text_over_limit(reason, env, amount, including):
    return env._(
        "Over credit limit: exposure %(exposure)s%(including)s, limit %(limit)s, "
        "%(over)s over.",
        exposure=amount(reason.value),
        including=including,
        limit=amount(reason.threshold),
        over=amount(reason.excess),
    )


def text_overdue_days(reason, env, amount, including):
    return env._(
        "Overdue: the oldest unpaid item is %(days)s days past due "
        "(%(allowed)s allowed).",
        days=int(reason.value),
        allowed=int(reason.threshold),
    )


def text_overdue_amount(reason, env, amount, including):
    return env._(
        "Overdue amount %(overdue)s is over the %(allowed)s allowed.",
        overdue=amount(reason.value),
        allowed=amount(reason.threshold),
    )


def text_broken_promises(reason, env, amount, including):
    return env._(
        "%(count)s promises to pay broken recently (%(allowed)s allowed).",
        count=int(reason.value),
        allowed=int(reason.threshold) - 1,
    )


def text_defaulted_plan(reason, env, amount, including):
    return env._(
        "%(count)s payment plan(s) defaulted and not paid off.",
        count=int(reason.value),
    )


def text_risk_grade(reason, env, amount, including):
    return env._(
        "Risk grade %(grade)s (hold from %(limit)s).",
        grade=GRADES[int(reason.value)],
        limit=GRADES[int(reason.threshold)],
    )


@dataclass(frozen=True)
class Rule:
    """An automatic reason to hold a customer."""

    code: str  # the hold's reason
    label: str  # its name, as the hold reason shows it
    switch: Callable[[PolicyRules], bool]  # whether a policy applies it
    judge: Callable  # (figures, rules, today, extra) -> Reason or None
    text: Callable  # (reason, env, amount, including) -> the line that says why


RULES = (
    Rule(
        OVER_LIMIT,
        "Over credit limit",
        lambda rules: rules.use_credit_limit and rules.block_on_limit,
        rule_over_limit,
        text_over_limit,
    ),
    Rule(
        OVERDUE_DAYS,
        "Overdue days",
        lambda rules: rules.overdue_days_rule,
        rule_overdue_days,
        text_overdue_days,
    ),
    Rule(
        OVERDUE_AMOUNT,
        "Overdue amount",
        lambda rules: rules.overdue_amount_rule,
        rule_overdue_amount,
        text_overdue_amount,
    ),
    Rule(
        BROKEN_PROMISES,
        "Broken promises",
        lambda rules: rules.broken_promise_rule,
        rule_broken_promises,
        text_broken_promises,
    ),
    Rule(
        DEFAULTED_PLAN,
        "Defaulted payment plan",
        lambda rules: rules.defaulted_plan_rule,
        rule_defaulted_plan,
        text_defaulted_plan,
    ),
    Rule(
        RISK_GRADE,
        "Risk grade",
        lambda rules: rules.risk_grade_rule,
        rule_risk_grade,
        text_risk_grade,
    ),
)
AUTOMATIC = tuple(rule.code for rule in RULES)
# Every hold reason, automatic then placed, with its label.
REASONS = [(rule.code, rule.label) for rule in RULES] + [
    (MANUAL, "Manual hold"),
    (REMINDERS, "Reminders unanswered"),
]


def describe(reason, env, amount, including=""):
    """The line that says why ``reason`` holds the customer."""
    rule = next(rule for rule in RULES if rule.code == reason.code)
    return rule.text(reason, env, amount, including)


def hold_reasons(figures, rules, today, extra=0.0):
    """Every automatic reason that applies, in ``RULES`` order.

    ``extra`` is an amount about to be added to the exposure (the order being
    confirmed); it only matters to the limit rule.
    """
    found = (rule.judge(figures, rules, today, extra) for rule in RULES)
    return [reason for reason in found if reason]
