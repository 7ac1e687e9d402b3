"""Disputes: a customer contests an invoice, whole or in part.

Opened by a collector from the invoice or by the customer on the portal, a
dispute names the invoice, the amount contested (at most what is open), a
reason code (``ar.dispute.reason``: price, quantity, damaged, not received,
duplicate, other) and the customer's message. Its owner is the customer's
collector, else the company's dispute owner (Settings). It goes open ->
under review -> credited, rejected, or withdrawn.

While open or under review it pauses the invoice: no reminder, no late
charge (``account.move._ar_dispute_pause_sql``), and, when the customer's
policy says so (*Disputes Pause Collection*, on by default), the worklist's
overdue rows leave it out. *Credit* posts a credit note for the amount
through Odoo's reversal, reconciled with the invoice (a Credit Controller up
to the policy's *Manager Approval Above*, a Credit Manager above); *Reject*
says why. The conversation is the chatter, which the customer sees on the
portal.
"""

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_round, format_amount

from .access import (
    CREDIT_GROUPS,
    MANAGER_GROUP,
    check_credit_owners,
    manager_reason,
    require_collector,
)
from .account_move import OPEN_INVOICE_DOMAIN
from .ar_workflow_guard import workflow_flag


def parse_amount(env, value):
    """An amount typed on the portal, as a number; a clear error otherwise."""
    try:
        amount = float(str(value).replace(",", "").strip())
    except ValueError:
        amount = float("nan")
    if amount != amount or amount in (float("inf"), float("-inf")):
        raise UserError(env._("Enter the amount as a number, for instance 1250.00."))
    return amount


# A dispute in these states pauses its invoice.
RUNNING = ("open", "review")
STATES = [
    ("open", "Open"),
    ("review", "Under Review"),
    ("credited", "Credited"),
    ("rejected", "Rejected"),
    ("withdrawn", "Withdrawn"),
]
CHANNELS = [("internal", "Collector"), ("portal", "Customer Portal")]


def pausing_disputes_sql():
    """The invoices in a running dispute whose customer's policy says disputes
    pause collection (*Disputes Pause Collection*): a subquery of move ids,
    left out of the overdue hold rules and the worklist's overdue rows."""
    return SQL(
        """SELECT d.move_id
             FROM ar_dispute d
             JOIN res_partner dp ON dp.id = d.partner_id
             JOIN res_company dc ON dc.id = d.company_id
             JOIN ar_credit_policy pol
               ON pol.id = COALESCE((dp.ar_policy_id ->> d.company_id::text)::int,
                                    dc.ar_policy_id)
            WHERE d.state IN %s AND pol.dispute_pauses_collection""",
        RUNNING,
    )


class ArDisputeReason(models.Model):
    _name = "ar.dispute.reason"
    _inherit = ["ar.form.guard"]
    _description = "Dispute Reason"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    code = fields.Char(help="A short code for reports and imports.")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_unique", "UNIQUE(code)", "Two dispute reasons cannot share a code.")
    ]


