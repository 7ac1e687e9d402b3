from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date

from .ar_dispute import parse_amount
from .ar_document_mixin import INVOICES_FIELD
from .ar_workflow_guard import DATE_WINDOW_YEARS

CHANNELS = [
    ("phone", "Phone"),
    ("email", "Email"),
    ("meeting", "Meeting"),
    ("portal", "Portal"),
    ("letter", "Letter"),
]
STATES = [
    ("open", "Open"),
    ("kept", "Kept"),
    ("partial", "Partly Kept"),
    ("broken", "Broken"),
    ("cancelled", "Cancelled"),
]


class ArPromise(models.Model):
    _name = "ar.promise"
    _description = "Promise to Pay"
    _inherit = ["ar.commitment.mixin"]
    _order = "promised_date desc, id desc"
    _ar_sequence_code = "ar.promise"
    _ar_running_states = ("open",)
    # Judgement belongs to the engine; a collector may only cancel.
    _ar_workflow_fields = (
        "state",
        "paid_amount",
        "date_judged",
        "date_recorded",
        "deadline",
    )
    _ar_terms_fields = (
        "partner_id",
        "company_id",
        "currency_id",
        "invoice_ids",
        "amount",
        "promised_date",
    )
    _ar_editable_states = ("open",)
    _ar_date_fields = {"promised_date": DATE_WINDOW_YEARS}

    invoice_ids = fields.Many2many(
        "account.move",
        "ar_promise_invoice_rel",
        "promise_id",
        "move_id",
        **INVOICES_FIELD,
    )
    amount = fields.Monetary(string="Promised Amount", required=True, tracking=True)
    amount_open = fields.Monetary(
        string="Open on Invoices",
        compute="_compute_amount_open",
        help="What the covered invoices still owe.",
    )
    promised_date = fields.Date(required=True, tracking=True)
    date_recorded = fields.Date(
        string="Recorded On",
        required=True,
        readonly=True,
        copy=False,
        default=fields.Date.context_today,
        help="Payments reconciled from this day on count toward the promise.",
    )
    deadline = fields.Date(
        compute="_compute_deadline",
        store=True,
        help="The promised date plus the policy's grace days: the promise is judged "
        "on the day after.",
    )
    channel = fields.Selection(CHANNELS, required=True, default="phone")
    contact_id = fields.Many2one(
        "res.partner",
        string="Customer Contact",
        domain="[('commercial_partner_id', '=', partner_id)]",
    )
    note = fields.Text()
    state = fields.Selection(
        STATES, required=True, default="open", readonly=True, copy=False, tracking=True
    )
    paid_amount = fields.Monetary(
        string="Paid Toward",
        readonly=True,
        copy=False,
        help="Payments reconciled with the covered invoices since the promise was "
        "recorded, by the deadline.",
    )
    date_judged = fields.Date(readonly=True, copy=False)

    _sql_constraints = [
        ("amount_positive", "CHECK(amount > 0)", "A promised amount must be positive."),
    ]

    @api.depends("invoice_ids.amount_residual")
    def _compute_amount_open(self):
        for promise in self:
            promise.amount_open = sum(promise.invoice_ids.mapped("amount_residual"))

    @api.depends("promised_date", "partner_id", "company_id")
    def _compute_deadline(self):
        for promise in self:
            if not (promise.promised_date and promise.partner_id):
                promise.deadline = promise.promised_date
                continue
            policy = promise.partner_id.commercial_partner_id._ar_policy(
                promise.company_id
            )
            promise.deadline = promise.promised_date + timedelta(
                days=policy.promise_grace_days
            )

    @api.constrains("partner_id", "invoice_ids", "amount", "currency_id")
    def _check_promise(self):
        for promise in self.filtered(lambda p: p.state == "open"):
            promise._ar_check_customer_invoices()
            if (
                promise.currency_id.compare_amounts(promise.amount, promise.amount_open)
                > 0
            ):
                raise ValidationError(
                    self.env._(
                        "%(customer)s promises %(amount)s but the invoices only have "
                        "%(open)s open. Lower the amount or add invoices.",
                        customer=promise.partner_id.name,
                        amount=promise.currency_id.format(promise.amount),
                        open=promise.currency_id.format(promise.amount_open),
                    )
                )

    @api.constrains("partner_id", "contact_id")
    def _check_contact(self):
        for promise in self.sudo().filtered("contact_id"):
            customer = promise.partner_id.commercial_partner_id
            if promise.contact_id.commercial_partner_id != customer:
                raise ValidationError(
                    self.env._(
                        "%(contact)s is not a contact of %(customer)s: choose who "
                        "promised among the customer's own contacts.",
                        contact=promise.contact_id.display_name,
                        customer=customer.name,
                    )
                )

    @api.constrains("promised_date")
    def _check_promised_date(self):
        for promise in self:
            if promise.promised_date < promise.date_recorded:
                raise ValidationError(
                    self.env._(
                        "The promised date %(date)s is in the past. A promise is "
                        "about a payment still to come.",
                        date=promise.promised_date,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        promises = super().create(vals_list)
        promises._ar_after_change()
        promises.invoice_ids._ar_reminders_answered()
        return promises

    def write(self, vals):
        res = super().write(vals)
        if vals.keys() & {"invoice_ids", "partner_id"}:
            self._ar_after_change()
            self.invoice_ids._ar_reminders_answered()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_judged(self):
        if self.filtered(lambda p: p.state not in ("open", "cancelled")):
            raise UserError(
                self.env._("Kept, partial and broken promises are history: keep them.")
            )

    @api.model
    def _ar_portal_promise(self, customer, invoice_ids, amount, promised_date):
        """A promise the customer makes on the portal: on some of its own open
        invoices, for at most what they leave open, on a day from today up to
        the policy's *Portal Promise Days* ahead. A later day reaches the
        collector as a request (an activity), and no promise is recorded.
        Returns (promise or None, message for the customer); refused with a
        message saying what to fix, nothing written."""
        invoices = self.env["account.move"]._ar_portal_selection(customer, invoice_ids)
        company = invoices.company_id
        currency = invoices.currency_id
        amount = parse_amount(self.env, amount)
        try:
            day = fields.Date.to_date(promised_date or None)
        except ValueError:
            day = None
        today = fields.Date.context_today(self)
        if not day:
            raise UserError(self.env._("Choose the day you will pay."))
        if day < today:
            raise UserError(
                self.env._("The day you will pay is in the past: choose a coming day.")
            )
        if currency.compare_amounts(amount, 0.0) <= 0:
            raise UserError(self.env._("Promise a positive amount."))
        open_amount = sum(invoices.mapped("amount_residual"))
        if currency.compare_amounts(amount, open_amount) > 0:
            raise UserError(
                self.env._(
                    "%(amount)s is more than the %(open)s these invoices leave "
                    "open: promise at most that.",
                    amount=currency.format(amount),
                    open=currency.format(open_amount),
                )
            )
        partner = customer.commercial_partner_id.sudo()
        policy = partner._ar_policy(company)
        contact = partner._ar_credit_contact(company)
        if (day - today).days > policy.portal_promise_days:
            summary = self.env._(
                "%(customer)s asks to pay %(amount)s on %(day)s (%(invoices)s)",
                customer=partner.name,
                amount=currency.format(amount),
                day=format_date(self.env, day),
                invoices=", ".join(invoices.mapped("name")),
            )
            partner.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=(contact or self.env.ref("base.user_root")).id,
                summary=summary,
                note=self.env._(
                    "Beyond the %(days)s days a customer may promise on the portal: "
                    "agree a date, record the promise or offer a payment plan.",
                    days=policy.portal_promise_days,
                ),
            )
            partner.message_post(body=summary)
            return None, self.env._(
                "Paying on %(day)s is further ahead than we can accept online: "
                "your request went to your contact in our credit team, who will "
                "get back to you.",
                day=format_date(self.env, day),
            )
        promise = (
            self.sudo()
            .with_company(company)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "invoice_ids": [Command.set(invoices.ids)],
                    "amount": amount,
                    "promised_date": day,
                    "channel": "portal",
                    "contact_id": self.env.user.partner_id.id,
                    "user_id": contact.id,
                }
            )
        )
        if contact:
            promise.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=contact.id,
                summary=self.env._(
                    "Promised on the portal: %(amount)s on %(day)s",
                    amount=currency.format(amount),
                    day=format_date(self.env, day),
                ),
            )
        return promise, self.env._(
            "Thank you: we noted your promise to pay %(amount)s on %(day)s, and "
            "hold back reminders for these invoices until then.",
            amount=currency.format(amount),
            day=format_date(self.env, day),
        )

    def _ar_terms_locked_hint(self):
        return self.env._("Record a new promise instead.")

    def action_cancel(self):
        """The one judgement a collector makes: an open promise is off."""
        self.check_access("write")
        open_promises = self.filtered(lambda p: p.state == "open")
        open_promises._ar_workflow_write({"state": "cancelled"})
        open_promises._ar_after_change()
        return True

    # ------------------------------------------------------------------
    # Evaluation
    # ------------------------------------------------------------------
    def _ar_after_change(self):
        """Open promises change which invoices the overdue rules see."""
        for company, promises in self.grouped("company_id").items():
            self.env["ar.hold"]._refresh(promises.partner_id, company)

    def _ar_evaluate(self, today=None):
        """Judge the open promises of ``self``: kept as soon as the payments
        reach the amount; after the deadline, partial or broken. A promise is
        judged once: a second run, or a concurrent one, finds it no longer open."""
        today = today or fields.Date.context_today(self)
        promises = self._ar_lock_running().with_context(ar_defer_predictions=True)
        if not promises:
            return
        paid = promises._ar_reconciled_amounts(
            "date_recorded", "deadline", payments_only=True
        )
        judged = {
            "kept": self.browse(),
            "partial": self.browse(),
            "broken": self.browse(),
        }
        for promise in promises:
            amount_paid = paid.get(promise.id, 0.0)
            currency = promise.currency_id
            if currency.compare_amounts(amount_paid, promise.amount) >= 0:
                state = "kept"
            elif promise.deadline < today:
                state = "partial" if not currency.is_zero(amount_paid) else "broken"
            else:
                if currency.compare_amounts(amount_paid, promise.paid_amount):
                    promise._ar_workflow_write({"paid_amount": amount_paid})
                continue
            promise._ar_workflow_write(
                {"paid_amount": amount_paid, "state": state, "date_judged": today}
            )
            judged[state] |= promise
        judged["broken"]._ar_notify_broken()
        judged_all = judged["kept"] | judged["partial"] | judged["broken"]
        judged_all._ar_refresh_predictions()
        for company, done in judged_all.grouped("company_id").items():
            self._store_partner_stats(done.partner_id, company)

    def _ar_notify_broken(self):
        for promise in self:
            summary = self.env._("Broken promise %(name)s", name=promise.name)
            note = self.env._(
                "%(customer)s promised %(amount)s by %(date)s and paid %(paid)s. "
                "Call them.",
                customer=promise.partner_id.name,
                amount=promise.currency_id.format(promise.amount),
                date=promise.promised_date,
                paid=promise.currency_id.format(promise.paid_amount),
            )
            promise.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=(promise.user_id or self.env.user).id,
                summary=summary,
                note=note,
            )
            # on the promise, the credit team's (the customer's chatter is
            # every employee's; its hold says what a salesperson may know)
            promise.message_post(
                body=self.env._("%(summary)s: %(note)s", summary=summary, note=note)
            )

    @api.model
    def _store_partner_stats(self, partners, company):
        """Store the kept and broken counts of ``partners`` (commercial) in
        ``company``, then let the broken-promises rule look at them."""
        partners = partners.commercial_partner_id._origin
        groups = self.sudo()._read_group(
            [
                ("partner_id", "in", partners.ids),
                ("company_id", "=", company.id),
                ("state", "in", ("kept", "broken")),
            ],
            ["partner_id", "state"],
            ["__count", "date_judged:max"],
        )
        stats = {}
        for partner, state, count, last in groups:
            stats.setdefault(partner.id, {})[state] = (count, last)
        for partner in partners.sudo().with_company(company):
            mine = stats.get(partner.id, {})
            vals = {
                "ar_promise_kept_count": mine.get("kept", (0, False))[0],
                "ar_promise_broken_count": mine.get("broken", (0, False))[0],
                "ar_last_broken_promise_date": mine.get("broken", (0, False))[1],
            }
            if any(partner[field] != value for field, value in vals.items()):
                partner.write(vals)
        self.env["ar.hold"]._refresh(partners, company)

    @api.model
    def _cron_evaluate_promises(self):
        self.search([("state", "=", "open")])._ar_evaluate()
