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
        company (exposure and hold are per company), in the list's order."""
        values = {}
        for company, rows in self.grouped("company_id").items():
            partners = rows.partner_id.with_company(company)
            exposure = dict(
                zip(partners.ids, partners.mapped("ar_exposure"), strict=True)
            )
            for row in rows:
                partner = row.partner_id.with_company(company)
                values[row.id] = {
                    "customer": partner.display_name,
                    "company": company.name,
                    "currency": company.currency_id,
                    "collector": partner.ar_collector_id.name,
                    "grade": row.risk_grade,
                    "score": row.risk_score,
                    "credit_limit": partner.credit_limit,
                    "exposure": exposure.get(partner.id, 0.0),
                    "on_hold": self.env._("Yes") if partner.ar_credit_hold else "",
                    "open": row.open_amount,
                    "overdue": row.overdue_amount,
                    "oldest_overdue_days": row.oldest_overdue_days,
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
                "Metrics as of %(day)s",
                day=max(computed).isoformat() if computed else "-",
            ),
            self.env._("%(count)s customers", count=len(self)),
        ]
        rows = []
        for ids in split_every(2000, self.ids, list):
            rows += self.browse(ids)._risk_rows()
        return xlsx_export.risk_workbook(self.env, rows, header)
