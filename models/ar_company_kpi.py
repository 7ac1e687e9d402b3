"""Receivables KPIs of a company, month by month.

For a month from S to E (E = today in the current month), in company currency:

* receivable at a date: the balance of posted receivable items dated up to it;
* sales: customer invoices less credit notes dated in the month (taxes
  included, as the receivable is);
* current receivable at E: what invoices dated up to E still owed on E and
  that was not yet due (reconciliations after E do not count);
* **DSO** (countback): the receivable at E is matched against the sales of the
  month, then of each month before, until used up; DSO is the days of the
  months used, the last one pro rata (at most 12 months);
* **Best possible DSO** = current receivable at E / sales of the month x days in
  the month (so far);
* **Average days delinquent** = DSO - best possible DSO;
* **CEI** (collection effectiveness index) = (receivable at S-1 + sales -
  receivable at E) / (receivable at S-1 + sales - current receivable at E) x 100.
"""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from . import aging, sql_tools


def collectible_amount(receivable_start, sales, current):
    """CEI's denominator: what could have been collected in the month. When it
    is not positive (credits not yet applied outweigh the month's sales and
    the receivable), the index means nothing and is shown as such."""
    return receivable_start + sales - current


def countback_days(balance, months):
    """DSO by countback: ``months`` is [(days, sales)] from the latest month
    back."""
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


class ArCompanyKpi(models.Model):
    _name = "ar.company.kpi"
    _description = "Receivables KPIs by Month"
    _order = "company_id, month desc"
    _rec_name = "month"

    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    month = fields.Date(required=True)
    date_computed = fields.Date(string="As Of")
    receivable = fields.Monetary(string="Receivable at End")
    receivable_start = fields.Monetary(string="Receivable at Start")
    current_receivable = fields.Monetary(string="Not Yet Due at End")
    sales = fields.Monetary(string="Credit Sales")
    dso = fields.Float(string="DSO", digits=(16, 1), aggregator="avg")
    best_dso = fields.Float(
        string="Best Possible DSO", digits=(16, 1), aggregator="avg"
    )
    days_delinquent = fields.Float(
        string="Avg Days Delinquent", digits=(16, 1), aggregator="avg"
    )
    cei = fields.Float(string="CEI (%)", digits=(16, 1), aggregator="avg")

    _sql_constraints = [
        ("company_month_uniq", "UNIQUE(company_id, month)", "One row per month."),
    ]

    def _open_at(self, company, day):
        """(receivable, not yet due) at the end of ``day``: the open items as
        of that day, so a payment received later does not count. The sum of
        the open items is the receivable balance: each reconciliation up to
        the day takes its amount off one debit and one credit item."""
        [(receivable, current)] = self.env.execute_query(
            SQL(
                """
            SELECT COALESCE(SUM(i.open_amount), 0),
                   COALESCE(SUM(i.open_amount) FILTER (
                       WHERE i.open_amount > 0
                         AND COALESCE(i.date_maturity, i.date) >= %s), 0)
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
        return float(receivable), float(current)

    def _monthly_sales(self, company, month_start, count=12):
        """[(month start, sales)] of the ``count`` months up to ``month_start``."""
        first = month_start - relativedelta(months=count - 1)
        rows = self.env.execute_query(
            SQL(
                """
            SELECT date_trunc('month', invoice_date)::date, SUM(amount_total_signed)
              FROM account_move
             WHERE company_id = %s AND state = 'posted'
               AND move_type IN ('out_invoice', 'out_refund')
               AND invoice_date >= %s
             GROUP BY 1
                """,
                company.id,
                first,
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
            receivable, current = self._open_at(company, today)
            receivable_start = self._open_at(company, start - timedelta(days=1))[0]
            monthly = [
                amount
                for _month, amount in reversed(self._monthly_sales(company, start))
            ]
        sales = monthly[0]
        days = period_days(today)
        days_so_far = days[0]
        dso = countback_days(receivable, list(zip(days, monthly, strict=True)))
        best = current / sales * days_so_far if sales > 0 else 0.0
        collectible = collectible_amount(receivable_start, sales, current)
        cei = (
            100.0 * (receivable_start + sales - receivable) / collectible
            if collectible > 0
            else 0.0
        )
        values = {
            "date_computed": today,
            "receivable": receivable,
            "receivable_start": receivable_start,
            "current_receivable": current,
            "sales": sales,
            "dso": dso,
            "best_dso": best,
            "days_delinquent": dso - best,
            "cei": cei,
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
        return row
