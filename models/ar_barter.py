from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from . import plan_schedule
from .ar_document_mixin import INVOICES_FIELD
from .ar_instrument_mixin import SETTLE_STATES, ArInstrumentMixin, state_field

KINDS = [
    ("goods", "Goods"),
    ("services", "Services"),
    ("advertising", "Advertising"),
    ("referrals", "Referrals"),
    ("other", "Other"),
]


class ArBarter(models.Model):
    """The customer pays in kind: what it supplies is billed by it like any
    purchase, and the bill's payable is offset against its open invoices by a
    netting entry, so its balance drops by exactly the agreed value."""

    _name = "ar.barter"
    _description = "Barter Settlement"
    _inherit = ["ar.instrument.mixin"]
    _order = "date desc, id desc"
    _ar_sequence_code = "ar.barter"
    _ar_move_link = "ar_barter_id"
    _ar_workflow_fields = (
        *ArInstrumentMixin._ar_workflow_fields,
        "bill_id",
        "netting_move_id",
        "amount_netted",
        "amount_untaxed",
        "amount_tax",
        "amount_total",
    )
    _ar_terms_fields = (
        *ArInstrumentMixin._ar_terms_fields,
        "line_ids",
        "allow_payable",
        "netting_journal_id",
    )

    invoice_ids = fields.Many2many(
        "account.move",
        "ar_barter_invoice_rel",
        "barter_id",
        "move_id",
        **{**INVOICES_FIELD, "required": False, "string": "Offset Against"},
        help="Open invoices the barter pays, oldest due first. Empty: all the "
        "customer's open invoices in the barter's currency.",
    )
    state = state_field(SETTLE_STATES)
    kind = fields.Selection(KINDS, string="Received", required=True, default="goods")
    description = fields.Text(
        string="What We Receive",
        help="The goods or services the customer supplies, and how the value was "
        "agreed. Attach the supporting documents in the chatter.",
    )
    supplier_ref = fields.Char(
        string="Customer's Bill Number", help="Reference on the vendor bill."
    )
    line_ids = fields.One2many(
        "ar.barter.line", "barter_id", string="Received Lines", copy=True
    )
    amount_untaxed = fields.Monetary(compute="_compute_amounts", store=True)
    amount_tax = fields.Monetary(string="Taxes", compute="_compute_amounts", store=True)
    amount_total = fields.Monetary(
        string="Agreed Value", compute="_compute_amounts", store=True, tracking=True
    )
    amount_open = fields.Monetary(
        string="Open Receivable",
        compute="_compute_amount_open",
        help="What the invoices offset against still owe.",
    )
    allow_payable = fields.Boolean(
        string="Leave Remainder Payable",
        help="Allow a value above the open receivable: what is left stays as a "
        "payable to the customer.",
    )
    netting_journal_id = fields.Many2one(
        "account.journal",
        compute="_compute_netting_journal_id",
        store=True,
        readonly=False,
        check_company=True,
        domain="[('type', '=', 'general')]",
    )
    bill_id = fields.Many2one(
        "account.move", string="Vendor Bill", readonly=True, copy=False
    )
    netting_move_id = fields.Many2one(
        "account.move", string="Netting Entry", readonly=True, copy=False
    )
    amount_netted = fields.Monetary(readonly=True, copy=False)

    @api.depends("line_ids.price_subtotal", "line_ids.price_total", "currency_id")
    def _compute_amounts(self):
        for record in self:
            record.amount_untaxed = sum(record.line_ids.mapped("price_subtotal"))
            record.amount_total = sum(record.line_ids.mapped("price_total"))
            record.amount_tax = record.amount_total - record.amount_untaxed

    @api.depends("invoice_ids", "partner_id", "company_id", "currency_id")
    def _compute_amount_open(self):
        for record in self:
            record.amount_open = sum(record._targets().mapped("amount_residual"))

    @api.depends("partner_id", "company_id")
    def _compute_netting_journal_id(self):
        for record in self:
            if not record.netting_journal_id and record.company_id:
                record.netting_journal_id = (
                    record._ar_policy_or_default()._netting_journal()
                )

    @api.constrains("partner_id", "invoice_ids", "line_ids", "allow_payable", "state")
    def _check_terms(self):
        for record in self.filtered(lambda r: r.state == "draft"):
            if record.invoice_ids:
                record._ar_check_customer_invoices()
            record._check_value()

    def _targets(self):
        """The open invoices the barter pays, oldest due first."""
        self.ensure_one()
        if not (self.partner_id and self.company_id and self.currency_id):
            return self.env["account.move"]
        if self.invoice_ids:
            return self.invoice_ids._ar_oldest_first()
        return self.env["account.move"]._ar_open_invoices_of(
            self.partner_id, self.company_id, self.currency_id
        )

    def _check_value(self):
        self.ensure_one()
        if self.allow_payable or not self.line_ids:
            return
        currency = self.currency_id
        if currency.compare_amounts(self.amount_total, self.amount_open) > 0:
            raise ValidationError(
                self.env._(
                    "Barter %(name)s is worth %(value)s, more than the %(open)s "
                    "%(customer)s owes on the invoices it offsets. Lower the value, "
                    "or tick Leave Remainder Payable to owe the customer the rest.",
                    name=self.name,
                    value=currency.format(self.amount_total),
                    open=currency.format(self.amount_open),
                    customer=self.partner_id.name,
                )
            )

    def _ar_approval_value(self):
        return self.amount_total

    def _ar_check_ready(self):
        self.ensure_one()
        if self.partner_id != self.partner_id.commercial_partner_id:
            raise ValidationError(
                self.env._(
                    "Record the barter on the company %(company)s, not on its contact.",
                    company=self.partner_id.commercial_partner_id.name,
                )
            )
        if not self.netting_journal_id:
            raise ValidationError(
                self.env._(
                    "Barter %(name)s: choose the netting journal (or set one on the "
                    "credit policy) to offset the bill against the invoices.",
                    name=self.name,
                )
            )
        if (
            not self.line_ids
            or self.currency_id.compare_amounts(self.amount_total, 0.0) <= 0
        ):
            raise ValidationError(
                self.env._(
                    "Barter %(name)s: describe what the customer supplies, with a "
                    "value above zero.",
                    name=self.name,
                )
            )
        if self.invoice_ids:
            self._ar_check_customer_invoices()
        if not self._targets():
            raise ValidationError(
                self.env._(
                    "Barter %(name)s: %(customer)s has no open invoice in "
                    "%(currency)s to offset; this is a plain purchase.",
                    name=self.name,
                    customer=self.partner_id.name,
                    currency=self.currency_id.name,
                )
            )
        self._check_value()

    # ------------------------------------------------------------------
    # Posting
    # ------------------------------------------------------------------
    def action_settle(self):
        """Post the vendor bill for what is received and the netting entry that
        offsets it against the invoices. All or nothing."""
        return self._ar_post("approved", self.env._("settle"), type(self)._settle)

    def _settle(self):
        self.ensure_one()
        journal = self.netting_journal_id
        targets = self._targets()
        self.env.execute_query(
            SQL(
                "SELECT id FROM account_move WHERE id = ANY(%s) FOR UPDATE",
                targets.ids,
            )
        )
        targets.invalidate_recordset(["amount_residual", "payment_state"])
        self._ar_check_ready()
        bill = self.env["account.move"].create(self._bill_vals())
        bill.action_post()
        currency = self.currency_id
        residuals = targets.mapped("amount_residual")
        netted = min(bill.amount_total, sum(residuals))
        shares = plan_schedule.allocate(residuals, netted, currency.decimal_places)
        netting = self.env["account.move"].create(
            self._netting_vals(journal, bill, targets, shares)
        )
        netting.action_post()
        payable = (bill.line_ids | netting.line_ids).filtered(
            lambda line: line.account_type == "liability_payable"
        )
        payable.reconcile()
        targets._ar_apply_credit(
            netting.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            )
        )
        self._ar_workflow_write(
            {
                "state": "done",
                "bill_id": bill.id,
                "netting_move_id": netting.id,
                "amount_netted": netted,
            }
        )
        body = self.env._(
            "Barter settled: bill %(bill)s of %(value)s offset against %(invoices)s "
            "by %(netting)s for %(netted)s.",
            bill=bill.name,
            value=currency.format(bill.amount_total),
            invoices=", ".join(targets.mapped("name")),
            netting=netting.name,
            netted=currency.format(netted),
        )
        self.message_post(body=body)
        bill.message_post(body=body)

    def _bill_vals(self):
        return {
            "move_type": "in_invoice",
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "currency_id": self.currency_id.id,
            "invoice_date": self.date,
            "date": self.date,
            "ref": self.supplier_ref or self.name,
            "invoice_origin": self.name,
            "ar_barter_id": self.id,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": line.name,
                        "product_id": line.product_id.id,
                        "quantity": line.quantity,
                        "price_unit": line.price_unit,
                        "account_id": line.account_id.id,
                        "tax_ids": [Command.set(line.tax_ids.ids)],
                    }
                )
                for line in self.line_ids
            ],
        }

    def _netting_vals(self, journal, bill, invoices, shares):
        """Debit the bill's payable and credit each invoice's receivable for its
        share, in the barter's currency at the barter date."""
        currency = self.currency_id
        label = self.env._("Barter %(name)s", name=self.name)

        def line(account, amount, name):
            return {
                "name": name,
                "account_id": account.id,
                "partner_id": self.partner_id.id,
                "currency_id": currency.id,
                "amount_currency": amount,
                "balance": currency._convert(
                    amount, self.company_currency_id, self.company_id, self.date
                ),
            }

        credits = [
            line(
                invoice.line_ids.filtered(
                    lambda line: line.account_type == "asset_receivable"
                )[:1].account_id,
                -share,
                f"{label}: {invoice.name}",
            )
            for invoice, share in zip(invoices, shares, strict=True)
            if not currency.is_zero(share)
        ]
        payable_account = bill.line_ids.filtered(
            lambda line: line.account_type == "liability_payable"
        )[:1].account_id
        debit = line(
            payable_account, -sum(c["amount_currency"] for c in credits), label
        )
        debit["balance"] = -sum(c["balance"] for c in credits)
        return {
            "move_type": "entry",
            "journal_id": journal.id,
            "company_id": self.company_id.id,
            "date": self.date,
            "ref": label,
            "ar_barter_id": self.id,
            "line_ids": [Command.create(debit)]
            + [Command.create(vals) for vals in credits],
        }


