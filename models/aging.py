"""Aging buckets and open items as of any date.

Buckets (plain Python): ``limits`` are the last day of each overdue bucket,
ascending, e.g. (30, 60, 90, 120). An item ``days`` past its due date (or its
invoice date, when aging by invoice date) falls in:

* bucket 0, *Current*, when ``days <= 0`` (due today or later);
* bucket i (1-based) when ``limits[i-2] < days <= limits[i-1]`` (with
  ``limits[-1]`` read as 0 for i = 1): 1-30, 31-60, ...;
* the last bucket, *> last limit*, beyond.

Credits not yet applied (credit notes, payments not matched to an invoice:
items open for a negative amount) are not aged: the reports show them apart,
in the *Unapplied Credits* column (``CREDITS``), so that *Current* means "owed
and not yet due" and the buckets plus the credits still equal the ledger.

Open items as of a date (SQL, shared by the aging report and the metrics run
replayed on a past day): a receivable item dated on or before the day is open
for its balance less the partial reconciliations dated on or before the day
(a reconciliation is dated by the later of its two items, ``max_date``). A
payment that came after the day therefore leaves the invoice open on that day,
whatever its residual is today. On or after today the stored residual says the
same thing, and is read through Odoo's index of unreconciled items instead.
"""

from itertools import pairwise

from odoo.tools import SQL

from .sql_tools import unreconciled

DEFAULT_LIMITS = (30, 60, 90, 120)
# At most this many limits, so at most MAX_LIMITS + 2 buckets (the report has a
# column for each).
MAX_LIMITS = 6
# The bucket number of credits not yet applied, the same whatever the limits.
CREDITS = MAX_LIMITS + 2
CREDITS_LABEL = "Unapplied Credits"


def receivable_account_ids(env):
    """Ids of the receivable accounts (of every company: callers filter items
    by company), so that queries on open items use Odoo's index on the
    account and partner of unreconciled items."""
    rows = env.execute_query(
        SQL(
            "SELECT id FROM account_account WHERE account_type = %s", "asset_receivable"
        )
    )
    return [row[0] for row in rows]


def parse_limits(text):
    """(30, 60, 90, 120) from "30, 60, 90, 120"; ValueError when the days are
    not whole numbers above 0 in strictly ascending order."""
    limits = tuple(
        int(part) for part in (text or "").replace(" ", "").split(",") if part
    )
    if not limits or limits[0] <= 0 or any(b <= a for a, b in pairwise(limits)):
        raise ValueError(text)
    return limits


def bucket_of(days, limits=DEFAULT_LIMITS):
    """Index of the bucket of an item ``days`` past due (see the module doc)."""
    if days <= 0:
        return 0
    for index, limit in enumerate(limits, start=1):
        if days <= limit:
            return index
    return len(limits) + 1


def bucket_labels(limits=DEFAULT_LIMITS):
    """["Current", "1-30", "31-60", ..., "> 120"]."""
    labels = ["Current"]
    low = 1
    for limit in limits:
        labels.append(f"{low}-{limit}")
        low = limit + 1
    labels.append(f"> {limits[-1]}")
    return labels


def bucket_totals(items, limits=DEFAULT_LIMITS):
    """Sum of ``(days, amount)`` items per bucket."""
    totals = [0.0] * (len(limits) + 2)
    for days, amount in items:
        totals[bucket_of(days, limits)] += amount
    return totals


def bucket_sql(days, limits=DEFAULT_LIMITS):
    """The SQL expression of ``bucket_of`` over the SQL expression ``days``."""
    cases = [SQL("WHEN %s <= 0 THEN 0", days)]
    cases += [
        SQL("WHEN %s <= %s THEN %s", days, limit, index)
        for index, limit in enumerate(limits, start=1)
    ]
    return SQL("CASE %s ELSE %s END", SQL(" ").join(cases), len(limits) + 1)


