import psycopg2.errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.http import request
from odoo.service.model import MAX_TRIES_ON_CONCURRENCY_FAILURE
from odoo.tools import SQL, format_amount

from . import credit_rules
from .access import HOLD_GROUPS, require_manager
from .ar_workflow_guard import (
    as_created,
    check_derived_fields,
    check_workflow_fields,
    without_derived_defaults,
    workflow_flag,
)

OVERRIDE_FIELDS = {
    "ar_override_amount",
    "ar_override_currency_id",
    "ar_override_user_id",
    "ar_override_date",
    "ar_override_reason",
}


def _last_try_of_request():
    """Whether the current request is on its last try: Odoo retries a request
    that failed to serialise a few times, then shows PostgreSQL's error.
    Counted on the request, which the tries share (no request: a job or a
    script, which see the error itself)."""
    if not request:
        return False
    tries = getattr(request, "_ar_serialization_tries", 0) + 1
    request._ar_serialization_tries = tries
    return tries >= MAX_TRIES_ON_CONCURRENCY_FAILURE


class SaleOrder(models.Model):
    _inherit = "sale.order"
    # Recorded by the override wizard, and computed: never written by users.
    _ar_workflow_fields = (
        *sorted(OVERRIDE_FIELDS),
        "ar_amount_to_invoice",
        "ar_credit_review",
    )

    ar_override_amount = fields.Monetary(
        string="Approved Amount",
        currency_field="ar_override_currency_id",
        readonly=True,
        copy=False,
        help="A Credit Manager approved confirming this order up to this total "
        "despite the customer's credit hold.",
        groups=HOLD_GROUPS,
    )
    ar_override_currency_id = fields.Many2one(
        "res.currency",
        string="Approved Currency",
        readonly=True,
        copy=False,
        groups=HOLD_GROUPS,
    )
    ar_override_user_id = fields.Many2one(
        "res.users", string="Approved By", readonly=True, copy=False, groups=HOLD_GROUPS
    )
    ar_override_date = fields.Datetime(
        string="Approved On", readonly=True, copy=False, groups=HOLD_GROUPS
    )
    ar_override_reason = fields.Text(
        string="Approval Reason", readonly=True, copy=False, groups=HOLD_GROUPS
    )
    ar_company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency", groups=HOLD_GROUPS
    )
    ar_payer_id = fields.Many2one(
        related="partner_invoice_id.commercial_partner_id",
        store=True,
        string="Paid By",
        groups=HOLD_GROUPS,
        help="The customer whose exposure the order counts in: the invoice "
        "address's company.",
    )
    ar_amount_to_invoice = fields.Monetary(
        string="Left to Invoice",
        compute="_compute_ar_amount_to_invoice",
        store=True,
        currency_field="ar_company_currency_id",
        groups=HOLD_GROUPS,
        help="What this confirmed order still has to invoice, taxes included, in "
        "the company currency: it counts in the exposure of the customer who pays "
        "it, whatever its products' invoicing policy.",
    )
    ar_credit_review = fields.Boolean(
        string="Waiting for Credit Review",
        readonly=True,
        copy=False,
        tracking=True,
        groups=HOLD_GROUPS,
        help="The customer signed or paid this quotation online but the credit "
        "check refused to confirm it: the customer was told it waits for a credit "
        "review, and the collector has an activity. Confirming it clears this.",
    )
    ar_credit_block_message = fields.Text(
        string="Credit Block",
        compute="_compute_ar_credit_block_message",
        help="Why this quotation cannot be confirmed as it stands.",
        groups=HOLD_GROUPS,
    )

    @api.depends(
        "partner_id", "company_id", "amount_total", "state", "ar_override_amount"
    )
    def _compute_ar_credit_block_message(self):
        for order in self:
            order.ar_credit_block_message = False
            if (
                order.state in ("draft", "sent")
                and order._origin.id
                and order.partner_id
            ):
                order.ar_credit_block_message = (
                    order._origin._ar_credit_problem() or False
                )

    def init(self):
        res = super().init()
        # Confirmed orders with something left to invoice, by who pays them:
        # what the exposure reads (ar.credit.figures._to_invoice).
        self.env.cr.execute(
            SQL(
                """
            CREATE INDEX IF NOT EXISTS ar_sale_order_left_to_invoice_idx
                ON sale_order (ar_payer_id)
                INCLUDE (company_id, ar_amount_to_invoice)
             WHERE ar_amount_to_invoice != 0
                """
            )
        )
        return res

    @api.depends(
        "state",
        "currency_rate",
        "order_line.product_uom_qty",
        "order_line.price_total",
        "order_line.qty_delivered",
        "order_line.qty_invoiced_posted",
        "order_line.amount_invoiced",
        "order_line.move_ids.state",
        "order_line.move_ids.quantity",
        "order_line.move_ids.to_refund",
    )
    def _compute_ar_amount_to_invoice(self):
        """Per line, what was ordered (less what came back for a refund, or
        what was delivered when more) less what posted invoices and credit
        notes invoiced, at the line's price with taxes; a down payment invoiced
        counts against its order. Odoo's own ``amount_to_invoice`` counts what
        can be invoiced now only: nothing for goods invoiced on delivery and
        not delivered yet. Draft invoices leave their lines to invoice: they
        are no receivable yet."""
        for order in self:
            left = 0.0
            if order.state == "sale":
                for line in order.order_line.filtered(lambda x: not x.display_type):
                    left += line._ar_left_to_invoice()
            rate = order.currency_rate or 1.0
            order.ar_amount_to_invoice = order.company_id.currency_id.round(
                max(left, 0.0) / rate
            )

    @api.model_create_multi
    def create(self, vals_list):
        # its context defaults too: a forged override confirmed an order
        self._ar_check_override_access(set().union(*as_created(self, vals_list)))
        orders = super(SaleOrder, without_derived_defaults(self)).create(vals_list)
        confirmed = orders.filtered(lambda o: o.state == "sale")
        if confirmed:
            confirmed._ar_check_credit()._ar_refresh_partner_holds()
        return orders

    def write(self, vals):
        self._ar_check_override_access(vals)
        to_refresh = self.browse()
        reviewed = self.browse()
        if vals.get("state") == "sale":
            confirming = self.filtered(lambda o: o.state in ("draft", "sent"))
            to_refresh = confirming._ar_check_credit()
            reviewed = confirming.sudo().filtered("ar_credit_review")
        res = super().write(vals)
        if vals.get("state") == "sale" and reviewed:
            # confirmed after its review: no longer waiting for one
            reviewed.write({"ar_credit_review": False})
        if to_refresh:
            to_refresh._ar_refresh_partner_holds()
        return res

    def action_confirm(self):
        """Confirmed from the customer's side (signed on the portal, paid
        online): an order the credit check refuses waits for a credit review
        instead of failing in front of the customer (``_ar_ask_credit_review``);
        the others are confirmed."""
        if workflow_flag(self, "ar_review_over_limit"):
            review = self.filtered(
                lambda o: o.state in ("draft", "sent") and o._ar_credit_problem()
            )
            review._ar_ask_credit_review()
            if review == self:
                return True
            return super(SaleOrder, self - review).action_confirm()
        return super().action_confirm()

    def _validate_order(self):
        # Odoo calls this when the customer signs a quotation on the portal
        return super(
            SaleOrder, self.with_context(ar_review_over_limit=True)
        )._validate_order()

    def _ar_ask_credit_review(self):
        """Flag the orders for a credit review: the collector (else the
        credit contact, else a Credit Manager) gets an activity at once, with
        why the order could not be confirmed."""
        for order in self.sudo():
            problem = order._ar_credit_problem()
            order.with_context(tracking_disable=True).write({"ar_credit_review": True})
            contact = order.partner_id._ar_credit_contact(order.company_id)
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=(contact or self.env.ref("base.user_root")).id,
                summary=self.env._(
                    "Credit review: %(customer)s confirmed %(order)s online",
                    customer=order.partner_id.commercial_partner_id.name,
                    order=order.name,
                ),
                note=problem,
            )
            order.message_post(
                body=self.env._(
                    "Confirmed by the customer online, but waiting for a credit "
                    "review: %(problem)s",
                    problem=problem,
                ),
                subtype_xmlid="mail.mt_note",
            )

    def action_ar_open_override(self):
        self.ensure_one()
        require_manager(self.env, self.env._("approve a credit override"))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Approve Credit Override"),
            "res_model": "ar.credit.override.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_id": self.id},
        }

    # ------------------------------------------------------------------
    # Credit check
    # ------------------------------------------------------------------
    def _ar_check_override_access(self, keys):
        if OVERRIDE_FIELDS.intersection(keys) and not self.env.su:
            raise AccessError(
                self.env._(
                    "A credit override is recorded through Approve Credit Override, "
                    "by a Credit Manager."
                )
            )
        check_workflow_fields(self, keys, self._ar_workflow_fields)
        check_derived_fields(self, keys)

    def _ar_amount_company(self):
        """The order's total in company currency."""
        self.ensure_one()
        if self.currency_id == self.company_id.currency_id:
            return self.amount_total
        return self.currency_id._convert(
            self.amount_total,
            self.company_id.currency_id,
            self.company_id,
            fields.Date.context_today(self),
        )

    def _ar_is_paid_online(self):
        """Fully paid through done payment transactions: no credit risk."""
        self.ensure_one()
        if self.currency_id.is_zero(self.amount_total):
            return False
        paid = sum(
            tx.amount for tx in self.sudo().transaction_ids if tx.state == "done"
        )
        return self.currency_id.compare_amounts(paid, self.amount_total) >= 0

    def _ar_override_valid(self):
        """A Credit Manager approved this order at its current total or more."""
        self.ensure_one()
        order = self.sudo()
        return bool(
            order.ar_override_user_id
            and order.ar_override_currency_id == order.currency_id
            and order.currency_id.compare_amounts(
                order.amount_total, order.ar_override_amount
            )
            <= 0
        )

    def _ar_credit_problem(self, lock=False, growing=False):
        """Why these orders cannot be confirmed, as a message, or None when
        they can: the problems of each customer they are for and of each
        customer who pays them (the invoice address's), as SAP checks the
        payer. The orders' amounts count in the exposure of who pays them."""
        problems = []
        for (partner, company, pays), orders in sorted(
            self._ar_credit_parties().items(), key=lambda item: item[0][0].id
        ):
            problem = orders._ar_party_problem(
                partner, company, pays, lock=lock, growing=growing
            )
            if problem:
                problems.append(problem)
        return "\n\n".join(problems) or None

    def _ar_credit_parties(self):
        """{(commercial partner, company, pays): orders}: each order under the
        customer it is for and under the one it is invoiced to (once when
        they are the same customer)."""
        parties = {}
        for order in self:
            customer = order.partner_id.commercial_partner_id.sudo()
            payer = (order.partner_invoice_id or order.partner_id).sudo()
            payer = payer.commercial_partner_id
            key = (payer, order.company_id, True)
            parties[key] = parties.get(key, self.browse()) | order
            if customer != payer:
                key = (customer, order.company_id, False)
                parties[key] = parties.get(key, self.browse()) | order
        return parties

    def _ar_party_problem(self, partner, company, pays, lock=False, growing=False):
        """Why these orders cannot be confirmed for ``partner`` in ``company``,
        or None: the reasons judged (``_ar_party_judgement``), in words."""
        judgement = self._ar_party_judgement(partner, company, pays, lock, growing)
        return judgement and self._ar_block_message(
            partner, company, pays, growing, *judgement
        )

    def _ar_party_judgement(self, partner, company, pays, lock, growing):
        """(orders blocked, orders at risk, figures, reasons, manual hold) of
        these orders for ``partner`` in ``company``, or None when they pass.
        Paid and approved orders pass. When ``partner`` pays for them, the
        amounts of the orders not paid online count in its exposure, as they
        would one after the other; with ``growing``, the orders are confirmed
        already and have just grown: they count in it through what they have
        left to invoice."""
        at_risk = self.filtered(lambda o: not o._ar_is_paid_online())
        blocked = at_risk.filtered(lambda o: not o._ar_override_valid())
        if not blocked:
            return None
        rules_of = partner._ar_rules(company)
        rules = rules_of[partner.id]
        manual = self.env["ar.hold"]._manual_of(partner, company)
        if not (rules.any_active or manual):
            return None
        if lock and pays and rules.use_credit_limit and rules.block_on_limit:
            # Only the limit rule depends on what other confirmations add.
            self._ar_lock_partner(partner)
        extra = 0.0
        if pays and not growing:
            extra = sum(o._ar_amount_company() for o in at_risk)
        figures = self.env["ar.credit.figures"]._of(
            partner, company, for_rules=True, rules_of=rules_of
        )[partner.id]
        today = fields.Date.context_today(self)
        reasons = credit_rules.hold_reasons(figures, rules, today, extra=extra)
        if not (reasons or manual):
            return None
        return blocked, at_risk, figures, reasons, manual

    def _ar_block_message(
        self,
        partner,
        company,
        pays,
        growing,
        blocked,
        at_risk,
        figures,
        reasons,
        manual,
    ):
        """The judgement of ``_ar_party_judgement``, as the user reads it: the
        orders, the customer, its limit, each reason with its figures, and
        what to do."""
        including = ""
        if pays:
            including = (
                self.env._(" including this order")
                if len(at_risk) == 1
                else self.env._(" including these orders")
            )
        lines = [
            self.env["ar.hold"]._reason_text(reason, company, including)
            for reason in reasons
        ]
        for hold in manual:
            lines.append(
                self.env._(
                    "Manual credit hold by %(user)s: %(note)s",
                    user=hold.user_id.name or self.env._("a Credit Manager"),
                    note=hold.note or "",
                )
                if hold.reason == credit_rules.MANUAL
                else self.env._(
                    "Credit hold for unanswered reminders: %(note)s",
                    note=hold.note or "",
                )
            )
        values = {
            "orders": ", ".join(blocked.mapped("name")),
            "customer": partner.name,
            "company": company.name,
            "limit": format_amount(self.env, figures.credit_limit, company.currency_id)
            if figures.credit_limit
            else self.env._("none"),
            "reasons": "\n".join(f"- {line}" for line in lines),
        }
        if not pays:
            return self.env._(
                "%(orders)s cannot be confirmed in %(company)s: it is for "
                "%(customer)s (credit limit %(limit)s), which is on credit hold:"
                "\n%(reasons)s\n"
                "Ask a Credit Manager to approve a credit override, "
                "or collect payment first.",
                **values,
            )
        if growing:
            return self.env._(
                "%(orders)s for %(customer)s cannot grow in %(company)s "
                "(credit limit %(limit)s):\n%(reasons)s\n"
                "Ask a Credit Manager to approve the new total, "
                "or collect payment first.",
                **values,
            )
        return self.env._(
            "%(orders)s for %(customer)s cannot be confirmed in %(company)s "
            "(credit limit %(limit)s):\n%(reasons)s\n"
            "Ask a Credit Manager to approve a credit override, "
            "or collect payment first.",
            **values,
        )

    def _ar_growth_guard(self):
        """Call before changing the lines of confirmed orders; call what it
        returns after. Orders whose total grew are checked again, as if the new
        total were being confirmed: a Credit Manager's approval covers the amount
        approved, not more."""
        confirmed = self.filtered(lambda o: o.state == "sale")
        before = {order.id: order.amount_total for order in confirmed}

        def check():
            grown = confirmed.filtered(
                lambda o: (
                    o.currency_id.compare_amounts(o.amount_total, before[o.id]) > 0
                )
            )
            problem = grown._ar_credit_problem(lock=True, growing=True)
            if problem:
                raise UserError(problem)

        return check

    def _ar_check_credit(self):
        """Refuse to confirm orders for or invoiced to held customers, or
        orders that would take who pays them over its credit limit.

        Returns the orders whose customers' holds must be recomputed once they
        are confirmed: those of customers already held, and approved orders
        (which may take their customer over its limit). For the others the check
        has just shown that the confirmed order changes no hold."""
        problem = self._ar_credit_problem(lock=True)
        if problem:
            raise UserError(problem)
        to_refresh = self.browse()
        for (partner, company, _pays), orders in self._ar_credit_parties().items():
            held = partner.with_company(company).ar_credit_hold
            if held or any(order._ar_override_valid() for order in orders):
                to_refresh |= orders
        return to_refresh

    def _ar_lock_partner(self, partner):
        """Serialise confirmations of one customer: the second transaction waits,
        then fails to serialise and is retried with the first one's order
        counted. Each retry is silent (the failure is expected); the last one
        tells the user, in words, instead of PostgreSQL's error."""
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    SQL(
                        "UPDATE res_partner SET write_date = write_date WHERE id = %s",
                        partner.id,
                    ),
                    log_exceptions=False,
                )
        except psycopg2.errors.SerializationFailure:
            if not _last_try_of_request():
                raise
            raise UserError(
                self.env._(
                    "Another order of %(customer)s was confirmed at the same moment, "
                    "and this one could not be checked against it after several "
                    "tries. Nothing was confirmed: try again.",
                    customer=partner.name,
                )
            ) from None

    def _ar_refresh_partner_holds(self):
        for company, orders in self.grouped("company_id").items():
            customers = orders.partner_id | orders.partner_invoice_id
            self.env["ar.hold"]._refresh(customers, company, recompute=False)
