"""The 13-week cash-in forecast: each open customer invoice with a predicted
pay date, by week of that date (a report over the invoices, as Odoo's own
invoice analysis is).

Its pivot, customers by week, has a row per customer: 18,000 at 20,000
customers, 53,000 cells. Odoo formats every group of a ``read_group`` one by
one (a record, its display name, a week label through babel, a date range, a
domain normalised again), 90 % of the 4.9 s the pivot took over the
invoices themselves. Here the pivot's and the graph's groupings are one
query over the rows the user may read (``_search``: the record rules) and
are formatted as Odoo formats them, once per customer and per week
(``read_group``).
"""

from datetime import date, timedelta

import babel.dates

from odoo import api, fields, models
from odoo.models import READ_GROUP_DISPLAY_FORMAT
from odoo.tools import SQL, get_lang

from . import sql_tools
from .account_move import open_invoice_sql
from .ar_sql_screen import gc_paused, group_domain_head

# A Monday: weeks are counted in whole days from it.
EPOCH = date(1900, 1, 1)


def week_start_sql(day):
    """The Monday on or before the date ``day`` (SQL): whole-day arithmetic
    from a Monday (``EPOCH``), where ``date_trunc('week', day)`` goes
    through a timestamp with time zone for each row."""
    return SQL("(%s - mod(mod(%s - %s::date, 7) + 7, 7))", day, day, EPOCH)


# The groupings done here (the pivot's and the graph's); any other is Odoo's.
QUICK_GROUPS = ("partner_id", "week:day")