class ArBarterLine(models.Model):
    _name = "ar.barter.line"
    _description = "Barter Line"
    _inherit = ["ar.workflow.guard"]
    _check_company_auto = True
    _ar_workflow_fields = ("price_subtotal", "price_total")
    _ar_document_field = "barter_id"

    barter_id = fields.Many2one(
        "ar.barter", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="barter_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="barter_id.currency_id")
    product_id = fields.Many2one(
        "product.product", check_company=True, domain="[('purchase_ok', '=', True)]"
    )
    name = fields.Char(
        string="Description",
        compute="_compute_name",
        store=True,
        readonly=False,
        required=True,
    )
    account_id = fields.Many2one(
        "account.account",
        string="Expense Account",
        compute="_compute_account_id",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
        check_company=True,
        domain="[('account_type', 'not in', ('asset_receivable', "
        "'liability_payable', 'off_balance'))]",
    )
    quantity = fields.Float(digits="Product Unit of Measure", default=1.0)
    price_unit = fields.Float(string="Unit Value", digits="Product Price")
    tax_ids = fields.Many2many(
        "account.tax",
        string="Taxes",
        check_company=True,
        domain="[('type_tax_use', '=', 'purchase')]",
        compute="_compute_tax_ids",
        store=True,
        readonly=False,
    )
    price_subtotal = fields.Monetary(compute="_compute_price", store=True)
    price_total = fields.Monetary(compute="_compute_price", store=True)

    @api.depends("product_id")
    def _compute_name(self):
        for line in self:
            if line.product_id and not line.name:
                line.name = line.product_id.display_name

    @api.depends("product_id")
    def _compute_account_id(self):
        """The product's expense account; without a product, the expense
        account of the company's purchase journal (what a vendor bill of the
        supply would book)."""
        purchase_accounts = {}  # company -> its purchase journal's account
        for line in self:
            if line.product_id:
                accounts = line.product_id.product_tmpl_id.with_company(
                    line.company_id
                )._get_product_accounts()
                line.account_id = accounts["expense"] or line.account_id
            elif not line.account_id and line.company_id:
                company = line.company_id
                if company not in purchase_accounts:
                    purchase_accounts[company] = (
                        self.env["account.journal"]
                        .search(
                            [
                                *self.env["account.journal"]._check_company_domain(
                                    company
                                ),
                                ("type", "=", "purchase"),
                            ],
                            limit=1,
                        )
                        .default_account_id
                    )
                line.account_id = purchase_accounts[company]

    @api.depends("product_id")
    def _compute_tax_ids(self):
        for line in self:
            if line.product_id:
                line.tax_ids = line.product_id.supplier_taxes_id.filtered_domain(
                    self.env["account.tax"]._check_company_domain(line.company_id)
                )

    @api.depends("quantity", "price_unit", "tax_ids", "currency_id")
    def _compute_price(self):
        for line in self:
            taxes = line.tax_ids.compute_all(
                line.price_unit,
                currency=line.currency_id,
                quantity=line.quantity,
                product=line.product_id,
                partner=line.barter_id.partner_id,
            )
            line.price_subtotal = taxes["total_excluded"]
            line.price_total = taxes["total_included"]

    @api.constrains("quantity", "price_unit")
    def _check_value(self):
        for line in self:
            if line.quantity <= 0 or line.price_unit < 0:
                raise ValidationError(
                    self.env._(
                        "Barter line %(line)s: the quantity must be more than zero "
                        "and the value not negative.",
                        line=line.name,
                    )
                )
