from markupsafe import Markup

from odoo import api, fields, models

from .access import MANAGER_GROUP, check_credit_member


class ArRiskWarning(models.Model):
    """An early warning: a customer's grade worsened, or it started paying later
    while still within terms. Raised once per change by the metrics run, with
    one activity for the customer's collector (or a Credit Manager).

    The activity is the warning's, not the customer's: what it says (the
    grade, the trend) is the credit team's to read, and everything on a
    customer (its activities, its chatter) is every employee's."""

    _name = "ar.risk.warning"
    _description = "Early Warning"
    _inherit = ["mail.thread", "mail.activity.mixin", "ar.workflow.guard"]
    _order = "date desc, id desc"
    _rec_name = "message"
    # Raised by the metrics run; a user may only hand it to someone else.
    _ar_workflow_fields = (
        "partner_id",
        "company_id",
        "date",
        "kind",
        "message",
    )

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    date = fields.Date(required=True, index=True)
    kind = fields.Selection(
        [("grade", "Grade Worsened"), ("trend", "Paying Later")], required=True
    )
    message = fields.Char(required=True)
    user_id = fields.Many2one("res.users", string="Assigned To")

    @api.model
    def _manager_domain(self, company):
        """The Credit Managers (internal users) who work in ``company``."""
        return [
            ("groups_id", "in", self.env.ref(MANAGER_GROUP).id),
            ("company_ids", "in", company.id),
            ("share", "=", False),
        ]

    @api.model
    def _raise_warnings(self, company, warnings, today):
        """Record ``warnings`` (``risk_score.EarlyWarning``) and schedule
        one activity for each. Not ``activity_schedule``: it gives every record
        of a call the same note and assignee, and one call per warning costs a
        night's run a create per warning (bench/README.md); the values are what
        it would write."""
        partners = self.env["res.partner"].browse([w.partner_id for w in warnings])
        # Taken from one recordset, so that their names and collectors are
        # read for all of them at once.
        partner_of = {p.id: p for p in partners.with_company(company).sudo()}
        manager = (
            self.env["res.users"]
            .sudo()
            .search(self._manager_domain(company), order="id", limit=1)
        )
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        summary = self.env._("Early warning")
        deadline = fields.Date.context_today(self)
        records = []
        for partner_id, kind, before, after in warnings:  # risk_score.EarlyWarning
            partner = partner_of[partner_id]
            if kind == "grade":
                message = self.env._(
                    "%(customer)s: risk grade worsened from %(before)s to %(after)s.",
                    customer=partner.name,
                    before=before,
                    after=after,
                )
            else:
                message = self.env._(
                    "%(customer)s still pays within terms but %(days)s days later "
                    "than in the 6 months before.",
                    customer=partner.name,
                    days=round(before),
                )
            user = partner.ar_collector_id or manager
            records.append(
                {
                    "partner_id": partner_id,
                    "company_id": company.id,
                    "date": today,
                    "kind": kind,
                    "message": message,
                    "user_id": user.id,
                }
            )
        created = (
            self.sudo()
            .with_context(tracking_disable=True, mail_create_nolog=True)
            .create(records)
        )
        if not self.env.context.get("mail_activity_automation_skip"):
            # What activity_schedule() would create on each warning, in one
            # create (it gives every record of a call the same note and
            # assignee; a night's hundred warnings are one insert here).
            model_id = self.env["ir.model"]._get_id(self._name)
            self.env["mail.activity"].sudo().create(
                [
                    {
                        "activity_type_id": activity_type.id,
                        "summary": summary,
                        "automated": True,
                        "note": warning.message,
                        "date_deadline": deadline,
                        "res_model_id": model_id,
                        "res_id": warning.id,
                        "user_id": warning.user_id.id or self.env.uid,
                    }
                    for warning in created
                ]
            )
        return created

    def write(self, vals):
        if not vals.get("user_id"):
            return super().write(vals)
        user = self.env["res.users"].browse(vals["user_id"])
        for company in self.company_id:
            check_credit_member(self.env, user, company)
        # handed to someone else: what was the previous assignee's to do on
        # it goes along (not a to-do someone added for another)
        handed = self.activity_ids.filtered(
            lambda a: a.user_id == self.browse(a.res_id).user_id
        )
        res = super().write(vals)
        handed.sudo().user_id = user
        return res

    @api.model
    def _cron_send_digest(self):
        """Email each company's Credit Managers the warnings raised since the
        last digest, when the company asks for it."""
        since = fields.Date.subtract(fields.Date.context_today(self), days=1)
        companies = (
            self.env["res.company"].sudo().search([("ar_warning_digest", "=", True)])
        )
        for company in companies:
            warnings = self.sudo().search(
                [("company_id", "=", company.id), ("date", ">=", since)]
            )
            managers = (
                self.env["res.users"]
                .sudo()
                .search([*self._manager_domain(company), ("email", "!=", False)])
            )
            if not warnings or not managers:
                continue
            items = Markup("").join(Markup("<li>%s</li>") % w.message for w in warnings)
            self.env["mail.mail"].sudo().create(
                {
                    "subject": self.env._(
                        "%(company)s: %(count)s new early warnings",
                        company=company.name,
                        count=len(warnings),
                    ),
                    "body_html": Markup("<ul>%s</ul>") % items,
                    "email_to": ",".join(managers.mapped("email_formatted")),
                    "email_from": company.email_formatted
                    or managers[0].email_formatted,
                }
            )
