from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .access import COLLECTOR_GROUP, MANAGER_GROUP, manager_reason, require_collector

APPROVAL_ACTIVITY = "account_receivable_management.mail_activity_type_ar_approval"

# The states of an instrument that posts in one step once approved.
SETTLE_STATES = [
    ("draft", "Draft"),
    ("approved", "Approved"),
    ("done", "Settled"),
    ("cancelled", "Cancelled"),
]


def state_field(states):
    """The workflow state of an instrument: starts in draft, moved by its
    buttons only."""
    return fields.Selection(
        states, required=True, default="draft", readonly=True, copy=False, tracking=True
    )


class ArInstrumentMixin(models.AbstractModel):
    """A settlement instrument: a negotiated discount, a return of goods or a
    barter. A collector prepares it; it is approved (by a Credit Manager when it
    is worth more than the policy's approval amount), then posts its accounting
    in one transaction: all of it, or nothing."""

    _name = "ar.instrument.mixin"
    _description = "Settlement Instrument"
    _inherit = ["ar.document.mixin"]
    _ar_move_link = None  # the account.move field that points back to it
    _ar_workflow_fields = (
        "state",
        "approved_by_id",
        "date_approved",
        "amount_approved",
        "date_approval_requested",
    )
    # What sets the worth: frozen once the instrument leaves draft, so what is
    # posted is what was approved (cancel and reset to draft to change it).
    _ar_terms_fields = (
        "partner_id",
        "company_id",
        "currency_id",
        "invoice_ids",
        "date",
    )
    _ar_date_fields = {"date": "accounting"}

    date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="Accounting date of what the instrument posts.",
    )
    reason = fields.Text(tracking=True, help="Why the customer is offered this.")
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    date_approved = fields.Datetime(string="Approved On", readonly=True, copy=False)
    amount_approved = fields.Monetary(
        string="Worth Approved",
        currency_field="company_currency_id",
        readonly=True,
        copy=False,
        help="The worth when it was approved: posting refuses to post more.",
    )
    amount_approval = fields.Monetary(
        string="Worth",
        compute="_compute_amount_approval",
        currency_field="company_currency_id",
        help="What the company gives up, in the company currency: it decides who "
        "may approve.",
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    needs_manager = fields.Boolean(
        string="Needs a Credit Manager",
        compute="_compute_amount_approval",
        help="Worth more than the policy's approval amount.",
    )
    can_approve = fields.Boolean(
        compute="_compute_can_approve",
        help="Whether the current user may approve it: a Credit Manager any, "
        "a Credit Controller those within the policy's approval amount.",
    )
    awaiting_my_approval = fields.Boolean(
        compute="_compute_awaiting_my_approval",
        search="_search_awaiting_my_approval",
        help="A draft whose approval was requested from the current user.",
    )
    date_approval_requested = fields.Datetime(
        string="Approval Requested On", readonly=True, copy=False
    )
    move_ids = fields.One2many(
        "account.move",
        compute="_compute_move_ids",
        string="Journal Entries",
        help="Everything this instrument posted.",
    )
    move_count = fields.Integer(compute="_compute_move_ids")

    def _ar_approval_value(self):
        """What the company gives up, in the instrument's currency."""
        raise NotImplementedError

    def _ar_worth_detail(self):
        """What the worth is made of, in words for the chatter and the
        approval request ("" when the worth says it all)."""
        return ""

    def _ar_worth_text(self):
        """The worth, in the company currency, with what it is made of."""
        self.ensure_one()
        worth = self.company_currency_id.format(self.amount_approval)
        detail = self._ar_worth_detail()
        return f"{worth} ({detail})" if detail else worth

    def _compute_amount_approval(self):
        for record in self:
            value = record._ar_approval_value()
            company = record.company_id or self.env.company
            currency = record.currency_id or company.currency_id
            record.amount_approval = currency._convert(
                value, company.currency_id, company, record.date or fields.Date.today()
            )
            record.needs_manager = bool(record._ar_manager_reason())

    @api.depends_context("uid")
    @api.depends("amount_approval")
    def _compute_can_approve(self):
        for record in self:
            record.can_approve = not record._ar_approver_problem()

    def _awaiting_my_approval_domain(self):
        activity_type = self.env.ref(APPROVAL_ACTIVITY, raise_if_not_found=False)
        return [
            ("state", "=", "draft"),
            (
                "activity_ids",
                "any",
                [
                    ("activity_type_id", "=", activity_type.id if activity_type else 0),
                    ("user_id", "=", self.env.uid),
                ],
            ),
        ]

    @api.depends_context("uid")
    @api.depends("state", "activity_ids")
    def _compute_awaiting_my_approval(self):
        waiting = self.filtered_domain(self._awaiting_my_approval_domain())
        for record in self:
            record.awaiting_my_approval = record in waiting

    def _search_awaiting_my_approval(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Search this filter as on or off."))
        domain = self._awaiting_my_approval_domain()
        return domain if (operator == "=") == value else ["!", "&", *domain]

    def _ar_manager_reason(self):
        """Why only a Credit Manager may approve this record, or None: worth
        more than the policy lets a Credit Controller approve."""
        self.ensure_one()
        return manager_reason(self, self._ar_policy_or_default(), self.amount_approval)

    @api.depends("state")
    def _compute_move_ids(self):
        moves = self.env["account.move"].search(
            [(self._ar_move_link, "in", self._origin.ids)]
        )
        for record in self:
            record.move_ids = moves.filtered(
                lambda m, r=record: m[self._ar_move_link] == r._origin
            )
            record.move_count = len(record.move_ids)

    def _ar_policy_or_default(self):
        self.ensure_one()
        company = self.company_id or self.env.company
        if self.partner_id:
            return self.partner_id.commercial_partner_id._ar_policy(company)
        return company._ar_ensure_policy()

    def _ar_terms_locked_hint(self):
        return self.env._(
            "They are what was approved: cancel it, reset it to draft, change them "
            "and have it approved again."
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_posted(self):
        if self.filtered(lambda r: r.state not in ("draft", "cancelled")):
            raise UserError(
                self.env._(
                    "Only draft or cancelled %(what)s can be deleted: the others "
                    "are part of the books.",
                    what=self._description,
                )
            )

    # ------------------------------------------------------------------
    # Approval
    # ------------------------------------------------------------------
    def action_approve(self):
        for record in self:
            # who may approve first: a user without the right learns that, not
            # what the record lacks (which they may not even be able to see)
            record._ar_check_approver()
            record._ar_check_state("draft", self.env._("approve"))
            record._ar_check_ready()
        now = fields.Datetime.now()
        for record in self:
            record._ar_workflow_write(
                {
                    "state": "approved",
                    "approved_by_id": self.env.uid,
                    "date_approved": now,
                    "amount_approved": record.amount_approval,
                }
            )
        for record in self:
            record.message_post(
                body=self.env._(
                    "Approved: worth %(amount)s.", amount=record._ar_worth_text()
                )
            )
            record._ar_after_approve()
        # the request is answered: the approver's activity done, the others'
        # withdrawn
        self.activity_feedback([APPROVAL_ACTIVITY], user_id=self.env.uid)
        self.activity_unlink([APPROVAL_ACTIVITY])
        return True

    def action_request_approval(self):
        """*Request Approval*: worth more than a Credit Controller may approve,
        the record goes to the company's Credit Managers, each with an
        activity; approving it closes them."""
        require_collector(self.env, self.env._("ask for an approval"))
        for record in self:
            record._ar_check_state("draft", self.env._("ask for an approval"))
            record._ar_check_ready()
            if not record.needs_manager:
                raise UserError(
                    self.env._(
                        "%(name)s is within what you may approve: approve it yourself.",
                        name=record.name,
                    )
                )
        managers = (
            self.env.ref(MANAGER_GROUP)
            .sudo()
            .users.filtered(
                lambda user: not user.share and user.active and not user._is_superuser()
            )
        )
        for record in self:
            company_managers = managers.filtered(
                lambda user, record=record: record.company_id in user.company_ids
            )
            if not company_managers:
                raise UserError(
                    self.env._(
                        "No Credit Manager works for %(company)s: ask an "
                        "administrator to name one.",
                        company=record.company_id.name,
                    )
                )
            asked = record.activity_ids.filtered(
                lambda activity: (
                    activity.activity_type_id == self.env.ref(APPROVAL_ACTIVITY)
                )
            ).user_id
            for manager in company_managers - asked:
                record.activity_schedule(
                    APPROVAL_ACTIVITY,
                    user_id=manager.id,
                    summary=self.env._(
                        "Approve %(name)s: worth %(amount)s",
                        name=record.name,
                        amount=record.company_currency_id.format(
                            record.amount_approval
                        ),
                    ),
                    note=record._ar_approval_request_note(),
                )
            record._ar_workflow_write(
                {"date_approval_requested": fields.Datetime.now()}
            )
        return True

    def _ar_approval_request_note(self):
        """Why a Credit Manager must approve, and what the worth is made of."""
        self.ensure_one()
        note = self._ar_manager_reason() or ""
        detail = self._ar_worth_detail()
        if detail:
            note = f"{note} {self.env._('Worth: %(detail)s.', detail=detail)}"
        return note.strip()

    def _ar_after_approve(self):
        """What approval sets in motion (a return picking)."""

    def _ar_check_ready(self):
        """The record is complete and consistent: raise a ValidationError that
        says what to fix."""
        raise NotImplementedError

    def _ar_approver_problem(self):
        """Why the current user may not approve this record, or None."""
        self.ensure_one()
        user = self.env.user
        if not user.has_group(COLLECTOR_GROUP):
            return self.env._(
                "Only a Credit Controller or a Credit Manager can approve a %(what)s.",
                what=self._description,
            )
        if not user.has_group(MANAGER_GROUP):
            return self._ar_manager_reason()
        return None

    def _ar_check_approver(self):
        """The current user may approve this record, or an AccessError that says
        who may."""
        problem = self._ar_approver_problem()
        if problem:
            raise AccessError(problem)

    def _ar_check_approval_covers(self):
        """What is about to be posted is what was approved, by someone who may
        approve it: its worth now is no more than the worth approved, and a
        Credit Manager approved it if it needs one."""
        self.ensure_one()
        currency = self.company_currency_id
        approver = self.approved_by_id
        if not approver:
            raise UserError(
                self.env._(
                    "%(what)s %(name)s was never approved: approve it first.",
                    what=self._description,
                    name=self.name,
                )
            )
        if currency.compare_amounts(self.amount_approval, self.amount_approved) > 0:
            raise UserError(
                self.env._(
                    "%(what)s %(name)s is now worth %(amount)s, more than the "
                    "%(approved)s %(approver)s approved. Cancel it, reset it to draft "
                    "and have it approved again.",
                    what=self._description,
                    name=self.name,
                    amount=currency.format(self.amount_approval),
                    approved=currency.format(self.amount_approved),
                    approver=approver.name,
                )
            )
        if not approver.has_group(MANAGER_GROUP):
            reason = self._ar_manager_reason()
            if reason:
                raise AccessError(
                    self.env._(
                        "%(reason)s %(approver)s, who approved it, is not one.",
                        reason=reason,
                        approver=approver.name,
                    )
                )

    def _ar_check_state(self, states, action):
        self.ensure_one()
        states = (states,) if isinstance(states, str) else states
        if self.state not in states:
            raise UserError(
                self.env._(
                    "Cannot %(action)s %(name)s: it is %(state)s.",
                    action=action,
                    name=self.name,
                    state=self._ar_state_label(),
                )
            )

    def _ar_post(self, state, action, method):
        """Run ``method`` (the posting of each record in ``state``) in one
        savepoint: all of it or nothing. The user's right to act on the
        record is checked here; the accounting and stock work it implies
        (reconciling invoices of orders the user does not own, receipts)
        then runs as the system, still recorded under the user's name."""
        for record in self:
            record._ar_check_state(state, action)
            record.check_access("write")
            record._ar_check_approval_covers()
            with self.env.cr.savepoint():
                method(record.sudo())
        return True

    def action_cancel(self):
        for record in self:
            record._ar_check_state(("draft", "approved"), self.env._("cancel"))
            record._ar_before_cancel()
        self._ar_workflow_write({"state": "cancelled"})
        return True

    def _ar_before_cancel(self):
        """Undo what approval set in motion."""

    def action_draft(self):
        for record in self:
            record._ar_check_state("cancelled", self.env._("reset to draft"))
        self._ar_workflow_write(
            {
                "state": "draft",
                "approved_by_id": False,
                "date_approved": False,
                "amount_approved": 0.0,
            }
        )
        return True

    def action_view_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_journal_line"
        )
        action.update(
            domain=[("id", "in", self.move_ids.ids)],
            context={"create": False},
            name=self.env._("Entries of %(name)s", name=self.name),
        )
        return action
