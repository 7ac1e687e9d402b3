"""Receivables KPIs of a company, month by month.

Every figure is taken from one view of the receivable, the ledger's (the
Credit Research Foundation's definitions, with current receivables, total
receivables and credit sales of the same scope). For a month from S to E
(E = today in the current month), in company currency:

* **receivable** at a date: the balance of the posted receivable items open
  at the end of that day (reconciliations after it do not count). Credits not
  yet applied (credit notes, payments not matched to an invoice) are part of
  it, as in the ledger;
* **not yet due** at E: what invoices still owed on E and that was not due yet,
  after the credits not yet applied, which are deducted from the oldest
  amounts first (an accountant applies a credit to the oldest invoice). So
  the not yet due part is never above the receivable, and the past due part
  is the receivable less it;
* **credit sales**: customer invoices less credit notes dated in the month
  (taxes included, as the receivable is). A month with more credit notes than
  invoices has negative sales: it explains none of the receivable, so the
  countback counts its days in full and goes on to the month before;
* **DSO** (countback): the receivable at E is matched against the sales of the
  month, then of each month before, until used up; DSO is the days of the
  months used, the last one pro rata (at most 12 months);
* **Best possible DSO**: the same countback over the not yet due part; hence
  **average days delinquent** = DSO - best possible DSO is never below zero;
* **CEI** (collection effectiveness index) = (receivable at S-1 + sales -
  receivable at E) / (receivable at S-1 + sales - not yet due at E) x 100.

A figure that means nothing is stored empty (NULL) and shown as "—", never as
0: the DSOs when something is owed but no month of the last 12 had positive
sales, or when the credits not yet applied exceed what customers owe; CEI when
its denominator is not positive (nothing was collectible). The averages of the
pivot and graph skip them. ``note`` says why in words.
"""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import formatLang

from . import aging, sql_tools


def collectible_amount(receivable_start, sales, current):
    """CEI's denominator: what could have been collected in the month. When it
    is not positive (credits not yet applied outweigh the month's sales and
    the receivable), the index means nothing and is shown as such."""
    return receivable_start + sales - current


def countback_days(balance, months):
    """DSO by countback: ``months`` is [(days, sales)] from the latest month
    back. Never lower for a higher balance, which keeps the best possible DSO
    (the countback of a part of the balance) at most the DSO."""
    days_used = 0.0
    left = balance
    for days, sales in months:
        if left <= 0:
            break
        if sales <= 0:
            days_used += days
            continue
        if sales >= left:
            days_used += left / sales * days
            left = 0
        else:
            days_used += days
            left -= sales
    return days_used


def period_days(today, count=12):
    """Days of this month so far, then of each of the ``count - 1`` months
    before, latest first."""
    start = today.replace(day=1)
    days = [(today - start).days + 1]
    for back in range(1, count):
        month = start - relativedelta(months=back)
        days.append((month + relativedelta(months=1) - month).days)
    return days


def not_yet_due(receivable, owed_not_due):
    """The not yet due part of ``receivable`` (net of the credits not yet
    applied) when what is owed and not yet due is ``owed_not_due``: the
    credits go to the oldest amounts first, so they reach the not yet due part
    only once the past due part is used up."""
    return max(0.0, min(owed_not_due, receivable))


def kpi_figures(receivable, receivable_start, owed_not_due, months):
    """The KPIs of a month from its figures (see the module doc): a dict with
    ``None`` for each figure that means nothing. ``months`` is [(days,
    sales)] from this month back."""
    current = not_yet_due(receivable, owed_not_due)
    sales = months[0][1]
    dso = best = late = cei = None
    if receivable >= 0 and (
        receivable == 0 or any(amount > 0 for _days, amount in months)
    ):
        dso = countback_days(receivable, months)
        best = countback_days(current, months)
        late = dso - best
    collectible = collectible_amount(receivable_start, sales, current)
    if collectible > 0:
        cei = 100.0 * (receivable_start + sales - receivable) / collectible
    return {
        "current_receivable": current,
        "dso": dso,
        "best_dso": best,
        "days_delinquent": late,
        "cei": cei,
    }


