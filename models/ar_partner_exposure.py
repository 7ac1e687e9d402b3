import json

from odoo import fields, models
from odoo.tools import SQL

from .ar_dispute import pausing_disputes_sql
from .credit_rules import OpenItems
from .sql_tools import unreconciled

# Which companies' items and which partners' items are a customer's.
COMPANY_TREE_SQL = "SELECT id FROM res_company WHERE parent_path LIKE %s"
MEMBERS_SQL = "SELECT id FROM res_partner WHERE commercial_partner_id = ANY(%s)"


def company_tree_sql(company):
    """``company``'s group, its root and every branch, as a subquery: a
    company's receivables include its branches' (as Odoo's ``credit``)."""
    return SQL(COMPANY_TREE_SQL, f"{company.root_id.parent_path}%")


def members_sql(partner_ids):
    """The partners of these commercial partners, themselves and their
    contacts (an item keeps the partner it was posted for), as a subquery."""
    return SQL(MEMBERS_SQL, list(partner_ids))


# The open items of some customers of a company, one row per customer, with
# the columns of ``OpenItems`` (the broken promise dates as "YYYY-MM-DD,...").
# Open receivables follow Odoo's ``credit`` (posted, unreconciled lines on
# receivable accounts of the company and its branches); overdue items are the
# lines with a positive residual past their due date, but for invoices in a
# dispute pausing collection (``ar_dispute.pausing_disputes_sql``); "uncommitted"
# leaves out the invoices under an open promise or an active payment plan.
OPEN_ITEMS_SQL = """
WITH companies AS (
    %(companies)s
), members AS (
    %(members)s
), committed AS (
    -- invoices under an open commitment of these customers
    SELECT rel.move_id
      FROM ar_promise promise
      JOIN ar_promise_invoice_rel rel ON rel.promise_id = promise.id
     WHERE promise.state = 'open'
       AND promise.partner_id = ANY(%(partners)s)
    UNION ALL
    -- and of their active (not defaulted) payment plans
    SELECT rel.move_id
      FROM ar_payment_plan plan
      JOIN ar_payment_plan_invoice_rel rel ON rel.plan_id = plan.id
     WHERE plan.state = 'active'
       AND plan.partner_id = ANY(%(partners)s)
), disputed AS (
    -- invoices in a dispute pausing collection: not overdue while it runs
    %(disputed)s
), open_items AS (
    -- items of the customers and of their contacts: an item keeps
    -- the partner it was posted for, who may since have become a
    -- contact of another customer
    SELECT rp.commercial_partner_id AS partner_id,
           aml.amount_residual AS residual,
           aml.date_maturity,
           aml.date_maturity < %(today)s
               AND aml.amount_residual > 0
               AND aml.move_id NOT IN (SELECT move_id FROM disputed) AS overdue,
           aml.move_id IN (SELECT move_id FROM committed) AS committed
      FROM account_move_line aml
      JOIN account_account acc ON acc.id = aml.account_id
      JOIN res_partner rp ON rp.id = aml.partner_id
     WHERE acc.account_type = 'asset_receivable'
       AND aml.partner_id IN (SELECT id FROM members)
       AND aml.company_id IN (SELECT id FROM companies)
       AND aml.parent_state = 'posted' AND %(unreconciled)s
), totals AS (
    SELECT partner_id,
           SUM(residual) AS receivable,
           SUM(residual) FILTER (WHERE overdue) AS overdue,
           MIN(date_maturity) FILTER (WHERE overdue) AS oldest,
           SUM(residual) FILTER (WHERE overdue AND NOT committed)
               AS free_overdue,
           MIN(date_maturity) FILTER (WHERE overdue AND NOT committed)
               AS free_oldest
      FROM open_items
  GROUP BY partner_id
), broken AS (
    SELECT partner_id, string_agg(date_judged::text, ',') AS dates
      FROM ar_promise
     WHERE state = 'broken' AND company_id = %(company)s
       AND partner_id = ANY(%(partners)s)
  GROUP BY partner_id
), defaulted AS (
    SELECT partner_id, COUNT(*) AS plans
      FROM ar_payment_plan
     WHERE state = 'defaulted' AND company_id = %(company)s
       AND partner_id = ANY(%(partners)s)
  GROUP BY partner_id
)
SELECT p.id AS partner_id,
       COALESCE(totals.receivable, 0) AS receivable,
       COALESCE(totals.overdue, 0) AS overdue_amount,
       totals.oldest AS oldest_due_date,
       COALESCE(totals.free_overdue, 0) AS uncommitted_overdue_amount,
       totals.free_oldest AS uncommitted_oldest_due_date,
       COALESCE(broken.dates, '') AS broken_promise_dates,
       COALESCE(defaulted.plans, 0) AS defaulted_plans
  FROM unnest(%(partners)s::int[]) AS p(id)
  LEFT JOIN totals ON totals.partner_id = p.id
  LEFT JOIN broken ON broken.partner_id = p.id
  LEFT JOIN defaulted ON defaulted.partner_id = p.id
"""

# The columns of ar_partner_exposure: one per field of OpenItems, typed after
# it (dates are ``date | None``; broken promise dates are kept as text).
COLUMNS = {
    name: {float: "float8", int: "int4", tuple: "varchar"}.get(kind, "date")
    for name, kind in OpenItems.__annotations__.items()
}


