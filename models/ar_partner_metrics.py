"""Payment-behaviour metrics of every customer, computed set-based.

Definitions (all amounts in company currency):

* An invoice is a posted customer invoice (``out_invoice``) dated within the
  lookback window. Its receivable items are reconciled with other items; each
  partial reconciliation is classified by the entry on the other side:
  a *payment* (an ``account.payment`` entry or a bank statement line, but not a
  negotiated settlement's), a *credit* (a credit note), or *other* (settlement
  payments, netting, write-off and exchange difference entries).
* An invoice is *paid* when Odoo says so (``payment_state`` paid or in payment)
  and payments reconciled part of it. Its **paid date** is the date of those
  payment reconciliations weighted by their amounts (a reconciliation is dated
  by the later of its two items). Credit notes and other reconciliations do not
  move it; they are summed separately (``credited_amount``, ``other_amount``).
* **Days to pay** = paid date - invoice date. **Days late** = paid date - due
  date, 0 when negative. Averages are weighted by the amount paid by payments.
  **On time** = share of that amount paid no later than the due date.
* **Bands** split paid invoices by their total: below the policy's first limit,
  up to the second, and above.
* **Trend** = average days late of invoices paid in the last 6 months minus
  that of invoices paid in the 6 months before (0 unless both have some), an
  invoice being paid on its paid date rounded to the day; the **slope** is the
  least-squares slope of days late over invoice date, weighted by the amount
  paid like the averages, in days per 30 days.
* **Now**: open receivable, overdue amount, days the oldest overdue item is
  late, and the customer's **countback DSO** (``ar_company_kpi.countback_days``
  over its invoicing of this month and the 11 before).

Each invoice's sums by kind of reconciliation are stored on it and kept
current by the reconciliation hooks (``paid_facts``): the nightly statement
reads one row per invoice instead of joining every reconciliation again, and
computes every weighted sum from them in exact numeric, without a division per
invoice. One SQL statement computes the raw figures for a whole company (or
for the customers flagged as changed); Python then scores them in batches.
"""

import json
import logging
import threading

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, split_every

from . import aging, paid_facts, risk_score, sql_tools
from .access import require_collector
from .account_move import open_invoice_sql
from .ar_company_kpi import countback_days, period_days
from .client_actions import notification_action
from .risk_score import GRADE_SELECTION

_logger = logging.getLogger(__name__)

# Advisory lock key of the metrics jobs: one run at a time across workers.
LOCK_KEY = 0x4152_4D45  # "ARME"


def json_rows(rows, types, alias):
    """``rows`` (dicts) as a set-returning SQL expression with typed columns:
    one JSON parameter, whatever the number of rows."""
    return SQL(
        "jsonb_to_recordset(%s::jsonb) AS %s(%s)",
        json.dumps(rows, default=str),
        SQL.identifier(alias),
        SQL(", ".join(f"{column} {kind}" for column, kind in types.items())),
    )


# Payment behaviour and monthly invoicing per customer, from one pass over the
# invoices and their stored paid facts. Every sum is in exact numeric, the
# slope too (from its sums, not float8 regr_slope): float8 sums depend on the
# order the rows come in, which differs between the plan over all customers
# and the one over a few, and the incremental run must store exactly what the
# full run stores.
BEHAVIOUR_SQL = """
WITH facts AS (
    -- each invoice's paid facts (see paid_facts): as stored, or, for the few
    -- reconciled after the day (a replayed past day), as of the day
    SELECT m.commercial_partner_id AS partner_id, m.invoice_date,
           m.amount_total_signed AS amount,
           m.payment_state IN ('paid', 'in_payment') AS settled,
           -- it has partials by the day and is in the lookback window
           m.ar_last_reconciled IS NOT NULL AND m.invoice_date >= %(since)s
               AS reconciled,
           m.ar_paid_amount AS w, m.ar_paid_date AS paid_date,
           m.ar_paid_days_weighted AS w_to_pay, m.ar_late_days_weighted AS w_late,
           m.ar_credited_amount AS credited, m.ar_other_amount AS other
      FROM account_move m
     WHERE %(invoices)s %(stored_only)s
    %(replayed)s
),
paid AS (
    SELECT partner_id, invoice_date, amount, reconciled,
           reconciled AND settled AND w > 0 AS is_paid,
           CASE WHEN reconciled THEN credited END AS credited,
           CASE WHEN reconciled THEN other END AS other,
           w, w_to_pay, w_late,
           (invoice_date - %(epoch)s)::numeric AS x,
           CASE WHEN amount < %(band1)s THEN 1
                WHEN amount < %(band2)s THEN 2 ELSE 3 END AS band,
           paid_date > %(recent)s AS recent,
           paid_date > %(prior)s AS since_prior
      FROM facts
    OFFSET 0  -- each value once per invoice, not once per aggregate below
)
SELECT partner_id,
       COUNT(*) FILTER (WHERE is_paid) AS paid_count,
       COALESCE(SUM(w) FILTER (WHERE is_paid), 0) AS paid_amount,
       SUM(w_to_pay) FILTER (WHERE is_paid)
           / NULLIF(SUM(w) FILTER (WHERE is_paid), 0) AS avg_days_to_pay,
       SUM(w_late) FILTER (WHERE is_paid)
           / NULLIF(SUM(w) FILTER (WHERE is_paid), 0) AS avg_days_late,
       SUM(w) FILTER (WHERE is_paid AND w_late = 0)
           / NULLIF(SUM(w) FILTER (WHERE is_paid), 0) AS on_time_share,
       SUM(w_to_pay) FILTER (WHERE is_paid AND band = 1)
           / NULLIF(SUM(w) FILTER (WHERE is_paid AND band = 1), 0) AS to_pay_1,
       SUM(w_to_pay) FILTER (WHERE is_paid AND band = 2)
           / NULLIF(SUM(w) FILTER (WHERE is_paid AND band = 2), 0) AS to_pay_2,
       SUM(w_to_pay) FILTER (WHERE is_paid AND band = 3)
           / NULLIF(SUM(w) FILTER (WHERE is_paid AND band = 3), 0) AS to_pay_3,
       SUM(w_late) FILTER (WHERE is_paid AND band = 1)
           / NULLIF(SUM(w) FILTER (WHERE is_paid AND band = 1), 0) AS late_1,
       SUM(w_late) FILTER (WHERE is_paid AND band = 2)
           / NULLIF(SUM(w) FILTER (WHERE is_paid AND band = 2), 0) AS late_2,
       SUM(w_late) FILTER (WHERE is_paid AND band = 3)
           / NULLIF(SUM(w) FILTER (WHERE is_paid AND band = 3), 0) AS late_3,
       SUM(w_late) FILTER (WHERE is_paid AND recent)
           / NULLIF(SUM(w) FILTER (WHERE is_paid AND recent), 0) AS late_recent,
       SUM(w_late) FILTER (WHERE is_paid AND since_prior AND NOT recent)
           / NULLIF(SUM(w) FILTER (WHERE is_paid AND since_prior AND NOT recent), 0)
           AS late_prior,
       -- amount-weighted least squares of days late over invoice day
       (SUM(w) FILTER (WHERE is_paid) * SUM(x * w_late) FILTER (WHERE is_paid)
        - SUM(w * x) FILTER (WHERE is_paid) * SUM(w_late) FILTER (WHERE is_paid))
           / NULLIF(SUM(w) FILTER (WHERE is_paid)
                    * SUM(w * x * x) FILTER (WHERE is_paid)
                    - SUM(w * x) FILTER (WHERE is_paid)
                      * SUM(w * x) FILTER (WHERE is_paid), 0) * 30 AS slope,
       SUM(credited) AS credited,
       SUM(other) AS other,
       BOOL_OR(reconciled) AS reconciled,
       -- invoicing of this month and each of the 11 before, for the DSO
       ARRAY[%(monthly_sales)s] AS sales
  FROM paid
 GROUP BY partner_id
"""

