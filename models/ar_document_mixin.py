from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .access import check_credit_owners, is_credit_member
from .account_move import OPEN_INVOICE_DOMAIN
from .ar_workflow_guard import check_workflow_fields

# The invoices a document covers: each model declares its own relation table.
INVOICES_FIELD = {
    "string": "Invoices",
    "required": True,
    "check_company": True,
    # the open invoices of the customer chosen on the form
    "domain": repr(OPEN_INVOICE_DOMAIN)[:-1]
    + ", ('commercial_partner_id', '=', partner_id)]",
}


class ArDocumentMixin(models.AbstractModel):
    """A collections document about some open invoices of one customer, in one
    company and one currency: promises, plans, settlements, returns and
    barters. A reference from its sequence, a collector, a chatter, and the
    fields only its workflow sets (``ar.workflow.guard``)."""

    _name = "ar.document.mixin"
    _description = "Collections Document"
    _inherit = ["mail.thread", "mail.activity.mixin", "ar.workflow.guard"]
    _check_company_auto = True
    _ar_sequence_code = None  # ir.sequence code of the reference

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
        default=lambda self: self._default_collector(),
        tracking=True,
        domain="[('share', '=', False)]",
    )

    @api.model
    def _default_collector(self):
        """The user recording it, a person: not OdooBot (a scheduled job, the
        data loaded with the addon) nor a portal user."""
        user = self.env.user
        return self.env["res.users"] if user._is_superuser() or user.share else user

    @api.constrains("user_id", "company_id")
    def _check_collector(self):
        check_credit_owners(self)

    def copy_data(self, default=None):
        """A copy keeps its collector while still of the credit team; else it
        is the copying user's, as a new document (``_check_collector`` would
        refuse the copy)."""
        vals_list = super().copy_data(default)
        if "user_id" not in (default or {}):
            for record, vals in zip(self, vals_list, strict=True):
                if record.user_id and not is_credit_member(
                    record.user_id, record.company_id
                ):
                    vals.pop("user_id", None)
        return vals_list

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
        records = super().create(vals_list)
        # the reference comes from the sequence only: one a user gave could
        # repeat another document's on what the customer is sent
        Sequence = self.env["ir.sequence"]
        for record in records:
            record._ar_workflow_write(
                {"name": Sequence.next_by_code(self._ar_sequence_code) or "/"}
            )
        return records

    def _ar_check_workflow_fields(self, names):
        check_workflow_fields(self, names, ("name",))
        return super()._ar_check_workflow_fields(names)

    def _ar_print_status(self):
        """The band a printed document carries, or None: (kind, text) for a
        draft, which binds no one yet, or a cancelled document."""
        self.ensure_one()
        if self.state == "draft":
            return (
                "draft",
                self.env._("DRAFT: not approved yet, this document binds no one."),
            )
        if self.state == "cancelled":
            return (
                "cancelled",
                self.env._("CANCELLED: this document is void."),
            )
        return None

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
