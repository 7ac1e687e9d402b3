from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ArCallLog(models.TransientModel):
    """Log a collection call in the customer's chatter, and plan the next one."""

    _name = "ar.call.log"
    _description = "Log a Collection Call"
    _inherit = ["ar.workflow.guard"]
    # What was said is the collector's to write; nothing here is set by a
    # workflow (the note lands in the customer's chatter as they wrote it).
    _ar_workflow_fields = ()

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    subject = fields.Char()
    note = fields.Text(string="What Was Said", required=True)
    next_date = fields.Date(string="Call Again On")

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

    def action_log(self):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        body = self.env._("Collection call: %(note)s", note=self.note)
        if self.subject:
            body = f"{self.subject}: {body}"
        partner.sudo().message_post(
            body=body,
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            author_id=self.env.user.partner_id.id,
        )
        if self.next_date:
            partner.sudo().activity_schedule(
                "mail.mail_activity_data_call",
                date_deadline=self.next_date,
                summary=self.env._("Call back about the overdue balance"),
                user_id=self.env.uid,
            )
        return {"type": "ir.actions.act_window_close"}
