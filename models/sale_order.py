from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_amount

from . import credit_rules
from .res_partner import MANAGER_GROUP

OVERRIDE_FIELDS = {
    "ar_override_amount",
    "ar_override_currency_id",
    "ar_override_user_id",
    "ar_override_date",
    "ar_override_reason",
}


class SaleOrder(models.Model):
    _inherit = "sale.order"

    ar_override_amount = fields.Monetary(
        string="Approved Amount",
        currency_field="ar_override_currency_id",
        readonly=True,
        copy=False,
        help="A Credit Manager approved confirming this order up to this total "
        "despite the customer's credit hold.",
    )
    ar_override_currency_id = fields.Many2one(
        "res.currency", string="Approved Currency", readonly=True, copy=False
    )
    ar_override_user_id = fields.Many2one(
        "res.users", string="Approved By", readonly=True, copy=False
    )
    ar_override_date = fields.Datetime(string="Approved On", readonly=True, copy=False)
    ar_override_reason = fields.Text(
        string="Approval Reason", readonly=True, copy=False
    )
    ar_credit_block_message = fields.Text(
        string="Credit Block",
        compute="_compute_ar_credit_block_message",
        help="Why this quotation cannot be confirmed as it stands.",
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

    @api.model_create_multi
    def create(self, vals_list):
        self._ar_check_override_access(set().union(*vals_list))
        orders = super().create(vals_list)
        confirmed = orders.filtered(lambda o: o.state == "sale")
        if confirmed:
            confirmed._ar_check_credit()._ar_refresh_partner_holds()
        return orders

    def write(self, vals):
        self._ar_check_override_access(vals)
        to_refresh = self.browse()
        if vals.get("state") == "sale":
            confirming = self.filtered(lambda o: o.state in ("draft", "sent"))
            to_refresh = confirming._ar_check_credit()
        res = super().write(vals)
        if to_refresh:
            to_refresh._ar_refresh_partner_holds()
        return res

    def action_ar_open_override(self):
        self.ensure_one()
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only a Credit Manager can approve a credit override.")
            )
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
        """Why these orders (one customer, one company) cannot be confirmed,
        as a message, or None when they can.

        Paid and approved orders pass; the amounts of every order of the set that
        is not paid online count in the exposure, as they would one after the
        other. With ``growing``, the orders are confirmed already and have just
        grown: they count in the exposure through ``credit_to_invoice``.
        """
        if not self:
            return None
        partner = self.partner_id.commercial_partner_id.sudo()
        company = self.company_id
        partner.ensure_one()
        company.ensure_one()
        at_risk = self.filtered(lambda o: not o._ar_is_paid_online())
        blocked = at_risk.filtered(lambda o: not o._ar_override_valid())
        if not blocked:
            return None
        rules_of = partner._ar_rules(company)
        rules = rules_of[partner.id]
        manual = (
            self.env["ar.hold"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", partner.id),
                    ("company_id", "=", company.id),
                    ("reason", "=", credit_rules.MANUAL),
                ],
                limit=1,
            )
        )
        if not (rules.any_active or manual):
            return None
        if lock and rules.use_credit_limit and rules.block_on_limit:
            # Only the limit rule depends on what other confirmations add.
            self._ar_lock_partner(partner)
        extra = 0.0 if growing else sum(o._ar_amount_company() for o in at_risk)
        figures = partner._ar_credit_figures(
            company, for_rules=True, rules_of=rules_of
        )[partner.id]
        today = fields.Date.context_today(self)
        reasons = credit_rules.hold_reasons(figures, rules, today, extra=extra)
        if not (reasons or manual):
            return None
        including = (
            self.env._(" including this order")
            if len(at_risk) == 1
            else self.env._(" including these orders")
        )
        lines = [
            partner._ar_reason_text(reason, company, including) for reason in reasons
        ]
        if manual:
            lines.append(
                self.env._(
                    "Manual credit hold by %(user)s: %(note)s",
                    user=manual.user_id.name or self.env._("a Credit Manager"),
                    note=manual.note or "",
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
            for _key, orders in grown.grouped(
                lambda o: (o.partner_id.commercial_partner_id, o.company_id)
            ).items():
                problem = orders._ar_credit_problem(lock=True, growing=True)
                if problem:
                    raise UserError(problem)

        return check

    def _ar_check_credit(self):
        """Refuse to confirm orders of held customers, or orders that would take
        their customer over its credit limit.

        Returns the orders whose customer's holds must be recomputed once they
        are confirmed: those of customers already held, and approved orders
        (which may take their customer over its limit). For the others the check
        has just shown that the confirmed order changes no hold."""
        to_refresh = self.browse()
        for (partner, company), orders in self.grouped(
            lambda o: (o.partner_id.commercial_partner_id, o.company_id)
        ).items():
            problem = orders._ar_credit_problem(lock=True)
            if problem:
                raise UserError(problem)
            held = partner.sudo().with_company(company).ar_credit_hold
            if held or any(order._ar_override_valid() for order in orders):
                to_refresh |= orders
        return to_refresh

    def _ar_lock_partner(self, partner):
        """Serialise confirmations of one customer: the second transaction waits,
        then fails to serialise and is retried with the first one's order counted."""
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET write_date = write_date WHERE id = %s",
                partner.id,
            )
        )

    def _ar_refresh_partner_holds(self):
        for company, orders in self.grouped("company_id").items():
            orders.partner_id._ar_refresh_holds(company, recompute=False)
