"""Aged receivables as of any date: the report's options, its rows in Odoo
(list and pivot), and its Excel export.

The rows are the receivable items open at the end of the as-of day
(``aging.open_items_sql``: reconciliations dated after that day do not count),
aged by due date or by invoice date, in the buckets of the company's default
policy; credits not yet applied are not aged but shown apart, in their own
column (``aging.CREDITS``). Amounts are in company currency; the item's own
currency and amount are kept beside them. Every filter is applied in SQL.
*Show* writes nothing: the list reads the report's rows from its query
(``ArAgingLine``), as the Excel export does.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..models import aging, sql_tools
from ..models.ar_sql_screen import group_domain_head
from ..reports import xlsx_export

BUCKET_COLUMNS = [f"amount_b{index}" for index in range(aging.MAX_LIMITS + 2)]

# The context key naming the report whose lines are read (ArAgingLine). A
# journal item is a line of every report it is open in, with the same id: the
# fields depend on it, so that each report's values are cached apart (as a
# company-dependent field's are per company).
REPORT = ("ar_aging_report_id",)

# The columns of ROWS_SQL, typed, and no row: *Show*'s list without a report.
EMPTY_ROWS_SQL = """
SELECT NULL::int AS move_line_id, NULL::int AS move_id, NULL::varchar AS move_name,
       NULL::int AS partner_id, NULL::varchar AS partner_name,
       NULL::date AS invoice_date, NULL::date AS date_maturity, NULL::int AS days,
       NULL::int AS bucket, NULL::int AS currency_id,
       NULL::numeric AS amount_currency, NULL::numeric AS amount,
       NULL::int AS salesperson_id, NULL::int AS collector_id
 WHERE FALSE
"""

# Rows of the report; %(items)s is the open-items query, the other parameters
# are the report's options. The customer (the commercial entity) is taken
# from the item's partner, so that a reading without its name, salesperson
# or collector (the list's groups by customer) skips the second join: 40 of
# the 390 ms its query took for a past day at 20,000 customers.
ROWS_SQL = """
SELECT i.id AS move_line_id, i.move_id, i.move_name,
       rp.commercial_partner_id AS partner_id, cp.name AS partner_name,
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


def lines_sql(report_id, company_id, owner_id, rows):
    """The rows of *Show*'s list: the report's ``rows`` (``ROWS_SQL``) with
    their amount in their bucket's column. A line is its report's: the same
    company and the same owner (its ``create_uid``), constants of the query,
    so that the record rule on them costs nothing per row (as a condition on
    the report's owner, it was a join over the 73,000 rows)."""
    buckets = SQL(", ").join(
        SQL("CASE WHEN r.bucket = %s THEN r.amount END AS %s", index, column)
        for index, column in enumerate(map(SQL.identifier, BUCKET_COLUMNS))
    )
    return SQL(
        """
        SELECT r.move_line_id AS id, %(report)s::int AS report_id,
               %(company)s::int AS company_id, r.move_line_id, r.move_id,
               r.partner_id, r.invoice_date, r.date_maturity, r.days,
               r.bucket::varchar AS bucket, r.bucket AS bucket_index,
               r.currency_id, r.amount_currency,
               r.amount, r.salesperson_id, r.collector_id, %(buckets)s,
               CASE WHEN r.bucket = %(credits)s THEN r.amount END AS amount_credit,
               -- a transient model's columns: the rows are not written
               %(owner)s::int AS create_uid, NULL::timestamp AS create_date,
               NULL::int AS write_uid, NULL::timestamp AS write_date
          FROM (%(rows)s) r
        """,
        report=report_id,
        company=company_id,
        owner=owner_id,
        buckets=buckets,
        credits=aging.CREDITS,
        rows=rows,
    )


class ArAgingReport(models.TransientModel):
    """The options of an aged receivables report, and its actions."""

    _name = "ar.aging.report"
    _inherit = ["ar.form.guard"]
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
        if self.date > fields.Date.context_today(self):
            raise UserError(
                self.env._(
                    "The aged receivables can be shown as of today or a past day, "
                    "not as of %(day)s.",
                    day=self.date,
                )
            )

    def _lines_sql(self):
        """The rows of *Show*'s list (``ArAgingLine``)."""
        self.ensure_one()
        return lines_sql(
            self.id, self.company_id.id, self.create_uid.id, self._rows_sql()
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_show(self):
        """Open the report's rows, summed by customer (unfold for the detail).
        Nothing is written: the list reads them from the report's query,
        named in its context (``ArAgingLine``)."""
        self.ensure_one()
        self._check_options()
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
                "ar_aging_report_id": self.id,
                "ar_aging_company_id": self.company_id.id,
            },
        }

    def action_export_xlsx(self):
        """Download the report as an Excel workbook: summary and detail."""
        self.ensure_one()
        self._check_options()
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


