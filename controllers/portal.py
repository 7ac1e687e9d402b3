"""The customer's side, in Odoo's portal (``/my``): its account (open items
aged as on its statement of account, what is overdue, credits not yet
applied), its statement as a PDF, paying the invoices it ticks, all overdue
ones or its plan's next installment online through Odoo's payment providers
in one transaction, promising to pay, and disputing an invoice. Every form is a
POST with Odoo's CSRF token; every id it sends is checked against the
user's own commercial entity (``account.move._ar_portal_invoices``), and a
refusal writes nothing and says what to fix."""

import json
from urllib.parse import urlencode

from odoo import Command, fields, http
from odoo.addons.account_payment.controllers.portal import PortalAccount
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.exceptions import UserError, ValidationError
from odoo.http import request
from odoo.tools import consteq
from odoo.tools.misc import hmac

from ..models.account_move import OPEN_INVOICE_DOMAIN

# Open invoices per page of the account page: it stays quick for a customer
# with thousands (bench/README.md, portal).
PAGE_SIZE = 80
STATEMENT = "report.account_receivable_management.ar_statement"
# What a page says after a form (``message``, ``error``) travels in its URL,
# signed for the user: a link made elsewhere cannot put its own words in the
# company's colours on the customer's page.
NOTICE_SCOPE = "account_receivable_management.portal_notice"
NOTICES = ("message", "error")


