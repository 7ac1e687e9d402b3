from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .account_move import OPEN_INVOICE_DOMAIN

# The invoices a commitment covers: each model declares its own relation table.
INVOICES_FIELD = {
    "string": "Invoices",
    "required": True,
    "check_company": True,
    # the open invoices of the customer chosen on the form
    "domain": repr(OPEN_INVOICE_DOMAIN)[:-1]
    + ", ('commercial_partner_id', '=', partner_id)]",
}


class ArCommitmentMixin(models.AbstractModel):
    """What a customer commits to about some of its open invoices: a promise to
    pay or a payment plan. Both cover open invoices of one commercial partner,
    one company and one currency, are judged from the payments reconciled with
    those invoices, and are judged by one transaction at a time."""

    _name = "ar.commitment.mixin"
    _description = "Collections Commitment"
    _inherit = ["mail.thread", "mail.activity.mixin", "ar.workflow.guard"]
    _check_company_auto = True
    _ar_sequence_code = None  # ir.sequence code of the reference
    _ar_running_states = ()  # states in which payments still change the outcome

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
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Collector",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
    )

    @api.depends("invoice_ids")
    def _compute_currency_id(self):
        for record in self:
            record.currency_id = (
                record.invoice_ids[:1].currency_id
                or record.currency_id
                or record.company_id.currency_id
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code(self._ar_sequence_code) or "/"
                )
        return super().create(vals_list)

    def _ar_check_customer_invoices(self):
        """The customer is a commercial partner, and every invoice is one of its
        open, posted customer invoices, in this company and currency."""
        self.ensure_one()
        partner = self.partner_id
        if partner != partner.commercial_partner_id:
            raise ValidationError(
                self.env._(
                    "Record %(what)s on the company %(company)s, not on its contact "
                    "%(contact)s.",
                    what=self._description,
                    company=partner.commercial_partner_id.name,
                    contact=partner.name,
                )
            )
        if not self.invoice_ids:
            raise ValidationError(
                self.env._(
                    "Choose the invoices the %(what)s covers.", what=self._description
                )
            )
        for invoice in self.invoice_ids:
            problem = None
            if invoice.move_type != "out_invoice" or invoice.state != "posted":
                problem = self.env._("is not a posted customer invoice")
            elif invoice.commercial_partner_id != partner:
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
                        "Invoice %(invoice)s %(problem)s: a %(what)s of %(customer)s "
                        "can only cover its open invoices, in one company and one "
                        "currency.",
                        invoice=invoice.name,
                        problem=problem,
                        what=self._description,
                        customer=partner.name,
                    )
                )

    def _ar_lock_running(self):
        """These records still running, locked for this transaction; those another
        transaction is judging are skipped, so nothing is judged twice."""
        if not self.ids:
            return self.browse()
        self.flush_recordset(["state"])
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM %s WHERE id = ANY(%s) AND state IN %s"
                " ORDER BY id FOR UPDATE SKIP LOCKED",
                SQL.identifier(self._table),
                self.ids,
                tuple(self._ar_running_states),
            )
        )
        return self.browse([row[0] for row in rows]).sudo()

    def _ar_evaluate_for_lines(self, lines):
        """Payments were reconciled with these journal items: judge the running
        records covering their invoices."""
        moves = lines.move_id.filtered(lambda m: m.move_type == "out_invoice")
        if moves:
            self.sudo().search(
                [
                    ("state", "in", self._ar_running_states),
                    ("invoice_ids", "in", moves.ids),
                ]
            )._ar_evaluate()

    def _ar_reconciled_amounts(self, date_from, date_to=None, payments_only=False):
        """{record id: what was reconciled with its invoices' receivable items, in
        the invoices' currency}, counting the reconciliations dated from the
        record's ``date_from`` field (to its ``date_to`` field); with
        ``payments_only``, credit notes do not count."""
        if not self:
            return {}
        relation = self._fields["invoice_ids"]
        self.env["account.partial.reconcile"].flush_model()
        self.env["account.move.line"].flush_model(["move_id", "account_id"])
        self.flush_recordset(
            ["invoice_ids", date_from, *([date_to] if date_to else [])]
        )
        rows = self.env.execute_query(
            SQL(
                """
            SELECT rec.id, COALESCE(SUM(part.debit_amount_currency), 0)
              FROM %(table)s rec
              JOIN %(relation)s rel ON rel.%(column1)s = rec.id
              JOIN account_move_line inv_line ON inv_line.move_id = rel.%(column2)s
              JOIN account_account acc ON acc.id = inv_line.account_id
                                       AND acc.account_type = 'asset_receivable'
              JOIN account_partial_reconcile part ON part.debit_move_id = inv_line.id
              JOIN account_move_line pay_line ON pay_line.id = part.credit_move_id
              JOIN account_move pay_move ON pay_move.id = pay_line.move_id
             WHERE rec.id = ANY(%(ids)s)
               AND part.max_date >= %(date_from)s
               %(date_to)s
               %(payments_only)s
          GROUP BY rec.id
            """,
                table=SQL.identifier(self._table),
                relation=SQL.identifier(relation.relation),
                column1=SQL.identifier(relation.column1),
                column2=SQL.identifier(relation.column2),
                ids=self.ids,
                date_from=SQL.identifier("rec", date_from),
                date_to=SQL("AND part.max_date <= %s", SQL.identifier("rec", date_to))
                if date_to
                else SQL(),
                payments_only=SQL(
                    "AND pay_move.move_type NOT IN ('out_refund', 'in_refund')"
                )
                if payments_only
                else SQL(),
            )
        )
        return dict(rows)

    def _ar_evaluate(self, today=None):
        raise NotImplementedError
