from odoo import api, fields, models
from odoo.tools import SQL

from .ar_partner_exposure import company_tree_sql, members_sql
from .credit_rules import CreditFigures


class ArCreditFigures(models.AbstractModel):
    """Gathers what the credit rules judge: each customer's ``CreditFigures``
    in one company. The open items come from their cache
    (``ar.partner.exposure``); what changes otherwise (orders, drafts, the
    limit, the grade) is read fresh, one query each for all the customers."""

    _name = "ar.credit.figures"
    _description = "Customer Credit Figures"

    @api.model
    def _of(
        self,
        partners,
        company,
        today=None,
        recompute=False,
        for_rules=False,
        rules_of=None,
    ):
        """{commercial partner id: CreditFigures} of ``partners`` in ``company``.

        ``recompute`` recomputes the open items instead of trusting today's
        cache. ``for_rules`` leaves out the amount to invoice where the limit
        rule cannot apply. ``rules_of`` are the partners' rules when the caller
        has them already."""
        partner_ids = [pid for pid in partners.ids if pid]
        if not partner_ids:
            return {}
        today = today or fields.Date.context_today(self)
        partners = partners.browse(partner_ids).sudo().with_company(company)
        open_items = (
            self.env["ar.partner.exposure"]
            .sudo()
            ._open_items(company, today, partner_ids, recompute=recompute)
        )
        # The limit only: reading it alone would prefetch every column of
        # res.partner.
        partners.fetch(["credit_limit"])
        limits = {p.id: p.credit_limit for p in partners}
        rules_of = rules_of or partners._ar_rules(company)
        limited = partner_ids
        if for_rules:
            limited = [
                pid
                for pid in partner_ids
                if limits[pid] > 0
                and rules_of[pid].use_credit_limit
                and rules_of[pid].block_on_limit
            ]
        to_invoice = self._to_invoice(company, limited)
        drafts = self._draft_invoiced(
            company,
            [pid for pid in partner_ids if rules_of[pid].include_draft_invoices],
        )
        grades = self._grades(company, partner_ids)
        return {
            pid: CreditFigures.of(
                open_items[pid],
                to_invoice=to_invoice.get(pid, 0.0),
                draft_invoiced=drafts.get(pid, 0.0),
                credit_limit=limits[pid] or 0.0,
                risk_grade=grades.get(pid) or None,
            )
            for pid in partner_ids
        }

    @api.model
    def _to_invoice(self, company, partner_ids):
        """{partner id: what the confirmed orders these customers pay for still
        have to invoice}, in company currency, taxes included: the orders'
        stored ``ar_amount_to_invoice`` (see ``sale.order``), summed through a
        partial index of the orders that have some."""
        if not partner_ids:
            return {}
        self.env["sale.order"].flush_model(
            ["ar_amount_to_invoice", "ar_payer_id", "company_id"]
        )
        rows = self.env.execute_query(
            SQL(
                """
            SELECT ar_payer_id, SUM(ar_amount_to_invoice)
              FROM sale_order
             WHERE ar_amount_to_invoice != 0
               AND ar_payer_id = ANY(%(partners)s)
               AND company_id IN (%(companies)s)
          GROUP BY ar_payer_id
            """,
                partners=list(partner_ids),
                companies=company_tree_sql(company),
            )
        )
        return dict(rows)

    @api.model
    def _draft_invoiced(self, company, partner_ids):
        """{partner id: draft customer invoices and refunds not created from a
        sales order} (those are still left to invoice on their orders)."""
        if not partner_ids:
            return {}
        self.env["account.move"].flush_model(["move_type", "state"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        rows = self.env.execute_query(
            SQL(
                """
            SELECT rp.commercial_partner_id, SUM(aml.balance)
              FROM account_move_line aml
              JOIN account_account acc ON acc.id = aml.account_id
              JOIN account_move move ON move.id = aml.move_id
              JOIN res_partner rp ON rp.id = aml.partner_id
             WHERE acc.account_type = 'asset_receivable'
               AND aml.partner_id IN (%(members)s)
               AND aml.company_id IN (%(companies)s)
               AND aml.parent_state = 'draft'
               AND move.move_type IN ('out_invoice', 'out_refund')
               AND NOT EXISTS (
                   SELECT 1
                     FROM account_move_line src
                     JOIN sale_order_line_invoice_rel rel
                       ON rel.invoice_line_id = src.id
                    WHERE src.move_id = move.id)
          GROUP BY rp.commercial_partner_id
            """,
                members=members_sql(partner_ids),
                companies=company_tree_sql(company),
            )
        )
        return dict(rows)

    @api.model
    def _grades(self, company, partner_ids):
        """{partner id: risk grade} from the last metrics run."""
        self.env["ar.partner.metrics"].flush_model(["risk_grade"])
        return dict(
            self.env.execute_query(
                SQL(
                    "SELECT partner_id, risk_grade FROM ar_partner_metrics"
                    " WHERE partner_id = ANY(%s) AND company_id = %s",
                    partner_ids,
                    company.id,
                )
            )
        )