# The invoices of BEHAVIOUR_SQL reconciled after the day (a replayed past
# day): their paid facts as of the day (none when nothing was reconciled by
# then). The stored facts serve the others.
REPLAYED_SQL = """
UNION ALL
SELECT m.commercial_partner_id, m.invoice_date, m.amount_total_signed,
       m.payment_state IN ('paid', 'in_payment'),
       f.move_id IS NOT NULL AND m.invoice_date >= %(since)s,
       f.paid, f.paid_date, f.paid_days, f.late_days, f.credited, f.other
  FROM account_move m
  LEFT JOIN (%(facts)s) f ON f.move_id = m.id
 WHERE %(invoices)s AND %(after)s
"""

# Every raw figure per customer, with its previous grade and trend flag.
METRICS_SQL = """
WITH behaviour AS (
    %(behaviour)s
),
open_items AS (
    SELECT rp.commercial_partner_id AS partner_id,
           SUM(i.open_amount) AS open_amount,
           COALESCE(SUM(i.open_amount) FILTER (
               WHERE i.date_maturity < %(today)s AND i.open_amount > 0), 0)
               AS overdue_amount,
           MIN(i.date_maturity) FILTER (
               WHERE i.date_maturity < %(today)s AND i.open_amount > 0)
               AS oldest_due
      FROM (%(open_items)s) i
      JOIN res_partner rp ON rp.id = i.partner_id
     WHERE TRUE %(open_partners)s
  GROUP BY rp.commercial_partner_id
),
promises AS (
    SELECT partner_id, COUNT(*) AS broken
      FROM ar_promise
     WHERE company_id = %(company)s AND state = 'broken'
       AND date_judged >= %(broken_since)s
  GROUP BY partner_id
),
plans AS (
    SELECT partner_id, COUNT(*) AS defaulted
      FROM ar_payment_plan
     WHERE company_id = %(company)s AND state = 'defaulted'
  GROUP BY partner_id
),
customers AS (
    SELECT partner_id FROM behaviour WHERE reconciled
    UNION SELECT partner_id FROM open_items
    %(extra_partners)s
)
SELECT c.partner_id,
       COALESCE(b.paid_count, 0) AS paid_count,
       COALESCE(b.paid_amount, 0) AS paid_amount,
       COALESCE(b.avg_days_to_pay, 0) AS avg_days_to_pay,
       COALESCE(b.avg_days_late, 0) AS avg_days_late,
       COALESCE(b.on_time_share, 0) AS on_time_share,
       b.to_pay_1 AS days_to_pay_small, b.to_pay_2 AS days_to_pay_medium,
       b.to_pay_3 AS days_to_pay_large, b.late_1 AS days_late_small,
       b.late_2 AS days_late_medium, b.late_3 AS days_late_large,
       COALESCE(b.late_recent - b.late_prior, 0) AS trend_days,
       COALESCE(b.slope, 0) AS trend_slope,
       COALESCE(b.credited, 0) AS credited_amount,
       COALESCE(b.other, 0) AS other_amount,
       COALESCE(o.open_amount, 0) AS open_amount,
       COALESCE(o.overdue_amount, 0) AS overdue_amount,
       COALESCE(%(today)s::date - o.oldest_due, 0) AS oldest_overdue_days,
       CASE WHEN o.open_amount > 0
            THEN COALESCE(b.sales, %(no_sales)s::numeric[]) END AS monthly_sales,
       COALESCE((rp.credit_limit ->> %(company_key)s)::numeric, 0) AS credit_limit,
       COALESCE(pr.broken, 0) AS broken_promises,
       COALESCE(pl.defaulted, 0) AS defaulted_plans,
       old.risk_grade AS old_grade, old.trend_warned AS old_trend_warned,
       COALESCE(old.change_count, 0) AS seen_changes
  FROM customers c
  JOIN res_partner rp ON rp.id = c.partner_id
  LEFT JOIN behaviour b ON b.partner_id = c.partner_id
  LEFT JOIN open_items o ON o.partner_id = c.partner_id
  LEFT JOIN promises pr ON pr.partner_id = c.partner_id
  LEFT JOIN plans pl ON pl.partner_id = c.partner_id
  LEFT JOIN ar_partner_metrics old ON old.partner_id = c.partner_id
                                  AND old.company_id = %(company)s
"""

