from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_compare, float_is_zero

from .ar_document_mixin import INVOICES_FIELD
from .ar_instrument_mixin import ArInstrumentMixin, state_field

FREIGHT_PAYERS = [
    ("customer", "Customer"),
    ("company", "We Pay"),
]


class ArReturn(models.Model):
    """The customer sends back unused goods it was invoiced for: approval makes
    the return picking from the original deliveries, validating it marks the
    goods received, and crediting posts the credit note (less any restocking
    fee) against the customer's open invoices, and the freight we pay."""

    _name = "ar.return"
    _description = "Return Authorization"
    _inherit = ["ar.instrument.mixin"]
    _order = "date desc, id desc"
    _ar_sequence_code = "ar.return"
    _ar_move_link = "ar_return_id"
    _ar_workflow_fields = (
        *ArInstrumentMixin._ar_workflow_fields,
        "credit_note_id",
        "picking_ids",
    )
    _ar_terms_fields = (
        *ArInstrumentMixin._ar_terms_fields,
        "line_ids",
        "restocking_fee",
        "freight_amount",
        "freight_payer",
        "carrier_partner_id",
        "freight_journal_id",
    )

    invoice_ids = fields.Many2many(
        "account.move",
        "ar_return_invoice_rel",
        "return_id",
        "move_id",
        **{**INVOICES_FIELD, "required": False, "string": "Credit Against"},
        help="Open invoices the credit note pays, in this order. Empty: the "
        "customer's open invoices, oldest due first.",
    )
    state = state_field(
        [
            ("draft", "Draft"),
            ("approved", "Approved"),
            ("received", "Received"),
            ("credited", "Credited"),
            ("cancelled", "Cancelled"),
        ]
    )
    line_ids = fields.One2many("ar.return.line", "return_id", string="Goods", copy=True)
    restocking_fee = fields.Float(
        string="Restocking Fee (%)",
        digits=(5, 2),
        tracking=True,
        help="Share of the returned value the customer is not credited.",
    )
    freight_amount = fields.Monetary(
        string="Return Freight",
        tracking=True,
        help="What carrying the goods back costs, tax excluded.",
    )
    freight_payer = fields.Selection(
        FREIGHT_PAYERS,
        string="Freight Paid By",
        required=True,
        default="customer",
        tracking=True,
        help="We may pay the freight to recover the goods rather than lose the "
        "whole amount. What we pay is booked as an expense when the return is "
        "credited.",
    )
    carrier_partner_id = fields.Many2one(
        "res.partner",
        string="Carrier",
        check_company=True,
        help="With a carrier, the freight we pay becomes a vendor bill from it; "
        "without, a payment from the freight journal.",
    )
    freight_journal_id = fields.Many2one(
        "account.journal",
        check_company=True,
        domain="[('type', 'in', ('bank', 'cash'))]",
        help="Bank or cash journal the freight is paid from when there is no "
        "carrier bill.",
    )
    amount_returned = fields.Monetary(
        string="Returned Value",
        compute="_compute_amounts",
        help="The goods at their invoiced prices, tax excluded.",
    )
    amount_fee = fields.Monetary(
        string="Restocking Fee",
        compute="_compute_amounts",
        help="The fee's share of the returned value, tax excluded.",
    )
    amount_credit_untaxed = fields.Monetary(
        string="Credit Untaxed",
        compute="_compute_amounts",
        help="The returned value less the restocking fee.",
    )
    amount_credit_tax = fields.Monetary(
        string="Taxes",
        compute="_compute_amounts",
        help="The goods' taxes on the credit untaxed.",
    )
    amount_credit = fields.Monetary(
        string="Credit",
        compute="_compute_amounts",
        help="What the customer is credited, taxes included: the credit "
        "untaxed plus its taxes.",
    )
    amount_freight_ours = fields.Monetary(
        string="Freight We Pay",
        compute="_compute_amounts",
        help="The return freight we pay, booked as an expense when the return "
        "is credited.",
    )
    picking_ids = fields.One2many(
        "stock.picking", "ar_return_id", string="Return Pickings", readonly=True
    )
    picking_count = fields.Integer(compute="_compute_picking_count")
    credit_note_id = fields.Many2one("account.move", readonly=True, copy=False)

    _sql_constraints = [
        (
            "restocking_fee_range",
            "CHECK(restocking_fee >= 0 AND restocking_fee < 100)",
            "The restocking fee is a percentage from 0 up to (not including) 100.",
        ),
        (
            "freight_positive",
            "CHECK(freight_amount >= 0)",
            "The return freight cannot be negative.",
        ),
    ]

    @api.depends("line_ids.invoice_line_id")
    def _compute_currency_id(self):
        for record in self:
            record.currency_id = (
                record.line_ids.invoice_line_id[:1].currency_id
                or record.currency_id
                or record.company_id.currency_id
            )

    @api.depends(
        "line_ids.quantity",
        "line_ids.qty_received",
        "restocking_fee",
        "state",
        "freight_amount",
        "freight_payer",
    )
    def _compute_amounts(self):
        for record in self:
            if record.state == "credited" and record.credit_note_id:
                record._amounts_from_credit_note()
                continue
            returned = total = 0.0
            for line in record.line_ids:
                quantity = line._credit_quantity()
                returned += line.unit_subtotal * quantity
                total += line.unit_total * quantity
            keep = 1 - record.restocking_fee / 100.0
            currency = record.currency_id or record.company_id.currency_id
            record.amount_returned = currency.round(returned)
            record.amount_fee = currency.round(returned * (1 - keep))
            record.amount_credit = currency.round(total * keep)
            # the one chain the form, the PDF and the approval state:
            # returned - fee = untaxed; untaxed + taxes = credit
            record.amount_credit_untaxed = record.amount_returned - record.amount_fee
            record.amount_credit_tax = (
                record.amount_credit - record.amount_credit_untaxed
            )
            record._compute_freight_ours()

    def _amounts_from_credit_note(self):
        """A credited return shows what its credit note posted."""
        note = self.credit_note_id
        lines = note.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )
        goods = lines.filtered(lambda line: line.product_id)
        self.amount_returned = sum(goods.mapped("price_subtotal"))
        self.amount_fee = -sum((lines - goods).mapped("price_subtotal"))
        self.amount_credit_untaxed = note.amount_untaxed
        self.amount_credit_tax = note.amount_tax
        self.amount_credit = note.amount_total
        self._compute_freight_ours()

    def _compute_freight_ours(self):
        self.amount_freight_ours = (
            self.freight_amount if self.freight_payer == "company" else 0.0
        )

    def _compute_picking_count(self):
        for record in self:
            record.picking_count = len(record.picking_ids)

    @api.constrains("partner_id", "line_ids")
    def _check_lines(self):
        self.filtered(lambda r: r.state == "draft").line_ids._check_returnable()

    @api.constrains("freight_payer", "freight_amount", "carrier_partner_id")
    def _check_freight(self):
        for record in self:
            if (
                record.freight_payer == "company"
                and not record.currency_id.is_zero(record.freight_amount)
                and not (record.carrier_partner_id or record.freight_journal_id)
            ):
                raise ValidationError(
                    self.env._(
                        "Return %(name)s: we pay the freight, so say who carries it "
                        "(a carrier to bill) or which bank or cash journal pays it.",
                        name=record.name,
                    )
                )

    def _ar_approval_value(self):
        return self.amount_credit + self.amount_freight_ours

    def _ar_worth_detail(self):
        """The worth broken down as the form and the PDF state it."""
        currency = self.currency_id
        detail = self.env._(
            "credit %(credit)s = %(untaxed)s untaxed + %(taxes)s taxes",
            credit=currency.format(self.amount_credit),
            untaxed=currency.format(self.amount_credit_untaxed),
            taxes=currency.format(self.amount_credit_tax),
        )
        if not currency.is_zero(self.amount_freight_ours):
            detail = self.env._(
                "%(detail)s, plus return freight we pay %(freight)s",
                detail=detail,
                freight=currency.format(self.amount_freight_ours),
            )
        return detail

    def _ar_check_ready(self):
        self.ensure_one()
        if not self.line_ids:
            raise ValidationError(
                self.env._(
                    "Return %(name)s has no goods: add the invoiced products the "
                    "customer sends back.",
                    name=self.name,
                )
            )
        self._lock_sale_lines()
        self.line_ids._check_returnable()
        self._check_freight()

    def _lock_sale_lines(self):
        """Serialise returns of the same order lines, so two approvals cannot
        both take the last returnable units."""
        self.env.execute_query(
            SQL(
                "SELECT id FROM sale_order_line WHERE id = ANY(%s) ORDER BY id"
                " FOR UPDATE",
                self.line_ids.sale_line_id.ids,
            )
        )
        self.line_ids.sale_line_id.invalidate_recordset(
            ["qty_delivered", "qty_invoiced"]
        )

    # ------------------------------------------------------------------
    # Pickings
    # ------------------------------------------------------------------
    def _ar_after_approve(self):
        # The approver was checked; the receipt is stock work done on their
        # behalf, whether or not they are an inventory user.
        self.sudo()._create_pickings()

    def _create_pickings(self):
        """One return picking per original delivery, for the quantities
        authorised, taken from the latest deliveries first."""
        self.ensure_one()
        per_picking = defaultdict(dict)  # picking -> {move: quantity}
        line_of_move = {}
        for line in self.line_ids:
            product = line.product_id
            left = line.uom_id._compute_quantity(line.quantity, product.uom_id)
            for move in line._delivered_moves():
                returned = sum(
                    move.returned_move_ids.filtered(
                        lambda m: m.state != "cancel"
                    ).mapped("product_qty")
                )
                take = min(move.product_qty - returned, left)
                if (
                    float_compare(take, 0, precision_rounding=product.uom_id.rounding)
                    > 0
                ):
                    per_picking[move.picking_id][move] = take
                    line_of_move[move] = line
                    left -= take
            if not float_is_zero(left, precision_rounding=product.uom_id.rounding):
                raise UserError(
                    self.env._(
                        "Return %(name)s: %(product)s was not delivered in the "
                        "quantity to return; lower it.",
                        name=self.name,
                        product=product.display_name,
                    )
                )
        for picking, quantities in per_picking.items():
            wizard = self.env["stock.return.picking"].create({"picking_id": picking.id})
            for return_line in wizard.product_return_moves:
                return_line.write(
                    {
                        "quantity": quantities.get(return_line.move_id, 0.0),
                        "to_refund": True,
                    }
                )
            new_picking = wizard._create_return()
            new_picking.write({"ar_return_id": self.id, "origin": self.name})
            for move in new_picking.move_ids:
                move.ar_return_line_id = line_of_move[move.origin_returned_move_id]

    def _ar_check_received(self):
        """Approved returns whose pickings are all finished, with goods in, are
        received."""
        for record in self.filtered(lambda r: r.state == "approved"):
            pickings = record.picking_ids
            if (
                pickings
                and all(p.state in ("done", "cancel") for p in pickings)
                and any(p.state == "done" for p in pickings)
            ):
                record._ar_workflow_write({"state": "received"})
                record.message_post(body=self.env._("Goods received."))

    def _ar_before_cancel(self):
        self.ensure_one()
        if self.picking_ids.filtered(lambda p: p.state == "done"):
            raise UserError(
                self.env._(
                    "Return %(name)s: goods have already come back; credit the "
                    "return instead of cancelling it.",
                    name=self.name,
                )
            )
        self.picking_ids.action_cancel()

    def action_view_pickings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "stock.action_picking_tree_all"
        )
        action.update(
            domain=[("ar_return_id", "=", self.id)], context={"create": False}
        )
        return action

    # ------------------------------------------------------------------
    # Crediting
    # ------------------------------------------------------------------
    def action_credit(self):
        """Post the credit note for the goods received (less the restocking fee)
        and the freight we pay, and apply the credit to open invoices. All or
        nothing."""
        return self._ar_post("received", self.env._("credit"), type(self)._credit)

    def _credit(self):
        self.ensure_one()
        lines = self.line_ids.filtered(
            lambda line: (
                not float_is_zero(
                    line.qty_received, precision_rounding=line.uom_id.rounding
                )
            )
        )
        if not lines:
            raise UserError(
                self.env._(
                    "Return %(name)s: no goods came back, so there is nothing to "
                    "credit. Cancel it instead.",
                    name=self.name,
                )
            )
        invoice = lines.invoice_line_id.move_id[:1]
        credit_note = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.partner_id.id,
                "company_id": self.company_id.id,
                "journal_id": invoice.journal_id.id,
                "currency_id": self.currency_id.id,
                "invoice_date": self.date,
                "date": self.date,
                "fiscal_position_id": invoice.fiscal_position_id.id,
                "invoice_origin": self.name,
                "ref": self.env._("Return %(name)s", name=self.name),
                "ar_return_id": self.id,
                "invoice_line_ids": [
                    Command.create(line._credit_note_line_vals()) for line in lines
                ]
                + [Command.create(vals) for vals in self._fee_line_vals(lines)],
            }
        )
        credit_note.action_post()
        targets = (
            self.invoice_ids
            or self.env["account.move"]._ar_open_invoices_of(
                self.partner_id, self.company_id, self.currency_id
            )
        )._ar_oldest_first()
        targets._ar_apply_credit(
            credit_note.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            )
        )
        self._book_freight()
        self._ar_workflow_write({"state": "credited", "credit_note_id": credit_note.id})
        body = self.env._(
            "Credited %(amount)s on credit note %(move)s.",
            amount=self.currency_id.format(credit_note.amount_total),
            move=credit_note.name,
        )
        self.message_post(body=body)

    def _fee_line_vals(self, lines):
        """One negative line per tax set and account: the restocking fee the
        customer is not credited, with the goods' own taxes."""
        if not self.restocking_fee:
            return []
        groups = defaultdict(float)
        for line in lines:
            key = (line.invoice_line_id.account_id, line.invoice_line_id.tax_ids)
            groups[key] += line.unit_gross * line._credit_quantity()
        fee_account = self._ar_policy_or_default().restocking_fee_account_id
        # formatted apart: an f-string inside _() made babel skip the file's
        # terms (tests/test_translations.py)
        percent = f"{self.restocking_fee:g}"
        return [
            {
                "name": self.env._("Restocking fee %(percent)s%%", percent=percent),
                "quantity": 1,
                "price_unit": -self.currency_id.round(
                    gross * self.restocking_fee / 100.0
                ),
                "account_id": (fee_account or account).id,
                "tax_ids": [Command.set(taxes.ids)],
            }
            for (account, taxes), gross in groups.items()
            if not self.currency_id.is_zero(gross * self.restocking_fee / 100.0)
        ]

    def _book_freight(self):
        """The freight we pay: a vendor bill from the carrier, or a payment
        from the freight journal."""
        if self.freight_payer != "company" or self.currency_id.is_zero(
            self.freight_amount
        ):
            return
        account = self._ar_policy_or_default().freight_account_id
        if not account:
            raise UserError(
                self.env._(
                    "Return %(name)s: set a Return Freight Account on the credit "
                    "policy to book the freight we pay.",
                    name=self.name,
                )
            )
        label = self.env._("Return freight %(name)s", name=self.name)
        if self.carrier_partner_id:
            move = self.env["account.move"].create(
                {
                    "move_type": "in_invoice",
                    "partner_id": self.carrier_partner_id.id,
                    "company_id": self.company_id.id,
                    "currency_id": self.currency_id.id,
                    "invoice_date": self.date,
                    "date": self.date,
                    "ref": label,
                    "ar_return_id": self.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": label,
                                "quantity": 1,
                                "price_unit": self.freight_amount,
                                "account_id": account.id,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
            move.action_post()
            return move
        # Paid from the freight journal as Odoo pays anything: a payment
        # through the journal's outstanding payments account, which the bank
        # statement line is then matched with (a direct entry to the bank
        # account would have the freight booked twice once the statement
        # comes in).
        payment = self.env["account.payment"].create(
            {
                "payment_type": "outbound",
                "partner_type": "supplier",
                "amount": self.freight_amount,
                "currency_id": self.currency_id.id,
                "journal_id": self.freight_journal_id.id,
                "company_id": self.company_id.id,
                "date": self.date,
                "memo": label,
                "destination_account_id": account.id,
            }
        )
        payment.action_post()
        payment.move_id.ar_return_id = self
        return payment.move_id


class ArReturnLine(models.Model):
    _name = "ar.return.line"
    _description = "Return Authorization Line"
    _inherit = ["ar.workflow.guard"]
    _check_company_auto = True
    _ar_workflow_fields = ("move_ids", "state")
    _ar_document_field = "return_id"

    return_id = fields.Many2one(
        "ar.return", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="return_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="return_id.currency_id")
    state = fields.Selection(related="return_id.state")
    invoice_line_id = fields.Many2one(
        "account.move.line",
        required=True,
        check_company=True,
        domain="[('move_id.move_type', '=', 'out_invoice'),"
        " ('parent_state', '=', 'posted'), ('display_type', '=', 'product'),"
        " ('product_id', '!=', False),"
        " ('move_id.commercial_partner_id', '=', parent.partner_id)]",
    )
    invoice_id = fields.Many2one(
        related="invoice_line_id.move_id", string="Invoice", store=True
    )
    sale_line_id = fields.Many2one(
        "sale.order.line", compute="_compute_sale_line_id", store=True
    )
    product_id = fields.Many2one(related="invoice_line_id.product_id", store=True)
    uom_id = fields.Many2one(related="invoice_line_id.product_uom_id", string="Unit")
    quantity = fields.Float(digits="Product Unit of Measure", required=True, default=1)
    qty_returnable = fields.Float(
        string="Returnable",
        digits="Product Unit of Measure",
        compute="_compute_qty_returnable",
        help="Delivered and invoiced, less what was returned or is being returned.",
    )
    qty_received = fields.Float(
        string="Received",
        digits="Product Unit of Measure",
        compute="_compute_qty_received",
    )
    price_unit = fields.Float(related="invoice_line_id.price_unit")
    discount = fields.Float(related="invoice_line_id.discount")
    tax_ids = fields.Many2many(related="invoice_line_id.tax_ids")
    unit_gross = fields.Float(compute="_compute_unit_prices")
    unit_subtotal = fields.Float(compute="_compute_unit_prices")
    unit_total = fields.Float(compute="_compute_unit_prices")
    move_ids = fields.One2many("stock.move", "ar_return_line_id", readonly=True)

    _sql_constraints = [
        (
            "invoice_line_unique",
            "UNIQUE(return_id, invoice_line_id)",
            "An invoice line appears once per return: put its whole quantity on one "
            "line.",
        ),
    ]

    @api.depends("invoice_line_id")
    def _compute_sale_line_id(self):
        for line in self:
            line.sale_line_id = line.invoice_line_id.sudo().sale_line_ids[:1]

    @api.depends("invoice_line_id")
    def _compute_unit_prices(self):
        for line in self:
            source = line.invoice_line_id
            quantity = source.quantity or 1.0
            line.unit_gross = source.price_unit * (1 - source.discount / 100.0)
            line.unit_subtotal = source.price_subtotal / quantity
            line.unit_total = source.price_total / quantity

    @api.depends("move_ids.state", "move_ids.quantity")
    def _compute_qty_received(self):
        for line in self:
            done = line.sudo().move_ids.filtered(lambda m: m.state == "done")
            line.qty_received = sum(
                move.product_uom._compute_quantity(move.quantity, line.uom_id)
                for move in done
            )

    @api.depends("quantity", "invoice_line_id")
    def _compute_qty_returnable(self):
        quantities = self._returnable_quantities()
        for line in self:
            line.qty_returnable = quantities[line]

    @api.constrains("quantity", "invoice_line_id")
    def _check_quantity(self):
        self.filtered(lambda line: line.state == "draft")._check_returnable()

    def _credit_quantity(self):
        """What the line is (or will be) credited for: what came back, never
        more than was authorised."""
        self.ensure_one()
        if self.return_id.state in ("received", "credited"):
            return min(self.qty_received, self.quantity)
        return self.quantity

    def _holding(self):
        """Units this line takes out of what its invoice line can return."""
        return self._credit_quantity() if self.state != "cancelled" else 0.0

    def _pending(self):
        """Units authorised by this line that Odoo's delivered quantity does not
        show as returned yet."""
        if self.state not in ("draft", "approved"):
            return 0.0
        return max(self.quantity - self.qty_received, 0.0)

    def _returnable_quantities(self):
        """{line: what it may return}: what its order line delivered and
        invoiced, and its invoice line billed, less the other returns (one
        query for all the lines)."""
        # Every return counts, and the order line, whoever may read them.
        others = self.sudo().search(
            [
                "|",
                ("invoice_line_id", "in", self.invoice_line_id.ids),
                ("sale_line_id", "in", self.sale_line_id.ids),
            ]
        )
        result = {}
        for line in self:
            source = line.invoice_line_id.sudo()
            sale_line = line.sale_line_id.sudo()
            if not source or not sale_line:
                result[line] = 0.0
                continue
            rest = others - line._origin
            billed_left = source.quantity - sum(
                other._holding() for other in rest if other.invoice_line_id == source
            )
            shipped = sale_line.product_uom._compute_quantity(
                min(sale_line.qty_delivered, sale_line.qty_invoiced),
                source.product_uom_id,
            )
            shipped_left = shipped - sum(
                other._pending() for other in rest if other.sale_line_id == sale_line
            )
            result[line] = max(min(billed_left, shipped_left), 0.0)
        return result

    def _check_returnable(self):
        quantities = self._returnable_quantities()
        for line in self:
            record = line.return_id
            source = line.invoice_line_id
            problem = None
            if (
                source.move_id.move_type != "out_invoice"
                or source.parent_state != "posted"
            ):
                problem = self.env._("is not on a posted customer invoice")
            elif source.move_id.commercial_partner_id != record.partner_id:
                problem = self.env._(
                    "was invoiced to %(other)s", other=source.move_id.partner_id.name
                )
            elif source.company_id != record.company_id:
                problem = self.env._("belongs to another company")
            elif source.currency_id != record.currency_id:
                problem = self.env._("is in another currency than the other lines")
            elif not line.sale_line_id:
                problem = self.env._("was not delivered from a sales order")
            if problem:
                raise ValidationError(
                    self.env._(
                        "Return %(name)s: %(product)s on %(invoice)s %(problem)s.",
                        name=record.name,
                        product=line.product_id.display_name,
                        invoice=source.move_id.name,
                        problem=problem,
                    )
                )
            rounding = line.uom_id.rounding
            if float_compare(line.quantity, 0, precision_rounding=rounding) <= 0:
                raise ValidationError(
                    self.env._(
                        "Return %(name)s: the quantity of %(product)s must be more "
                        "than zero.",
                        name=record.name,
                        product=line.product_id.display_name,
                    )
                )
            returnable = quantities[line]
            if (
                float_compare(line.quantity, returnable, precision_rounding=rounding)
                > 0
            ):
                # formatted apart: babel cannot read an f-string inside _()
                left, asked = f"{returnable:g}", f"{line.quantity:g}"
                raise ValidationError(
                    self.env._(
                        "Return %(name)s: only %(returnable)s %(uom)s of %(product)s "
                        "from %(invoice)s can still be returned (delivered and "
                        "invoiced, less earlier returns), not %(quantity)s.",
                        name=record.name,
                        returnable=left,
                        uom=line.uom_id.name,
                        product=line.product_id.display_name,
                        invoice=source.move_id.name,
                        quantity=asked,
                    )
                )

    def _delivered_moves(self):
        """The done deliveries to the customer of this line's order line, latest
        first."""
        self.ensure_one()
        return (
            self.sale_line_id.sudo()
            .move_ids.filtered(
                lambda m: (
                    m.state == "done"
                    and m.location_dest_id.usage == "customer"
                    and not m.origin_returned_move_id
                )
            )
            .sorted(lambda m: (m.date, m.id), reverse=True)
        )

    def _credit_note_line_vals(self):
        self.ensure_one()
        source = self.invoice_line_id
        return {
            "product_id": self.product_id.id,
            "name": source.name,
            "quantity": self._credit_quantity(),
            "product_uom_id": self.uom_id.id,
            "price_unit": source.price_unit,
            "discount": source.discount,
            "account_id": source.account_id.id,
            "tax_ids": [Command.set(source.tax_ids.ids)],
            "analytic_distribution": source.analytic_distribution,
            "sale_line_ids": [Command.set(self.sale_line_id.ids)],
        }
