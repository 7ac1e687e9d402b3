from odoo import fields, models
from odoo.tools import SQL


class ArPartnerExposure(models.Model):
    """What a customer owes a company, as computed on ``date``.

    The open receivable items of a customer only change when something is posted,
    reset, reconciled or unreconciled, and those events recompute this row; the
    nightly job recomputes every row. A row dated today is therefore exact, and
    confirming an order reads it instead of aggregating the customer's open items
    again: the check does not grow with the customer's history.
    """

    _name = "ar.partner.exposure"
    _description = "Customer Exposure (computed)"
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
            CREATE INDEX IF NOT EXISTS ar_aml_open_partner_idx
                ON account_move_line (partner_id, account_id)
                INCLUDE (company_id, date_maturity, amount_residual, move_id)
             WHERE parent_state = 'posted'
               AND (reconciled IS NULL OR reconciled = false OR reconciled IS NOT true)
            """
            )
        )

    def _store(self, company, today, rows):
        """Upsert rows, as ``res.partner._ar_open_items`` makes them, computed for
        ``company`` on ``today``."""
        if not rows:
            return
        columns = list(zip(*rows, strict=True))
        self.env.cr.execute(
            SQL(
                """
            INSERT INTO ar_partner_exposure AS e
                   (partner_id, company_id, date, receivable, overdue_amount,
                    oldest_due_date, uncommitted_overdue_amount,
                    uncommitted_oldest_due_date, broken_promise_dates, defaulted_plans)
            SELECT p, %(company)s, %(today)s, r, o, od, fo, fod, b, dp
              FROM unnest(%(p)s::int[], %(r)s::float8[], %(o)s::float8[],
                          %(od)s::date[], %(fo)s::float8[], %(fod)s::date[],
                          %(b)s::varchar[], %(dp)s::int[])
                AS t(p, r, o, od, fo, fod, b, dp)
                ON CONFLICT (partner_id, company_id) DO UPDATE
               SET date = EXCLUDED.date,
                   receivable = EXCLUDED.receivable,
                   overdue_amount = EXCLUDED.overdue_amount,
                   oldest_due_date = EXCLUDED.oldest_due_date,
                   uncommitted_overdue_amount = EXCLUDED.uncommitted_overdue_amount,
                   uncommitted_oldest_due_date = EXCLUDED.uncommitted_oldest_due_date,
                   broken_promise_dates = EXCLUDED.broken_promise_dates,
                   defaulted_plans = EXCLUDED.defaulted_plans
            """,
                company=company.id,
                today=today,
                p=list(columns[0]),
                r=list(columns[1]),
                o=list(columns[2]),
                od=list(columns[3]),
                fo=list(columns[4]),
                fod=list(columns[5]),
                b=list(columns[6]),
                dp=list(columns[7]),
            )
        )
        self.invalidate_model()

    def _fetch(self, company, today, partner_ids):
        """{partner id: row tuple} of the rows computed today."""
        rows = self.env.execute_query(
            SQL(
                """
            SELECT partner_id, receivable, overdue_amount, oldest_due_date,
                   uncommitted_overdue_amount, uncommitted_oldest_due_date,
                   broken_promise_dates, defaulted_plans
              FROM ar_partner_exposure
             WHERE company_id = %s AND date = %s AND partner_id = ANY(%s)
            """,
                company.id,
                today,
                partner_ids,
            )
        )
        return {row[0]: row for row in rows}
