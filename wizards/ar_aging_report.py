"""Aged receivables as of any date: the report's options, its rows in Odoo
(list and pivot), and its Excel export.

The rows are the receivable items open at the end of the as-of day
(``aging.open_items_sql``: reconciliations dated after that day do not count),
aged by due date or by invoice date, in the buckets of the company's default
policy; credits not yet applied are not aged but shown apart, in their own
column (``aging.CREDITS``). Amounts are in company currency; the item's own
currency and amount are kept beside them. Every filter is applied in SQL, and
the rows are written by one INSERT ... SELECT.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..models import aging, sql_tools
from ..reports import xlsx_export

BUCKET_COLUMNS = [f"amount_b{index}" for index in range(aging.MAX_LIMITS + 2)]

# Rows of the report; %(items)s is the open-items query, the other parameters
# are the report's options.
ROWS_SQL = """
SELECT i.id AS move_line_id, i.move_id, i.move_name,
       cp.id AS partner_id, cp.name AS partner_name,
       COALESCE(i.invoice_date, i.date) AS invoice_date,
       COALESCE(i.date_maturity, i.date) AS date_maturity,
       %(days)s AS days, %(bucket)s AS bucket,
       i.currency_id, i.open_amount_currency AS amount_currency,
       i.open_amount AS amount,
       cp.user_id AS salesperson_id,
       (cp.ar_collector_id ->> %(company_key)s)::int AS collector_id
  FROM (%(items)s) i
  LEFT JOIN res_partner rp ON rp.id = i.partner_id
  LEFT JOIN res_partner cp ON cp.id = rp.commercial_partner_id
 WHERE TRUE %(filters)s