# The KPIs stored empty when they mean nothing (see the module doc).
UNDEFINED_WHEN_NONE = ("dso", "best_dso", "days_delinquent", "cei")


class ArCompanyKpi(models.Model):
    _name = "ar.company.kpi"
    _description = "Receivables KPIs by Month"
    _order = "company_id, month desc"
    _rec_name = "month"

    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    month = fields.Date(required=True)
    date_computed = fields.Date(string="As Of")
    receivable = fields.Monetary(
        string="Receivable at End",
        help="The ledger's receivable at the end of the month: what customers "
        "owe less the credits not yet applied (credit notes, payments not "
        "matched to an invoice).",
    )
    unapplied_credits = fields.Monetary(
        string="Unapplied Credits at End",
        help="Credit notes and payments not yet matched to an invoice, part of "
        "the receivable (a negative amount).",
    )
    receivable_start = fields.Monetary(string="Receivable at Start")
    current_receivable = fields.Monetary(
        string="Not Yet Due at End",
        help="What is not due yet, after the credits not yet applied, which are "
        "deducted from the oldest amounts first.",
    )
    sales = fields.Monetary(
        string="Credit Sales",
        help="Customer invoices less credit notes dated in the month. Negative "
        "when credit notes exceed invoices.",
    )
    dso = fields.Float(string="DSO", digits=(16, 1), aggregator="avg")
    best_dso = fields.Float(
        string="Best Possible DSO", digits=(16, 1), aggregator="avg"
    )
    days_delinquent = fields.Float(
        string="Avg Days Delinquent", digits=(16, 1), aggregator="avg"
    )
    cei = fields.Float(string="CEI (%)", digits=(16, 1), aggregator="avg")
    dso_defined = fields.Boolean(string="DSO Defined")
    cei_defined = fields.Boolean(string="CEI Defined")
    dso_text = fields.Char(string="DSO (days)", compute="_compute_texts")
    best_dso_text = fields.Char(
        string="Best Possible DSO (days)", compute="_compute_texts"
    )
    days_delinquent_text = fields.Char(
        string="Avg Days Delinquent (days)", compute="_compute_texts"
    )
    cei_text = fields.Char(string="CEI", compute="_compute_texts")
    note = fields.Char(compute="_compute_texts")

    _sql_constraints = [
        ("company_month_uniq", "UNIQUE(company_id, month)", "One row per month."),
    ]

    @api.depends(
        "dso", "best_dso", "days_delinquent", "cei", "dso_defined", "cei_defined"
    )
    @api.depends_context("lang")
    def _compute_texts(self):
        """The figures as the list shows and exports them: "—" when one means
        nothing, and why in ``note``."""
        undefined = "—"

        def text(value, defined):
            return formatLang(self.env, value, digits=1) if defined else undefined

        for row in self:
            row.dso_text = text(row.dso, row.dso_defined)
            row.best_dso_text = text(row.best_dso, row.dso_defined)
            row.days_delinquent_text = text(row.days_delinquent, row.dso_defined)
            row.cei_text = text(row.cei, row.cei_defined)
            row.note = row._explain()

    def _explain(self):
        self.ensure_one()
        money = self.currency_id.format
        notes = []
        if self.sales < 0:
            notes.append(
                self.env._(
                    "Credit notes exceeded invoices (sales %(sales)s): the month "
                    "explains none of the receivable, the countback counts its "
                    "days in full.",
                    sales=money(self.sales),
                )
            )
        if not self.dso_defined:
            notes.append(
                self.env._(
                    "DSO undefined: the credits not yet applied exceed what "
                    "customers owe."
                )
                if self.receivable < 0
                else self.env._(
                    "DSO undefined: no month of the last 12 had positive sales."
                )
            )
        if not self.cei_defined:
            notes.append(
                self.env._(
                    "CEI undefined: nothing was collectible (receivable at start + "
                    "sales - not yet due is not above zero)."
                )
            )
        return " ".join(notes)

    def _open_at(self, company, day):
        """(receivable, owed and not yet due, credits not yet applied) at the
        end of ``day``: the open items as of that day, so a payment received
        later does not count. The sum of the open items is the receivable
        balance: each reconciliation up to the day takes its amount off one
        debit and one credit item."""
        [(receivable, owed_not_due, credits)] = self.env.execute_query(
            SQL(
                """
            SELECT COALESCE(SUM(i.open_amount), 0),
                   COALESCE(SUM(i.open_amount) FILTER (
                       WHERE i.open_amount > 0
                         AND COALESCE(i.date_maturity, i.date) >= %s), 0),
                   COALESCE(SUM(i.open_amount) FILTER (
                       WHERE i.open_amount < 0), 0)
              FROM (%s) i
                """,
                day,
                aging.open_items_sql(
                    company.id,
                    day,
                    aging.receivable_account_ids(self.env),
                    fields.Date.context_today(self),
                ),
            )
        )
        return float(receivable), float(owed_not_due), float(credits)

    def _monthly_sales(self, company, month_start, until, count=12):
        """[(month start, sales)] of the ``count`` months up to ``month_start``,
        invoices dated up to ``until`` (a past day's KPIs ignore later ones)."""
        first = month_start - relativedelta(months=count - 1)
        rows = self.env.execute_query(
            SQL(
                """
            SELECT date_trunc('month', invoice_date)::date, SUM(amount_total_signed)
              FROM account_move
             WHERE company_id = %s AND state = 'posted'
               AND move_type IN ('out_invoice', 'out_refund')
               AND invoice_date >= %s AND invoice_date <= %s
             GROUP BY 1
                """,
                company.id,
                first,
                until,
            )
        )
        sales = {month: float(amount) for month, amount in rows}
        return [
            (
                first + relativedelta(months=i),
                sales.get(first + relativedelta(months=i), 0.0),
            )
            for i in range(count)
        ]

    @api.model
    def _store_month(self, company, today):
        """Store the KPIs of ``today``'s month for ``company`` (the last run of a
        month is the one that stays)."""
        start = today.replace(day=1)
        self.env.flush_all()
        with sql_tools.batch_settings(self.env):
            receivable, owed_not_due, credits = self._open_at(company, today)
            receivable_start = self._open_at(company, start - timedelta(days=1))[0]
            monthly = [
                amount
                for _month, amount in reversed(
                    self._monthly_sales(company, start, today)
                )
            ]
        figures = kpi_figures(
            receivable,
            receivable_start,
            owed_not_due,
            list(zip(period_days(today), monthly, strict=True)),
        )
        values = {
            **figures,
            "date_computed": today,
            "receivable": receivable,
            "unapplied_credits": credits,
            "receivable_start": receivable_start,
            "sales": monthly[0],
            "dso_defined": figures["dso"] is not None,
            "cei_defined": figures["cei"] is not None,
        }
        row = self.sudo().search(
            [("company_id", "=", company.id), ("month", "=", start)], limit=1
        )
        if row:
            row.write(values)
        else:
            row = self.sudo().create(
                {"company_id": company.id, "month": start, **values}
            )
        # The ORM stores a float as 0.0 at least; a figure that means nothing
        # is stored empty, so that averages skip it.
        empty = [name for name in UNDEFINED_WHEN_NONE if figures[name] is None]
        if empty:
            row.flush_recordset()
            self.env.execute_query(
                SQL(
                    "UPDATE ar_company_kpi SET %s WHERE id = %s",
                    SQL(", ").join(
                        SQL("%s = NULL", SQL.identifier(name)) for name in empty
                    ),
                    row.id,
                )
            )
            row.invalidate_recordset(empty)
        return row
