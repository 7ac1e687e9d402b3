"""Credit hold rules as plain Python.

Nothing here touches the ORM: the models gather the figures of a customer
(``CreditFigures``) and the settings of its policy (``PolicyRules``) and ask
:func:`hold_reasons` which automatic hold reasons apply. A new rule is one more
function appended to ``RULES`` (and one more setting on the policy).

All amounts are in the company currency; ``rounding`` is that currency's
rounding, so that a customer exactly at its limit is not over it.
"""

from dataclasses import dataclass
from datetime import date

from odoo.tools.float_utils import float_compare

# Codes of the automatic reasons, in the order they are shown.
OVER_LIMIT = "over_limit"
OVERDUE_DAYS = "overdue_days"
OVERDUE_AMOUNT = "overdue_amount"
MANUAL = "manual"
AUTOMATIC = (OVER_LIMIT, OVERDUE_DAYS, OVERDUE_AMOUNT)


@dataclass(frozen=True)
class CreditFigures:
    """What a customer owes a company, in company currency."""

    receivable: float = 0.0  # posted, unreconciled receivable residual (may be < 0)
    to_invoice: float = 0.0  # confirmed sales not invoiced yet (credit_to_invoice)
    draft_invoiced: float = 0.0  # draft invoices not created from a sales order
    overdue_amount: float = 0.0  # positive residual past its due date
    oldest_due_date: date | None = None  # due date of the oldest overdue item
    credit_limit: float = 0.0  # 0 means no limit


@dataclass(frozen=True)
class PolicyRules:
    """The switches and thresholds of a credit policy, for one company."""

    use_credit_limit: bool = False  # the company's "Sales Credit Limit" setting
    block_on_limit: bool = True
    include_draft_invoices: bool = False
    overdue_days_rule: bool = False
    overdue_days: int = 0
    overdue_amount_rule: bool = False
    overdue_amount: float = 0.0
    rounding: float = 0.01

    @property
    def any_active(self):
        """Whether any automatic rule can hold a customer under this policy."""
        return (
            (self.use_credit_limit and self.block_on_limit)
            or self.overdue_days_rule
            or self.overdue_amount_rule
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


def overdue_days(figures, today):
    """Days the oldest overdue item is past its due date (0 when none)."""
    if not figures.oldest_due_date or figures.oldest_due_date >= today:
        return 0
    return (today - figures.oldest_due_date).days


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
    if (
        float_compare(figures.overdue_amount, 0.0, precision_rounding=rules.rounding)
        <= 0
    ):
        return None
    days = overdue_days(figures, today)
    if days > rules.overdue_days:
        return Reason(OVERDUE_DAYS, days, rules.overdue_days)
    return None


def rule_overdue_amount(figures, rules, today, extra):
    if not rules.overdue_amount_rule:
        return None
    if (
        float_compare(
            figures.overdue_amount,
            rules.overdue_amount,
            precision_rounding=rules.rounding,
        )
        > 0
    ):
        return Reason(OVERDUE_AMOUNT, figures.overdue_amount, rules.overdue_amount)
    return None


RULES = (rule_over_limit, rule_overdue_days, rule_overdue_amount)


def hold_reasons(figures, rules, today, extra=0.0):
    """Every automatic reason that applies, in ``RULES`` order.

    ``extra`` is an amount about to be added to the exposure (the order being
    confirmed); it only matters to the limit rule.
    """
    found = (rule(figures, rules, today, extra) for rule in RULES)
    return [reason for reason in found if reason]
