from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

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
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "promised_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/"
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    invoice_ids = fields.Many2many(
        "account.move",
        "ar_promise_invoice_rel",
        "promise_id",
        "move_id",
        string="Invoices",
        required=True,
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),"
        " ('payment_state', 'in', ('not_paid', 'partial')),"
        " ('commercial_partner_id', '=', partner_id)]",
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
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
    user_id = fields.Many2one(
        "res.users",
        string="Collector",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
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

    @api.depends("invoice_ids")
    def _compute_currency_id(self):
        for promise in self:
            promise.currency_id = (
                promise.invoice_ids[:1].currency_id
                or promise.currency_id
                or promise.company_id.currency_id
            )

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

    @api.constrains(
        "partner_id", "invoice_ids", "amount", "promised_date", "currency_id"
    )
    def _check_promise(self):
        for promise in self.filtered(lambda p: p.state == "open"):
            partner = promise.partner_id
            if partner != partner.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "Record the promise on the company %(company)s, not on its "
                        "contact %(contact)s.",
                        company=partner.commercial_partner_id.name,
                        contact=partner.name,
                    )
                )
            promise._check_invoices()
            if (
                promise.currency_id.compare_amounts(promise.amount, promise.amount_open)
                > 0
            ):
                raise ValidationError(
                    self.env._(
                        "%(customer)s promises %(amount)s but the invoices only have "
                        "%(open)s open. Lower the amount or add invoices.",
                        customer=partner.name,
                        amount=promise.currency_id.format(promise.amount),
                        open=promise.currency_id.format(promise.amount_open),
                    )
                )
            if promise.promised_date < promise.date_recorded:
                raise ValidationError(
                    self.env._(
                        "The promised date %(date)s is in the past. A promise is "
                        "about a payment still to come.",
                        date=promise.promised_date,
                    )
                )

    def _check_invoices(self):
        self.ensure_one()
        if not self.invoice_ids:
            raise ValidationError(self.env._("Choose the invoices the promise covers."))
        for invoice in self.invoice_ids:
            problem = None
            if invoice.move_type != "out_invoice" or invoice.state != "posted":
                problem = self.env._("is not a posted customer invoice")
            elif invoice.commercial_partner_id != self.partner_id:
                problem = self.env._(
                    "belongs to %(other)s", other=invoice.partner_id.name
                )
            elif invoice.company_id != self.company_id:
                problem = self.env._("belongs to another company")
            elif invoice.currency_id != self.currency_id:
                problem = self.env._("is in another currency")
            elif invoice.currency_id.is_zero(invoice.amount_residual):
                problem = self.env._("is already paid")
            if problem:
                raise ValidationError(
                    self.env._(
                        "Invoice %(invoice)s %(problem)s: a promise of %(customer)s "
                        "can only cover its open invoices in one currency.",
                        invoice=invoice.name,
                        problem=problem,
                        customer=self.partner_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("ar.promise") or "/"
        promises = super().create(vals_list)
        promises._ar_after_change()
        return promises

    def write(self, vals):
        if self.filtered(lambda p: p.state != "open") and vals.keys() & {
            "invoice_ids",
            "amount",
            "promised_date",
            "partner_id",
        }:
            raise UserError(
                self.env._("A judged or cancelled promise cannot be changed.")
            )
        res = super().write(vals)
        if vals.keys() & {"invoice_ids", "partner_id", "state"}:
            self._ar_after_change()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_judged(self):
        if self.filtered(lambda p: p.state not in ("open", "cancelled")):
            raise UserError(
                self.env._("Kept, partial and broken promises are history: keep them.")
            )

    def action_cancel(self):
        open_promises = self.filtered(lambda p: p.state == "open")
        open_promises.write({"state": "cancelled"})
        return True

    # ------------------------------------------------------------------
    # Evaluation
    # ------------------------------------------------------------------
    def _ar_after_change(self):
        """Open promises change which invoices the overdue rules see."""
        for company, promises in self.grouped("company_id").items():
            promises.partner_id._ar_refresh_holds(company)

    def _ar_paid_amounts(self):
        """{promise id: payments reconciled with its invoices between the day it
        was recorded and its deadline}, in the invoices' currency. Credit notes
        do not keep a promise."""
        if not self:
            return {}
        self.env["account.partial.reconcile"].flush_model()
        self.env["account.move.line"].flush_model(["move_id", "account_id"])
        self.flush_recordset(["date_recorded", "deadline"])
        rows = self.env.execute_query(
            SQL(
                """
            SELECT promise.id, COALESCE(SUM(part.debit_amount_currency), 0)
              FROM ar_promise promise
              JOIN ar_promise_invoice_rel rel ON rel.promise_id = promise.id
              JOIN account_move_line inv_line ON inv_line.move_id = rel.move_id
              JOIN account_account acc ON acc.id = inv_line.account_id
                                       AND acc.account_type = 'asset_receivable'
              JOIN account_partial_reconcile part ON part.debit_move_id = inv_line.id
              JOIN account_move_line pay_line ON pay_line.id = part.credit_move_id
              JOIN account_move pay_move ON pay_move.id = pay_line.move_id
             WHERE promise.id = ANY(%s)
               AND pay_move.move_type NOT IN ('out_refund', 'in_refund')
               AND part.max_date >= promise.date_recorded
               AND part.max_date <= promise.deadline
          GROUP BY promise.id
            """,
                self.ids,
            )
        )
        return dict(rows)

    def _ar_evaluate(self, today=None):
        """Judge the open promises of ``self``: kept as soon as the payments
        reach the amount; after the deadline, partial or broken. A promise is
        judged once: a second run, or a concurrent one, finds it no longer open."""
        today = today or fields.Date.context_today(self)
        promises = self._ar_lock_open()
        if not promises:
            return
        paid = promises._ar_paid_amounts()
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
                    promise.paid_amount = amount_paid
                continue
            promise.write(
                {"paid_amount": amount_paid, "state": state, "date_judged": today}
            )
            judged[state] |= promise
        judged["broken"]._ar_notify_broken()
        judged_all = judged["kept"] | judged["partial"] | judged["broken"]
        for company, done in judged_all.grouped("company_id").items():
            done.partner_id._ar_update_promise_stats(company)

    def _ar_lock_open(self):
        """The open promises of ``self``, locked for this transaction; those
        another transaction is judging are skipped."""
        if not self.ids:
            return self.browse()
        self.flush_recordset(["state"])
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM ar_promise WHERE id = ANY(%s) AND state = 'open'"
                " ORDER BY id FOR UPDATE SKIP LOCKED",
                self.ids,
            )
        )
        return self.browse([row[0] for row in rows]).sudo()

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
            promise.partner_id.message_post(
                body=self.env._("%(summary)s: %(note)s", summary=summary, note=note)
            )

    @api.model
    def _cron_evaluate_promises(self):
        self.search([("state", "=", "open")])._ar_evaluate()

    def _ar_evaluate_for_lines(self, lines):
        """Payments were reconciled with these journal items: judge the open
        promises covering their invoices."""
        moves = lines.move_id.filtered(lambda m: m.move_type == "out_invoice")
        if not moves:
            return
        self.sudo().search(
            [("state", "=", "open"), ("invoice_ids", "in", moves.ids)]
        )._ar_evaluate()