"""


class ArAgingReport(models.TransientModel):
    """The options of an aged receivables report, and its actions."""

    _name = "ar.aging.report"
    _description = "Aged Receivables"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        string="As Of",
        required=True,
        default=fields.Date.context_today,
        help="Items open at the end of this day. A payment received later does "
        "not count: the report uses the reconciliation dates.",
    )
    age_by = fields.Selection(
        [("due", "Due Date"), ("invoice", "Invoice Date")],
        required=True,
        default="due",
    )
    partner_ids = fields.Many2many("res.partner", string="Customers")
    currency_ids = fields.Many2many(
        "res.currency",
        string="Currencies",
        help="Only items in these currencies (all when empty).",
    )
    salesperson_ids = fields.Many2many(
        "res.users",
        "ar_aging_report_salesperson_rel",
        string="Salespersons",
        help="Only customers of these salespersons (all when empty).",
    )
    collector_ids = fields.Many2many(
        "res.users",
        "ar_aging_report_collector_rel",
        string="Collectors",
        help="Only customers these collectors follow (all when empty).",
    )
    line_ids = fields.One2many("ar.aging.line", "report_id")

    # ------------------------------------------------------------------
    # Rows
    # ------------------------------------------------------------------
    def _limits(self):
        return self.company_id.sudo()._ar_ensure_policy()._aging_limits()

    def _bucket_labels(self):
        return aging.bucket_labels(self._limits())

    def _rows_sql(self):
        """The report's rows as one SQL query (see ``ROWS_SQL``)."""
        self.ensure_one()
        self._check_options()
        today = fields.Date.context_today(self)
        items = aging.open_items_sql(
            self.company_id.id,
            self.date,
            aging.receivable_account_ids(self.env),
            today,
            partner_ids=self._item_partner_ids(),
        )
        start = SQL("COALESCE(i.date_maturity, i.date)")
        if self.age_by == "invoice":
            start = SQL("COALESCE(i.invoice_date, i.date)")
        days = SQL("(%s::date - %s)", self.date, start)
        filters = []
        if self.currency_ids:
            filters.append(SQL("AND i.currency_id = ANY(%s)", self.currency_ids.ids))
        if self.salesperson_ids:
            filters.append(SQL("AND cp.user_id = ANY(%s)", self.salesperson_ids.ids))
        if self.collector_ids:
            filters.append(
                SQL(
                    "AND (cp.ar_collector_id ->> %s)::int = ANY(%s)",
                    str(self.company_id.id),
                    self.collector_ids.ids,
                )
            )
        return SQL(
            ROWS_SQL,
            items=items,
            days=days,
            bucket=aging.item_bucket_sql(days, SQL("i.open_amount"), self._limits()),
            company_key=str(self.company_id.id),
            filters=SQL(" ").join(filters),
        )

    def _item_partner_ids(self):
        """The chosen customers and their contacts (items carry the contact)."""
        if not self.partner_ids:
            return None
        return (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search([("commercial_partner_id", "in", self.partner_ids.ids)])
            .ids
        )

    def _check_options(self):
        if self.company_id not in self.env.companies:
            raise UserError(
                self.env._(
                    "Choose one of your companies for the aged receivables: %(name)s "
                    "is not among the companies you work in.",
                    name=self.company_id.name,
                )
            )
        if self.date > fields.Date.context_today(self):
            raise UserError(
                self.env._(
                    "The aged receivables can be shown as of today or a past day, "
                    "not as of %(day)s.",
                    day=self.date,
                )
            )

    def _fill_lines(self):
        """Write the report's rows (replacing earlier ones) in one statement."""
        self.ensure_one()
        self.env.flush_all()
        self.env.execute_query(
            SQL("DELETE FROM ar_aging_line WHERE report_id = %s", self.id)
        )
        with sql_tools.open_items_settings(self.env):
            self._insert_lines()
        self.env["ar.aging.line"].invalidate_model()

    def _insert_lines(self):
        buckets = SQL(", ").join(
            SQL("CASE WHEN r.bucket = %s THEN r.amount END", index)
            for index in range(len(BUCKET_COLUMNS))
        )
        self.env.execute_query(
            SQL(
                """
            INSERT INTO ar_aging_line (
                report_id, company_id, move_line_id, move_id, partner_id,
                invoice_date, date_maturity, days, bucket, currency_id,
                amount_currency, amount, salesperson_id, collector_id, %(columns)s,
                amount_credit, create_uid, create_date, write_uid, write_date)
            SELECT %(report)s, %(company)s, r.move_line_id, r.move_id, r.partner_id,
                   r.invoice_date, r.date_maturity, r.days, r.bucket::varchar,
                   r.currency_id, r.amount_currency, r.amount, r.salesperson_id,
                   r.collector_id, %(buckets)s,
                   CASE WHEN r.bucket = %(credits)s THEN r.amount END,
                   %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s,
                   now() AT TIME ZONE 'UTC'
              FROM (%(rows)s) r
                """,
                columns=SQL(", ").join(SQL.identifier(c) for c in BUCKET_COLUMNS),
                report=self.id,
                company=self.company_id.id,
                buckets=buckets,
                credits=aging.CREDITS,
                uid=self.env.uid,
                rows=self._rows_sql(),
            )
        )

    def unlink(self):
        """The lines go with their report (their table has no foreign key to
        cascade: see ``ArAgingLine``)."""
        ids = self.ids
        result = super().unlink()
        self.env.execute_query(
            SQL("DELETE FROM ar_aging_line WHERE report_id = ANY(%s)", ids)
        )
        return result

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_show(self):
        """Open the report's rows, summed by customer (unfold for the detail)."""
        self.ensure_one()
        self._fill_lines()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Aged Receivables as of %(day)s", day=fields.Date.to_string(self.date)
            ),
            "res_model": "ar.aging.line",
            "view_mode": "list,pivot",
            "views": [(False, "list"), (False, "pivot")],
            "domain": [("report_id", "=", self.id)],
            "context": {
                "group_by": ["partner_id"],
                "ar_aging_company_id": self.company_id.id,
            },
        }

    def action_export_xlsx(self):
        """Download the report as an Excel workbook: summary and detail."""
        self.ensure_one()
        return xlsx_export.download_action(
            self.env, self._xlsx_filename(), self._xlsx()
        )

    def _xlsx_filename(self):
        return f"aged_receivables_{self.company_id.name}_{self.date}.xlsx".replace(
            " ", "_"
        )

    def _filter_text(self):
        """The options, as one line for the workbook's header."""
        parts = [
            self.env._(
                "aged by %(start)s",
                start=dict(self._fields["age_by"]._description_selection(self.env))[
                    self.age_by
                ].lower(),
            ),
        ]
        for label, records in (
            (self.env._("customers"), self.partner_ids),
            (self.env._("currencies"), self.currency_ids),
            (self.env._("salespersons"), self.salesperson_ids),
            (self.env._("collectors"), self.collector_ids),
        ):
            if records:
                parts.append(f"{label}: {', '.join(records.mapped('display_name'))}")
        return "; ".join(parts)

    def _xlsx(self):
        """The workbook's bytes (see ``xlsx_export.aging_workbook``). The rows
        are computed once, into a temporary table that both sheets read. The
        credits not yet applied take the column after the buckets."""
        self.ensure_one()
        labels = [*self._bucket_labels(), aging.CREDITS_LABEL]
        cr = self.env.cr
        self.env.flush_all()
        cr.execute("DROP TABLE IF EXISTS ar_aging_xlsx_rows")
        with sql_tools.open_items_settings(self.env):
            cr.execute(
                SQL(
                    """
                CREATE TEMPORARY TABLE ar_aging_xlsx_rows ON COMMIT DROP AS
                SELECT r.partner_id, r.partner_name, r.move_name, r.invoice_date,
                       r.date_maturity, r.days,
                       CASE WHEN r.bucket = %(credits)s THEN %(credits_column)s
                            ELSE r.bucket END AS bucket,
                       -- the item's own currency only when it is not the company's
                       CASE WHEN r.currency_id != %(company_currency)s
                            THEN c.name END AS currency_name,
                       CASE WHEN r.currency_id != %(company_currency)s
                            THEN r.amount_currency END AS amount_currency,
                       r.amount,
                       row_number() OVER (ORDER BY r.partner_name, r.partner_id,
                                          r.date_maturity, r.move_line_id) - 1
                           AS ordinal
                  FROM (%(rows)s) r
                  JOIN res_currency c ON c.id = r.currency_id
                    """,
                    rows=self._rows_sql(),
                    company_currency=self.company_id.currency_id.id,
                    credits=aging.CREDITS,
                    credits_column=len(labels) - 1,
                )
            )
        try:
            sums = SQL(", ").join(
                SQL(
                    "COALESCE(SUM(r.amount) FILTER (WHERE r.bucket = %s), 0) AS %s",
                    index,
                    SQL.identifier(f"b{index}"),
                )
                for index in range(len(labels))
            )
            summary = SQL(
                """
            SELECT s.*, row_number() OVER (ORDER BY s.first_ordinal) - 1
                       AS ordinal
              FROM (SELECT MIN(r.partner_name) AS partner_name,
                           MIN(r.ordinal) AS first_ordinal,
                           %s, SUM(r.amount) AS total
                      FROM ar_aging_xlsx_rows r
                  GROUP BY r.partner_id) s
                """,
                sums,
            )
            [totals] = self.env.execute_query(
                SQL(
                    "SELECT %s, COALESCE(SUM(r.amount), 0) FROM ar_aging_xlsx_rows r",
                    sums,
                )
            )
            return xlsx_export.aging_workbook(
                self.env,
                company=self.company_id,
                day=self.date,
                filters=self._filter_text(),
                labels=labels,
                summary=summary,
                detail=SQL("SELECT * FROM ar_aging_xlsx_rows"),
                totals=totals,
            )
        finally:
            cr.execute("DROP TABLE IF EXISTS ar_aging_xlsx_rows")