class ArCustomerPortal(PortalAccount):
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
        plans = request.env["ar.payment.plan"]._ar_portal_plans(customer)
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
            "plans": plans,
            "disputes": request.env["ar.dispute"]
            .sudo()
            .search(self._ar_dispute_domain(customer), limit=20),
            **self._ar_notice(kw),
        }

    def _ar_notice_signature(self, notice):
        text = json.dumps([request.env.uid, sorted(notice.items())])
        return hmac(request.env(su=True), NOTICE_SCOPE, text)

    def _ar_notice_url(self, path, **notice):
        """``path`` with ``notice`` ({message or error: text}) and its
        signature in its query."""
        query = {**notice, "signature": self._ar_notice_signature(notice)}
        return f"{path}?{urlencode(query)}"

    def _ar_notice(self, kw):
        """{message, error} of a page's query, when signed for this user by
        ``_ar_notice_url``; nothing otherwise."""
        notice = {key: kw[key] for key in NOTICES if kw.get(key)}
        signature = kw.get("signature") or ""
        if notice and consteq(signature, self._ar_notice_signature(notice)):
            return notice
        return {}

    def _ar_back(self, **notice):
        return request.redirect(self._ar_notice_url("/my/receivables", **notice))

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

    # ------------------------------------------------------------------
    # Paying online: what a payment pays is named by a key the server reads
    # again when the transaction is made (``overdue``, ``invoices-7-9``,
    # ``plan-3``), never by amounts or references the browser sends.
    def _ar_payment(self, what):
        """What the payment ``what`` pays, checked against the user's own
        entity: {invoices, amount, currency, company, reference, plan,
        installment}; a UserError saying what to choose otherwise."""
        customer = self._ar_customer()
        Move = request.env["account.move"]
        kind, _sep, rest = (what or "").partition("-")
        plan = installment = None
        if kind == "plan":
            plan, installment, invoices, amount = request.env[
                "ar.payment.plan"
            ]._ar_portal_installment(customer, rest)
        elif kind == "overdue":
            invoices, amount = Move._ar_portal_payable(customer, overdue=True)
        elif kind == "invoices":
            invoices, amount = Move._ar_portal_payable(customer, rest.split("-"))
        else:
            raise UserError(request.env._("Choose what to pay on your account page."))
        return {
            "invoices": invoices,
            "amount": amount,
            "currency": invoices.currency_id,
            "company": invoices.company_id,
            "reference": plan.name if plan else None,
            "plan": plan,
            "installment": installment,
        }

    @http.route(
        "/my/receivables/pay",
        type="http",
        auth="user",
        methods=["GET", "POST"],
        website=True,
    )
    def ar_pay(self, overdue=None, plan_id=None, **kw):
        """The payment page: what is paid, and Odoo's payment form."""
        if plan_id:
            what = f"plan-{plan_id}"
        elif overdue:
            what = "overdue"
        else:
            source = request.httprequest.form or request.httprequest.args
            what = "invoices-" + "-".join(source.getlist("invoice_ids"))
        try:
            payment = self._ar_payment(what)
        except (UserError, ValidationError) as error:
            return self._ar_back(error=error.args[0])
        values = {
            "page_name": "ar_pay",
            **payment,
            "payment_reference": payment["reference"],
        }
        values |= self._get_common_page_view_values(
            invoices_data={
                "partner": self._ar_customer(),
                "company": payment["company"],
                "total_amount": payment["amount"],
                "currency": payment["currency"],
                "amount_residual": payment["amount"],
                "payment_reference": payment["reference"],
                "landing_route": "/my/receivables",
                "transaction_route": f"/my/receivables/transaction/{what}",
            }
        )
        values["amount"] = payment["amount"]
        return request.render("account_receivable_management.portal_ar_pay", values)

    @http.route("/my/receivables/transaction/<string:what>", type="json", auth="user")
    def ar_transaction(self, what, amount=None, access_token=None, **kwargs):
        """A draft transaction for what the payment page showed, at the
        amount the server finds still owed, with a provider the page offered;
        its invoices are the payment's (reconciled with exactly those)."""
        self._validate_transaction_kwargs(kwargs)
        try:
            payment = self._ar_payment(what)
        except UserError as error:
            raise ValidationError(error.args[0]) from None
        currency, company = payment["currency"], payment["company"]
        partner = request.env.user.partner_id
        try:
            sent = float(amount)
        except (TypeError, ValueError):
            sent = None
        if sent is None or currency.compare_amounts(sent, payment["amount"]):
            raise ValidationError(
                request.env._(
                    "What is left to pay changed since the page was shown "
                    "(%(amount)s now): reload it and pay again.",
                    amount=currency.format(payment["amount"]),
                )
            )
        providers = (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                company.id, partner.id, payment["amount"], currency_id=currency.id
            )
        )
        if kwargs.get("flow") == "token":
            token = (
                request.env["payment.token"]
                .sudo()
                .browse(self._cast_as_int(kwargs.get("token_id")))
            )
            provider = token.exists().provider_id
        else:
            provider = providers.browse(self._cast_as_int(kwargs.get("provider_id")))
        if not provider or provider not in providers:
            raise ValidationError(
                request.env._("Choose one of the ways to pay offered on the page.")
            )
        kwargs.update(
            {
                "amount": payment["amount"],
                "currency_id": currency.id,
                "partner_id": partner.id,
                "landing_route": "/my/receivables",
                "is_validation": False,
                "reference_prefix": payment["reference"],
            }
        )
        kwargs.pop("csrf_token", None)
        tx_sudo = self._create_transaction(
            custom_create_values={
                "invoice_ids": [Command.set(payment["invoices"].ids)],
            },
            **kwargs,
        )
        return tx_sudo._get_processing_values()

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

    # ------------------------------------------------------------------
    # Payment plans: the customer reviews the approved schedule and signs it
    @http.route("/my/plans/<int:plan_id>", type="http", auth="user", website=True)
    def ar_plan_page(self, plan_id, **kw):
        plan = request.env["ar.payment.plan"]._ar_portal_plan(
            self._ar_customer(), plan_id
        )
        if not plan:
            return request.redirect("/my/receivables")
        to_sign = plan.state == "draft" and bool(plan.approved_by_id)
        return request.render(
            "account_receivable_management.portal_my_plan",
            {
                "page_name": "ar_plan",
                "plan": plan,
                "to_sign": to_sign,
                "next_installment": plan._ar_next_installment()
                if plan.state == "active"
                else None,
                "sign_url": f"/my/plans/{plan.id}/accept/{plan.approval_digest}"
                if to_sign
                else None,
                **self._ar_notice(kw),
            },
        )

    @http.route(
        "/my/plans/<int:plan_id>/accept/<string:digest>",
        type="json",
        auth="user",
        website=True,
    )
    def ar_plan_accept(self, plan_id, digest, name=None, signature=None):
        """Odoo's signature form posts here: the schedule shown (``digest``)
        is the one signed, or nothing is."""
        plan = request.env["ar.payment.plan"]._ar_portal_plan(
            self._ar_customer(), plan_id
        )
        if not plan:
            return {"error": request.env._("This plan is not one of yours.")}
        try:
            active = plan._ar_portal_sign(name, signature, digest)
        except (UserError, ValidationError) as error:
            request.env.cr.rollback()
            return {"error": error.args[0]}
        message = (
            request.env._("Thank you: your payment plan is now in force.")
            if active
            else request.env._(
                "Thank you for signing: our credit team confirms the plan shortly."
            )
        )
        return {
            "force_refresh": True,
            "redirect_url": self._ar_notice_url(
                f"/my/plans/{plan.id}", message=message
            ),
        }

    def _ar_dispute_domain(self, customer):
        """The disputes of ``customer`` the user sees: in the user's companies,
        as its invoices and plans."""
        return [
            ("partner_id", "=", customer.id),
            ("company_id", "in", self._ar_companies().ids),
        ]

    def _ar_own_dispute(self, dispute_id):
        """The dispute if it is the user's own entity's, else None."""
        return (
            request.env["ar.dispute"]
            .sudo()
            .search(
                [("id", "=", dispute_id), *self._ar_dispute_domain(self._ar_customer())]
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
                **self._ar_notice(kw),
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
                self._ar_notice_url(f"/my/disputes/{dispute_id}", error=error.args[0])
            )
        return request.redirect(f"/my/disputes/{dispute_id}")
