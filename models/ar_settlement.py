from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from . import settlement_math
from .ar_credit_policy import SETTLEMENT_ACCOUNT_DOMAIN
from .ar_document_mixin import INVOICES_FIELD
from .ar_instrument_mixin import SETTLE_STATES, ArInstrumentMixin, state_field

METHODS = [
    ("credit_note", "Credit Note (reduces tax)"),
    ("write_off", "Write-Off (no tax effect)"),
]


class ArSettlement(models.Model):
    """The customer pays an agreed part of some open invoices and the rest is
    forgiven: the payment, the forgiven remainder and their reconciliation are
    posted together, and every invoice ends paid."""

    _name = "ar.settlement"
    _description = "Negotiated Settlement"
    _inherit = ["ar.instrument.mixin"]
    _order = "date desc, id desc"
    _ar_sequence_code = "ar.settlement"
    _ar_move_link = "ar_settlement_id"
    _ar_workflow_fields = (
        *ArInstrumentMixin._ar_workflow_fields,
        "payment_id",
        "amount_open",
        "amount_forgiven",
    )
    _ar_terms_fields = (
        *ArInstrumentMixin._ar_terms_fields,
        "amount_agreed",
        "method",
        "journal_id",
        "writeoff_account_id",
        "part_ways",
    )

    invoice_ids = fields.Many2many(
        "account.move",
        "ar_settlement_invoice_rel",
        "settlement_id",
        "move_id",
        **INVOICES_FIELD,
    )
    state = state_field(SETTLE_STATES)
    amount_open = fields.Monetary(
        string="Open on Invoices",
        compute="_compute_amount_open",
        store=True,
        help="What the invoices owe; frozen when the settlement is posted.",
    )
    amount_agreed = fields.Monetary(
        string="Agreed Payment",
        required=True,
        tracking=True,
        help="What the customer pays to close the invoices.",
    )
    amount_forgiven = fields.Monetary(
        string="Forgiven",
        compute="_compute_amount_forgiven",
        store=True,
        help="Open on the invoices minus the agreed payment.",
    )
    method = fields.Selection(
        METHODS,
        string="Book Forgiven Amount As",
        required=True,
        default="credit_note",
        tracking=True,
        help="Credit Note: a credit note per invoice, prorated over its lines and "
        "taxes, so output tax is reduced with the price. Write-Off: one entry to "
        "the settlement discount account; the tax already declared stays as it "
        "is (use it where the law gives no tax relief on a discount granted "
        "after the sale).",
    )
    journal_id = fields.Many2one(
        "account.journal",
        string="Payment Journal",
        required=True,
        check_company=True,
        domain="[('type', 'in', ('bank', 'cash'))]",
        default=lambda self: self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(self.env.company),
                ("type", "=", "bank"),
            ],
            limit=1,
        ),
    )
    writeoff_account_id = fields.Many2one(
        "account.account",
        string="Settlement Discount Account",
        compute="_compute_writeoff_account_id",
        store=True,
        readonly=False,
        check_company=True,
        domain=SETTLEMENT_ACCOUNT_DOMAIN,
        help="Receives the forgiven amount of a write-off, and the cent of tax "
        "rounding a credit note can leave.",
    )
    part_ways = fields.Boolean(
        tracking=True,
        help="After settling, put the customer on a permanent manual credit hold "
        "with this settlement as the reason: no further credit. Manual holds are "
        "a Credit Manager's, so a Credit Manager approves such a settlement.",
    )
    payment_id = fields.Many2one("account.payment", readonly=True, copy=False)

    @api.depends("invoice_ids.amount_residual", "state")
    def _compute_amount_open(self):
        for settlement in self:
            if settlement.state in ("draft", "approved", "cancelled"):
                settlement.amount_open = sum(
                    settlement.invoice_ids.mapped("amount_residual")
                )

    @api.depends("amount_open", "amount_agreed")
    def _compute_amount_forgiven(self):
        for settlement in self:
            settlement.amount_forgiven = (
                settlement.amount_open - settlement.amount_agreed
            )

    @api.depends("partner_id", "company_id")
    def _compute_writeoff_account_id(self):
        for settlement in self:
            if not settlement.writeoff_account_id:
                settlement.writeoff_account_id = (
                    settlement._ar_policy_or_default()._settlement_account()
                )

    @api.constrains("partner_id", "invoice_ids", "amount_agreed", "state")
    def _check_terms(self):
        for settlement in self.filtered(lambda s: s.state in ("draft", "approved")):
            settlement._ar_check_customer_invoices()
            settlement._check_amount()

    def _check_amount(self):
        self.ensure_one()
        currency = self.currency_id
        if currency.compare_amounts(self.amount_agreed, 0.0) <= 0:
            raise ValidationError(
                self.env._(
                    "Settlement %(name)s: the agreed payment must be more than zero. "
                    "To forgive everything, write the invoices off instead.",
                    name=self.name,
                )
            )
        if currency.compare_amounts(self.amount_agreed, self.amount_open) >= 0:
            raise ValidationError(
                self.env._(
                    "Settlement %(name)s: the agreed payment %(agreed)s must be less "
                    "than the %(open)s open on its invoices; a full payment needs no "
                    "settlement.",
                    name=self.name,
                    agreed=currency.format(self.amount_agreed),
                    open=currency.format(self.amount_open),
                )
            )

    def _ar_approval_value(self):
        return max(self.amount_forgiven, 0.0)

    def _ar_manager_reason(self):
        if self.part_ways:
            return self.env._(
                "Settlement %(name)s parts ways with %(customer)s: it puts them on a "
                "permanent manual credit hold, which only a Credit Manager places. A "
                "Credit Manager must approve it.",
                name=self.name,
                customer=self.partner_id.name,
            )
        return super()._ar_manager_reason()

    def _ar_check_ready(self):
        self.ensure_one()
        self._ar_check_customer_invoices()
        self._check_amount()
        balance = self.env["account.move"]._ar_open_balance_of(
            self.partner_id, self.company_id, self.currency_id
        )
        if self.currency_id.compare_amounts(self.amount_agreed, balance) > 0:
            raise ValidationError(
                self.env._(
                    "Settlement %(name)s: the agreed payment %(agreed)s is more than "
                    "the %(balance)s %(customer)s owes in all (after its unapplied "
                    "payments and credit notes). Apply those first, or lower the "
                    "amount.",
                    name=self.name,
                    agreed=self.currency_id.format(self.amount_agreed),
                    balance=self.currency_id.format(balance),
                    customer=self.partner_id.name,
                )
            )
        if self.journal_id.type not in ("bank", "cash"):
            raise ValidationError(
                self.env._(
                    "Settlement %(name)s: choose a bank or cash journal for the "
                    "payment.",
                    name=self.name,
                )
            )
        if not self.writeoff_account_id:
            raise ValidationError(
                self.env._(
                    "Settlement %(name)s: set the Settlement Discount Account (or "
                    "one on the credit policy).",
                    name=self.name,
                )
            )

    # ------------------------------------------------------------------
    # Posting
    # ------------------------------------------------------------------
    def action_settle(self):
        """Post the payment and the forgiven remainder, and reconcile them with
        the invoices. All or nothing: any error leaves the books as they were."""
        return self._ar_post("approved", self.env._("settle"), type(self)._settle)

    def _settle(self):
        self.ensure_one()
        self._lock_invoices()
        self._ar_check_ready()
        # What the invoices owed and what is forgiven are frozen at what is
        # posted: the reconciliations below would recompute them to nothing.
        frozen = [self._fields["amount_open"], self._fields["amount_forgiven"]]
        with self.env.protecting(frozen, self):
            self._post_settlement()

    def _post_settlement(self):
        invoices = self.invoice_ids._ar_oldest_first()
        if self.method == "credit_note":
            discounts = settlement_math.prorate(
                self.amount_forgiven,
                invoices.mapped("amount_residual"),
                self.currency_id.decimal_places,
            )
            for invoice, discount in zip(invoices, discounts, strict=True):
                if not self.currency_id.is_zero(discount):
                    self._credit_invoice(invoice, discount)
        payment = invoices._ar_register_payment(
            amount=self.amount_agreed,
            payment_date=self.date,
            journal=self.journal_id,
            writeoff_account=self.writeoff_account_id,
            writeoff_label=self.env._("Settlement %(name)s", name=self.name),
        )
        payment.move_id.ar_settlement_id = self
        still_open = invoices.filtered(
            lambda m: not m.currency_id.is_zero(m.amount_residual)
        )
        if still_open:
            raise UserError(
                self.env._(
                    "Settlement %(name)s would leave %(invoices)s open; nothing was "
                    "posted. Check the invoices' payments and try again.",
                    name=self.name,
                    invoices=", ".join(still_open.mapped("name")),
                )
            )
        self._ar_workflow_write({"state": "done", "payment_id": payment[:1].id})
        body = self.env._(
            "Settled %(invoices)s: %(agreed)s paid, %(forgiven)s forgiven by %(how)s.",
            invoices=", ".join(invoices.mapped("name")),
            agreed=self.currency_id.format(self.amount_agreed),
            forgiven=self.currency_id.format(self.amount_forgiven),
            how=dict(self._fields["method"]._description_selection(self.env))[
                self.method
            ].lower(),
        )
        self.message_post(body=body)
        if self.part_ways:
            # placed in the name of the Credit Manager who approved it
            self.env["ar.hold"]._place_manual(
                self.partner_id,
                self.company_id,
                self.env._(
                    "Parted ways in settlement %(name)s: no further credit.",
                    name=self.name,
                ),
                user=self.approved_by_id,
            )

    def _lock_invoices(self):
        """Lock the invoices so no other transaction pays or settles them while
        this one posts, then read their residuals afresh."""
        self.env.execute_query(
            SQL(
                "SELECT id FROM account_move WHERE id = ANY(%s) FOR UPDATE",
                self.invoice_ids.ids,
            )
        )
        self.invoice_ids.invalidate_recordset(["amount_residual", "payment_state"])

    def _credit_invoice(self, invoice, discount):
        """Post a credit note of ``discount`` (tax included) on ``invoice``,
        spread over its lines in proportion so each tax is reduced in step, and
        reconcile it with the invoice. Tax rounding can leave its total a cent
        off ``discount``; the payment's write-off takes that cent."""
        currency = invoice.currency_id
        lines = invoice.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )
        gross = [
            line.price_unit * line.quantity * (1 - line.discount / 100.0)
            for line in lines
        ]
        ratio = discount / invoice.amount_total
        prices = settlement_math.prorate(
            currency.round(sum(gross) * ratio), gross, currency.decimal_places
        )
        label = self.env._("Settlement discount %(name)s", name=self.name)
        credit_note = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": invoice.partner_id.id,
                "company_id": invoice.company_id.id,
                "journal_id": invoice.journal_id.id,
                "currency_id": currency.id,
                "invoice_date": self.date,
                "date": self.date,
                "fiscal_position_id": invoice.fiscal_position_id.id,
                "reversed_entry_id": invoice.id,
                "invoice_origin": invoice.name,
                "ref": f"{label}, {invoice.name}",
                "ar_settlement_id": self.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": f"{label}: {line.name or line.product_id.name}",
                            "quantity": 1,
                            "price_unit": price,
                            "account_id": line.account_id.id,
                            "tax_ids": [Command.set(line.tax_ids.ids)],
                            "analytic_distribution": line.analytic_distribution,
                        }
                    )
                    for line, price in zip(lines, prices, strict=True)
                    if not currency.is_zero(price)
                ],
            }
        )
        credit_note.action_post()
        invoice._ar_apply_credit(
            credit_note.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            )
        )
        return credit_note
