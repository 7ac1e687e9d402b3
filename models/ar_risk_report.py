"""The risk report: the customer risk list's filters, and its Excel export."""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import split_every

from ..reports import xlsx_export


class ArPartnerMetricsRiskReport(models.Model):
    _inherit = "ar.partner.metrics"

    collector_id = fields.Many2one(
        "res.users",
        compute="_compute_partner_credit_state",
        search="_search_collector_id",
    )
    on_hold = fields.Boolean(
        string="On Credit Hold",
        compute="_compute_partner_credit_state",
        search="_search_on_hold",
    )

    @api.depends_context("company")
    def _compute_partner_credit_state(self):
        for company, rows in self.grouped("company_id").items():
            for row in rows:
                partner = row.partner_id.with_company(company)
                row.collector_id = partner.ar_collector_id
                row.on_hold = partner.ar_credit_hold

    def _search_collector_id(self, operator, value):
        return [("partner_id.ar_collector_id", operator, value)]

    def _search_on_hold(self, operator, value):
        return [("partner_id.ar_credit_hold", operator, value)]

    def action_export_risk_xlsx(self):
        """Download the risk report of these rows (the list's selection)."""
        if not self:
            raise UserError(self.env._("Select the customers to put in the report."))
        return xlsx_export.download_action(
            self.env,
            f"risk_report_{fields.Date.context_today(self)}.xlsx",
            self._risk_xlsx(),
        )

    def _risk_rows(self):
        """One dict per row for ``xlsx_export.risk_workbook``, read company by
        company (exposure and hold are per company), in the list's order.

        The credit columns (limit, exposure, hold, open, overdue, oldest
        overdue) are read from the ledger now, as the customer's tab shows
        them; the assessment (grade, score, behaviour, why) is the nightly
        run's, with the day it was computed: each column has one source, and
        the workbook says which."""
        values = {}
        for company, rows in self.grouped("company_id").items():
            for row in rows:
                # in the rows' prefetch: the figures computed for all at once
                partner = row.partner_id.with_company(company)
                values[row.id] = {
                    "customer": partner.display_name,
                    "company": company.name,
                    "currency": company.currency_id,
                    "collector": partner.ar_collector_id.name,
                    "credit_limit": partner.ar_credit_limit or None,
                    "exposure": partner.ar_exposure,
                    "on_hold": self.env._("Yes") if partner.ar_credit_hold else "",
                    "open": partner.ar_receivable,
                    "overdue": partner.ar_overdue_amount,
                    "oldest_overdue_days": partner.ar_overdue_days,
                    "date_computed": row.date_computed,
                    "grade": row.risk_grade,
                    "score": row.risk_score,
                    "avg_days_to_pay": row.avg_days_to_pay,
                    "avg_days_late": row.avg_days_late,
                    "on_time_share": row.on_time_share,
                    "trend_days": row.trend_days,
                    "dso": row.dso,
                    "explanation": row.risk_explanation,
                }
        return [values[row.id] for row in self]

    def _risk_xlsx(self):
        companies = ", ".join(self.company_id.mapped("name"))
        computed = [day for day in self.mapped("date_computed") if day]
        header = [
            self.env._("Customer Risk"),
            self.env._("%(companies)s", companies=companies or "-"),
            self.env._(
                "Credit figures from the ledger at %(now)s; assessment from the "
                "nightly run of %(day)s",
                now=fields.Datetime.context_timestamp(
                    self, fields.Datetime.now()
                ).strftime("%Y-%m-%d %H:%M"),
                day=max(computed).isoformat() if computed else "-",
            ),
            self.env._("%(count)s customers", count=len(self)),
        ]
        rows = []
        for ids in split_every(2000, self.ids, list):
            rows += self.browse(ids)._risk_rows()
        return xlsx_export.risk_workbook(self.env, rows, header)
