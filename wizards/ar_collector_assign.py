"""Assign Collector: one collector (or none) for the selected customers, in
one company, in one write. From the Action menu of Customers, Customer Risk
and the worklist."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.access import (
    COLLECTOR_GROUP,
    check_credit_member,
    require_collector,
    require_company,
)
from ..models.client_actions import notification_action

# The models the action is bound to -> the field of their rows' customer.
SOURCES = {
    "res.partner": "id",
    "ar.partner.metrics": "partner_id",
    "ar.worklist": "partner_id",
}


class ArCollectorAssign(models.TransientModel):
    _name = "ar.collector.assign"
    _inherit = ["ar.form.guard"]
    _description = "Assign a Collector"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self._default_company(),
        help="The company whose collections the collector follows: a customer "
        "has a collector per company.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        required=True,
        default=lambda self: self._default_partners(),
    )
    collector_id = fields.Many2one(
        "res.users",
        domain=lambda self: self._collector_domain(),
        help="A Credit Controller or Credit Manager of the company. Empty: the "
        "customers have no collector.",
    )
    customer_count = fields.Integer(compute="_compute_customer_count")

    def _collector_domain(self):
        group = self.env.ref(COLLECTOR_GROUP)
        return (
            "[('share', '=', False), ('company_ids', 'in', company_id),"
            f" ('groups_id', 'in', {group.id})]"
        )

    def _selected(self):
        """The rows the action was started from (of a bound model), or None."""
        model = self.env.context.get("active_model")
        if model not in SOURCES:
            return None
        return self.env[model].browse(self.env.context.get("active_ids") or [])

    @api.model
    def _default_company(self):
        rows = self._selected()
        if rows is not None and "company_id" in rows._fields and rows.company_id:
            return rows.company_id[:1]
        return self.env.company

    @api.model
    def _default_partners(self):
        rows = self._selected()
        if rows is None:
            return []
        partners = rows if rows._name == "res.partner" else rows.partner_id
        return partners.commercial_partner_id.ids

    @api.depends("partner_ids")
    def _compute_customer_count(self):
        for wizard in self:
            wizard.customer_count = len(wizard.partner_ids.commercial_partner_id)

    def action_assign(self):
        self.ensure_one()
        require_collector(self.env, self.env._("assign collectors"))
        company = self.company_id
        require_company(self.env, company, self.env._("assign collectors"))
        rows = self._selected()
        if rows is not None and "company_id" in rows._fields:
            others = rows.company_id - company
            if others:
                raise UserError(
                    self.env._(
                        "The selection has customers of %(companies)s: a collector "
                        "is assigned in one company at a time, select the rows of "
                        "%(company)s only.",
                        companies=", ".join(others.mapped("name")),
                        company=company.name,
                    )
                )
        customers = self.partner_ids.commercial_partner_id
        if not customers:
            raise UserError(self.env._("Select the customers to assign."))
        customers.check_access("read")
        collector = self.collector_id
        check_credit_member(self.env, collector, company)
        customers.sudo().with_company(company).write(
            {"ar_collector_id": collector.id or False}
        )
        message = (
            self.env._(
                "%(user)s now follows %(count)s customers in %(company)s.",
                user=collector.name,
                count=len(customers),
                company=company.name,
            )
            if collector
            else self.env._(
                "%(count)s customers have no collector in %(company)s any more.",
                count=len(customers),
                company=company.name,
            )
        )
        return notification_action(message)