class ArPartnerExposure(models.Model):
    """A customer's open receivable items in one company, as computed on
    ``date`` (the ``OpenItems`` of ``credit_rules``): a cache.

    The open receivable items of a customer only change when something is posted,
    reset, reconciled or unreconciled, and those events recompute this row; the
    nightly job recomputes every row. A row dated today is therefore exact, and
    confirming an order reads it instead of aggregating the customer's open items
    again: the check does not grow with the customer's history. (Orders, drafts,
    the limit and the grade, which change otherwise, are read fresh: see
    ``ar.credit.figures``.)
    """

    _name = "ar.partner.exposure"
    _description = "Customer Open Items (cache)"
    _log_access = False

    partner_id = fields.Many2one(
        "res.partner", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    date = fields.Date(required=True)
    receivable = fields.Float()
    overdue_amount = fields.Float()
    oldest_due_date = fields.Date()
    uncommitted_overdue_amount = fields.Float()
    uncommitted_oldest_due_date = fields.Date()
    broken_promise_dates = fields.Char(help="Dates promises were judged broken.")
    defaulted_plans = fields.Integer()

    _sql_constraints = [
        (
            "partner_company_uniq",
            "UNIQUE(partner_id, company_id)",
            "One exposure row per customer and company.",
        ),
    ]

    def init(self):
        # Open (posted, unreconciled) items of a customer, with what the credit
        # figures read, so that computing them is an index-only scan.
        self.env.cr.execute(
            SQL(
                """
            CREATE INDEX IF NOT EXISTS ar_aml_open_items_idx
                ON account_move_line (partner_id, account_id)
                INCLUDE (company_id, date_maturity, amount_residual, move_id)
             WHERE parent_state = 'posted' AND %s
            """,
                unreconciled("account_move_line"),
            )
        )

    def _open_items(self, company, today, partner_ids, recompute=False):
        """{partner id: OpenItems} of these commercial partners in ``company``:
        today's rows, the others computed (one query) and stored; all computed
        with ``recompute``."""
        found = {} if recompute else self._fetch(company, today, partner_ids)
        missing = [pid for pid in partner_ids if pid not in found]
        if missing:
            computed = self._compute_open_items(company, today, missing)
            if not self.env.cr.readonly:
                # Odoo 18 serves reads on read-only cursors: no cache fill there.
                self._store(company, today, computed)
            found.update(computed)
        return found

    def _compute_open_items(self, company, today, partner_ids):
        """{partner id: OpenItems} from the journal items, promises and plans,
        in one query (``OPEN_ITEMS_SQL``)."""
        self.env["account.move.line"].flush_model(
            [
                "account_id",
                "amount_residual",
                "balance",
                "company_id",
                "date_maturity",
                "move_id",
                "parent_state",
                "partner_id",
                "reconciled",
            ]
        )
        self.env["account.move"].flush_model(["move_type"])
        for model in ("ar.promise", "ar.payment.plan"):
            self.env[model].flush_model(
                ["state", "partner_id", "company_id", "invoice_ids"]
            )
        self.env["ar.promise"].flush_model(["date_judged"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        rows = self.env.execute_query_dict(
            SQL(
                OPEN_ITEMS_SQL,
                companies=company_tree_sql(company),
                members=members_sql(partner_ids),
                today=today,
                partners=partner_ids,
                company=company.id,
                unreconciled=unreconciled("aml"),
                disputed=pausing_disputes_sql(),
            )
        )
        return {row.pop("partner_id"): self._open_items_of(row) for row in rows}

    def _open_items_of(self, row):
        """An ``OpenItems`` of a row of ``COLUMNS`` (dates as text joined)."""
        dates = row["broken_promise_dates"] or ""
        return OpenItems(
            **{
                **row,
                "broken_promise_dates": tuple(
                    fields.Date.to_date(day) for day in dates.split(",") if day
                ),
            }
        )

    def _store(self, company, today, items):
        """Upsert ``items`` ({partner id: OpenItems}) computed for ``company``
        on ``today``, in one statement."""
        if not items:
            return
        rows = [
            {
                "partner_id": pid,
                **item._asdict(),
                "broken_promise_dates": ",".join(
                    str(day) for day in item.broken_promise_dates
                ),
            }
            for pid, item in items.items()
        ]
        self.env.execute_query(
            SQL(
                """
            INSERT INTO ar_partner_exposure AS e
                   (partner_id, company_id, date, %(columns)s)
            SELECT v.partner_id, %(company)s, %(today)s, %(values)s
              FROM jsonb_to_recordset(%(rows)s::jsonb)
                AS v(partner_id int, %(types)s)
                ON CONFLICT (partner_id, company_id) DO UPDATE
               SET date = EXCLUDED.date, %(updates)s
            """,
                columns=SQL(", ").join(SQL.identifier(c) for c in COLUMNS),
                values=SQL(", ").join(SQL.identifier("v", c) for c in COLUMNS),
                types=SQL(", ").join(
                    SQL("%s %s", SQL.identifier(c), SQL(kind))
                    for c, kind in COLUMNS.items()
                ),
                updates=SQL(", ").join(
                    SQL("%s = EXCLUDED.%s", SQL.identifier(c), SQL.identifier(c))
                    for c in COLUMNS
                ),
                company=company.id,
                today=today,
                rows=json.dumps(rows, default=str),
            )
        )
        self.invalidate_model()

    def _fetch(self, company, today, partner_ids):
        """{partner id: OpenItems} of the rows computed today."""
        rows = self.env.execute_query_dict(
            SQL(
                "SELECT partner_id, %s FROM ar_partner_exposure"
                " WHERE company_id = %s AND date = %s AND partner_id = ANY(%s)",
                SQL(", ").join(SQL.identifier(c) for c in COLUMNS),
                company.id,
                today,
                partner_ids,
            )
        )
        return {row.pop("partner_id"): self._open_items_of(row) for row in rows}
