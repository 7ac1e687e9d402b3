"""The outstanding statement of account: a customer's open items as of a day,
aged in the buckets of the company's policy, one section per currency.

The items are the aged receivables report's (``aging.open_items_sql``: the
open amount at the end of the day, from the reconciliation dates), of the
customer and its contacts, so a statement's company-currency section equals
that report's rows for the customer to the cent. Credits not yet applied are
listed and totalled apart, as in the report. A section in a foreign currency
shows the items' own amounts.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from . import aging


class ArStatementReport(models.AbstractModel):
    _name = "report.account_receivable_management.ar_statement"
    _description = "Statement of Account"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        company = self.env.company
        day = fields.Date.to_date(data.get("date")) or fields.Date.context_today(self)
        if day > fields.Date.context_today(self):
            raise UserError(
                self.env._(
                    "A statement is as of today or a past day, not %(day)s.", day=day
                )
            )
        partners = self.env["res.partner"].browse(docids).commercial_partner_id
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "statement_date": day,
            "statements": {
                partner.id: self._statement(partner, company, day)
                for partner in partners
            },
        }

    @api.model
    def _statement(self, partner, company, day):
        """[{currency, labels, rows, buckets, credits, total}] of ``partner``:
        a section per currency of its open items as of ``day``."""
        limits = company.sudo()._ar_ensure_policy()._aging_limits()
        labels = aging.bucket_labels(limits)
        contacts = (
            self.env["res.partner"]
            .with_context(active_test=False)
            .sudo()
            .search([("commercial_partner_id", "=", partner.id)])
        )
        self.env.flush_all()
        items = aging.open_items_sql(
            company.id,
            day,
            aging.receivable_account_ids(self.env),
            fields.Date.context_today(self),
            partner_ids=contacts.ids,
        )
        days = SQL("(%s::date - COALESCE(i.date_maturity, i.date))", day)
        foreign = SQL("i.currency_id != %s", company.currency_id.id)
        rows = self.env.execute_query(
            SQL(
                """
            SELECT CASE WHEN %(foreign)s THEN i.currency_id ELSE %(company_currency)s
                   END AS currency_id,
                   i.move_name, COALESCE(i.invoice_date, i.date),
                   COALESCE(i.date_maturity, i.date), %(days)s,
                   %(bucket)s,
                   CASE WHEN %(foreign)s THEN i.open_amount_currency
                        ELSE i.open_amount END
              FROM (%(items)s) i
             ORDER BY 1, 4, 2
                """,
                foreign=foreign,
                company_currency=company.currency_id.id,
                days=days,
                bucket=aging.item_bucket_sql(days, SQL("i.open_amount"), limits),
                items=items,
            )
        )
        sections = {}
        for currency_id, name, date, due, late, bucket, amount in rows:
            currency = self.env["res.currency"].browse(currency_id)
            section = sections.setdefault(
                currency_id,
                {
                    "currency": currency,
                    "labels": labels,
                    "rows": [],
                    "buckets": [0.0] * len(labels),
                    "credits": 0.0,
                    "total": 0.0,
                },
            )
            amount = float(amount)
            credit = bucket == aging.CREDITS
            section["rows"].append(
                {
                    "name": name,
                    "date": date,
                    "due": due,
                    "days": late,
                    "bucket": aging.CREDITS_LABEL if credit else labels[bucket],
                    "amount": amount,
                }
            )
            if credit:
                section["credits"] += amount
            else:
                section["buckets"][bucket] += amount
            section["total"] += amount
        return list(sections.values())
