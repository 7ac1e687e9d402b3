from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date

from ..models.access import require_collector, require_company
from ..models.client_actions import notification_action


class ArCallLog(models.TransientModel):
    """Log a collection call in the customer's chatter, and plan the next one.

    The call also sets the customer's rows of the worklist aside: until the
    next contact day (the day after the call when none is planned), its rows
    dated up to the call show as *Contacted* and leave the *To Contact*
    filter."""

    _name = "ar.call.log"
    _description = "Log a Collection Call"
    _inherit = ["ar.workflow.guard"]
    # What was said is the collector's to write; nothing here is set by a
    # workflow (the note lands in the customer's chatter as they wrote it).
    _ar_workflow_fields = ()

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        help="The company whose collections the call is about.",
    )
    subject = fields.Char()
    note = fields.Text(string="What Was Said", required=True)
    next_date = fields.Date(
        string="Call Again On",
        help="Until this day the customer's rows stay aside on the worklist. "
        "Empty: they come back tomorrow.",
    )

    @api.constrains("note")
    def _check_note(self):
        for log in self:
            if not (log.note or "").strip():
                raise ValidationError(
                    self.env._("Write down what was said on the call.")
                )

    @api.constrains("next_date")
    def _check_next_date(self):
        today = fields.Date.context_today(self)
        for log in self:
            if log.next_date and log.next_date < today:
                raise ValidationError(
                    self.env._("Plan the next call for today or a later day.")
                )
            if log.next_date and log.next_date > today + timedelta(days=366):
                raise ValidationError(self.env._("Plan the next call within a year."))

    def action_log(self):
        self.ensure_one()
        require_collector(self.env, self.env._("log a call"))
        require_company(self.env, self.company_id, self.env._("log the call"))
        partner = self.partner_id.commercial_partner_id
        partner.check_access("read")
        body = self.env._("Collection call: %(note)s", note=self.note)
        if self.subject:
            body = f"{self.subject}: {body}"
        partner.sudo().message_post(
            body=body,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            author_id=self.env.user.partner_id.id,
        )
        today = fields.Date.context_today(self)
        next_date = self.next_date or today + timedelta(days=1)
        partner.sudo().with_company(self.company_id).write(
            {"ar_last_contact_date": today, "ar_next_contact_date": next_date}
        )
        if self.next_date:
            partner.sudo().activity_schedule(
                "mail.mail_activity_data_call",
                date_deadline=self.next_date,
                summary=self.env._("Call back about the overdue balance"),
                user_id=self.env.uid,
            )
        message = (
            self.env._(
                "Call with %(customer)s logged: its rows are set aside until %(day)s.",
                customer=partner.name,
                day=format_date(self.env, next_date),
            )
            if self.next_date
            else self.env._(
                "Call with %(customer)s logged: its rows are set aside until tomorrow.",
                customer=partner.name,
            )
        )
        return notification_action(message)
