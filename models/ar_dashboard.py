"""The receivables dashboard's data: one call returns every card, chart and
list, each with the window action of the list it summarises. The figures are
computed over the same domains those actions open (``_read_group`` and
counts), so a card and its list always agree."""

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from . import aging, sql_tools

# The open items the money cards open: a list whose Open column sums to the
# card (Odoo's journal items list shows debit and credit instead).
OPEN_ITEMS_VIEWS = (
    ("account_receivable_management.account_move_line_view_list_ar_open", "list"),
    "form",
)


class ArDashboard(models.AbstractModel):
    _name = "ar.dashboard"
    _description = "Receivables Dashboard"

    @api.model
    def get_data(self):
        """Everything the dashboard shows, for the current company."""
        if not self.env.user.has_group(
            "account_receivable_management.group_ar_collector"
        ):
            raise AccessError(
                self.env._("The receivables dashboard is for credit controllers.")
            )
        company = self.env.company
        today = fields.Date.context_today(self)
        self.env.flush_all()
        with sql_tools.open_items_settings(self.env):
            cards = self._cards(company, today)
            aging_totals = self._aging(company, today)
        return {
            "company": company.name,
            "today": fields.Date.to_string(today),
            # amounts are formatted in the browser (formatCurrency)
            "currency_id": company.currency_id.id,
            "cards": cards,
            "aging": aging_totals,
            "top_risk": self._top_risk(company),
            "sliding": self._sliding(company, today),
            "forecast": self._forecast(company, today),
        }

    # ------------------------------------------------------------------
    # Domains of the lists the cards open
    # ------------------------------------------------------------------
    def _receivable_domain(self, company, today):
        """Open receivable items dated up to today: what the aging chart
        sums. By account ids, not ``account_type`` (a subquery): with the ids
        and ``reconciled = False``, PostgreSQL reads Odoo's index of
        unreconciled items instead of every item ever posted."""
        return [
            ("company_id", "=", company.id),
            ("date", "<=", fields.Date.to_string(today)),
            ("account_id", "in", aging.receivable_account_ids(self.env)),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("amount_residual", "!=", 0),
        ]

    def _owed_domain(self, company, today):
        """What customers owe: the open items in their debit, before the
        credits not yet applied (refunds, unapplied payments)."""
        return [
            *self._receivable_domain(company, today),
            ("amount_residual", ">", 0),
        ]

    def _credit_domain(self, company, today):
        """Credits not yet applied: credit notes and payments not matched to
        an invoice, the open items in the customers' favour."""
        return [
            *self._receivable_domain(company, today),
            ("amount_residual", "<", 0),
        ]

    def _overdue_domain(self, company, today):
        return [
            *self._owed_domain(company, today),
            ("date_maturity", "<", fields.Date.to_string(today)),
        ]

    def _hold_domain(self):
        return [("ar_credit_hold", "=", True)]

    def _broken_domain(self, company, today):
        return [
            ("company_id", "=", company.id),
            ("state", "=", "broken"),
            ("date_judged", ">=", fields.Date.to_string(today.replace(day=1))),
        ]

    def _sliding_domain(self, company, today):
        return [
            ("company_id", "=", company.id),
            ("date", ">=", fields.Date.to_string(today.replace(day=1))),
        ]

    def _forecast_domain(self, company, today):
        """The cash-in forecast's invoices predicted to be paid in the 13
        weeks from this week's Monday."""
        start = today - relativedelta(days=today.weekday())
        return [
            ("company_id", "=", company.id),
            ("predicted_date", ">=", fields.Date.to_string(start)),
            (
                "predicted_date",
                "<",
                fields.Date.to_string(start + relativedelta(weeks=13)),
            ),
        ]

    def _list(self, name, model, domain, views=("list", "form"), context=None):
        """An action opening ``model``'s records of ``domain``; a view given
        as (xml id, mode) in ``views`` is that view."""
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "domain": domain,
            "views": [
                (self.env.ref(view[0]).id, view[1])
                if isinstance(view, tuple)
                else (False, view)
                for view in views
            ],
            "context": context or {},
            "target": "current",
        }

    # ------------------------------------------------------------------
    # Parts
    # ------------------------------------------------------------------
    def _money_cards(self, company, today):
        """(receivable, owed, overdue): the three money cards in one pass over
        the open items of ``_receivable_domain`` (record rules applied), each
        the sum of its own list's domain (``_owed_domain``,
        ``_overdue_domain``: the receivable's plus a condition, checked in
        SQL below); three read groups read the open items three times."""
        query = self.env["account.move.line"]._search(
            self._receivable_domain(company, today)
        )
        line = SQL.identifier(query.table)
        [(receivable, owed, overdue)] = self.env.execute_query(
            query.select(
                SQL(
                    "SUM(%(open)s), SUM(%(open)s) FILTER (WHERE %(open)s > 0),"
                    " SUM(%(open)s) FILTER (WHERE %(open)s > 0"
                    " AND %(line)s.date_maturity < %(today)s)",
                    open=SQL("%s.amount_residual", line),
                    line=line,
                    today=today,
                )
            )
        )
        return (float(receivable or 0.0), float(owed or 0.0), float(overdue or 0.0))

    def _cards(self, company, today):
        receivable, owed, overdue = self._money_cards(company, today)
        kpi = self.env["ar.company.kpi"].search(
            [("company_id", "=", company.id), ("month", "=", today.replace(day=1))],
            limit=1,
        )
        kpi_action = self._list(
            self.env._("Receivables KPIs"),
            "ar.company.kpi",
            [("company_id", "=", company.id)],
            views=("list", "pivot", "graph"),
        )
        hold_action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_receivable_management.res_partner_action_ar_on_hold"
        )
        hold_action["domain"] = self._hold_domain()
        lines_context = {"search_default_group_by_partner": 1}
        return [
            {
                "key": "receivable",
                "label": self.env._("Total Receivable"),
                "value": receivable,
                "kind": "money",
                # the ledger's balance: what is owed less the credits
                "details": [
                    {"label": self.env._("owed"), "value": owed},
                    {
                        "label": self.env._("unapplied credits"),
                        "value": receivable - owed,
                    },
                ],
                "action": self._list(
                    self.env._("Open Receivables"),
                    "account.move.line",
                    self._receivable_domain(company, today),
                    views=OPEN_ITEMS_VIEWS,
                    context=lines_context,
                ),
            },
            {
                "key": "overdue",
                "label": self.env._("Overdue"),
                # a share of what is owed, before credits: credits are not due
                "value": 100.0 * overdue / owed if owed else None,
                "kind": "percent",
                "details": [
                    {"label": self.env._("overdue"), "value": overdue},
                    {"label": self.env._("of owed, before credits"), "value": owed},
                ],
                "action": self._list(
                    self.env._("Overdue Receivables"),
                    "account.move.line",
                    self._overdue_domain(company, today),
                    views=OPEN_ITEMS_VIEWS,
                    context=lines_context,
                ),
            },
            {
                "key": "dso",
                "label": self.env._("DSO"),
                "value": kpi.dso if kpi.dso_defined else None,
                "kind": "days",
                "action": kpi_action,
            },
            {
                "key": "best_dso",
                "label": self.env._("Best Possible DSO"),
                "value": kpi.best_dso if kpi.dso_defined else None,
                "kind": "days",
                "action": kpi_action,
            },
            {
                "key": "cei",
                "label": self.env._("CEI"),
                "value": kpi.cei if kpi.cei_defined else None,
                "kind": "percent",
                "action": kpi_action,
            },
            {
                "key": "on_hold",
                "label": self.env._("Customers on Hold"),
                "value": self.env["res.partner"].search_count(self._hold_domain()),
                "kind": "count",
                "action": hold_action,
            },
            self._dispute_card(company),
            {
                "key": "broken",
                "label": self.env._("Promises Broken This Month"),
                "value": self.env["ar.promise"].search_count(
                    self._broken_domain(company, today)
                ),
                "kind": "count",
                "action": self._list(
                    self.env._("Promises Broken This Month"),
                    "ar.promise",
                    self._broken_domain(company, today),
                ),
            },
        ]

    def _dispute_card(self, company):
        """The disputes running in ``company``: how many, and the amount they
        contest in the company currency (at each invoice's own rate)."""
        domain = [("company_id", "=", company.id), ("state", "in", ("open", "review"))]
        [(count, disputed)] = self.env.execute_query(
            SQL(
                """SELECT COUNT(*), COALESCE(SUM(
                          d.amount * ABS(m.amount_total_signed)
                          / NULLIF(m.amount_total, 0)), 0)
                     FROM ar_dispute d JOIN account_move m ON m.id = d.move_id
                    WHERE d.company_id = %s AND d.state IN ('open', 'review')""",
                company.id,
            )
        )
        return {
            "key": "disputes",
            "label": self.env._("Open Disputes"),
            "value": count,
            "kind": "count",
            "details": [{"label": self.env._("disputed"), "value": float(disputed)}],
            "action": self._list(self.env._("Open Disputes"), "ar.dispute", domain),
        }

    def _aging(self, company, today):
        """Open receivables today: what is owed by bucket of the company's
        policy, then the credits not yet applied on their own line (not aged:
        "Current" is what is owed and not yet due), then the total, which is
        the ledger's balance."""
        limits = company.sudo()._ar_ensure_policy()._aging_limits()
        labels = aging.bucket_labels(limits)
        items = aging.open_items_sql(
            company.id, today, aging.receivable_account_ids(self.env), today
        )
        days = SQL("(%s::date - COALESCE(i.date_maturity, i.date))", today)
        totals = dict(
            self.env.execute_query(
                SQL(
                    "SELECT %s, SUM(i.open_amount) FROM (%s) i GROUP BY 1",
                    aging.item_bucket_sql(days, SQL("i.open_amount"), limits),
                    items,
                )
            )
        )
        rows = [
            {"label": label, "value": float(totals.get(index) or 0.0), "kind": "bucket"}
            for index, label in enumerate(labels)
        ]
        credits = float(totals.get(aging.CREDITS) or 0.0)
        return [
            *rows,
            {
                "label": aging.CREDITS_LABEL,
                "value": credits,
                "kind": "credits",
            },
            {
                "label": self.env._("Total"),
                "value": sum(row["value"] for row in rows) + credits,
                "kind": "total",
            },
        ]

    def _top_risk(self, company):
        rows = self.env["ar.partner.metrics"].search(
            [("company_id", "=", company.id), ("open_amount", ">", 0)],
            order="risk_score desc, open_amount desc, id",
            limit=10,
        )
        return [
            {
                "partner_id": row.partner_id.id,
                "name": row.partner_id.display_name,
                "grade": row.risk_grade,
                "score": row.risk_score,
                "trend": row.trend_days,
                "open": row.open_amount,
                "overdue": row.overdue_amount,
            }
            for row in rows
        ]

    def _sliding(self, company, today):
        domain = self._sliding_domain(company, today)
        warnings = self.env["ar.risk.warning"].search(
            domain, order="date desc, id desc"
        )
        return {
            "count": len(warnings.partner_id),
            "rows": [
                {
                    "partner_id": warning.partner_id.id,
                    "name": warning.partner_id.display_name,
                    "message": warning.message,
                    "date": fields.Date.to_string(warning.date),
                }
                for warning in warnings[:10]
            ],
            "action": self._list(
                self.env._("Customers Sliding This Month"), "ar.risk.warning", domain
            ),
        }

    def _forecast(self, company, today):
        """Open invoices by predicted pay week, 13 weeks from this one."""
        domain = self._forecast_domain(company, today)
        groups = self.env["ar.cash.forecast"]._read_group(
            domain, ["week:day"], ["amount:sum"]
        )
        # Weeks from Monday, whatever the language's first day of the week.
        start = today - relativedelta(days=today.weekday())
        totals = [0.0] * 13
        for week, amount in groups:
            totals[(fields.Date.to_date(week) - start).days // 7] += amount
        weeks = [
            {
                "week": fields.Date.to_string(start + relativedelta(weeks=index)),
                "value": total,
            }
            for index, total in enumerate(totals)
        ]
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_receivable_management.ar_cash_forecast_action"
        )
        action["domain"] = domain
        return {"weeks": weeks, "action": action}
