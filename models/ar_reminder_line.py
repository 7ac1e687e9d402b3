"""A customer's message in a reminder run, its invoices, and what the
reminders store on an invoice."""

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount, format_date

from . import credit_rules
from .access import MANAGER_GROUP
from .account_move import open_invoice_sql
from .ar_reminder_step import ESCALATIONS
from .ar_workflow_guard import workflow_flag


class ArReminderLine(models.Model):
    """One customer's message in a run."""

    _name = "ar.reminder.line"
    _description = "Reminder"
    _inherit = ["ar.workflow.guard"]
    _order = "run_id desc, step_days desc, amount_due desc, id"
    _check_company_auto = True
    _rec_name = "partner_id"
    # No log columns: a run inserts a line per customer, and each foreign key
    # costs a lookup per row (bench/README.md, reminders); the run says who
    # prepared it and when, the line when it was sent.
    _log_access = False
    _ar_workflow_fields = (
        "run_id",
        "company_id",
        "partner_id",
        "collector_id",
        "recipient_id",
        "state",
        "error",
        "channel_note",
        "date_sent",
        "line_ids",
        "step_id",
        "step_days",
        "amount_due",
        "send_email",
        "print_letter",
        "call_activity",
        "escalation",
        "plan_id",
        "installment_ids",
    )
    _ar_terms_fields = (
        "subject",
        "body_html",
        "subject_custom",
        "body_custom",
        "excluded",
        "line_ids",
    )
    _ar_editable_states = ("draft", "excluded")

    run_id = fields.Many2one(
        "ar.reminder.run", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    # Not stored: a run inserts a line per customer, and each foreign key
    # costs a lookup per row (bench/README.md, reminders).
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True
    )
    # A payment plan's reminder: its installments due soon or late, instead
    # of invoices at their steps.
    plan_id = fields.Many2one(
        "ar.payment.plan", string="Payment Plan", index="btree_not_null"
    )
    installment_ids = fields.Many2many(
        "ar.payment.plan.line",
        "ar_reminder_line_installment_rel",
        "line_id",
        "installment_id",
        string="Installments",
    )
    collector_id = fields.Many2one("res.users")
    recipient_id = fields.Many2one(
        "res.partner", string="Send To", help="The customer's invoice address."
    )
    email_to = fields.Char(related="recipient_id.email", string="Email")
    step_id = fields.Many2one("ar.reminder.step")
    step_days = fields.Integer()
    amount_due = fields.Monetary(
        string="Due",
        help="Open amount of the listed invoices (company currency), or of the "
        "plan's installments (the plan's currency).",
    )
    send_email = fields.Boolean(string="By Email")
    print_letter = fields.Boolean(string="By Letter")
    call_activity = fields.Boolean(string="Call")
    escalation = fields.Selection(ESCALATIONS, default="none")
    channel_note = fields.Char(string="Why", help="Why a letter instead of an email.")
    excluded = fields.Boolean(help="Leave this customer out of the run.")
    subject = fields.Char(compute="_compute_message", inverse="_inverse_subject")
    body_html = fields.Html(
        string="Message",
        compute="_compute_message",
        inverse="_inverse_body",
        sanitize_style=True,
        help="Rendered from the step's template when read or sent, until a "
        "collector edits it.",
    )
    subject_custom = fields.Char(copy=False)
    body_custom = fields.Html(sanitize_style=True, copy=False)
    state = fields.Selection(
        [
            ("draft", "To Send"),
            ("sent", "Sent"),
            ("skipped", "Nothing Left"),
            ("excluded", "Excluded"),
            ("failed", "Failed"),
        ],
        required=True,
        default="draft",
    )
    error = fields.Char()
    date_sent = fields.Datetime(string="Sent")
    line_ids = fields.One2many("ar.reminder.line.invoice", "line_id", string="Invoices")

    @api.depends("company_id", "plan_id")
    def _compute_currency_id(self):
        for line in self:
            line.currency_id = line.plan_id.currency_id or line.company_id.currency_id

    def write(self, vals):
        res = super().write(vals)
        if "excluded" in vals:
            for line in self:
                line._ar_workflow_write(
                    {"state": "excluded" if line.excluded else "draft"}
                )
        return res

    @api.depends_context("lang")
    @api.depends(
        "subject_custom",
        "body_custom",
        "line_ids.excluded",
        "step_id",
        "installment_ids",
    )
    def _compute_message(self):
        for line in self:
            rendered = (
                {}
                if line.subject_custom and line.body_custom
                else line._render()
                if line.id
                else {"subject": False, "body_html": False}
            )
            line.subject = line.subject_custom or rendered.get("subject")
            line.body_html = line.body_custom or rendered.get("body_html")

    def _inverse_subject(self):
        for line in self:
            line.subject_custom = line.subject

    def _inverse_body(self):
        for line in self:
            line.body_custom = line.body_html

    def _render(self):
        """Subject and message of the line from its top email step's template
        (the addon's reminder when it has none), in the customer's language."""
        self.ensure_one()
        if self.plan_id:
            template = self.env.ref(
                "account_receivable_management.mail_template_ar_installment_reminder"
            )
        else:
            template = (
                self.line_ids.step_id.filtered("send_email").sorted("days")[-1:]
            ).mail_template_id or self.env.ref(
                "account_receivable_management.mail_template_ar_reminder"
            )
        template = template.sudo()
        lang = template._render_lang(self.ids)[self.id]
        template = template.with_context(lang=lang)
        return {
            "subject": template._render_field("subject", self.ids)[self.id],
            "body_html": template._render_field(
                "body_html", self.ids, compute_lang=True
            )[self.id],
        }

    def _invoice_table(self):
        """The listed invoices as an HTML table (what the template shows)."""
        self.ensure_one()
        rows = Markup("").join(
            Markup(
                "<tr><td>%s</td><td>%s</td><td style='text-align:right'>%s</td>"
                "<td style='text-align:right'>%s</td><td>%s</td></tr>"
            )
            % (
                item.move_id.name,
                format_date(self.env, item.move_id.invoice_date_due),
                format_amount(self.env, item.amount_due, item.currency_id),
                item.days,
                item.step_id.name,
            )
            for item in self.line_ids.filtered(lambda x: not x.excluded)
        )
        head = Markup(
            "<tr><th>%s</th><th>%s</th><th style='text-align:right'>%s</th>"
            "<th style='text-align:right'>%s</th><th>%s</th></tr>"
        ) % (
            self.env._("Invoice"),
            self.env._("Due Date"),
            self.env._("Amount Due"),
            self.env._("Days Overdue"),
            self.env._("Reminder"),
        )
        return Markup(
            "<table class='table table-sm' style='width:100%%'>"
            "<thead>%s</thead><tbody>%s</tbody></table>"
        ) % (head, rows)

    def _installment_table(self):
        """The plan's listed installments as an HTML table."""
        self.ensure_one()
        rows = Markup("").join(
            Markup(
                "<tr><td>%s</td><td style='text-align:right'>%s</td>"
                "<td style='text-align:right'>%s</td><td>%s</td></tr>"
            )
            % (
                format_date(self.env, installment.date_due),
                format_amount(self.env, installment.amount, installment.currency_id),
                format_amount(
                    self.env, installment.amount_open, installment.currency_id
                ),
                self.env._("late")
                if installment.date_due < self.run_id.date
                else self.env._("due soon"),
            )
            for installment in self.installment_ids.sorted("date_due")
        )
        head = Markup(
            "<tr><th>%s</th><th style='text-align:right'>%s</th>"
            "<th style='text-align:right'>%s</th><th>%s</th></tr>"
        ) % (
            self.env._("Installment Date"),
            self.env._("Installment"),
            self.env._("Left to Pay"),
            self.env._("Status"),
        )
        return Markup(
            "<table class='table table-sm' style='width:100%%'>"
            "<thead>%s</thead><tbody>%s</tbody></table>"
        ) % (head, rows)

    def _installments_late(self):
        """Whether one of the listed installments is past its date."""
        self.ensure_one()
        return any(i.date_due < self.run_id.date for i in self.installment_ids)

    def _send(self, today):
        """Send this line: what is still open and not paused since it was
        prepared, for what is left."""
        self.ensure_one()
        if self.plan_id:
            items = self.installment_ids
            still = items.filtered(
                lambda x: x.plan_id.state == "active" and not x.is_paid
            )
            if still != items:
                self._ar_workflow_write(
                    {
                        "installment_ids": [Command.set(still.ids)],
                        "amount_due": sum(still.mapped("amount_open")),
                    }
                )
        else:
            items = self.line_ids.filtered(lambda x: not x.excluded)
            still = items._still_due()
            for item in items - still:
                item.with_context(ar_reminder_sending=True)._ar_workflow_write(
                    {"excluded": True, "excluded_reason": "paid"}
                )
        if not still:
            self._ar_workflow_write(
                {
                    "state": "skipped",
                    "error": self.env._(
                        "Paid, promised or paused since the run was prepared."
                    ),
                }
            )
            return
        if not self.plan_id:
            still._refresh_amounts()
        body = self.body_html
        if still != items:
            # The listed invoices changed: the message follows.
            body = self._render()["body_html"]
        self._post_message(body)
        if self.plan_id:
            self._mark_installments(still)
        else:
            self._mark_invoices(still, today)
        if self.call_activity:
            self._schedule(
                self.collector_id,
                self.env._("Call %(customer)s", customer=self.partner_id.name),
                "mail.mail_activity_data_call",
            )
        if self.escalation == "manager":
            manager = self._a_manager()
            self._schedule(
                manager,
                self.env._(
                    "Reminders unanswered: %(customer)s", customer=self.partner_id.name
                ),
                "mail.mail_activity_data_todo",
            )
        elif self.escalation == "hold":
            self.env["ar.hold"]._place_manual(
                self.partner_id,
                self.company_id,
                self.env._(
                    "%(step)s sent with %(amount)s due.",
                    step=self.step_id.name,
                    amount=format_amount(self.env, self.amount_due, self.currency_id),
                ),
                reason=credit_rules.REMINDERS,
            )
        self._ar_workflow_write(
            {"state": "sent", "date_sent": fields.Datetime.now(), "error": False}
        )

    def _post_message(self, body):
        """The message in the customer's chatter: emailed to the recipient,
        or noted as a printed letter, or a call noted."""
        partner = self.partner_id.with_company(self.company_id)
        attachments = (
            self._attachments()
            if self.send_email or self.print_letter
            else self.env["ir.attachment"]
        )
        if self.send_email:
            if not self.recipient_id.email:
                raise UserError(
                    self.env._(
                        "%(customer)s has no email address.",
                        customer=self.recipient_id.display_name,
                    )
                )
            partner.with_context(mail_notify_force_send=False).message_post(
                body=body,
                subject=self.subject,
                partner_ids=self.recipient_id.ids,
                attachment_ids=attachments.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        elif self.print_letter:
            partner.message_post(
                body=Markup("%s<br/>%s")
                % (self.env._("Reminder letter printed:"), body),
                attachment_ids=attachments.ids,
            )
        else:
            partner.message_post(
                body=self.env._(
                    "Reminder %(step)s: a call is scheduled.", step=self.step_id.name
                )
            )

    def _channel(self):
        return (
            self.env._("email")
            if self.send_email
            else self.env._("letter")
            if self.print_letter
            else self.env._("call")
        )

    def _mark_invoices(self, items, today):
        """Each reminded invoice's chatter, last step, date and count."""
        for item in items:
            move = item.move_id
            move.message_post(
                body=self.env._(
                    "Reminder %(step)s sent to %(customer)s (%(channel)s): "
                    "%(amount)s due, %(days)s days overdue.",
                    step=item.step_id.name,
                    customer=self.partner_id.display_name,
                    channel=self._channel(),
                    amount=format_amount(self.env, item.amount_due, item.currency_id),
                    days=item.days,
                )
            )
            move.sudo().write(
                {
                    "ar_reminder_step_id": item.step_id.id,
                    "ar_reminder_date": today,
                    "ar_reminder_count": (move.ar_reminder_count or 0) + 1,
                }
            )

    def _mark_installments(self, installments):
        """The plan's chatter, and each installment's reminder, once: before
        its date or late."""
        day = self.run_id.date
        self.plan_id.message_post(
            body=Markup("%s<br/>%s")
            % (
                self.env._(
                    "Installment reminder sent to %(customer)s (%(channel)s):",
                    customer=self.partner_id.display_name,
                    channel=self._channel(),
                ),
                self._installment_table(),
            )
        )
        for installment in installments:
            installment._ar_workflow_write(
                {"reminded_late_date": day}
                if installment.date_due < day
                else {"reminded_due_date": day}
            )

    def _attachments(self):
        """The statement of account, and the invoices' PDFs when a step asks;
        a plan's schedule for a plan's reminder."""
        Attachment = self.env["ir.attachment"].sudo()
        reports = self.env["ir.actions.report"].sudo().with_company(self.company_id)
        if self.plan_id:
            schedule, _type = reports._render_qweb_pdf(
                "account_receivable_management.ar_payment_plan_report_action",
                self.plan_id.ids,
            )
            return Attachment.create(
                {
                    "name": self.env._(
                        "Payment plan %(name)s.pdf", name=self.plan_id.name
                    ).replace("/", "_"),
                    "raw": schedule,
                    "res_model": "ar.payment.plan",
                    "res_id": self.plan_id.id,
                    "mimetype": "application/pdf",
                }
            )
        statement, _type = reports._render_qweb_pdf(
            "account_receivable_management.ar_statement_report_action",
            self.partner_id.ids,
        )
        attachments = Attachment.create(
            {
                "name": self.env._(
                    "Statement of account %(customer)s.pdf",
                    customer=self.partner_id.name,
                ),
                "raw": statement,
                "res_model": "res.partner",
                "res_id": self.partner_id.id,
                "mimetype": "application/pdf",
            }
        )
        items = self.line_ids.filtered(lambda x: not x.excluded)
        for item in items.filtered("step_id.attach_invoices"):
            pdf, _type = reports._render_qweb_pdf(
                "account.account_invoices", item.move_id.ids
            )
            attachments |= Attachment.create(
                {
                    "name": f"{item.move_id.name}.pdf".replace("/", "_"),
                    "raw": pdf,
                    "res_model": "account.move",
                    "res_id": item.move_id.id,
                    "mimetype": "application/pdf",
                }
            )
        return attachments

    def _schedule(self, user, summary, activity_xmlid):
        self.partner_id.sudo().activity_schedule(
            activity_xmlid,
            user_id=(user or self.collector_id or self.run_id.user_id).id
            or self.env.uid,
            summary=summary,
            note=self._invoice_table(),
        )

    def _a_manager(self):
        group = self.env.ref(MANAGER_GROUP)
        managers = group.sudo().users.filtered(
            lambda u: self.company_id in u.company_ids and not u.share
        )
        return managers[:1]

    def action_open_line(self):
        """The customer's message, to review or edit before sending."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.partner_id.display_name,
            "res_model": self._name,
            "res_id": self.id,
            "views": [(False, "form")],
            "target": "new",
        }


class ArReminderLineInvoice(models.Model):
    """One invoice of a customer's reminder, at its step."""

    _name = "ar.reminder.line.invoice"
    _description = "Reminded Invoice"
    _inherit = ["ar.workflow.guard"]
    _log_access = False
    _order = "line_id, days desc, id"
    _ar_workflow_fields = (
        "line_id",
        "move_id",
        "step_id",
        "days",
        "amount_due",
        "excluded_reason",
    )
    _ar_terms_fields = ("excluded",)
    _ar_document_field = "line_id"

    line_id = fields.Many2one(
        "ar.reminder.line", required=True, index=True, ondelete="cascade"
    )
    # Related, not stored, and no log columns: a run inserts an item per
    # invoice (tens of thousands), and each foreign key costs a lookup and a
    # lock on the row it names (bench/README.md, reminders).
    company_id = fields.Many2one(related="line_id.company_id")
    partner_id = fields.Many2one(related="line_id.partner_id")
    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, index=True, ondelete="cascade"
    )
    step_id = fields.Many2one("ar.reminder.step")
    days = fields.Integer(string="Days Overdue")
    currency_id = fields.Many2one(related="move_id.currency_id")
    amount_due = fields.Monetary()
    excluded = fields.Boolean()
    excluded_reason = fields.Selection([("paid", "Paid or paused since")])
    state = fields.Selection(related="line_id.state")
    date_sent = fields.Datetime(related="line_id.date_sent")

    @api.model_create_multi
    def create(self, vals_list):
        items = super().create(vals_list)
        items._refresh_amounts()
        return items

    def write(self, vals):
        res = super().write(vals)
        if "excluded" in vals and not workflow_flag(self, "ar_reminder_sending"):
            # The message lists what is left.
            for line in self.line_id:
                line._ar_workflow_write(
                    {
                        "amount_due": sum(
                            line.line_ids.filtered(
                                lambda x: not x.excluded
                            ).move_id.mapped("amount_residual_signed")
                        ),
                    }
                )
        return res

    def _refresh_amounts(self):
        for item in self:
            item._ar_workflow_write({"amount_due": item.move_id.amount_residual})

    def _still_due(self):
        """Those still open and not paused now."""
        if not self:
            return self
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT m.id FROM account_move m
             WHERE m.id = ANY(%s) AND %s AND m.amount_residual > 0
               AND NOT (%s)
                """,
                self.move_id.ids,
                open_invoice_sql("m"),
                self.env["account.move"]._ar_reminder_pause_sql("m"),
            )
        )
        open_ids = {row[0] for row in rows}
        return self.filtered(lambda x: x.move_id.id in open_ids)
