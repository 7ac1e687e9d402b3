"""Payment plan schedules as plain Python.

:func:`schedule` splits a total into an optional down payment and equal
installments. Amounts are computed in the currency's smallest unit, so the lines
always sum exactly to the total; the last installment takes the rounding.
:func:`allocate` applies what was paid to the lines in due order.
"""

from calendar import monthrange

from dateutil.relativedelta import relativedelta

# Ten years of monthly installments; more is a typing error, and would make
# the schedule (one line per installment) as long as asked.
MAX_INSTALLMENTS = 120

FREQUENCIES = {
    "weekly": relativedelta(weeks=1),
    "biweekly": relativedelta(weeks=2),
    "monthly": relativedelta(months=1),
    "quarterly": relativedelta(months=3),
}


def _units(amount, digits):
    return round(amount * 10**digits)


def is_month_end(day):
    return day.day == monthrange(day.year, day.month)[1]


def due_dates(first_date, count, frequency):
    """``count`` dates from ``first_date``, one ``frequency`` apart. Monthly and
    quarterly dates keep the day of ``first_date``, clamped to shorter months;
    a schedule that starts on a month end stays on month ends."""
    step = FREQUENCIES[frequency]
    month_end = is_month_end(first_date) and frequency in ("monthly", "quarterly")
    dates = []
    for k in range(count):
        day = first_date + step * k
        if month_end:
            day += relativedelta(day=31)
        dates.append(day)
    return dates


def schedule(
    total,
    count,
    frequency,
    first_date,
    down_payment=0.0,
    down_payment_date=None,
    digits=2,
):
    """[(due date, amount)]: the down payment (if any), then ``count``
    installments. Raises ValueError on input that cannot make a schedule."""
    if count < 1:
        raise ValueError("count")
    if frequency not in FREQUENCIES:
        raise ValueError("frequency")
    total_units = _units(total, digits)
    down_units = _units(down_payment or 0.0, digits)
    if total_units <= 0 or down_units < 0 or down_units >= total_units:
        raise ValueError("amounts")
    lines = []
    if down_units:
        down_payment_date = down_payment_date or first_date
        if down_payment_date >= first_date:
            raise ValueError("down_payment_date")
        lines.append((down_payment_date, down_units))
    rest = total_units - down_units
    base = rest // count
    amounts = [base] * (count - 1) + [rest - base * (count - 1)]
    lines += list(zip(due_dates(first_date, count, frequency), amounts, strict=True))
    scale = 10**digits
    return [(day, units / scale) for day, units in lines]


def allocate(amounts, paid, digits=2):
    """What ``paid`` covers of each of ``amounts`` (in due order), oldest first."""
    left = _units(paid, digits)
    scale = 10**digits
    result = []
    for amount in amounts:
        units = _units(amount, digits)
        covered = max(0, min(units, left))
        left -= covered
        result.append(covered / scale)
    return result


def first_late(dates, amounts, paid_amounts, today, grace_days, digits=2):
    """The first due date with something unpaid more than ``grace_days`` ago,
    or None."""
    for day, amount, paid in zip(dates, amounts, paid_amounts, strict=True):
        if (
            _units(amount, digits) > _units(paid, digits)
            and (today - day).days > grace_days
        ):
            return day
    return None
