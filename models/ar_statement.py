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
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from . import aging
from .access import ACCOUNTING_GROUPS


def statement_day(report, data):
    """The day a statement is as of (``data["date"]``, today by default): a
    past day or today, else a UserError."""
    today = fields.Date.context_today(report)
    day = fields.Date.to_date(data.get("date")) or today
    if day > today:
        raise UserError(
            report.env._(
                "A statement is as of today or a past day, not %(day)s.", day=day
            )
        )
    return day


def statement_period(report, data):
    """(first day, last day) of an activity statement: ``data["date_from"]``
    (the first of the month by default) to ``statement_day``; a UserError when
    it starts after it ends."""
    date_to = statement_day(report, data)
    date_from = fields.Date.to_date(data.get("date_from")) or date_to.replace(day=1)
    if date_from > date_to:
        raise UserError(
            report.env._(
                "The period starts on %(start)s, after its end %(end)s: choose a "
                "start on or before the end.",
                start=date_from,
                end=date_to,
            )
        )
    return date_from, date_to


def statement_customers(report, docids):
    """The customers (commercial partners) of ``docids`` a statement may show
    the current user: their receivable items are what the customer's exposure
    figures are made of, accounting users' and the credit team's to read.
    The report's print menu (``groups_id``) is no such check: Odoo renders a
    report for anyone who asks ``/report/pdf/...`` by name. The portal prints
    its customer's own statement as the system."""
    partners = report.env["res.partner"].browse(docids)
    if not report.env.su:
        if not report.env.user.has_groups(ACCOUNTING_GROUPS):
            raise AccessError(
                report.env._(
                    "Only accounting users and the credit team can print a "
                    "customer's statement."
                )
            )
        partners.check_access("read")
    return partners.commercial_partner_id


def statement_contacts(env, partner):
    """``partner`` and its contacts, archived ones too: an item keeps the
    contact it was posted for, and a statement lists them all."""
    return (
        env["res.partner"]
        .with_context(active_test=False)
        .sudo()
        .search([("commercial_partner_id", "=", partner.id)])
    )


class ArStatementReport(models.AbstractModel):
    _name = "report.account_receivable_management.ar_statement"
    _description = "Statement of Account"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        company = self.env.company
        partners = statement_customers(self, docids)
        day = statement_day(self, data)
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
        contacts = statement_contacts(self.env, partner)
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


class ArActivityStatementReport(models.AbstractModel):
    """The activity statement: per currency, the balance at the start of a
    period, every posted receivable item of the period (invoices, payments,
    credit notes, other entries) with the running balance, and the balance at
    its end, of the customer and its contacts. The company-currency section's
    closing balance is the ledger's: the outstanding statement's total of the
    same day."""

    _name = "report.account_receivable_management.ar_activity_statement"
    _description = "Activity Statement"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        company = self.env.company
        partners = statement_customers(self, docids)
        date_from, date_to = statement_period(self, data)
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "date_from": date_from,
            "date_to": date_to,
            "statements": {
                partner.id: self._statement(partner, company, date_from, date_to)
                for partner in partners
            },
        }

    @api.model
    def _statement(self, partner, company, date_from, date_to):
        """[{currency, opening, rows, invoiced, paid, credited, other,
        closing}] of ``partner``: a section per currency with a balance or
        an item in the period."""
        contacts = statement_contacts(self.env, partner)
        self.env.flush_all()
        amount = SQL(
            "CASE WHEN l.currency_id != %(cc)s THEN l.amount_currency "
            "ELSE l.balance END",
            cc=company.currency_id.id,
        )
        currency = SQL(
            "CASE WHEN l.currency_id != %(cc)s THEN l.currency_id ELSE %(cc)s END",
            cc=company.currency_id.id,
        )
        where = SQL(
            "l.partner_id = ANY(%s) AND l.company_id = %s AND l.account_id = ANY(%s)"
            " AND l.parent_state = 'posted'",
            contacts.ids,
            company.id,
            aging.receivable_account_ids(self.env),
        )
        openings = dict(
            self.env.execute_query(
                SQL(
                    "SELECT %s, SUM(%s) FROM account_move_line l"
                    " WHERE %s AND l.date < %s GROUP BY 1",
                    currency,
                    amount,
                    where,
                    date_from,
                )
            )
        )
        rows = self.env.execute_query(
            SQL(
                """
            SELECT %(currency)s, l.date, m.name, m.move_type,
                   m.origin_payment_id IS NOT NULL OR l.payment_id IS NOT NULL
                       OR j.type IN ('bank', 'cash'),
                   COALESCE(NULLIF(m.ref, ''), l.name, ''),
                   l.date_maturity, %(amount)s
              FROM account_move_line l
              JOIN account_move m ON m.id = l.move_id
              JOIN account_journal j ON j.id = l.journal_id
             WHERE %(where)s AND l.date BETWEEN %(start)s AND %(end)s
             ORDER BY 1, l.date, m.name, l.id
                """,
                currency=currency,
                amount=amount,
                where=where,
                start=date_from,
                end=date_to,
            )
        )
        kinds = {
            "out_invoice": ("invoiced", self.env._("Invoice")),
            "out_refund": ("credited", self.env._("Credit Note")),
        }
        sections = {}

        def section(currency_id):
            opening = float(openings.get(currency_id) or 0.0)
            return sections.setdefault(
                currency_id,
                {
                    "currency": self.env["res.currency"].browse(currency_id),
                    "opening": opening,
                    "rows": [],
                    "invoiced": 0.0,
                    "paid": 0.0,
                    "credited": 0.0,
                    "other": 0.0,
                    "closing": opening,
                },
            )

        for currency_id, day, name, move_type, is_payment, ref, due, value in rows:
            current = section(currency_id)
            value = float(value)
            key, label = kinds.get(move_type) or (
                ("paid", self.env._("Payment"))
                if is_payment
                else ("other", self.env._("Entry"))
            )
            current[key] += value
            current["closing"] += value
            current["rows"].append(
                {
                    "date": day,
                    "name": name,
                    "kind": label,
                    "ref": ref if ref != name else "",
                    "due": due if key == "invoiced" else False,
                    "debit": value if value > 0 else 0.0,
                    "credit": -value if value < 0 else 0.0,
                    "balance": current["closing"],
                }
            )
        for currency_id, opening in openings.items():
            if (
                not self.env["res.currency"]
                .browse(currency_id)
                .is_zero(float(opening or 0.0))
            ):
                section(currency_id)
        return sorted(
            sections.values(),
            key=lambda s: (s["currency"] != company.currency_id, s["currency"].name),
        )