class ArDispute(models.Model):
    _name = "ar.dispute"
    _description = "Invoice Dispute"
    _inherit = [
        "portal.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "ar.workflow.guard",
    ]
    _order = "date_open desc, id desc"
    _check_company_auto = True
    _ar_workflow_fields = (
        "name",
        "state",
        "channel",
        "date_open",
        "date_resolved",
        "days_to_resolve",
        "credit_note_id",
        "resolved_by_id",
    )
    _ar_terms_fields = ("move_id", "amount", "reason_id", "description")
    # said in its own words by _ar_check (not posted, paid, a bill)
    _ar_judged_fields = ("move_id",)
    _ar_editable_states = ("open",)

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/"
    )
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
        domain=repr(OPEN_INVOICE_DOMAIN),
    )
    company_id = fields.Many2one(
        related="move_id.company_id", store=True, index=True, precompute=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        related="move_id.commercial_partner_id",
        store=True,
        index=True,
        precompute=True,
    )
    currency_id = fields.Many2one(related="move_id.currency_id")
    invoice_residual = fields.Monetary(
        string="Open on Invoice", related="move_id.amount_residual"
    )
    amount = fields.Monetary(
        string="Amount Disputed",
        required=True,
        tracking=True,
        help="What the customer contests, at most what is open on the invoice.",
    )
    reason_id = fields.Many2one("ar.dispute.reason", required=True, tracking=True)
    description = fields.Text(string="Customer's Message")
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        tracking=True,
        domain="[('share', '=', False)]",
        default=lambda self: self._default_owner(),
    )
    channel = fields.Selection(CHANNELS, default="internal", required=True)
    state = fields.Selection(
        STATES, required=True, default="open", readonly=True, copy=False, tracking=True
    )
    date_open = fields.Date(
        string="Opened", required=True, readonly=True, default=fields.Date.context_today
    )
    date_resolved = fields.Date(string="Resolved", readonly=True, copy=False)
    days_to_resolve = fields.Integer(readonly=True, copy=False, aggregator="avg")
    # drafted by the credit team while the dispute is open: the customer
    # reads it on the portal once the dispute is resolved, not before
    resolution = fields.Text(
        help="What was decided and why; the customer sees it once resolved.",
        groups=CREDIT_GROUPS,
    )
    credit_note_id = fields.Many2one("account.move", readonly=True, copy=False)
    resolved_by_id = fields.Many2one("res.users", readonly=True, copy=False)

    _sql_constraints = [
        ("amount_positive", "CHECK(amount > 0)", "A dispute is for a positive amount.")
    ]

    @api.model
    def _default_owner(self):
        user = self.env.user
        return self.env["res.users"] if user._is_superuser() or user.share else user

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._ar_check_positive(vals.get("amount") or 0.0)
        disputes = super().create(vals_list)
        portal = workflow_flag(self, "ar_portal_channel")
        for dispute in disputes:
            dispute._ar_workflow_write(
                {
                    "name": self.env["ir.sequence"].next_by_code("ar.dispute") or "/",
                    "channel": "portal" if portal else "internal",
                }
            )
            dispute._ar_check()
            if not dispute.user_id:
                dispute.user_id = dispute._ar_owner()
            if dispute.user_id:
                dispute.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=dispute.user_id.id,
                    summary=self.env._(
                        "Dispute %(name)s on %(invoice)s",
                        name=dispute.name,
                        invoice=dispute.move_id.name,
                    ),
                )
            dispute._ar_refresh_holds()
            dispute.move_id.message_post(
                body=self.env._(
                    "Disputed by %(customer)s for %(amount)s: %(reason)s (%(name)s).",
                    customer=dispute.partner_id.name,
                    amount=format_amount(self.env, dispute.amount, dispute.currency_id),
                    reason=dispute.reason_id.name,
                    name=dispute.name,
                )
            )
        return disputes

    def write(self, vals):
        if "resolution" in vals and not self.env.su:
            # what the customer was told stays as it was when decided
            self._ar_check_running()
        if vals.get("move_id"):
            self._ar_check_same_customer(vals["move_id"])
        res = super().write(vals)
        if {"move_id", "amount"} & set(vals):
            for dispute in self:
                dispute._ar_check()
        return res

    @api.constrains("user_id", "company_id")
    def _check_owner(self):
        check_credit_owners(self)

    def _ar_check_same_customer(self, move_id):
        """A dispute may move to another invoice of its customer, never to
        another customer's: its description, in the customer's words, would
        show on that customer's portal."""
        customer = self.env["account.move"].browse(move_id).sudo().commercial_partner_id
        moved = self.filtered(lambda d: d.partner_id != customer)
        if moved:
            raise UserError(
                self.env._(
                    "Dispute %(name)s is %(customer)s's: choose another invoice of "
                    "theirs, or open a new dispute on the other customer's invoice.",
                    name=moved[0].name,
                    customer=moved[0].partner_id.name,
                )
            )

    def _ar_refresh_holds(self):
        """The overdue hold rules may leave the invoice out while disputed
        (the policy's *Disputes Pause Collection*): judge the customer again,
        from what is written (the figures are read in SQL)."""
        self.env.flush_all()
        self.env["ar.hold"]._refresh(self.partner_id, self.company_id)

    def _ar_owner(self):
        """The customer's collector, else the company's dispute owner, else a
        Credit Manager."""
        self.ensure_one()
        return self.partner_id._ar_credit_contact(self.company_id)

    @api.model
    def _ar_check_positive(self, amount):
        if amount <= 0.0:
            raise ValidationError(
                self.env._("Dispute a positive amount, at most what is open.")
            )

    def _ar_check(self):
        """A posted customer invoice, still open, no other dispute running on
        it, and an amount no more than what is open."""
        self.ensure_one()
        invoice = self.move_id.sudo()
        self._ar_check_positive(self.amount)
        if invoice.move_type != "out_invoice" or invoice.state != "posted":
            raise ValidationError(
                self.env._(
                    "%(invoice)s is not a posted customer invoice: only those are "
                    "disputed.",
                    invoice=invoice.display_name,
                )
            )
        if self.state in RUNNING:
            if invoice.currency_id.is_zero(invoice.amount_residual):
                raise ValidationError(
                    self.env._(
                        "%(invoice)s is paid: nothing is left to dispute.",
                        invoice=invoice.name,
                    )
                )
            if (
                invoice.currency_id.compare_amounts(
                    self.amount, invoice.amount_residual
                )
                > 0
            ):
                raise ValidationError(
                    self.env._(
                        "%(amount)s disputed is more than the %(open)s open on "
                        "%(invoice)s: dispute at most what is open.",
                        amount=format_amount(
                            self.env, self.amount, invoice.currency_id
                        ),
                        open=format_amount(
                            self.env, invoice.amount_residual, invoice.currency_id
                        ),
                        invoice=invoice.name,
                    )
                )
            other = self.sudo().search_count(
                [
                    ("move_id", "=", invoice.id),
                    ("state", "in", RUNNING),
                    ("id", "!=", self.id),
                ]
            )
            if other:
                raise ValidationError(
                    self.env._(
                        "%(invoice)s is already in dispute: add to that dispute's "
                        "conversation instead.",
                        invoice=invoice.name,
                    )
                )

    # ------------------------------------------------------------------
    # Workflow
    # ------------------------------------------------------------------
    def _ar_check_running(self, states=RUNNING):
        for dispute in self:
            if dispute.state not in states:
                raise UserError(
                    self.env._(
                        "Dispute %(name)s is %(state)s: it can no longer change.",
                        name=dispute.name,
                        state=dict(STATES)[dispute.state],
                    )
                )

    def action_review(self):
        require_collector(self.env, self.env._("review a dispute"))
        self._ar_check_running(("open",))
        self._ar_workflow_write({"state": "review"})
        return True

    def _ar_resolve(self, state, credit_note=None):
        today = fields.Date.context_today(self)
        for dispute in self:
            dispute._ar_workflow_write(
                {
                    "state": state,
                    "date_resolved": today,
                    "days_to_resolve": (today - dispute.date_open).days,
                    "resolved_by_id": self.env.uid,
                    **({"credit_note_id": credit_note.id} if credit_note else {}),
                }
            )
            dispute._ar_refresh_holds()
            dispute.activity_ids.action_feedback(
                feedback=dict(STATES)[state]
                + (f": {dispute.resolution}" if dispute.resolution else "")
            )

    def _ar_require_resolution(self):
        for dispute in self:
            if not (dispute.resolution or "").strip():
                raise UserError(
                    self.env._(
                        "Write the resolution of dispute %(name)s first: the "
                        "customer reads it.",
                        name=dispute.name,
                    )
                )

    def action_reject(self):
        require_collector(self.env, self.env._("reject a dispute"))
        self._ar_check_running()
        self._ar_require_resolution()
        self._ar_resolve("rejected")
        for dispute in self:
            dispute.message_post(
                body=self.env._(
                    "Dispute rejected: %(resolution)s", resolution=dispute.resolution
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return True

    def action_withdraw(self):
        """The customer withdraws it (on the portal, or a collector for them)."""
        if not self.env.su:
            require_collector(self.env, self.env._("withdraw a dispute"))
        self._ar_check_running()
        self._ar_resolve("withdrawn")
        return True

    def _ar_manager_reason(self):
        """Why only a Credit Manager may credit this dispute, or None."""
        self.ensure_one()
        company = self.company_id
        worth = self.currency_id._convert(
            self.amount, company.currency_id, company, fields.Date.context_today(self)
        )
        return manager_reason(self, self.partner_id._ar_policy(company), worth)

    def action_credit(self):
        """Post a credit note for the disputed amount through Odoo's
        reversal, reconcile it with the invoice, and resolve the dispute."""
        require_collector(self.env, self.env._("credit a dispute"))
        self._ar_check_running()
        self._ar_require_resolution()
        for dispute in self:
            if not self.env.user.has_group(MANAGER_GROUP):
                reason = dispute._ar_manager_reason()
                if reason:
                    raise UserError(reason)
            dispute.check_access("write")
            dispute._ar_check()
            credit = dispute.sudo()._ar_post_credit_note()
            dispute._ar_resolve("credited", credit)
            dispute.message_post(
                body=self.env._(
                    "Dispute resolved with credit note %(credit)s for %(amount)s: "
                    "%(resolution)s",
                    credit=credit.name,
                    amount=format_amount(self.env, dispute.amount, dispute.currency_id),
                    resolution=dispute.resolution,
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return True

    def _ar_post_credit_note(self):
        """The credit note of the disputed amount: the invoice reversed
        (Odoo's reversal), its lines scaled to the amount when only part is
        disputed, posted and reconciled with the invoice."""
        self.ensure_one()
        invoice = self.move_id
        credit = invoice._reverse_moves(
            [
                {
                    "ref": self.env._(
                        "Dispute %(name)s: %(reason)s",
                        name=self.name,
                        reason=self.reason_id.name,
                    ),
                    "invoice_date": fields.Date.context_today(self),
                }
            ]
        )
        currency = invoice.currency_id
        if currency.compare_amounts(self.amount, invoice.amount_total):
            factor = self.amount / invoice.amount_total
            lines = credit.invoice_line_ids.filtered(
                lambda x: x.display_type == "product"
            )
            credit.write(
                {
                    "invoice_line_ids": [
                        Command.update(
                            line.id,
                            {
                                "price_unit": float_round(
                                    line.price_unit * factor, precision_digits=6
                                )
                            },
                        )
                        for line in lines
                    ]
                }
            )
            # taxes round per line: the cent left goes to the largest line
            difference = currency.round(self.amount - credit.amount_total)
            if lines and not currency.is_zero(difference):
                largest = max(lines, key=lambda x: abs(x.price_total))
                ratio = (
                    largest.price_total / largest.price_subtotal
                    if largest.price_subtotal
                    else 1.0
                )
                largest.price_unit += difference / ratio / (largest.quantity or 1.0)
        if currency.compare_amounts(credit.amount_total, self.amount):
            raise UserError(
                self.env._(
                    "The credit note for dispute %(name)s comes to %(total)s, not "
                    "the %(amount)s disputed: credit the invoice by hand "
                    "(Credit Note on the invoice) and reject this dispute saying so.",
                    name=self.name,
                    total=format_amount(self.env, credit.amount_total, currency),
                    amount=format_amount(self.env, self.amount, currency),
                )
            )
        credit.action_post()
        receivable = (invoice | credit).line_ids.filtered(
            lambda x: (
                x.account_id.account_type == "asset_receivable" and not x.reconciled
            )
        )
        receivable.reconcile()
        return credit

    # ------------------------------------------------------------------
    # Portal
    # ------------------------------------------------------------------
    @api.model
    def _ar_portal_open(self, customer, invoice_id, amount, reason_id, message):
        """A dispute the customer opens on the portal: on one of its own open
        invoices (of the companies the user may see), for at most what is
        open, for a reason of the list. Refused with a message saying what
        to fix, nothing written."""
        invoice = self.env["account.move"]._ar_portal_invoices(customer, [invoice_id])
        if not invoice:
            raise UserError(self.env._("Choose one of your open invoices to dispute."))
        try:
            reason = self.env["ar.dispute.reason"].sudo().browse(int(reason_id or 0))
        except (TypeError, ValueError):
            reason = self.env["ar.dispute.reason"]
        if not reason.exists() or not reason.active:
            raise UserError(self.env._("Choose why you dispute the invoice."))
        return (
            self.sudo()
            .with_company(invoice.company_id)
            .with_context(ar_portal_channel=True)
            .create(
                {
                    "move_id": invoice.id,
                    "amount": parse_amount(self.env, amount),
                    "reason_id": reason.id,
                    "description": (message or "").strip(),
                    "user_id": False,
                }
            )
        )

    def _ar_portal_withdraw(self):
        """The customer withdraws its dispute."""
        dispute = self.sudo()
        dispute.action_withdraw()
        dispute.message_post(
            body=self.env._("Withdrawn by the customer."),
            author_id=self.env.user.partner_id.id,
        )

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for dispute in self:
            dispute.access_url = f"/my/disputes/{dispute.id}"
        return res

    @api.model
    def _ar_pause_sql(self, alias):
        """An invoice of ``alias`` with a dispute open or under review."""
        return SQL(
            "EXISTS (SELECT 1 FROM ar_dispute d WHERE d.move_id = %s.id"
            " AND d.state IN %s)",
            SQL.identifier(alias),
            RUNNING,
        )

    def action_open_invoice(self):
        self.ensure_one()
        return self.move_id._get_records_action()