class ArAgingLine(models.TransientModel):
    """One receivable item open on the report's day, with its bucket.

    The table is the addon's own (``init``): unlogged and without foreign
    keys. *Show* writes every open item of the day in one INSERT; with the
    ORM's table each row checked ten foreign keys, locking the journal item,
    entry, customer... it refers to, which cost 85 % of *Show* (bench/README.md,
    screens). The rows live an hour, are written once from rows read in the
    same statement, and go with their report (``ArAgingReport.unlink``);
    after a crash the table is empty and *Show* fills it again."""

    _name = "ar.aging.line"
    _description = "Aged Receivables Line"
    _auto = False
    _log_access = True  # the transient vacuum reads create_date
    _order = "partner_id, date_maturity, id"
    _rec_name = "move_id"

    report_id = fields.Many2one(
        "ar.aging.report", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", readonly=True)
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    move_line_id = fields.Many2one("account.move.line", readonly=True)
    move_id = fields.Many2one("account.move", string="Entry", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    salesperson_id = fields.Many2one("res.users", readonly=True)
    collector_id = fields.Many2one("res.users", readonly=True)
    invoice_date = fields.Date(readonly=True)
    date_maturity = fields.Date(string="Due Date", readonly=True)
    days = fields.Integer(aggregator=None, readonly=True)
    bucket = fields.Selection(selection="_bucket_selection", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_currency = fields.Monetary(
        string="Open in Currency",
        currency_field="currency_id",
        aggregator=None,
        readonly=True,
    )
    amount = fields.Monetary(
        string="Open", currency_field="company_currency_id", readonly=True
    )
    amount_b0 = fields.Monetary(currency_field="company_currency_id", readonly=True)
    amount_b1 = fields.Monetary(currency_field="company_currency_id", readonly=True)
    amount_b2 = fields.Monetary(currency_field="company_currency_id", readonly=True)
    amount_b3 = fields.Monetary(currency_field="company_currency_id", readonly=True)
    amount_b4 = fields.Monetary(currency_field="company_currency_id", readonly=True)
    amount_b5 = fields.Monetary(currency_field="company_currency_id", readonly=True)
    amount_b6 = fields.Monetary(currency_field="company_currency_id", readonly=True)
    amount_b7 = fields.Monetary(currency_field="company_currency_id", readonly=True)
    amount_credit = fields.Monetary(
        string=aging.CREDITS_LABEL,
        currency_field="company_currency_id",
        readonly=True,
        help="Credit notes and payments not yet matched to an invoice: not aged.",
    )

    def init(self):
        cr = self.env.cr
        cr.execute(
            """SELECT c.relpersistence != 'u' OR EXISTS (
                          SELECT 1 FROM pg_constraint k
                           WHERE k.conrelid = c.oid AND k.contype = 'f')
                 FROM pg_class c WHERE c.relname = %s AND c.relkind = 'r'""",
            [self._table],
        )
        row = cr.fetchone()
        if row and row[0]:
            # the ORM's table of earlier versions: transient rows, dropped
            cr.execute(SQL("DROP TABLE %s CASCADE", SQL.identifier(self._table)))
        buckets = SQL(", ").join(
            SQL("%s numeric", SQL.identifier(column)) for column in BUCKET_COLUMNS
        )
        cr.execute(
            SQL(
                """
            CREATE UNLOGGED TABLE IF NOT EXISTS %(table)s (
                id serial PRIMARY KEY,
                report_id integer NOT NULL,
                company_id integer, move_line_id integer, move_id integer,
                partner_id integer, salesperson_id integer, collector_id integer,
                invoice_date date, date_maturity date, days integer,
                bucket varchar, currency_id integer,
                amount_currency numeric, amount numeric, %(buckets)s,
                amount_credit numeric,
                create_uid integer, create_date timestamp,
                write_uid integer, write_date timestamp
            );
            ALTER TABLE %(table)s ADD COLUMN IF NOT EXISTS amount_credit numeric;
            CREATE INDEX IF NOT EXISTS ar_aging_line_report_id_index
                ON %(table)s (report_id)
                """,
                table=SQL.identifier(self._table),
                buckets=buckets,
            )
        )

    def _aging_company(self):
        company_id = self.env.context.get("ar_aging_company_id")
        company = self.env["res.company"].browse(company_id).exists()
        return company if company in self.env.companies else self.env.company

    def _labels(self):
        policy = self._aging_company().sudo()._ar_ensure_policy()
        return aging.bucket_labels(policy._aging_limits())

    @api.model
    def _bucket_selection(self):
        return [
            *((str(index), label) for index, label in enumerate(self._labels())),
            (str(aging.CREDITS), aging.CREDITS_LABEL),
        ]

    @api.model
    def fields_get(self, allfields=None, attributes=None):
        """The bucket columns take the labels of the company's buckets."""
        result = super().fields_get(allfields, attributes)
        for index, label in enumerate(self._labels()):
            column = BUCKET_COLUMNS[index]
            if column in result and "string" in result[column]:
                result[column]["string"] = label
        return result

    @api.model
    def _get_view_cache_key(self, view_id=None, view_type="form", **options):
        key = super()._get_view_cache_key(view_id, view_type, **options)
        return (*key, tuple(self._labels()))

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        """Hide the bucket columns the company's policy does not use."""
        arch, view = super()._get_view(view_id, view_type, **options)
        used = len(self._labels())
        for column in BUCKET_COLUMNS[used:]:
            for node in arch.xpath(f"//field[@name='{column}']"):
                node.set("column_invisible", "True")
        return arch, view

    def action_open_entry(self):
        self.ensure_one()
        return self.move_id._get_records_action()