def item_bucket_sql(days, amount, limits=DEFAULT_LIMITS):
    """The bucket of an open item: ``CREDITS`` for a credit (``amount`` below
    zero), else ``bucket_sql``."""
    return SQL(
        "CASE WHEN %s < 0 THEN %s ELSE %s END",
        amount,
        CREDITS,
        bucket_sql(days, limits),
    )


def open_items_sql(company_id, day, receivable_ids, today, partner_ids=None):
    """Rows (id, partner_id, move_id, move_name, date, date_maturity,
    invoice_date, currency_id, open_amount, open_amount_currency) of the
    receivable items of the company open at the end of ``day``, amounts in
    company currency and in the item's currency."""
    partners = (
        SQL("AND l.partner_id = ANY(%s)", list(partner_ids))
        if partner_ids is not None
        else SQL()
    )
    if day >= today:
        return SQL(
            """
        SELECT l.id, l.partner_id, l.move_id, l.move_name, l.date,
               l.date_maturity, l.invoice_date, l.currency_id,
               l.amount_residual AS open_amount,
               l.amount_residual_currency AS open_amount_currency
          FROM account_move_line l
         WHERE l.account_id = ANY(%(accounts)s) AND l.company_id = %(company)s
           AND l.parent_state = 'posted' AND %(unreconciled)s
           AND l.date <= %(day)s AND l.amount_residual != 0
           %(partners)s
            """,
            accounts=receivable_ids,
            company=company_id,
            day=day,
            partners=partners,
            unreconciled=unreconciled("l"),
        )
    # Open at the end of ``day`` = open today, plus what reconciliations dated
    # after ``day`` took off since: Odoo's residual is the balance minus the
    # partials on the debit side plus those on the credit side, in company
    # currency (amount) and in the item's (debit/credit_amount_currency).
    return SQL(
        """
    WITH added AS (
        -- each reconciliation after the day, read once (its index by
        -- company and date), for both of its items
        SELECT side.line_id, SUM(side.amount) AS amount,
               SUM(side.amount_currency) AS amount_currency
          FROM account_partial_reconcile pr
         CROSS JOIN LATERAL (
                VALUES (pr.debit_move_id, pr.amount, pr.debit_amount_currency),
                       (pr.credit_move_id, -pr.amount, -pr.credit_amount_currency)
               ) side (line_id, amount, amount_currency)
         WHERE pr.max_date > %(day)s AND pr.company_id = %(company)s
      GROUP BY side.line_id
    )
    SELECT * FROM (
        -- items not reconciled today (Odoo's partial index of unreconciled
        -- lines), plus what was taken off them after the day
        SELECT l.id, l.partner_id, l.move_id, l.move_name, l.date,
               l.date_maturity, l.invoice_date, l.currency_id,
               l.amount_residual + COALESCE(a.amount, 0) AS open_amount,
               l.amount_residual_currency + COALESCE(a.amount_currency, 0)
                   AS open_amount_currency
          FROM account_move_line l
          LEFT JOIN added a ON a.line_id = l.id
         WHERE l.account_id = ANY(%(accounts)s) AND l.company_id = %(company)s
           AND l.parent_state = 'posted' AND l.date <= %(day)s
           AND %(unreconciled)s
           %(partners)s
        UNION ALL
        -- items reconciled today that a reconciliation after the day touched
        SELECT l.id, l.partner_id, l.move_id, l.move_name, l.date,
               l.date_maturity, l.invoice_date, l.currency_id,
               l.amount_residual + a.amount,
               l.amount_residual_currency + a.amount_currency
          FROM added a
          JOIN account_move_line l ON l.id = a.line_id
         WHERE l.account_id = ANY(%(accounts)s) AND l.company_id = %(company)s
           AND l.parent_state = 'posted' AND l.date <= %(day)s
           AND NOT (%(unreconciled)s)
           %(partners)s
    ) items
     WHERE open_amount != 0
        """,
        accounts=receivable_ids,
        company=company_id,
        day=day,
        partners=partners,
        unreconciled=unreconciled("l"),
    )
