"""The customer payment history workbook (``reports/payment_history.py``),
from the customer's Credit & Collections tab and from Customer Risk."""

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount

from ..reports import payment_history
from ..reports.xlsx_export import download_action
from .access import require_collector, require_company

# Customers per workbook: a sheet and a chart each.
MAX_CUSTOMERS = 2000

# The invoices of the lookback window with their paid facts, as the nightly
# metrics read them (``BEHAVIOUR_SQL``): paid = settled, reconciled in the
# window, and paid something by payments; days weighted by the amount paid.
# In the order of the sheets' rows: by customer, invoice date and number.
INVOICES_SQL = """
SELECT m.commercial_partner_id, m.name, m.invoice_date, m.invoice_date_due,
       m.amount_total_signed,
       CASE WHEN m.amount_total_signed < %(band1)s THEN 1
            WHEN m.amount_total_signed < %(band2)s THEN 2 ELSE 3 END,
       m.payment_state IN ('paid', 'in_payment')
           AND m.ar_last_reconciled IS NOT NULL
           AND COALESCE(m.ar_paid_amount, 0) > 0,
       m.ar_paid_date, m.ar_paid_amount, m.ar_paid_days_weighted,
       m.ar_late_days_weighted, m.amount_residual_signed
  FROM account_move m
 WHERE m.company_id = %(company)s AND m.move_type = 'out_invoice'
   AND m.state = 'posted' AND m.commercial_partner_id = ANY(%(partners)s)
   AND m.invoice_date >= %(since)s AND m.invoice_date <= %(today)s
 ORDER BY m.commercial_partner_id, m.invoice_date, m.name, m.id
"""


class ArPartnerMetricsPaymentHistory(models.Model):
    _inherit = "ar.partner.metrics"

    def action_export_payment_history_xlsx(self):
        """*Payment History (Excel)* of the selected customers."""
        if not self:
            raise UserError(self.env._("Select the customers to put in the workbook."))
        if len(self.company_id) > 1:
            raise UserError(
                self.env._(
                    "Select the customers of one company: a workbook's amounts are "
                    "in one company's currency."
                )
            )
        return self.env["res.partner"]._ar_payment_history_action(
            self.partner_id, self.company_id
        )


class ResPartnerPaymentHistory(models.Model):
    _inherit = "res.partner"

    def action_ar_payment_history_xlsx(self):
        """The customer's payment history workbook, in the current company."""
        self.ensure_one()
        return self._ar_payment_history_action(
            self.commercial_partner_id, self.env.company
        )

    def _ar_payment_history_action(self, partners, company):
        require_collector(self.env, self.env._("export payment histories"))
        partners = partners.commercial_partner_id
        partners.check_access("read")
        require_company(self.env, company, self.env._("export payment histories"))
        if len(partners) > MAX_CUSTOMERS:
            raise UserError(
                self.env._(
                    "%(count)s customers selected: a workbook holds at most %(max)s "
                    "(a sheet and a chart each). Filter the list, for instance by "
                    "collector or grade.",
                    count=len(partners),
                    max=MAX_CUSTOMERS,
                )
            )
        today = fields.Date.context_today(self)
        name = (
            f"payment_history_{partners.name}_{today}.xlsx"
            if len(partners) == 1
            else f"payment_history_{len(partners)}_customers_{today}.xlsx"
        )
        content = self._ar_payment_history_xlsx(partners, company, today)
        return download_action(self.env, name.replace("/", "-"), content)

    def _ar_payment_history_xlsx(self, partners, company, today):
        """The workbook's bytes: one SQL query, pandas for the series."""
        policy = company.sudo()._ar_ensure_policy()
        since = fields.Date.subtract(today, months=policy.metrics_lookback_months)
        currency = company.currency_id
        self.env.flush_all()
        # the user may read these customers (checked): their invoices are
        # read as the metrics read them, whatever the user's invoice rights
        rows = self.env.execute_query(
            SQL(
                INVOICES_SQL,
                company=company.id,
                partners=partners.ids,
                since=since,
                today=today,
                band1=policy.band_small_limit,
                band2=policy.band_large_limit,
            )
        )
        frame = payment_history.invoices_frame(rows)
        series = payment_history.monthly_series(frame)
        # commercial entities: their display name is their name (read alone:
        # not every column of a thousand partners)
        partners.fetch(["name"])
        customers = [
            (partner.id, partner.name)
            for partner in partners.sorted(lambda p: (p.name or "", p.id))
        ]
        header = [
            self.env._(
                "%(company)s, amounts in %(currency)s",
                company=company.name,
                currency=currency.name,
            ),
            self.env._(
                "Invoices of %(since)s to %(today)s; days weighted by the amount paid, "
                "as the nightly metrics weigh them",
                since=since.isoformat(),
                today=today.isoformat(),
            ),
            self.env._(
                "Size: small below %(small)s, large from %(large)s",
                small=format_amount(self.env, policy.band_small_limit, currency),
                large=format_amount(self.env, policy.band_large_limit, currency),
            ),
        ]
        return payment_history.workbook(
            customers,
            frame,
            series,
            header,
            self._ar_payment_history_labels(),
            currency,
        )

    def _ar_payment_history_labels(self):
        return {
            "Invoice": self.env._("Invoice"),
            "Invoice Date": self.env._("Invoice Date"),
            "Due Date": self.env._("Due Date"),
            "Amount": self.env._("Amount"),
            "Size": self.env._("Size"),
            "Paid On": self.env._("Paid On"),
            "Days to Pay": self.env._("Days to Pay"),
            "Days Late": self.env._("Days Late"),
            "Still Open": self.env._("Still Open"),
            "Month Paid": self.env._("Month Paid"),
            "Paid": self.env._("Paid"),
            "Days Late, 3 Months": self.env._("Days Late, 3 Months"),
            "Days Late, Small": self.env._("Days Late, Small"),
            "Days Late, Medium": self.env._("Days Late, Medium"),
            "Days Late, Large": self.env._("Days Late, Large"),
            "Small": self.env._("Small"),
            "Medium": self.env._("Medium"),
            "Large": self.env._("Large"),
            "Days late": self.env._("Days late"),
            "Days late by month of payment": self.env._(
                "Days late by month of payment"
            ),
        }
