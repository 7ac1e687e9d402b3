from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .access import check_credit_member


class ResCompany(models.Model):
    _inherit = "res.company"

    ar_policy_id = fields.Many2one(
        "ar.credit.policy",
        string="Default Credit Policy",
        check_company=True,
        help="Applies to every customer of this company without a policy of its own.",
    )
    ar_dispute_user_id = fields.Many2one(
        "res.users",
        string="Dispute Owner",
        domain="[('share', '=', False)]",
        help="Owns the disputes of customers without a collector.",
    )
    # The percentiles of the worklist's urgency in this company, stored once a
    # day (``ar.worklist._store_scale``): a row's priority without ranking
    # every row of the company at each read. PostgreSQL array text.
    ar_worklist_scale = fields.Text(readonly=True, groups="base.group_system")
    ar_worklist_scale_date = fields.Date(readonly=True, groups="base.group_system")
    ar_warning_digest = fields.Boolean(
        string="Daily Early-Warning Digest",
        help="Email the Credit Managers the early warnings of the day.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._ar_ensure_policy()
        return companies

    @api.model
    def _ar_init_policies(self):
        """At install: a default credit policy for every company."""
        self.sudo().search([])._ar_ensure_policy()  # pylint: disable=no-search-all

    @api.constrains("ar_dispute_user_id")
    def _check_dispute_user(self):
        for company in self.sudo():
            check_credit_member(self.env, company.ar_dispute_user_id, company)

    def write(self, vals):
        scale = {"ar_worklist_scale", "ar_worklist_scale_date"} & vals.keys()
        if scale and not self.env.su:
            raise AccessError(
                self.env._(
                    "The worklist's priority scale is computed by the nightly run, "
                    "never written by hand."
                )
            )
        res = super().write(vals)
        if "account_use_credit_limit" in vals:
            # The limit rule starts or stops applying to every customer.
            for company in self:
                self.env["ar.hold"]._refresh_company(company, recompute=False)
        return res

    def _ar_sales_journal(self, purpose):
        """The company's sales journal, for what the addon invoices
        (``purpose``: "the plan fee"); a clear error when it has none."""
        self.ensure_one()
        journal = self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(self),
                ("type", "=", "sale"),
            ],
            limit=1,
        )
        if not journal:
            raise UserError(
                self.env._(
                    "No sales journal in %(company)s to invoice %(purpose)s.",
                    company=self.name,
                    purpose=purpose,
                )
            )
        return journal

    def _ar_ensure_policy(self):
        """Create the default credit policy of the companies that have none."""
        Policy = self.env["ar.credit.policy"].sudo()
        for company in self.sudo().filtered(lambda c: not c.ar_policy_id):
            company.ar_policy_id = Policy.create(
                {"name": self.env._("Standard Terms"), "company_id": company.id}
            )
        return self.mapped("ar_policy_id")