# The raw figures of a run stay in the database, in this temporary table of
# the session (one row per customer, the columns of METRICS_SQL): Python reads
# only what the score needs, and sends back only the score.
FIGURES_TABLE = "ar_metrics_figures"

# The figures the scoring reads (monthly sales as a float array for the DSO).
SCORING_INPUTS = (
    "partner_id, avg_days_late, trend_days, broken_promises, open_amount,"
    " credit_limit, overdue_amount, defaulted_plans,"
    " monthly_sales::float8[] AS monthly_sales, old_grade, old_trend_warned"
)

# What a month's snapshot keeps of a metrics row (fields of the same names on
# both models).
SNAPSHOT_FIGURES = (
    "avg_days_to_pay",
    "avg_days_late",
    "trend_days",
    "open_amount",
    "overdue_amount",
    "dso",
    "risk_score",
    "risk_grade",
)

# The figures a metrics row stores as they are (columns of METRICS_SQL and
# fields of the same names).
STORED_FIGURES = (
    "paid_count",
    "paid_amount",
    "avg_days_to_pay",
    "avg_days_late",
    "on_time_share",
    "days_to_pay_small",
    "days_to_pay_medium",
    "days_to_pay_large",
    "days_late_small",
    "days_late_medium",
    "days_late_large",
    "trend_days",
    "trend_slope",
    "credited_amount",
    "other_amount",
    "open_amount",
    "overdue_amount",
    "oldest_overdue_days",
    "credit_limit",
    "broken_promises",
    "defaulted_plans",
)

# What the scoring adds to a metrics row, with the types of its JSON rows.
SCORED_TYPES = {
    "partner_id": "int",
    "dso": "float8",
    "risk_score": "float8",
    "risk_grade": "varchar",
    "risk_explanation": "text",
    "trend_warned": "bool",
}

# One write per customer: its raw figures and its score together.
UPSERT_SQL = """
INSERT INTO ar_partner_metrics AS t (
    company_id, date_computed, dirty, change_count, partner_id, %(figures)s,
    monthly_sales, %(scored)s, create_uid, create_date, write_uid, write_date
)
SELECT %(company)s, %(today)s, false, f.seen_changes, s.partner_id,
       %(figure_values)s, to_jsonb(f.monthly_sales), %(scored_values)s,
       %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
  FROM %(rows)s
  JOIN %(table)s f ON f.partner_id = s.partner_id
ON CONFLICT (partner_id, company_id) DO UPDATE SET
    date_computed = EXCLUDED.date_computed,
    -- still dirty when the customer changed after its figures were read
    -- (a payment posted while the run was going): the next run takes it
    dirty = COALESCE(t.change_count, 0) != EXCLUDED.change_count,
    %(updates)s,
    write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
"""


def _leave_room_for_updates(model):
    """Half-full pages for a table whose rows every night updates."""
    model.env.cr.execute(
        SQL("ALTER TABLE %s SET (fillfactor = 50)", SQL.identifier(model._table))
    )


def _among(partner_ids, column):
    """``AND column = ANY(partner_ids)``, or nothing when there is no list."""
    if partner_ids is None:
        return SQL()
    return SQL("AND %s = ANY(%s)", SQL(column), list(partner_ids))


def _month_starts(today):
    """The first day of ``today``'s month and of each of the 11 before,
    latest first: the months of the DSO's invoicing."""
    return [
        fields.Date.subtract(today.replace(day=1), months=back) for back in range(12)
    ]


def _monthly_sales_sql(months, today):
    """The invoicing of each of ``months``, as aggregates over ``amount``."""
    ends = [fields.Date.add(today, days=1), *months[:-1]]
    return SQL(", ").join(
        SQL(
            "COALESCE(SUM(amount) FILTER (WHERE invoice_date >= %s"
            " AND invoice_date < %s), 0)",
            start,
            end,
        )
        for start, end in zip(months, ends, strict=True)
    )