def _bucket_field():
    """A bucket's column of the aged receivables' lines (``BUCKET_COLUMNS``:
    its label is the company's, see ``ArAgingLine.fields_get``)."""
    return fields.Monetary(
        currency_field="company_currency_id", readonly=True, depends_context=REPORT
    )


class ArAgingLine(models.TransientModel):
    """One receivable item open on the report's day, with its bucket.

    Read from the report's query (``ArAgingReport._lines_sql``), never
    written: *Show* used to write every open item of the day into a table
    (73,000 rows at 20,000 customers), which cost more than computing them
    and left the table's statistics stale for the list's own queries
    (bench/README.md, screens). The report is the one named in the context
    (``ar_aging_report_id``: *Show*'s action puts it there, and the list,
    the pivot and the buttons send it back); one the user may not read is
    refused, and without one there are no rows. The reads run with the
    open-items settings (``sql_tools.OPEN_ITEMS_SETTINGS``)."""

    _name = "ar.aging.line"
    _inherit = ["ar.sql.screen.mixin"]
    _description = "Aged Receivables Line"
    _auto = False
    _order = "partner_id, date_maturity, id"
    _rec_name = "move_id"
    _ar_read_settings = sql_tools.OPEN_ITEMS_SETTINGS
    # a transient model (its report is one), but no rows to clean up
    _log_access = True  # as a transient model must
    _transient_max_hours = 0
    _transient_max_count = 0

    report_id = fields.Many2one(
        "ar.aging.report", readonly=True, depends_context=REPORT
    )
    company_id = fields.Many2one("res.company", readonly=True, depends_context=REPORT)
    company_currency_id = fields.Many2one(
        related="company_id.currency_id",
        string="Company Currency",
        depends_context=REPORT,
    )
    move_line_id = fields.Many2one(
        "account.move.line", readonly=True, depends_context=REPORT
    )
    move_id = fields.Many2one(
        "account.move", string="Entry", readonly=True, depends_context=REPORT
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, depends_context=REPORT
    )
    salesperson_id = fields.Many2one("res.users", readonly=True, depends_context=REPORT)
    collector_id = fields.Many2one("res.users", readonly=True, depends_context=REPORT)
    invoice_date = fields.Date(readonly=True, depends_context=REPORT)
    date_maturity = fields.Date(
        string="Due Date", readonly=True, depends_context=REPORT
    )
    days = fields.Integer(aggregator=None, readonly=True, depends_context=REPORT)
    bucket = fields.Selection(
        selection="_bucket_selection", readonly=True, depends_context=REPORT
    )
    currency_id = fields.Many2one("res.currency", readonly=True, depends_context=REPORT)
    amount_currency = fields.Monetary(
        string="Open in Currency",
        currency_field="currency_id",
        aggregator=None,
        readonly=True,
        depends_context=REPORT,
    )
    amount = fields.Monetary(
        string="Open",
        currency_field="company_currency_id",
        readonly=True,
        depends_context=REPORT,
    )
    amount_b0 = _bucket_field()
    amount_b1 = _bucket_field()
    amount_b2 = _bucket_field()
    amount_b3 = _bucket_field()
    amount_b4 = _bucket_field()
    amount_b5 = _bucket_field()
    amount_b6 = _bucket_field()
    amount_b7 = _bucket_field()
    amount_credit = fields.Monetary(
        string=aging.CREDITS_LABEL,
        currency_field="company_currency_id",
        readonly=True,
        help="Credit notes and payments not yet matched to an invoice: not aged.",
        depends_context=REPORT,
    )

    @property
    def _table_query(self):
        report_id = self.env.context.get("ar_aging_report_id")
        report = self.env["ar.aging.report"].browse(
            report_id if isinstance(report_id, int) else ()
        )
        report = report.exists()
        if not report:
            return lines_sql(None, None, None, SQL(EMPTY_ROWS_SQL))
        report.check_access("read")  # another user's report is refused
        return report._lines_sql()

    def init(self):
        # a table of its own until 18.0.1.8: the rows are read from the
        # report's query now
        self.env.cr.execute(
            SQL(
                "SELECT 1 FROM pg_class WHERE relname = %s AND relkind = 'r'",
                self._table,
            )
        )
        if self.env.cr.fetchone():
            self.env.cr.execute(SQL("DROP TABLE %s", SQL.identifier(self._table)))

    @api.model
    def web_read_group(
        self, domain, fields, groupby, limit=None, offset=0, orderby=False, lazy=True
    ):
        """The list as *Show* opens it, by customer: its page of customers
        and how many there are in one query, where Odoo runs the report's
        query twice (the page, then the customers after it, to count them),
        and reads the open items of a past day twice. Formatted as Odoo
        formats them (a customer is a commercial entity: its display name is
        its stored complete name, which res.partner sorts by); any other
        grouping is Odoo's."""
        groupby = [groupby] if isinstance(groupby, str) else list(groupby)
        summed = {"amount", "amount_credit", *BUCKET_COLUMNS}
        names = [spec.split(":")[0] for spec in fields]
        if (
            groupby != ["partner_id"]
            or orderby
            or any(
                spec.split(":")[1:] not in ([], ["sum"])
                for spec in fields
                if spec != "__count"
            )
            or not set(names) <= summed | {"__count"}
        ):
            return super().web_read_group(
                domain,
                fields,
                groupby,
                limit=limit,
                offset=offset,
                orderby=orderby,
                lazy=lazy,
            )
        measures = [name for name in dict.fromkeys(names) if name in summed]
        query = self._search(domain)  # access rights and record rules checked
        table = self._table
        # each row's customer, bucket (as its number, ``bucket_index``: the
        # selection's text costs a conversion a row) and amount, computed
        # once (OFFSET 0 keeps the query apart, where PostgreSQL would
        # compute the bucket again for each column), then summed by customer
        # in one pass, each column from its bucket
        items = query.select(
            SQL("%s AS partner_id", SQL.identifier(table, "partner_id")),
            SQL("%s AS bucket", SQL.identifier(table, "bucket_index")),
            SQL("%s AS amount", SQL.identifier(table, "amount")),
        )
        columns = {
            "amount": SQL("SUM(b.amount)"),
            "amount_credit": SQL(
                "SUM(b.amount) FILTER (WHERE b.bucket = %s)", aging.CREDITS
            ),
            **{
                column: SQL("SUM(b.amount) FILTER (WHERE b.bucket = %s)", index)
                for index, column in enumerate(BUCKET_COLUMNS)
            },
        }
        groups = SQL(
            "SELECT b.partner_id, COUNT(*)::int AS number%s"
            " FROM (%s OFFSET 0) b GROUP BY b.partner_id",
            SQL().join(
                SQL(", %s AS %s", columns[name], SQL.identifier(name))
                for name in measures
            ),
            items,
        )
        with self._ar_read_context(sql_tools.AGING_BY_CUSTOMER_SETTINGS):
            rows = self.env.execute_query(
                SQL(
                    """SELECT p.complete_name, g.*, COUNT(*) OVER () FROM (%s) g
                         LEFT JOIN res_partner p ON p.id = g.partner_id
                        ORDER BY p.complete_name, g.partner_id DESC
                        LIMIT %s OFFSET %s""",
                    groups,
                    limit,
                    offset or 0,
                )
            )
        if not rows and offset:  # a page past the last: Odoo counts them
            return super().web_read_group(
                domain, fields, groupby, limit=limit, offset=offset, lazy=lazy
            )
        if not rows:
            return {"groups": [], "length": 0}
        count = "partner_id_count" if lazy else "__count"
        head = group_domain_head(domain, 1)
        result = []
        for name, partner, number, *sums, _total in rows:
            group = {
                "partner_id": (partner, name) if partner else False,
                count: number,
                "__domain": [*head, ("partner_id", "=", partner or False)],
            }
            # a column without an item reads False, as Odoo's sum of nothing
            group.update(
                (measure, False if value is None else value)
                for measure, value in zip(measures, sums, strict=True)
            )
            result.append(group)
        return {"groups": result, "length": rows[0][-1]}

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