class ArCashForecast(models.Model):
    _name = "ar.cash.forecast"
    _inherit = ["ar.sql.screen.mixin"]
    _description = "Cash-in Forecast"
    _auto = False
    _order = "predicted_date, id"
    _rec_name = "move_id"

    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    invoice_date_due = fields.Date(string="Due Date", readonly=True)
    predicted_date = fields.Date(
        string="Predicted Pay Date",
        readonly=True,
        help="From the customer's payment history, its promises and its plans "
        "(never before today).",
    )
    week = fields.Date(
        string="Week Of",
        readonly=True,
        help="The Monday of the week of the predicted pay date.",
    )
    open_amount = fields.Monetary(string="Open", readonly=True)
    amount = fields.Monetary(
        string="Expected Cash",
        readonly=True,
        help="What the invoice will bring in: its open amount less the "
        "customer's credits not yet applied, which pay its oldest invoices "
        "first. In company currency.",
    )

    _ar_read_settings = sql_tools.FORECAST_SETTINGS

    # The company is joined for its currency only, so that a reading without
    # it skips the join.
    @property
    def _table_query(self):
        return SQL(
            """
            SELECT m.id, m.id AS move_id, m.company_id, c.currency_id,
                   m.commercial_partner_id AS partner_id, m.invoice_date_due,
                   m.ar_predicted_pay_date AS predicted_date,
                   %s AS week,
                   m.amount_residual_signed AS open_amount,
                   m.ar_forecast_amount AS amount
              FROM account_move m
              LEFT JOIN res_company c ON c.id = m.company_id
             WHERE %s AND m.ar_predicted_pay_date IS NOT NULL
            """,
            week_start_sql(SQL.identifier("m", "ar_predicted_pay_date")),
            open_invoice_sql("m"),
        )

    # ------------------------------------------------------------------
    # Grouping
    # ------------------------------------------------------------------
    @api.model
    def read_group(
        self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True
    ):
        """The pivot's and the graph's groups (by customer, by week, or
        both, all of them, the expected cash summed) in one query and
        formatted as Odoo formats them, but once per customer and per week;
        any other grouping is Odoo's."""
        groupby = [groupby] if isinstance(groupby, str) else list(groupby or ())
        quick = (
            groupby
            and set(groupby) <= set(QUICK_GROUPS)
            and (not lazy or len(groupby) == 1)
            and not (offset or limit or orderby)
            and set(fields) <= {"amount", "amount:sum", "__count"}
            and not self.env.context.get("fill_temporal")
        )
        if not quick:
            return super().read_group(
                domain,
                fields,
                groupby,
                offset=offset,
                limit=limit,
                orderby=orderby,
                lazy=lazy,
            )
        query = self._search(domain)  # access rights and record rules checked
        table = self._table
        keys = [
            SQL.identifier(table, "partner_id" if group == "partner_id" else "week")
            for group in groupby
        ]
        query.groupby = SQL(", ").join(keys)
        groups = query.select(
            *(
                # a week as its days from EPOCH: an integer is fetched in
                # half the time of a date, and 13 weeks are dated in Python
                SQL(
                    "%s AS %s",
                    key if group == "partner_id" else SQL("%s - %s::date", key, EPOCH),
                    SQL.identifier(f"k{i}"),
                )
                for i, (group, key) in enumerate(zip(groupby, keys, strict=True))
            ),
            SQL("COUNT(*) AS number"),
            # as a float, the type Odoo reads a sum in (the same value: both
            # parse the sum's digits), without a Python call per group
            SQL("SUM(%s)::float8 AS amount", SQL.identifier(table, "amount")),
        )
        # summed first, then named and sorted: the customer's display name is
        # a commercial entity's complete name, which res.partner stores and
        # sorts by
        if groupby[0] == "partner_id":
            named = SQL(
                """SELECT g.*, p.complete_name FROM (%s) g
                     LEFT JOIN res_partner p ON p.id = g.k0
                    ORDER BY p.complete_name, g.k0 DESC %s""",
                groups,
                SQL(", g.k1") if len(groupby) > 1 else SQL(),
            )
        else:
            named = SQL("SELECT g.*, NULL FROM (%s) g ORDER BY g.k0", groups)
        count = (
            "__count"
            if not lazy or len(groupby) > 1
            else f"{groupby[0].split(':')[0]}_count"
        )
        head = group_domain_head(domain, len(groupby))
        # paused from the fetch on: its rows are as many as the groups
        with gc_paused():
            with self._ar_read_context(sql_tools.FORECAST_GROUPS_SETTINGS):
                rows = self.env.execute_query(named)
            return self._quick_groups(rows, groupby, head, count)

    def _quick_groups(self, rows, groupby, head, count):
        """The groups of ``read_group``'s rows, formatted as Odoo does."""
        if groupby == ["week:day"]:
            weeks = self._week_groups({row[0] for row in rows})
            return [
                {
                    "week:day": weeks[week][0],
                    "__range": weeks[week][1],
                    count: number,
                    "amount": amount,
                    "__domain": head + weeks[week][2],
                }
                for week, number, amount, _name in rows
            ]
        if groupby == ["partner_id"]:
            return [
                {
                    "partner_id": (partner, name) if partner else False,
                    count: number,
                    "amount": amount,
                    "__domain": [*head, ("partner_id", "=", partner or False)],
                }
                for partner, number, amount, name in rows
            ]
        weeks = self._week_groups({row[1] for row in rows})
        partners = {}  # one value and domain head per customer, shared
        for partner, _week, _number, _amount, name in rows:
            if partner not in partners:
                partners[partner] = (
                    (partner, name) if partner else False,
                    [*head, ("partner_id", "=", partner or False)],
                )
        return [
            {
                "partner_id": partners[partner][0],
                "week:day": weeks[week][0],
                "__range": weeks[week][1],
                "__count": number,
                "amount": amount,
                "__domain": partners[partner][1] + weeks[week][2],
            }
            for partner, week, number, amount, _name in rows
        ]

    def _week_groups(self, days):
        """{days: (label, ranges, domain)} of the weeks starting ``days``
        after ``EPOCH``, as Odoo formats a group by day (a group's ranges
        are shared by the week's groups: nothing changes them)."""
        locale = get_lang(self.env).code
        formats = {None: (False, {"week:day": False}, [("week", "=", False)])}
        for number in days - {None}:
            week = EPOCH + timedelta(days=number)
            start = fields.Date.to_string(week)
            end = fields.Date.to_string(fields.Date.add(week, days=1))
            formats[number] = (
                babel.dates.format_date(
                    week, format=READ_GROUP_DISPLAY_FORMAT["day"], locale=locale
                ),
                {"week:day": {"from": start, "to": end}},
                ["&", ("week", ">=", start), ("week", "<", end)],
            )
        return formats

    def action_open_invoice(self):
        self.ensure_one()
        return self.move_id._get_records_action()
