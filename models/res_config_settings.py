from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ar_dispute_user_id = fields.Many2one(
        related="company_id.ar_dispute_user_id", readonly=False
    )
    ar_policy_id = fields.Many2one(
        related="company_id.ar_policy_id",
        readonly=False,
        domain="[('company_id', '=', company_id)]",
    )
    ar_block_on_limit = fields.Boolean(
        related="company_id.ar_policy_id.block_on_limit", readonly=False
    )
    ar_overdue_days_rule = fields.Boolean(
        related="company_id.ar_policy_id.overdue_days_rule", readonly=False
    )
    ar_overdue_days = fields.Integer(
        related="company_id.ar_policy_id.overdue_days", readonly=False
    )
    ar_overdue_amount_rule = fields.Boolean(
        related="company_id.ar_policy_id.overdue_amount_rule", readonly=False
    )
    ar_overdue_amount = fields.Monetary(
        related="company_id.ar_policy_id.overdue_amount", readonly=False
    )
    ar_include_draft_invoices = fields.Boolean(
        related="company_id.ar_policy_id.include_draft_invoices", readonly=False
    )