class ArPartnerMetrics(models.Model):
    """One customer's payment behaviour and risk in one company, as of the
    last run. Written by the metrics jobs only."""

    _name = "ar.partner.metrics"
    _description = "Customer Payment Metrics"
    _order = "risk_score desc, id"
    _rec_name = "partner_id"

    # Indexed by the (partner, company) unique constraint, partner first.
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_computed = fields.Date(string="Computed On")
    dirty = fields.Boolean(
        help="Receivable items or reconciliations changed since the last run: "
        "the incremental job recomputes this customer.",
    )
    change_count = fields.Integer(
        default=0,
        help="Technical: how many changes flagged this customer. A run clears "
        "the flag only if none came after it read the figures.",
    )
    paid_count = fields.Integer(string="Invoices Paid")
    paid_amount = fields.Monetary(string="Amount Paid")
    avg_days_to_pay = fields.Float(string="Avg Days to Pay", digits=(16, 1))
    avg_days_late = fields.Float(digits=(16, 1))
    on_time_share = fields.Float(string="Paid on Time", digits=(16, 4))
    days_to_pay_small = fields.Float(string="Days to Pay, Small", digits=(16, 1))
    days_to_pay_medium = fields.Float(string="Days to Pay, Medium", digits=(16, 1))
    days_to_pay_large = fields.Float(string="Days to Pay, Large", digits=(16, 1))
    days_late_small = fields.Float(string="Days Late, Small", digits=(16, 1))
    days_late_medium = fields.Float(string="Days Late, Medium", digits=(16, 1))
    days_late_large = fields.Float(string="Days Late, Large", digits=(16, 1))
    trend_days = fields.Float(
        string="Trend (days)",
        digits=(16, 1),
        help="Days late in the last 6 months minus the 6 months before: positive "
        "when the customer pays later and later.",
    )
    trend_slope = fields.Float(
        string="Slope (days / 30 days)",
        digits=(16, 2),
        help="Least-squares slope of days late over invoice date.",
    )
    credited_amount = fields.Monetary(string="Credited")
    other_amount = fields.Monetary(string="Settled Otherwise")
    open_amount = fields.Monetary(string="Open")
    overdue_amount = fields.Monetary(string="Overdue")
    oldest_overdue_days = fields.Integer(string="Oldest Overdue (days)")
    monthly_sales = fields.Json(
        help="Invoicing of this month and each of the 11 before, for the DSO."
    )
    dso = fields.Float(string="DSO", digits=(16, 1))
    credit_limit = fields.Monetary()
    broken_promises = fields.Integer(string="Broken Promises (window)")
    defaulted_plans = fields.Integer()
    risk_score = fields.Float(digits=(16, 1), aggregator="avg")
    risk_grade = fields.Selection(GRADE_SELECTION)
    risk_explanation = fields.Text()
    trend_warned = fields.Boolean(
        help="The trend was over the warning threshold at the last run."
    )

    _sql_constraints = [
        (
            "partner_company_uniq",
            "UNIQUE(partner_id, company_id)",
            "One metrics row per customer and company.",
        ),
    ]

    def init(self):
        # The nightly run rewrites every row: room on each page lets
        # PostgreSQL update them in place (no index entry to add while the
        # indexed columns stay the same), and only the few flagged rows are in
        # the index the incremental run reads.
        _leave_room_for_updates(self)
        self.env.cr.execute(
            SQL(
                """
            CREATE INDEX IF NOT EXISTS ar_partner_metrics_dirty_idx
                ON ar_partner_metrics (company_id) WHERE dirty
                """
            )
        )
        # Posted customer invoices by customer: the incremental run and the
        # predicted pay dates read those of a few customers only.
        self.env.cr.execute(
            SQL(
                """
            CREATE INDEX IF NOT EXISTS ar_move_customer_invoice_idx
                ON account_move (commercial_partner_id, company_id, invoice_date)
             WHERE move_type = 'out_invoice' AND state = 'posted'
                """
            )
        )

    @api.model
    def _fill_figures(self, company, today, partner_ids=None, columns=None):
        """The raw figures of ``company``'s customers (all, or ``partner_ids``)
        in one statement: the payment behaviour and monthly invoicing from one
        pass over the invoices and their stored paid facts, then the open
        items, promises and plans. They fill the session's ``FIGURES_TABLE``
        (replacing what it held); the result is its ``columns`` (SQL, all by
        default), one dict per customer."""
        policy = company.sudo()._ar_ensure_policy()
        self.env.flush_all()
        table = SQL.identifier(FIGURES_TABLE)
        with sql_tools.batch_settings(self.env):
            figures = self._figures_sql(company, today, policy, partner_ids)
            self.env.execute_query(SQL("DROP TABLE IF EXISTS pg_temp.%s", table))
            self.env.execute_query(
                SQL("CREATE TEMPORARY TABLE %s AS %s", table, figures)
            )
            # The upserts of the batches join it by customer.
            self.env.execute_query(
                SQL("ALTER TABLE %s ADD PRIMARY KEY (partner_id)", table)
            )
            self.env.execute_query(SQL("ANALYZE %s (partner_id)", table))
        return self.env.execute_query_dict(
            SQL(
                "SELECT %s FROM %s ORDER BY partner_id",
                SQL(columns or "*"),
                table,
            )
        )

    def _figures_sql(self, company, today, policy, partner_ids):
        """``METRICS_SQL`` for ``company``'s customers (all, or ``partner_ids``)
        as of ``today``."""
        restrict = partner_ids is not None
        months = _month_starts(today)
        return SQL(
            METRICS_SQL,
            behaviour=self._behaviour_sql(company, today, policy, partner_ids),
            open_items=aging.open_items_sql(
                company.id,
                today,
                aging.receivable_account_ids(self.env),
                fields.Date.context_today(self),
            ),
            company_key=str(company.id),
            no_sales=[0] * len(months),
            broken_since=fields.Date.subtract(today, days=policy.broken_promise_days),
            open_partners=_among(partner_ids, "rp.commercial_partner_id"),
            # Changed customers with nothing left still get their row reset.
            extra_partners=SQL("UNION SELECT unnest(%s::int[])", list(partner_ids))
            if restrict
            else SQL(),
            company=company.id,
            today=today,
        )

    def _behaviour_sql(self, company, today, policy, partner_ids):
        """``BEHAVIOUR_SQL``: the payment behaviour and monthly invoicing of the
        customers, from the invoices of the lookback window and of the 12
        months of the DSO; the invoices reconciled after ``today`` (a replayed
        past day) with their paid facts as of ``today`` (``REPLAYED_SQL``)."""
        since = fields.Date.subtract(today, months=policy.metrics_lookback_months)
        months = _month_starts(today)
        invoices = SQL(
            """m.company_id = %(company)s
           AND m.move_type = 'out_invoice' AND m.state = 'posted'
           AND m.invoice_date >= %(first)s AND m.invoice_date <= %(today)s
           AND m.commercial_partner_id IS NOT NULL %(partners)s""",
            company=company.id,
            first=min(since, months[-1]),
            today=today,
            partners=_among(partner_ids, "m.commercial_partner_id"),
        )
        after = SQL("m.ar_last_reconciled > %s", today)
        [(replay,)] = self.env.execute_query(
            SQL(
                "SELECT EXISTS(SELECT FROM account_move m WHERE %s AND %s)",
                invoices,
                after,
            )
        )
        replayed = SQL()
        if replay:
            reconciled_after = SQL(
                "SELECT m.id FROM account_move m WHERE %s AND %s", invoices, after
            )
            replayed = SQL(
                REPLAYED_SQL,
                facts=paid_facts.facts_sql(reconciled_after, as_of=today),
                invoices=invoices,
                after=after,
                since=since,
            )
        return SQL(
            BEHAVIOUR_SQL,
            invoices=invoices,
            stored_only=SQL("AND (%s) IS NOT TRUE", after) if replay else SQL(),
            replayed=replayed,
            since=since,
            monthly_sales=_monthly_sales_sql(months, today),
            recent=fields.Date.subtract(today, months=6),
            prior=fields.Date.subtract(today, months=12),
            epoch=paid_facts.EPOCH,
            band1=policy.band_small_limit,
            band2=policy.band_large_limit,
        )

    def _write_rows(self, company, rows, today):
        """Upsert these scored rows with their figures from ``FIGURES_TABLE``,
        in one statement (one JSON parameter of the scores)."""
        figures = [*STORED_FIGURES, "monthly_sales"]
        scored = [column for column in SCORED_TYPES if column != "partner_id"]
        self.env.execute_query(
            SQL(
                UPSERT_SQL,
                figures=SQL(", ".join(STORED_FIGURES)),
                scored=SQL(", ".join(scored)),
                figure_values=SQL(", ".join(f"f.{c}" for c in STORED_FIGURES)),
                scored_values=SQL(", ".join(f"s.{c}" for c in scored)),
                rows=json_rows(
                    [{column: row[column] for column in SCORED_TYPES} for row in rows],
                    SCORED_TYPES,
                    "s",
                ),
                table=SQL.identifier(FIGURES_TABLE),
                updates=SQL(
                    ", ".join(
                        f"{column} = EXCLUDED.{column}"
                        for column in [*figures, *scored]
                    )
                ),
                company=company.id,
                today=today,
                uid=self.env.uid,
            )
        )
        self.invalidate_model()

    # ------------------------------------------------------------------
    # Jobs
    # ------------------------------------------------------------------
    @api.model
    def _cron_full(self):
        return self._run(incremental=False, commit=True)

    @api.model
    def _cron_incremental(self):
        return self._run(incremental=True, commit=True)

    @api.model
    def _run(
        self,
        incremental=False,
        companies=None,
        today=None,
        batch_size=2000,
        commit=False,
    ):
        """Recompute the metrics, scores, snapshots, warnings and predicted pay
        dates: of every customer (full), or of the customers flagged as changed
        (incremental), as of ``today``. One run at a time: a run that finds
        another one going returns False without doing anything. With
        ``commit`` (the scheduled jobs) it commits after each batch, so a long
        run keeps its progress."""
        cr = self.env.cr
        [(locked,)] = self.env.execute_query(
            SQL("SELECT pg_try_advisory_lock(%s)", LOCK_KEY)
        )
        if not locked:
            _logger.info("Receivables metrics: another run is going, skipped.")
            return False
        commit = commit and not getattr(threading.current_thread(), "testing", False)
        today = today or fields.Date.context_today(self)
        companies = companies or self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all
        try:
            if commit:
                try:
                    self._run_locked(incremental, companies, today, batch_size, commit)
                except Exception:
                    # The job owns its transaction. A failed statement leaves it
                    # refusing every other one, the unlock below too: ended
                    # here, the error raised is the statement's own.
                    cr.rollback()
                    raise
            else:
                # Within the caller's transaction: a failure goes back to here,
                # nothing of the run is left half-written, and the transaction
                # still takes the unlock.
                with cr.savepoint(flush=False):
                    self._run_locked(incremental, companies, today, batch_size, commit)
            return True
        finally:
            self.env.execute_query(
                SQL(
                    "DROP TABLE IF EXISTS pg_temp.%s; SELECT pg_advisory_unlock(%s)",
                    SQL.identifier(FIGURES_TABLE),
                    LOCK_KEY,
                )
            )

    def _run_locked(self, incremental, companies, today, batch_size, commit):
        """The body of ``_run``, under its lock."""
        cr = self.env.cr
        for company in companies:
            metrics = self.with_company(company)
            if incremental:
                dirty = (
                    metrics.sudo()
                    .search([("company_id", "=", company.id), ("dirty", "=", True)])
                    .partner_id.ids
                )
                if not dirty:
                    continue
                rows = metrics._fill_figures(company, today, dirty, SCORING_INPUTS)
            else:
                rows = metrics._fill_figures(company, today, columns=SCORING_INPUTS)
                metrics._drop_stale(company, [row["partner_id"] for row in rows])
            done = 0
            for batch in split_every(batch_size, rows, list):
                partner_ids = [row["partner_id"] for row in batch]
                warnings = metrics._score(company, batch, today)
                metrics._write_rows(company, batch, today)
                metrics._after_score(company, partner_ids, warnings, today)
                metrics._store_snapshots(company, partner_ids, today)
                done += len(batch)
                self.env["ir.cron"]._notify_progress(
                    done=done, remaining=len(rows) - done
                )
                if commit:
                    cr.commit()  # pylint: disable=invalid-commit
            # Once for all the customers: one pass over the open invoices,
            # not one per batch (bench/README.md).
            metrics._predict_pay_dates(
                company, [row["partner_id"] for row in rows], today
            )
            if commit:
                cr.commit()  # pylint: disable=invalid-commit
            if not incremental:
                # statistics of the rows just written: taken before the first
                # full run (no rows, as right after install), they made
                # PostgreSQL compare every worklist row with every metrics row
                # until autovacuum came by
                cr.execute("ANALYZE ar_partner_metrics")
                metrics.env["ar.company.kpi"]._store_month(company, today)
                metrics.env["ar.worklist"]._store_scale(company, today)

    def _drop_stale(self, company, written):
        """Customers with nothing in the window and nothing open lose their row."""
        self.env.execute_query(
            SQL(
                "DELETE FROM ar_partner_metrics WHERE company_id = %s"
                " AND NOT (partner_id = ANY(%s))",
                company.id,
                written,
            )
        )

    def action_recompute(self):
        """*Recompute Now*: the figures, score, warnings and predicted pay
        dates of the selected customers, now, as the hourly job computes
        them (with any other customer waiting for that job)."""
        require_collector(self.env, self.env._("recompute a customer's figures"))
        self.check_access("read")
        if not self:
            return True
        self._mark_dirty({(row.partner_id.id, row.company_id.id) for row in self})
        if not self.sudo()._run(incremental=True, companies=self.company_id):
            raise UserError(
                self.env._(
                    "The scheduled job is recomputing the figures right now: try "
                    "again in a minute."
                )
            )
        return notification_action(
            self.env._("Figures of %(count)s customers recomputed.", count=len(self)),
            then={"type": "ir.actions.client", "tag": "soft_reload"},
        )

    @api.model
    def _mark_dirty(self, pairs):
        """Flag (commercial partner id, company id) pairs for the incremental
        run: their receivable items or reconciliations changed."""
        if not pairs:
            return
        partner_ids, company_ids = zip(*sorted(pairs), strict=True)
        self.env.execute_query(
            SQL(
                """
            INSERT INTO ar_partner_metrics AS t
                   (partner_id, company_id, dirty, change_count)
            SELECT p, c, true, 1 FROM unnest(%s::int[], %s::int[]) AS v(p, c)
            ON CONFLICT (partner_id, company_id) DO UPDATE
               SET dirty = true, change_count = COALESCE(t.change_count, 0) + 1
                """,
                list(partner_ids),
                list(company_ids),
            )
        )

    # ------------------------------------------------------------------
    # Score and warnings
    # ------------------------------------------------------------------
    def _score(self, company, rows, today):
        """Score these customers' rows in place (score, grade, explanation,
        DSO, trend flag) and return the warnings due: a grade that worsens, or
        a trend crossing the policy threshold while within terms."""
        partners = self.env["res.partner"].browse([row["partner_id"] for row in rows])
        policy_of = partners._ar_policies(company)
        # Per policy, once: reading fields of 20,000 records costs seconds.
        settings_of = {
            policy: (
                policy._score_weights(),
                policy.warning_trend_days,
                policy.broken_promise_days,
            )
            for policy in set(policy_of.values())
        }
        month_days = period_days(today)
        warnings = []
        for row in rows:
            weights, warning_trend_days, broken_promise_days = settings_of[
                policy_of[row["partner_id"]]
            ]
            trend = row["trend_days"] or 0.0
            inputs = risk_score.Inputs(
                avg_days_late=row["avg_days_late"] or 0.0,
                trend_days=trend,
                broken_promises=row["broken_promises"] or 0,
                exposure=float(row["open_amount"] or 0.0),
                credit_limit=float(row["credit_limit"] or 0.0),
                open_amount=float(row["open_amount"] or 0.0),
                overdue_amount=float(row["overdue_amount"] or 0.0),
                defaulted_plans=row["defaulted_plans"] or 0,
            )
            value, letter, top = risk_score.score(inputs, weights)
            over = trend >= warning_trend_days
            within_terms = inputs.overdue_amount <= 0.0
            old_grade = row.pop("old_grade")
            old_warned = row.pop("old_trend_warned")
            if old_grade and risk_score.grade_rank(letter) > risk_score.grade_rank(
                old_grade
            ):
                warnings.append(
                    risk_score.EarlyWarning(
                        row["partner_id"], "grade", old_grade, letter
                    )
                )
            if over and within_terms and not old_warned:
                warnings.append(
                    risk_score.EarlyWarning(row["partner_id"], "trend", trend)
                )
            row["risk_score"] = value
            row["risk_grade"] = letter
            row["risk_explanation"] = self._explain(top, inputs, broken_promise_days)
            row["trend_warned"] = over
            row["dso"] = countback_days(
                inputs.open_amount,
                list(zip(month_days, row["monthly_sales"] or [], strict=False)),
            )
        return warnings

    def _after_score(self, company, partner_ids, warnings, today):
        """Raise the warnings and refresh grade-rule holds of scored customers."""
        if warnings:
            self.env["ar.risk.warning"]._raise_warnings(company, warnings, today)
        partners = self.env["res.partner"].browse(partner_ids)
        if any(
            p._grade_rule_active() for p in set(partners._ar_policies(company).values())
        ):
            self.env["ar.hold"]._refresh(partners, company, recompute=False)

    def _explain(self, top, inputs, broken_promise_days):
        """The three largest factors as short lines, "+22 pays 14 days late"."""
        lines = []
        for factor, points in top[:3]:
            if factor == "days_late":
                text = self.env._(
                    "pays %(days)s days late on average",
                    days=round(inputs.avg_days_late),
                )
            elif factor == "trend":
                text = self.env._(
                    "pays %(days)s days later than 6 months ago",
                    days=round(inputs.trend_days),
                )
            elif factor == "broken_promises":
                text = self.env._(
                    "%(count)s broken promises in %(days)s days",
                    count=inputs.broken_promises,
                    days=broken_promise_days,
                )
            elif factor == "utilisation":
                text = self.env._(
                    "owes %(share)s%% of the credit limit",
                    share=round(100 * inputs.exposure / inputs.credit_limit),
                )
            elif factor == "overdue_share":
                text = self.env._(
                    "%(share)s%% of what is owed is overdue",
                    share=round(100 * inputs.overdue_amount / inputs.open_amount),
                )
            else:
                text = self.env._("a payment plan has defaulted")
            lines.append(f"+{round(points)} {text}")
        return "\n".join(lines)

    # ------------------------------------------------------------------
    # History and forecast
    # ------------------------------------------------------------------
    def _store_snapshots(self, company, partner_ids, today):
        """This month's snapshot row of each customer: the last run of the
        month is the one that stays."""
        columns = [SQL.identifier(name) for name in SNAPSHOT_FIGURES]
        self.env.execute_query(
            SQL(
                """
            INSERT INTO ar_partner_snapshot AS s (
                partner_id, company_id, month, %(columns)s,
                create_uid, create_date, write_uid, write_date)
            SELECT partner_id, company_id, %(month)s, %(columns)s,
                   %(uid)s, now() AT TIME ZONE 'UTC',
                   %(uid)s, now() AT TIME ZONE 'UTC'
              FROM ar_partner_metrics
             WHERE company_id = %(company)s AND partner_id = ANY(%(partners)s)
            ON CONFLICT (partner_id, company_id, month) DO UPDATE SET
                %(updates)s, write_date = EXCLUDED.write_date
                """,
                columns=SQL(", ").join(columns),
                updates=SQL(", ").join(
                    SQL("%s = EXCLUDED.%s", column, column) for column in columns
                ),
                month=today.replace(day=1),
                uid=self.env.uid,
                company=company.id,
                partners=partner_ids,
            )
        )

    def _predict_pay_dates(self, company, partner_ids, today):
        """``ar_predicted_pay_date`` of the open invoices of these customers: the
        promised date under an open promise, else the installment that covers
        it under an active plan, else its due date plus the customer's days
        late for invoices of its size (its overall average without history in
        that band); never before today. And ``ar_forecast_amount``, what each
        brings in then: its open amount less the customer's credits not yet
        applied, which offset the invoices predicted to be paid first."""
        policy = company.sudo()._ar_ensure_policy()
        self.env.flush_all()
        changed = self.env.execute_query(
            SQL(
                """
            WITH open_inv AS (
                SELECT m.id, m.commercial_partner_id AS partner_id,
                       COALESCE(m.invoice_date_due, m.invoice_date) AS due_date,
                       m.amount_total_signed AS amount,
                       m.amount_residual_signed AS residual,
                       m.ar_predicted_pay_date AS stored,
                       m.ar_forecast_amount AS stored_amount
                  FROM account_move m
                 WHERE m.company_id = %(company)s
                   AND m.commercial_partner_id = ANY(%(partners)s)
                   AND %(open_invoice)s
            ),
            promised AS (
                SELECT rel.move_id, MIN(p.promised_date) AS day
                  FROM ar_promise_invoice_rel rel
                  JOIN ar_promise p ON p.id = rel.promise_id AND p.state = 'open'
                 WHERE rel.move_id IN (SELECT id FROM open_inv)
              GROUP BY rel.move_id
            ),
            plan_inv AS (
                SELECT rel.move_id, rel.plan_id,
                       SUM(m.amount_residual) OVER (
                           PARTITION BY rel.plan_id
                           ORDER BY m.invoice_date_due, m.id) AS cum
                  FROM ar_payment_plan_invoice_rel rel
                  JOIN ar_payment_plan pp ON pp.id = rel.plan_id
                                         AND pp.state = 'active'
                  JOIN account_move m ON m.id = rel.move_id
                 WHERE rel.move_id IN (SELECT id FROM open_inv)
            ),
            plan_lines AS (
                SELECT l.plan_id, l.date_due,
                       SUM(l.amount - COALESCE(l.amount_paid, 0)) OVER (
                           PARTITION BY l.plan_id ORDER BY l.date_due, l.id) AS cum
                  FROM ar_payment_plan_line l
                 WHERE l.plan_id IN (SELECT plan_id FROM plan_inv)
                   AND l.amount - COALESCE(l.amount_paid, 0) > 0
            ),
            planned AS (
                SELECT pi.move_id,
                       COALESCE(MIN(pl.date_due) FILTER (
                           WHERE pl.cum >= pi.cum - 0.005), MAX(pl.date_due)) AS day
                  FROM plan_inv pi
                  JOIN plan_lines pl ON pl.plan_id = pi.plan_id
              GROUP BY pi.move_id
            ),
            credits AS (
                -- receivable items with a credit balance nothing applied yet:
                -- credit notes and payments (Odoo's index of unreconciled items)
                SELECT p.commercial_partner_id AS partner_id,
                       -SUM(l.amount_residual) AS credit
                  FROM account_move_line l
                  JOIN res_partner p ON p.id = l.partner_id
                 WHERE l.company_id = %(company)s
                   AND l.account_id = ANY(%(receivable)s)
                   AND l.parent_state = 'posted'
                   AND l.reconciled IS NOT TRUE
                   AND l.amount_residual < 0
                   AND p.commercial_partner_id = ANY(%(partners)s)
              GROUP BY p.commercial_partner_id
            ),
            predicted AS (
                SELECT o.id, o.stored, o.stored_amount, o.partner_id, o.residual,
                       GREATEST(COALESCE(
                           pr.day, pl.day,
                           o.due_date + ROUND(COALESCE(
                               CASE WHEN o.amount < %(band1)s THEN mt.days_late_small
                                    WHEN o.amount < %(band2)s THEN mt.days_late_medium
                                    ELSE mt.days_late_large END,
                               mt.avg_days_late, 0))::int
                       ), %(today)s) AS day
                  FROM open_inv o
                  LEFT JOIN promised pr ON pr.move_id = o.id
                  LEFT JOIN planned pl ON pl.move_id = o.id
                  LEFT JOIN ar_partner_metrics mt ON mt.partner_id = o.partner_id
                                                 AND mt.company_id = %(company)s
            ),
            netted AS (
                SELECT pr.id, pr.stored, pr.stored_amount, pr.day,
                       LEAST(pr.residual, GREATEST(
                           SUM(pr.residual) OVER (
                               PARTITION BY pr.partner_id ORDER BY pr.day, pr.id)
                           - COALESCE(c.credit, 0), 0)) AS amount
                  FROM predicted pr
                  LEFT JOIN credits c ON c.partner_id = pr.partner_id
            )
            SELECT id, day, amount FROM netted
             WHERE stored IS DISTINCT FROM day
                OR stored_amount IS DISTINCT FROM amount
                """,
                company=company.id,
                partners=partner_ids,
                open_invoice=open_invoice_sql("m"),
                band1=policy.band_small_limit,
                band2=policy.band_large_limit,
                today=today,
                receivable=aging.receivable_account_ids(self.env),
            )
        )
        if not changed:
            return
        # Only the changed invoices are written, by id: joining account_move
        # with the whole prediction lets the planner scan every move.
        ids, days, amounts = zip(*changed, strict=True)
        self.env.execute_query(
            SQL(
                """
            UPDATE account_move m SET ar_predicted_pay_date = v.day,
                                      ar_forecast_amount = v.amount
              FROM unnest(%s::int[], %s::date[], %s::numeric[]) AS v(id, day, amount)
             WHERE m.id = v.id
                """,
                list(ids),
                list(days),
                list(amounts),
            )
        )
        self.env["account.move"].invalidate_model(
            ["ar_predicted_pay_date", "ar_forecast_amount"]
        )


class ArPartnerSnapshot(models.Model):
    """A customer's key metrics and score, one row per month: the history
    that trends and charts read."""

    _name = "ar.partner.snapshot"
    _description = "Customer Risk History"
    _order = "month desc, id"
    _rec_name = "month"

    # Indexed by the (partner, company) unique constraint, partner first.
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id")
    month = fields.Date(required=True)
    avg_days_to_pay = fields.Float(string="Avg Days to Pay", aggregator="avg")
    avg_days_late = fields.Float(aggregator="avg")
    trend_days = fields.Float(string="Trend (days)", aggregator="avg")
    open_amount = fields.Monetary(string="Open")
    overdue_amount = fields.Monetary(string="Overdue")
    dso = fields.Float(string="DSO", aggregator="avg")
    risk_score = fields.Float(aggregator="avg")
    risk_grade = fields.Selection(GRADE_SELECTION)

    def init(self):
        # Each run rewrites this month's rows.
        _leave_room_for_updates(self)

    _sql_constraints = [
        (
            "partner_month_uniq",
            "UNIQUE(partner_id, company_id, month)",
            "One snapshot per customer, company and month.",
        ),
    ]
