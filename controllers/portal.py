"""The customer's side, in Odoo's portal (``/my``): its account (open items
aged as on its statement of account, what is overdue, credits not yet
applied), its statement as a PDF, paying what is overdue through Odoo's own
payment page, promising to pay, and disputing an invoice. Every form is a
POST with Odoo's CSRF token; every id it sends is checked against the
user's own commercial entity (``account.move._ar_portal_invoices``), and a
refusal writes nothing and says what to fix."""

from urllib.parse import urlencode

from odoo import fields, http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from ..models.account_move import OPEN_INVOICE_DOMAIN

# Open invoices per page of the account page: it stays quick for a customer
# with thousands (bench/README.md, portal).
PAGE_SIZE = 80
STATEMENT = "report.account_receivable_management.ar_statement"


class ArCustomerPortal(CustomerPortal):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "ar_open_count" in counters:
            customer = request.env.user.partner_id.commercial_partner_id
            values["ar_open_count"] = self._ar_open_count(customer)
        return values

    # ------------------------------------------------------------------
    def _ar_customer(self):
        return request.env.user.partner_id.commercial_partner_id

    def _ar_companies(self):
        return request.env.user.company_ids

    def _ar_open_domain(self, customer):
        return [
            *OPEN_INVOICE_DOMAIN,
            ("commercial_partner_id", "=", customer.id),
            ("company_id", "in", self._ar_companies().ids),
        ]

    def _ar_open_count(self, customer):
        return (
            request.env["account.move"]
            .sudo()
            .search_count(self._ar_open_domain(customer))
        )

    def _ar_account_values(self, page=1, **kw):
        customer = self._ar_customer()
        today = fields.Date.context_today(request.env.user)
        Move = request.env["account.move"].sudo()
        domain = self._ar_open_domain(customer)
        pager = portal_pager(
            url="/my/receivables",
            total=Move.search_count(domain),
            page=page,
            step=PAGE_SIZE,
        )
        invoices = Move.search(
            domain,
            order="invoice_date_due, name, id",
            limit=PAGE_SIZE,
            offset=pager["offset"],
        )
        overdue_count = Move.search_count(
            [*domain, ("invoice_date_due", "<", today)], limit=1
        )
        disputed = set(
            request.env["ar.dispute"]
            .sudo()
            .search(
                [("move_id", "in", invoices.ids), ("state", "in", ("open", "review"))]
            )
            .move_id.ids
        )
        promised = set(
            request.env["ar.promise"]
            .sudo()
            .search([("invoice_ids", "in", invoices.ids), ("state", "=", "open")])
            .invoice_ids.ids
        )
        sections = []
        for company in self._ar_companies():
            for section in (
                request.env[STATEMENT]
                .sudo()
                .with_company(company)
                ._statement(customer, company, today)
            ):
                sections.append({**section, "company": company})
        reasons = request.env["ar.dispute.reason"].sudo().search([])
        return {
            "page_name": "ar_account",
            "customer": customer,
            "today": today,
            "sections": sections,
            "invoices": invoices,
            "pager": pager,
            "overdue": overdue_count,
            "disputed": disputed,
            "promised": promised,
            "reasons": reasons,
            "disputes": request.env["ar.dispute"]
            .sudo()
            .search([("partner_id", "=", customer.id)], limit=20),
            "message": kw.get("message"),
            "error": kw.get("error"),
        }

    def _ar_back(self, **params):
        return request.redirect("/my/receivables?" + urlencode(params))

    def _ar_submit(self, do, then=None):
        """Run what a portal form asks (``do``): back to the account page with
        its message (or ``then`` of its result); refused, with the refusal
        and nothing written."""
        try:
            result = do()
        except (UserError, ValidationError) as error:
            request.env.cr.rollback()
            return self._ar_back(error=error.args[0])
        return then(result) if then else self._ar_back(message=result)

    # ------------------------------------------------------------------
    @http.route(
        ["/my/receivables", "/my/receivables/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def ar_account(self, page=1, **kw):
        return request.render(
            "account_receivable_management.portal_my_account",
            self._ar_account_values(page=page, **kw),
        )

    @http.route("/my/receivables/statement", type="http", auth="user", website=True)
    def ar_statement(self, **kw):
        customer = self._ar_customer()
        company = request.env.company
        pdf, _type = (
            request.env["ir.actions.report"]
            .sudo()
            .with_company(company)
            ._render_qweb_pdf(
                "account_receivable_management.ar_statement_report_action",
                customer.ids,
            )
        )
        name = f"Statement of Account - {customer.name}.pdf".replace("/", "_")
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", http.content_disposition(name)),
            ],
        )

    @http.route(
        "/my/receivables/promise",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def ar_promise(self, amount=None, promised_date=None, **kw):
        ids = request.httprequest.form.getlist("invoice_ids")
        return self._ar_submit(
            lambda: request.env["ar.promise"]._ar_portal_promise(
                self._ar_customer(), ids, amount, promised_date
            )[1]
        )

    @http.route(
        "/my/receivables/plan",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def ar_plan_request(self, **kw):
        ids = request.httprequest.form.getlist("invoice_ids")

        def ask():
            request.env["ar.payment.plan"]._ar_portal_request(
                self._ar_customer(), ids, kw
            )
            return request.env._(
                "Thank you: your request for a payment plan went to your contact "
                "in our credit team, who will come back to you with a schedule."
            )

        return self._ar_submit(ask)

    @http.route(
        "/my/receivables/dispute",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def ar_dispute(
        self, invoice_id=None, amount=None, reason_id=None, message=None, **kw
    ):
        return self._ar_submit(
            lambda: request.env["ar.dispute"]._ar_portal_open(
                self._ar_customer(), invoice_id, amount, reason_id, message
            ),
            then=lambda dispute: request.redirect(dispute.access_url),
        )

    def _ar_own_dispute(self, dispute_id):
        """The dispute if it is the user's own entity's, else None."""
        return (
            request.env["ar.dispute"]
            .sudo()
            .search(
                [("id", "=", dispute_id), ("partner_id", "=", self._ar_customer().id)]
            )
        ) or None

    @http.route("/my/disputes/<int:dispute_id>", type="http", auth="user", website=True)
    def ar_dispute_page(self, dispute_id, **kw):
        dispute = self._ar_own_dispute(dispute_id)
        if not dispute:
            return request.redirect("/my/receivables")
        return request.render(
            "account_receivable_management.portal_my_dispute",
            {
                "page_name": "ar_dispute",
                "dispute": dispute.sudo(),
                "error": kw.get("error"),
            },
        )

    @http.route(
        "/my/disputes/<int:dispute_id>/withdraw",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def ar_dispute_withdraw(self, dispute_id, **kw):
        dispute = self._ar_own_dispute(dispute_id)
        if not dispute:
            return request.redirect("/my/receivables")
        try:
            dispute._ar_portal_withdraw()
        except (UserError, ValidationError) as error:
            request.env.cr.rollback()
            return request.redirect(
                f"/my/disputes/{dispute_id}?" + urlencode({"error": error.args[0]})
            )
        return request.redirect(f"/my/disputes/{dispute_id}")
