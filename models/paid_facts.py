"""How each customer invoice was paid, from its partial reconciliations.

A partial reconciliation of an invoice's receivable item (the invoice is on
its debit side) is classified by the entry on the other side:

* *credit*: a credit note (``out_refund``, or ``in_refund`` for netting);
* *other*: a negotiated settlement's payment (its entry carries
  ``ar_settlement_id``), and anything that is neither a payment nor a credit
  note (netting, write-off and exchange difference entries);
* *payment*: an ``account.payment`` entry or a bank statement line.

An invoice's paid facts, in company currency: the amount paid by payments
(w); its paid date, the payments' dates weighted by their amounts (rounded to
the day); w x days to pay and w x days late (from the unrounded weighted date,
in exact numeric: the metrics sum them and divide once per customer); the
amounts credited and settled otherwise; the date of its last partial. A
partial is dated by the later of its two items (``max_date``).

The facts are stored on the invoice and kept current where partials come and
go (``account.partial.reconcile`` create and unlink), where an entry becomes
a settlement's and where an invoice's dates change, so that the nightly
metrics read one row per invoice instead of joining every reconciliation
again. ``facts_sql`` is the one definition: the refresh stores it, and the
metrics replayed on a past day compute it, as of that day, for the few
invoices reconciled after it.
"""

from datetime import date

from odoo.tools import SQL

# Epoch of the stored day numbers.
EPOCH = date(2000, 1, 1)


def day_number(day):
    """Days since EPOCH."""
    return (day - EPOCH).days


KIND_SQL = """
CASE
    WHEN cm.move_type IN ('out_refund', 'in_refund') THEN 'credit'
    WHEN cm.ar_settlement_id IS NOT NULL THEN 'other'
    WHEN cm.origin_payment_id IS NOT NULL
      OR cm.statement_line_id IS NOT NULL THEN 'payment'
    ELSE 'other'
END
"""

FACTS_SQL = f"""
SELECT move_id, paid,
       DATE '{EPOCH}' + ROUND(day_sum / NULLIF(paid, 0))::int AS paid_date,
       day_sum - paid * (invoice_date - DATE '{EPOCH}') AS paid_days,
       GREATEST(day_sum - paid * (due_date - DATE '{EPOCH}'), 0) AS late_days,
       credited, other, last_date
  FROM (
    SELECT il.move_id, m.invoice_date,
           COALESCE(m.invoice_date_due, m.invoice_date) AS due_date,
           SUM(pr.amount) FILTER (WHERE k.kind = 'payment') AS paid,
           SUM(pr.amount * (pr.max_date - DATE '{EPOCH}'))
               FILTER (WHERE k.kind = 'payment') AS day_sum,
           SUM(pr.amount) FILTER (WHERE k.kind = 'credit') AS credited,
           SUM(pr.amount) FILTER (WHERE k.kind = 'other') AS other,
           MAX(pr.max_date) AS last_date
      FROM account_move_line il
      JOIN account_move m ON m.id = il.move_id
      JOIN account_partial_reconcile pr ON pr.debit_move_id = il.id %(as_of)s
      JOIN account_move_line cl ON cl.id = pr.credit_move_id
      JOIN account_move cm ON cm.id = cl.move_id
     CROSS JOIN LATERAL (SELECT {KIND_SQL} AS kind) k
     WHERE il.display_type = 'payment_term'
       AND il.move_id IN (%(moves)s)
     GROUP BY il.move_id, m.invoice_date, m.invoice_date_due
  ) sums
"""

# The stored column of each of FACTS_SQL's values.
STORED_AS = {
    "paid": "ar_paid_amount",
    "paid_date": "ar_paid_date",
    "paid_days": "ar_paid_days_weighted",
    "late_days": "ar_late_days_weighted",
    "credited": "ar_credited_amount",
    "other": "ar_other_amount",
    "last_date": "ar_last_reconciled",
}
COLUMNS = tuple(STORED_AS.values())


def facts_sql(moves, as_of=None):
    """Rows (move_id, then the values of STORED_AS) of the customer invoices
    selected by the SQL ``moves`` (a query of move ids) that have partials;
    with ``as_of``, from the partials dated up to that day."""
    return SQL(
        FACTS_SQL,
        moves=moves,
        as_of=SQL("AND pr.max_date <= %s", as_of) if as_of else SQL(),
    )


def refresh_sql(move_ids=None):
    """Store the facts of these customer invoices (all of them without ids),
    writing only the rows that change."""
    moves = (
        SQL(
            "SELECT id FROM account_move WHERE id = ANY(%s)"
            " AND move_type = 'out_invoice'",
            list(move_ids),
        )
        if move_ids is not None
        else SQL("SELECT id FROM account_move WHERE move_type = 'out_invoice'")
    )
    new = SQL(", ".join(f"f.{value}" for value in STORED_AS))
    old = SQL(", ".join(f"m.{c}" for c in COLUMNS))
    return SQL(
        """
    UPDATE account_move m
       SET (%(old_names)s) = (%(new)s)
      FROM (%(moves)s) v
      LEFT JOIN (%(facts)s) f ON f.move_id = v.id
     WHERE m.id = v.id AND (%(old)s) IS DISTINCT FROM (%(new)s)
        """,
        old_names=SQL(", ".join(COLUMNS)),
        new=new,
        old=old,
        moves=moves,
        facts=facts_sql(moves),
    )
