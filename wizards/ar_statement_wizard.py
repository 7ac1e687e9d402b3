"""Statements of account for selected customers: the outstanding statement
(open items as of a day) or the activity statement (a period), one PDF per
customer, downloaded (one PDF, or a zip of them) or emailed to each
customer's invoice address."""

import io
import re
import zipfile

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.access import require_collector, require_company
from ..models.ar_statement import statement_day, statement_period
from ..models.client_actions import notification_action
from ..reports.xlsx_export import download_action

# Customers per batch: each is a PDF rendered in the request.
MAX_CUSTOMERS = 500

REPORTS = {
    "outstanding": "account_receivable_management.ar_statement_report_action",
    "activity": "account_receivable_management.ar_activity_statement_report_action",
}


class ArStatementWizard(models.TransientModel):
    _name = "ar.statement.wizard"
    _inherit = ["ar.form.guard"]
    _description = "Statements of Account"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        required=True,
        default=lambda self: self._default_partners(),
    )
    statement_type = fields.Selection(
        [
            ("outstanding", "Outstanding: open items as of a day"),
            ("activity", "Activity: what happened in a period"),
        ],
        string="Statement",
        required=True,
        default="outstanding",
    )
    date_from = fields.Date(
        string="From",
        default=lambda self: fields.Date.context_today(self).replace(day=1),
    )
    date_to = fields.Date(
        string="As Of", required=True, default=fields.Date.context_today
    )
    customer_count = fields.Integer(compute="_compute_customer_count")

    @api.model
    def _default_partners(self):
        if self.env.context.get("active_model") != "res.partner":
            return []
        ids = self.env.context.get("active_ids") or []
        return self.env["res.partner"].browse(ids).commercial_partner_id.ids

    @api.depends("partner_ids")
    def _compute_customer_count(self):
        for wizard in self:
            wizard.customer_count = len(wizard.partner_ids.commercial_partner_id)

    def _customers(self):
        """The commercial entities chosen, checked: some, not too many."""
        require_collector(self.env, self.env._("print statements of account"))
        self.ensure_one()
        require_company(
            self.env, self.company_id, self.env._("print statements of account")
        )
        customers = self.partner_ids.commercial_partner_id
        if not customers:
            raise UserError(self.env._("Choose the customers to make statements for."))
        if len(customers) > MAX_CUSTOMERS:
            raise UserError(
                self.env._(
                    "%(count)s customers chosen: make statements for at most "
                    "%(max)s at a time, for instance one collector's or one "
                    "country's customers.",
                    count=len(customers),
                    max=MAX_CUSTOMERS,
                )
            )
        if self.statement_type == "activity":
            if not self.date_from:
                raise UserError(
                    self.env._(
                        "An activity statement needs the first day of its period."
                    )
                )
            statement_period(self, self._report_data())
        else:
            statement_day(self, self._report_data())
        return customers

    def _report_data(self):
        return {
            "date": fields.Date.to_string(self.date_to),
            "date_from": fields.Date.to_string(self.date_from)
            if self.statement_type == "activity"
            else False,
        }

    def _report(self):
        return self.env.ref(REPORTS[self.statement_type])

    def _pdf(self, customer):
        """(file name, PDF) of ``customer``'s statement."""
        report = self._report()
        pdf, _type = (
            self.env["ir.actions.report"]
            .with_company(self.company_id)
            ._render_qweb_pdf(
                report.report_name, customer.ids, data=self._report_data()
            )
        )
        label = (
            self.env._("Activity Statement")
            if self.statement_type == "activity"
            else self.env._("Statement of Account")
        )
        name = f"{label} - {customer.name} - {self.date_to}.pdf"
        return re.sub(r'[\\/:*?"<>|]+', "_", name), pdf

    def action_download(self):
        """One customer: its PDF. Several: a zip of one PDF each."""
        customers = self._customers()
        if len(customers) == 1:
            return (
                self._report()
                .with_company(self.company_id)
                .report_action(customers, data=self._report_data())
            )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for customer in customers:
                name, pdf = self._pdf(customer)
                archive.writestr(name, pdf)
        return download_action(
            self.with_company(self.company_id).env,
            self.env._(
                "Statements %(day)s.zip", day=fields.Date.to_string(self.date_to)
            ),
            buffer.getvalue(),
        )

    def action_send(self):
        """Email each customer its statement (to its invoice address with an
        email, else its own); say who was sent and who has no address."""
        customers = self._customers()
        template = self.env.ref(
            "account_receivable_management.mail_template_ar_statement"
        ).sudo()
        sent, missing = [], []
        for customer in customers:
            recipient = customer._ar_reminder_recipient()
            if not recipient.email:
                missing.append(customer.name)
                continue
            name, pdf = self._pdf(customer)
            attachment = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": name,
                        "raw": pdf,
                        "res_model": "res.partner",
                        "res_id": customer.id,
                        "mimetype": "application/pdf",
                    }
                )
            )
            lang = template._render_lang(customer.ids)[customer.id]
            rendered = template.with_context(
                lang=lang,
                ar_statement_type=self.statement_type,
                ar_date_from=self.date_from,
                ar_date_to=self.date_to,
            )
            # posting needs write access to the customer, which the credit
            # team has not: the message is the user's, the write the addon's
            customer.sudo().with_company(self.company_id).with_context(
                mail_notify_force_send=False
            ).message_post(
                body=rendered._render_field(
                    "body_html", customer.ids, compute_lang=True
                )[customer.id],
                subject=rendered._render_field("subject", customer.ids)[customer.id],
                partner_ids=recipient.ids,
                attachment_ids=attachment.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            sent.append(customer.name)
        message = self.env._("Statements sent to %(count)s customers.", count=len(sent))
        if missing:
            message += " " + self.env._(
                "No email address for: %(names)s. Download their statements to "
                "post them.",
                names=", ".join(missing),
            )
        return notification_action(
            message,
            kind="warning" if missing else "success",
            title=self.env._("Statements of Account"),
        )
