from itertools import pairwise

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from . import plan_schedule
from .access import require_manager
from .ar_document_mixin import INVOICES_FIELD
from .ar_workflow_guard import DATE_WINDOW_YEARS

FREQUENCIES = [
    ("weekly", "Weekly"),
    ("biweekly", "Every Two Weeks"),
    ("monthly", "Monthly"),
    ("quarterly", "Quarterly"),
]

SCHEDULE_FIELDS = (
    "amount_total",
    "down_payment",
    "down_payment_date",
    "installment_count",
    "frequency",
    "first_date",
)


class ArPaymentPlan(models.Model):
    _name = "ar.payment.plan"
    _description = "Payment Plan"
    _inherit = ["ar.commitment.mixin"]
    _order = "id desc"
    _ar_sequence_code = "ar.payment.plan"
    _ar_running_states = ("active", "defaulted")
    _ar_workflow_fields = (
        "state",
        "activated_by_id",
        "date_activated",
        "fee_invoice_id",
        "amount_invoices",
        "amount_total",
    )
    # Binding once active: the schedule and what it covers.
    _ar_terms_fields = (
        "partner_id",
        "company_id",
        "currency_id",
        "invoice_ids",
        "fee",
        "line_ids",
        *(name for name in SCHEDULE_FIELDS if name != "amount_total"),
    )
    _ar_date_fields = {
        "first_date": DATE_WINDOW_YEARS,
        "down_payment_date": DATE_WINDOW_YEARS,
    }

    invoice_ids = fields.Many2many(
        "account.move",
        "ar_payment_plan_invoice_rel",
        "plan_id",
        "move_id",
        **INVOICES_FIELD,
    )
    amount_invoices = fields.Monetary(
        string="Invoices Open",
        compute="_compute_amount_invoices",
        store=True,
        help="What the invoices owed when the plan was made (frozen at activation).",
    )
    fee = fields.Monetary(
        tracking=True,
        help="Invoiced to the customer on activation, as the policy's plan fee "
        "product, before its taxes.",
    )
    fee_total = fields.Monetary(
        string="Fee with Taxes",
        compute="_compute_fee_total",
        help="The fee invoice's total: the fee and the fee product's taxes.",
    )
    amount_total = fields.Monetary(
        string="Plan Total", compute="_compute_amount_total", store=True, tracking=True
    )
    down_payment = fields.Monetary(tracking=True)
    down_payment_date = fields.Date(default=fields.Date.context_today)
    installment_count = fields.Integer(string="Installments", default=3, tracking=True)
    frequency = fields.Selection(FREQUENCIES, required=True, default="monthly")
    first_date = fields.Date(string="First Installment", required=True)
    line_ids = fields.One2many(
        "ar.payment.plan.line",
        "plan_id",
        string="Schedule",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
        copy=False,
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("active", "Active"),
            ("completed", "Completed"),
            ("defaulted", "Defaulted"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="draft",
        readonly=True,
        copy=False,
        tracking=True,
    )
    # Recovery plan: how the customer will raise the money.
    funding_source = fields.Text(
        string="How Payments Are Funded",
        help="Where the money for the installments comes from.",
    )
    overhead_cuts = fields.Text(
        string="Overhead Being Cut", help="Which costs the customer is cutting."
    )
    business_changes = fields.Text(
        string="Business Model Changes",
        help="What the customer changes in how it runs its business.",
    )
    activated_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    date_activated = fields.Date(readonly=True, copy=False)
    fee_invoice_id = fields.Many2one("account.move", readonly=True, copy=False)
    amount_paid = fields.Monetary(compute="_compute_amount_paid")
    amount_residual = fields.Monetary(
        string="Left to Pay", compute="_compute_amount_paid"
    )
    note = fields.Text()

    _sql_constraints = [
        ("fee_positive", "CHECK(fee >= 0)", "A plan fee cannot be negative."),
        (
            "down_payment_positive",
            "CHECK(down_payment >= 0)",
            "A down payment cannot be negative.",
        ),
    ]

    @api.depends("invoice_ids.amount_residual", "fee_invoice_id", "state")
    def _compute_amount_invoices(self):
        for plan in self:
            if plan.state == "draft":
                invoices = plan.invoice_ids - plan.fee_invoice_id
                plan.amount_invoices = sum(invoices.mapped("amount_residual"))

    @api.depends("fee", "partner_id", "company_id", "currency_id")
    def _compute_fee_total(self):
        for plan in self:
            plan.fee_total = plan._fee_taxes()["total_included"] if plan.fee else 0.0

    @api.depends("amount_invoices", "fee", "partner_id", "company_id", "currency_id")
    def _compute_amount_total(self):
        for plan in self:
            plan.amount_total = plan.amount_invoices + plan.fee_total

    @api.depends(*SCHEDULE_FIELDS)
    def _compute_line_ids(self):
        for plan in self:
            if plan.state != "draft":
                continue
            lines = plan._schedule()
            plan.line_ids = [Command.clear()] + [
                Command.create({"sequence": seq, "date_due": day, "amount": amount})
                for seq, (day, amount) in enumerate(lines, start=1)
            ]

    @api.depends("line_ids.amount", "line_ids.amount_paid")
    def _compute_amount_paid(self):
        for plan in self:
            plan.amount_paid = sum(plan.line_ids.mapped("amount_paid"))
            plan.amount_residual = plan.amount_total - plan.amount_paid

    @api.constrains("installment_count")
    def _check_installment_count(self):
        for plan in self:
            if plan.installment_count < 1:
                raise ValidationError(
                    self.env._("A payment plan needs at least one installment.")
                )
            if plan.installment_count > plan_schedule.MAX_INSTALLMENTS:
                raise ValidationError(
                    self.env._(
                        "A payment plan has at most %(max)s installments; "
                        "%(count)s were asked for.",
                        max=plan_schedule.MAX_INSTALLMENTS,
                        count=plan.installment_count,
                    )
                )

    @api.constrains("down_payment", "invoice_ids", "fee")
    def _check_down_payment(self):
        for plan in self.filtered(lambda p: p.state == "draft"):
            if plan.currency_id.compare_amounts(
                plan.down_payment, plan.amount_total
            ) >= 0 and not plan.currency_id.is_zero(plan.down_payment):
                raise ValidationError(
                    self.env._(
                        "The down payment of %(name)s (%(down)s) must be less than "
                        "the plan total %(total)s; a full payment needs no plan.",
                        name=plan.name,
                        down=plan.currency_id.format(plan.down_payment),
                        total=plan.currency_id.format(plan.amount_total),
                    )
                )

    @api.constrains("partner_id", "invoice_ids", "state")
    def _check_invoices(self):
        for plan in self.filtered(lambda p: p.state == "draft"):
            plan._ar_check_customer_invoices()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_draft(self):
        if self.filtered(lambda p: p.state not in ("draft", "cancelled")):
            raise UserError(self.env._("Only draft or cancelled plans can be deleted."))

    def action_activate(self):
        """A Credit Manager agrees the plan: the schedule becomes binding and the
        invoices stop counting for the overdue rules while it is kept."""
        require_manager(self.env, self.env._("activate a payment plan"))
        for plan in self:
            plan._check_can_activate()
        for plan in self:
            if not plan.currency_id.is_zero(plan.fee):
                plan._invoice_fee()
            plan._ar_workflow_write(
                {
                    "state": "active",
                    "activated_by_id": self.env.uid,
                    "date_activated": fields.Date.context_today(self),
                }
            )
            # on the customer's chatter, which a Credit Manager without the
            # right to edit contacts may still write to (the author stays them)
            plan.partner_id.sudo().message_post(
                body=self.env._(
                    "Payment plan %(name)s activated: %(amount)s in %(count)s "
                    "installments.",
                    name=plan.name,
                    amount=plan.currency_id.format(plan.amount_total),
                    count=plan.installment_count,
                )
            )
        self._ar_refresh_partner_holds()
        return True

    def action_cancel(self):
        self.check_access("write")
        self.filtered(lambda p: p.state in ("draft", "active"))._ar_workflow_write(
            {"state": "cancelled"}
        )
        self._ar_refresh_partner_holds()
        return True

    @api.model
    def _ar_portal_request(self, customer, invoice_ids, values):
        """A payment plan the customer asks for on the portal: a draft on some
        of its own open invoices, with the terms it proposes (installments,
        frequency, first date) and its answers to the recovery questions, for
        its collector to review (an activity). The collector, or a Credit
        Manager by the policy, activates it as any plan. Refused with a
        message saying what to fix, nothing written."""
        invoices = self.env["account.move"]._ar_portal_selection(customer, invoice_ids)
        try:
            count = int(values.get("installment_count") or 0)
        except (TypeError, ValueError):
            count = 0
        if not 1 <= count <= plan_schedule.MAX_INSTALLMENTS:
            raise UserError(
                self.env._(
                    "Propose between 1 and %(max)s installments.",
                    max=plan_schedule.MAX_INSTALLMENTS,
                )
            )
        frequency = values.get("frequency")
        if frequency not in dict(FREQUENCIES):
            raise UserError(self.env._("Choose how often you will pay."))
        try:
            first = fields.Date.to_date(values.get("first_date") or None)
        except ValueError:
            first = None
        today = fields.Date.context_today(self)
        if not first or first < today:
            raise UserError(
                self.env._("Choose the day of the first installment, from today on.")
            )
        answers = {
            key: (values.get(key) or "").strip()
            for key in ("funding_source", "overhead_cuts", "business_changes")
        }
        company = invoices.company_id
        partner = customer.commercial_partner_id.sudo()
        contact = partner._ar_credit_contact(company)
        plan = (
            self.sudo()
            .with_company(company)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "invoice_ids": [Command.set(invoices.ids)],
                    "installment_count": count,
                    "frequency": frequency,
                    "first_date": first,
                    "user_id": contact.id,
                    "note": self.env._(
                        "Asked for on the portal by %(who)s.",
                        who=self.env.user.partner_id.name,
                    ),
                    **answers,
                }
            )
        )
        plan.activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=(contact or self.env.ref("base.user_root")).id,
            summary=self.env._(
                "%(customer)s asks for a payment plan: %(count)s %(frequency)s "
                "installments from %(day)s",
                customer=partner.name,
                count=count,
                frequency=dict(FREQUENCIES)[frequency].lower(),
                day=format_date(self.env, first),
            ),
        )
        return plan

    def _ar_terms_locked_hint(self):
        return self.env._(
            "Its schedule is binding: cancel the plan and agree a new one instead."
        )

    def action_send_schedule(self):
        self.ensure_one()
        template = self.env.ref(
            "account_receivable_management.mail_template_ar_payment_plan"
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id,
                "default_composition_mode": "comment",
                "force_email": True,
            },
        }

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------
    def _schedule(self):
        """The generated schedule, or [] while the inputs cannot make one."""
        self.ensure_one()
        if not (
            self.first_date
            and 0 < self.installment_count <= plan_schedule.MAX_INSTALLMENTS
            and self.frequency
        ):
            return []  # the constraint says why
        try:
            return plan_schedule.schedule(
                self.amount_total,
                self.installment_count,
                self.frequency,
                self.first_date,
                down_payment=self.down_payment,
                down_payment_date=self.down_payment_date,
                digits=self.currency_id.decimal_places,
            )
        except ValueError:
            return []

    def _check_can_activate(self):
        self.ensure_one()
        if self.state != "draft":
            raise UserError(self.env._("Plan %(name)s is not a draft.", name=self.name))
        self._check_invoices()
        if not self.line_ids:
            raise ValidationError(
                self.env._(
                    "Plan %(name)s has no schedule: check the first date, the "
                    "installments and a down payment below the total, dated before the "
                    "first installment.",
                    name=self.name,
                )
            )
        scheduled = sum(self.line_ids.mapped("amount"))
        if self.currency_id.compare_amounts(scheduled, self.amount_total):
            raise ValidationError(
                self.env._(
                    "The schedule of %(name)s sums to %(scheduled)s but the plan total "
                    "is %(total)s. Correct the lines.",
                    name=self.name,
                    scheduled=self.currency_id.format(scheduled),
                    total=self.currency_id.format(self.amount_total),
                )
            )
        dates = self.line_ids.sorted("sequence").mapped("date_due")
        if any(later <= earlier for earlier, later in pairwise(dates)):
            raise ValidationError(
                self.env._("The due dates of %(name)s must increase.", name=self.name)
            )
        policy = self.partner_id._ar_policy(self.company_id)
        threshold = policy.plan_recovery_amount
        company_currency = self.company_id.currency_id
        total = self.currency_id._convert(
            self.amount_total,
            company_currency,
            self.company_id,
            fields.Date.context_today(self),
        )
        if threshold and company_currency.compare_amounts(total, threshold) > 0:
            missing = [
                self._fields[name].string
                for name in ("funding_source", "overhead_cuts", "business_changes")
                if not (self[name] or "").strip()
            ]
            if missing:
                raise ValidationError(
                    self.env._(
                        "Plan %(name)s is over %(threshold)s: before activating, ask "
                        "the customer how they will raise the money and fill in: "
                        "%(missing)s.",
                        name=self.name,
                        threshold=company_currency.format(threshold),
                        missing=", ".join(missing),
                    )
                )

    def _fee_product(self):
        """The product the fee is invoiced as: the customer's policy's."""
        self.ensure_one()
        company = self.company_id or self.env.company
        return self.partner_id._ar_policy(company).sudo().plan_fee_product_id

    def _fee_taxes(self):
        """The fee product's taxes on the fee, as the fee invoice computes them
        (``account.tax.compute_all``), mapped by the customer's fiscal position."""
        self.ensure_one()
        company = self.company_id or self.env.company
        product = self._fee_product() if self.partner_id else None
        taxes = self.env["account.tax"]
        if product:
            taxes = product.sudo().taxes_id.filtered_domain(
                taxes._check_company_domain(company)
            )
            position = (
                self.env["account.fiscal.position"]
                .sudo()
                .with_company(company)
                ._get_fiscal_position(self.partner_id)
            )
            taxes = position.map_tax(taxes)
        return taxes.compute_all(
            self.fee,
            currency=self.currency_id or company.currency_id,
            quantity=1.0,
            product=product or None,
            partner=self.partner_id,
        )

    def _invoice_fee(self):
        """Invoice the plan fee as the policy's fee product (its income account
        and taxes) and add it to the plan's invoices."""
        self.ensure_one()
        product = self._fee_product()
        if not product:
            raise UserError(
                self.env._(
                    "Plan %(name)s has a fee: set a Plan Fee Product on credit policy "
                    "%(policy)s to invoice it.",
                    name=self.name,
                    policy=self.partner_id._ar_policy(self.company_id).display_name,
                )
            )
        journal = self.company_id._ar_sales_journal(self.env._("the plan fee"))
        fee_invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.partner_id.id,
                "company_id": self.company_id.id,
                "journal_id": journal.id,
                "currency_id": self.currency_id.id,
                "invoice_date": fields.Date.context_today(self),
                "invoice_date_due": self.line_ids.sorted("date_due")[-1:].date_due,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "name": self.env._(
                                "Payment plan fee %(name)s", name=self.name
                            ),
                            "quantity": 1,
                            "price_unit": self.fee,
                        }
                    )
                ],
            }
        )
        if self.currency_id.compare_amounts(fee_invoice.amount_total, self.fee_total):
            raise UserError(
                self.env._(
                    "The fee invoice of plan %(name)s comes to %(invoiced)s, not the "
                    "%(fee)s of the schedule: check the fee product's taxes.",
                    name=self.name,
                    invoiced=self.currency_id.format(fee_invoice.amount_total),
                    fee=self.currency_id.format(self.fee_total),
                )
            )
        fee_invoice.action_post()
        self._ar_workflow_write(
            {
                "fee_invoice_id": fee_invoice.id,
                "invoice_ids": [Command.link(fee_invoice.id)],
            }
        )

    def _ar_evaluate(self, today=None):
        """Apply what was paid to the installments in due order; complete the
        plans paid in full, default those with an installment unpaid more than
        the grace days after its date."""
        today = today or fields.Date.context_today(self)
        plans = self._ar_lock_running()
        if not plans:
            return
        paid = plans._ar_reconciled_amounts("date_activated")
        defaulted = self.browse()
        changed = self.browse()
        for plan in plans:
            lines = plan.line_ids.sorted(lambda line: (line.date_due, line.sequence))
            digits = plan.currency_id.decimal_places
            amounts = lines.mapped("amount")
            covered = plan_schedule.allocate(amounts, paid.get(plan.id, 0.0), digits)
            for line, amount_paid in zip(lines, covered, strict=True):
                if plan.currency_id.compare_amounts(line.amount_paid, amount_paid):
                    line._ar_workflow_write({"amount_paid": amount_paid})
            grace = plan.partner_id._ar_policy(plan.company_id).plan_grace_days
            if all(line.is_paid for line in lines):
                state = "completed"
            elif plan.state == "active" and plan_schedule.first_late(
                lines.mapped("date_due"), amounts, covered, today, grace, digits
            ):
                state = "defaulted"
            else:
                continue
            plan._ar_workflow_write({"state": state})
            changed |= plan
            if state == "defaulted":
                defaulted |= plan
        defaulted._ar_notify_defaulted()
        changed._ar_refresh_partner_holds()

    def _ar_notify_defaulted(self):
        for plan in self:
            summary = self.env._("Payment plan %(name)s defaulted", name=plan.name)
            plan.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=(plan.user_id or self.env.user).id,
                summary=summary,
            )
            plan.partner_id.message_post(body=summary)

    def _ar_refresh_partner_holds(self):
        for company, plans in self.grouped("company_id").items():
            self.env["ar.hold"]._refresh(plans.partner_id, company)

    @api.model
    def _cron_evaluate_plans(self):
        self.search([("state", "in", ("active", "defaulted"))])._ar_evaluate()
