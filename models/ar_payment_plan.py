import hashlib
from itertools import pairwise

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_date
from odoo.tools.image import base64_to_image

from . import plan_schedule
from .access import (
    COLLECTOR_GROUP,
    MANAGER_GROUP,
    is_credit_member,
    manager_reason,
    require_collector,
    require_manager,
)
from .account_move import OPEN_INVOICE_DOMAIN
from .ar_document_mixin import INVOICES_FIELD
from .ar_workflow_guard import DATE_WINDOW_YEARS, workflow_flag

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
        *(
            "approved_by_id",
            "date_approved",
            "approval_digest",
            "signature",
            "signed_by",
            "signed_on",
            "signed_document_id",
        ),
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
    # Approved for the customer to sign on the portal; its signature
    # activates the plan (``_ar_portal_sign``).
    approved_by_id = fields.Many2one(
        "res.users",
        string="Approved for Signature By",
        readonly=True,
        copy=False,
        tracking=True,
    )
    date_approved = fields.Datetime(
        string="Approved for Signature On", readonly=True, copy=False
    )
    approval_digest = fields.Char(readonly=True, copy=False)
    signature = fields.Image(
        max_width=1024, max_height=1024, readonly=True, copy=False, attachment=True
    )
    signed_by = fields.Char(readonly=True, copy=False, tracking=True)
    signed_on = fields.Datetime(readonly=True, copy=False)
    signed_document_id = fields.Many2one(
        "ir.attachment", string="Signed Schedule", readonly=True, copy=False
    )
    recovery_amount = fields.Monetary(
        string="Recovery Answers Above",
        compute="_compute_recovery_amount",
        currency_field="company_currency_id",
        help="The customer's policy's amount above which a plan needs its "
        "recovery answers before it is activated.",
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
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

    @api.depends("partner_id", "company_id")
    def _compute_recovery_amount(self):
        for plan in self:
            company = plan.company_id or self.env.company
            plan.recovery_amount = (
                plan.partner_id._ar_policy(company).plan_recovery_amount
                if plan.partner_id
                else company.sudo().ar_policy_id.plan_recovery_amount
            )

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
        self._ar_activate(self.env.user)
        return True

    def _ar_activate(self, user):
        """Make the plans binding, agreed by ``user``: their fee invoiced,
        their invoices out of the overdue rules while they are kept."""
        for plan in self.with_context(ar_activating=True, ar_defer_predictions=True):
            if not plan.currency_id.is_zero(plan.fee):
                plan._invoice_fee()
            plan._ar_workflow_write(
                {
                    "state": "active",
                    "activated_by_id": user.id,
                    "date_activated": fields.Date.context_today(self),
                }
            )
            # on the plan, the credit team's: the customer's chatter is every
            # employee's
            plan.message_post(
                body=self.env._(
                    "Payment plan %(name)s activated: %(amount)s in %(count)s "
                    "installments.",
                    name=plan.name,
                    amount=plan.currency_id.format(plan.amount_total),
                    count=plan.installment_count,
                )
            )
        self._ar_refresh_partner_holds()
        self._ar_refresh_predictions()

    # ------------------------------------------------------------------
    # Approval for the customer's signature
    # ------------------------------------------------------------------
    def _ar_total_company(self):
        """The plan total in its company's currency, today."""
        self.ensure_one()
        return self.currency_id._convert(
            self.amount_total,
            self.company_id.currency_id,
            self.company_id,
            fields.Date.context_today(self),
        )

    def _ar_approval_problem(self, user):
        """Why ``user`` may not agree this plan, or None: a Credit Manager
        agrees any; a Credit Controller those up to the policy's *Controller
        Approves Plans Up To*."""
        self.ensure_one()
        if user._is_superuser():
            return None  # approved by code running as the superuser (data, scripts)
        if not user.active or user.share:
            return self.env._("%(user)s can no longer agree plans.", user=user.name)
        if user.has_group(MANAGER_GROUP):
            return None
        if not user.has_group(COLLECTOR_GROUP):
            return self.env._(
                "Only the credit team (a Credit Controller) can approve a payment plan."
            )
        policy = self.partner_id._ar_policy(self.company_id)
        return manager_reason(
            self, policy, self._ar_total_company(), limit=policy.plan_approval_amount
        )

    def _ar_schedule_digest(self):
        """A fingerprint of what the customer signs: the invoices, the fee,
        the total and every installment. Signing is refused when it no longer
        matches the one approved."""
        self.ensure_one()
        terms = [
            self.currency_id.name,
            sorted(self.invoice_ids.ids),
            self.currency_id.round(self.fee),
            self.currency_id.round(self.amount_total),
            [
                (str(line.date_due), self.currency_id.round(line.amount))
                for line in self.line_ids.sorted(
                    lambda line: (line.date_due, line.sequence)
                )
            ],
        ]
        return hashlib.sha256(repr(terms).encode()).hexdigest()

    def action_approve_signature(self):
        """*Approve for Signature*: the collector (a Credit Manager above the
        policy's amount) agrees the schedule; the customer reviews it on the
        portal and signs it, which activates the plan."""
        require_collector(self.env, self.env._("approve a payment plan"))
        for plan in self:
            plan._check_can_activate()
            problem = None if self.env.su else plan._ar_approval_problem(self.env.user)
            if problem:
                raise AccessError(problem)
        for plan in self:
            plan._ar_workflow_write(
                {
                    "approved_by_id": self.env.uid,
                    "date_approved": fields.Datetime.now(),
                    "approval_digest": plan._ar_schedule_digest(),
                }
            )
            plan._ar_invite_signature()
        return True

    def action_withdraw_approval(self):
        """Take back an approval the customer has not signed yet."""
        require_collector(self.env, self.env._("approve a payment plan"))
        self.check_access("write")
        self.filtered(
            lambda p: p.state == "draft" and p.approved_by_id
        )._ar_clear_approval()
        return True

    def _ar_clear_approval(self):
        """Back to a plain draft: no approval, and no signature of terms that
        are no longer the plan's (the signed PDF stays in the chatter)."""
        self._ar_workflow_write(
            {
                "approved_by_id": False,
                "date_approved": False,
                "approval_digest": False,
                "signature": False,
                "signed_by": False,
                "signed_on": False,
                "signed_document_id": False,
            }
        )

    def _ar_check_terms_unlocked(self, names):
        res = super()._ar_check_terms_unlocked(names)
        # new terms need a new approval before the customer signs them (not
        # the fee invoice that activating the plan adds to its invoices)
        if set(self._ar_terms_fields).intersection(names) and not workflow_flag(
            self, "ar_activating"
        ):
            approved = self.sudo().filtered(
                lambda p: p.state == "draft" and p.approved_by_id
            )
            if approved:
                approved._ar_clear_approval()
        return res

    def _ar_print_status(self):
        # approved for the customer's signature, the schedule is an offer
        # that binds once signed: not a draft to print as such
        if self.state == "draft" and self.approved_by_id:
            return None
        return super()._ar_print_status()

    def _ar_invite_signature(self):
        """Tell the customer its schedule waits for its signature, with the
        link to the portal page where it signs."""
        self.ensure_one()
        recipient = self.partner_id._ar_reminder_recipient()
        url = f"{self.get_base_url()}/my/plans/{self.id}"
        self.message_post(
            body=Markup("<p>%s</p><p><a href='%s'>%s</a></p>")
            % (
                self.env._(
                    "Your payment plan %(name)s is ready: %(amount)s in %(count)s "
                    "installments. Please review the schedule and sign it online.",
                    name=self.name,
                    amount=self.currency_id.format(self.amount_total),
                    count=self.installment_count,
                ),
                url,
                self.env._("Review and sign"),
            ),
            partner_ids=recipient.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    @api.model
    def _ar_portal_domain(self, customer):
        """The plans of ``customer`` the portal may show, in the companies the
        user may see: any but the drafts not approved for its signature."""
        return [
            ("partner_id", "=", customer.commercial_partner_id.id),
            ("company_id", "in", self.env.user.company_ids.ids),
            "|",
            ("state", "!=", "draft"),
            ("approved_by_id", "!=", False),
        ]

    @api.model
    def _ar_portal_plans(self, customer):
        """The plans listed on the account page: those waiting for the
        customer's signature and those it is paying."""
        return self.sudo().search(
            [
                *self._ar_portal_domain(customer),
                ("state", "in", ("draft", "active")),
            ]
        )

    @api.model
    def _ar_portal_plan(self, customer, plan_id):
        """One of ``customer``'s plans the portal may show, or an empty
        record (another customer's, a plain draft, a forged id)."""
        try:
            plan_id = int(plan_id)
        except (TypeError, ValueError):
            return self.browse()
        return self.sudo().search(
            [("id", "=", plan_id), *self._ar_portal_domain(customer)]
        )

    def _ar_portal_sign(self, name, signature, digest):
        """The customer signs the approved schedule on the portal: the
        signature is kept, the plan activated (fee included) as agreed by its
        approver when still within that user's rights (else a Credit Manager
        gets an activity to activate it), and the signed schedule kept as a
        PDF on the plan. Returns whether the plan is active. Refused, nothing
        written, when the schedule changed since it was approved."""
        self.ensure_one()
        plan = self.sudo()
        if plan.state != "draft" or not plan.approved_by_id:
            raise UserError(
                self.env._(
                    "Plan %(name)s is not waiting for your signature.", name=plan.name
                )
            )
        if plan.signed_by:
            raise UserError(
                self.env._(
                    "Plan %(name)s is already signed: our credit team confirms it "
                    "shortly.",
                    name=plan.name,
                )
            )
        if not (name or "").strip() or not signature:
            raise UserError(self.env._("Type your name and sign in the box."))
        current = plan._ar_schedule_digest()
        if digest != plan.approval_digest or current != plan.approval_digest:
            raise UserError(
                self.env._(
                    "The schedule of plan %(name)s changed since it was shown to "
                    "you: reload the page and review it again.",
                    name=plan.name,
                )
            )
        plan._check_can_activate()
        try:
            base64_to_image(signature).verify()
        except (TypeError, ValueError, UserError):
            raise UserError(
                self.env._("The signature could not be read: sign again.")
            ) from None
        plan._ar_workflow_write(
            {
                "signature": signature,
                "signed_by": name.strip(),
                "signed_on": fields.Datetime.now(),
            }
        )
        approver = plan.approved_by_id
        problem = plan._ar_approval_problem(approver)
        if problem:
            plan.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=plan.partner_id._ar_credit_contact(plan.company_id).id
                or self.env.ref("base.user_root").id,
                summary=self.env._(
                    "%(customer)s signed plan %(name)s: activate it",
                    customer=plan.partner_id.name,
                    name=plan.name,
                ),
                note=problem,
            )
        else:
            plan._ar_activate(approver)
        pdf, _type = (
            self.env["ir.actions.report"]
            .sudo()
            .with_company(plan.company_id)
            ._render_qweb_pdf(
                "account_receivable_management.ar_payment_plan_report_action",
                plan.ids,
            )
        )
        filename = f"{plan.name} - signed.pdf".replace("/", "_")
        message = plan.message_post(
            body=self.env._("Schedule signed online by %(name)s.", name=name.strip()),
            attachments=[(filename, pdf)],
            author_id=self.env.user.partner_id.id,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        plan._ar_workflow_write({"signed_document_id": message.attachment_ids[:1].id})
        return plan.state == "active"

    def action_restructure(self):
        """*New Plan* on a defaulted plan: a draft on what it leaves open,
        the customer's recovery answers copied, for the collector to agree
        new terms; this one stays defaulted until the new one is active."""
        self.ensure_one()
        self.check_access("write")
        invoices = self.invoice_ids.filtered_domain(OPEN_INVOICE_DOMAIN)
        if self.state != "defaulted" or not invoices:
            raise UserError(
                self.env._(
                    "Plan %(name)s is not a defaulted plan with invoices left open.",
                    name=self.name,
                )
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Plan for %(name)s", name=self.partner_id.name),
            "res_model": self._name,
            "views": [(False, "form")],
            "target": "current",
            "context": {
                "default_partner_id": self.partner_id.id,
                "default_company_id": self.company_id.id,
                "default_invoice_ids": invoices.ids,
                # the same collector, unless they have left the credit team
                # (then the user restructuring, as for any new plan)
                **(
                    {"default_user_id": self.user_id.id}
                    if is_credit_member(self.user_id, self.company_id)
                    else {}
                ),
                "default_funding_source": self.funding_source,
                "default_overhead_cuts": self.overhead_cuts,
                "default_business_changes": self.business_changes,
                "default_note": self.env._(
                    "Replaces defaulted plan %(name)s.", name=self.name
                ),
            },
        }

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

    @api.model
    def _ar_portal_installment(self, customer, plan_id):
        """What paying the next installment of one of ``customer``'s active
        plans online pays: ``(plan, installment, invoices, amount)``, the
        amount being what is left of the earliest installment not paid in
        full, paid on the plan's open invoices (its fee's included), oldest
        due first, as a payment the plan counts (``_ar_evaluate``)."""
        plan = self._ar_portal_plan(customer, plan_id).filtered(
            lambda p: p.state == "active"
        )
        if not plan:
            raise UserError(
                self.env._("Choose one of your active payment plans, on this page.")
            )
        installment = plan._ar_next_installment()
        invoices = plan.invoice_ids.filtered_domain(OPEN_INVOICE_DOMAIN)
        if not installment or not invoices:
            raise UserError(
                self.env._(
                    "Plan %(name)s is paid: nothing is left to pay on it.",
                    name=plan.name,
                )
            )
        amount = min(installment.amount_open, sum(invoices.mapped("amount_residual")))
        return plan, installment, invoices.sorted("invoice_date_due"), amount

    def _ar_next_installment(self):
        """The earliest installment not paid in full, or an empty record."""
        self.ensure_one()
        return self.line_ids.sorted(
            lambda line: (line.date_due, line.sequence)
        ).filtered(lambda line: not line.is_paid)[:1]

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
            "name": self.env._("Send Schedule"),
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
        total = self._ar_total_company()
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
        plans = self._ar_lock_running().with_context(ar_defer_predictions=True)
        if not plans:
            return
        paid = plans._ar_reconciled_amounts("date_activated")
        defaulted = self.browse()
        changed = self.browse()
        repaid = self.browse()
        for plan in plans:
            lines = plan.line_ids.sorted(lambda line: (line.date_due, line.sequence))
            digits = plan.currency_id.decimal_places
            amounts = lines.mapped("amount")
            covered = plan_schedule.allocate(amounts, paid.get(plan.id, 0.0), digits)
            for line, amount_paid in zip(lines, covered, strict=True):
                if plan.currency_id.compare_amounts(line.amount_paid, amount_paid):
                    line._ar_workflow_write({"amount_paid": amount_paid})
                    repaid |= plan
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
        # a new state, or which installment covers an invoice: the predicted
        # dates move, computed once for all the plans judged
        (repaid | changed)._ar_refresh_predictions()

    def _ar_notify_defaulted(self):
        for plan in self:
            summary = self.env._("Payment plan %(name)s defaulted", name=plan.name)
            plan.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=(plan.user_id or self.env.user).id,
                summary=summary,
            )
            plan.message_post(body=summary)

    def _ar_refresh_partner_holds(self):
        for company, plans in self.grouped("company_id").items():
            self.env["ar.hold"]._refresh(plans.partner_id, company)

    @api.model
    def _cron_evaluate_plans(self):
        self.search([("state", "in", ("active", "defaulted"))])._ar_evaluate()
