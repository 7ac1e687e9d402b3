"""Collections outreach: the reminder sequence of a policy, and the runs that
send it.

A policy's **steps** (``ar.reminder.step``) are dated relative to an invoice's
due date (negative: a courtesy note before it). An invoice reaches a step when
it is at least that many days past due, has not had that step or a later one
yet, and, when the step asks for it, has had that many reminders left
unanswered (no payment, no promise since: ``ar_reminder_count`` is reset by
both). A customer of risk grade D or E starts at the policy's *Risky
Customers Start At* step. When several steps are due at once (an invoice
first reminded 50 days late), the latest one goes.

A **run** (``ar.reminder.run``) proposes one message per customer
(``ar.reminder.line``) listing each of its invoices at its step
(``ar.reminder.line.invoice``). Never reminded (``_paused_sql``): an invoice
under an open promise or an active plan, or paused by another feature
(``_ar_reminder_pause_sql`` of ``account.move``: the hook for disputes); a
customer marked *No Reminders*; a customer whose net balance is zero or in
their favour (credits not yet applied cover them). A collector reviews the
run (exclude a customer or an invoice, edit a message) and sends it; sending
checks each invoice again (paid since, promised since) and reminds what is
still open, for what is left.

A line goes out as an email (to the customer's invoice address, else the
customer's own address) when one of its steps sends one, as a letter when one
prints one or when there is no address (the line says why), and schedules a
call or escalates as its steps say. The message is posted in the customer's
chatter, each invoice's chatter gets a note, and each invoice stores its last
step, date and the unanswered count.
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .ar_workflow_guard import (
    as_created,
    check_company_kept,
    check_derived_fields,
    check_field_domains,
    without_derived_defaults,
)

# Lines sent per batch (and per call of the sending job).
SEND_BATCH = 200

ESCALATIONS = [
    ("none", "None"),
    ("hold", "Place a Credit Hold"),
    ("manager", "Hand to a Credit Manager"),
]

# The default sequence of a new policy: (name, days, email, letter, call).
DEFAULT_STEPS = [
    ("Courtesy note", -3, True, False, False, 0),
    ("First reminder", 7, True, False, False, 0),
    ("Second reminder", 21, True, False, False, 0),
    ("Call", 30, False, False, True, 2),
    ("Final notice", 45, True, True, False, 0),
]


class ArReminderStep(models.Model):
    _name = "ar.reminder.step"
    _inherit = ["ar.form.guard"]
    _description = "Reminder Step"
    _order = "policy_id, days, sequence, id"
    _check_company_auto = True

    policy_id = fields.Many2one(
        "ar.credit.policy", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        related="policy_id.company_id", store=True, index=True, precompute=True
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    days = fields.Integer(
        string="Days After Due Date",
        required=True,
        help="Negative: a courtesy note that many days before the due date.",
    )
    send_email = fields.Boolean(string="Email", default=True)
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        domain="[('model', '=', 'ar.reminder.line')]",
        default=lambda self: self.env.ref(
            "account_receivable_management.mail_template_ar_reminder",
            raise_if_not_found=False,
        ),
        help="Rendered in the customer's language. Empty: the addon's reminder.",
    )
    attach_invoices = fields.Boolean(
        help="Attach each listed invoice's PDF to the email."
    )
    print_letter = fields.Boolean(
        string="Letter",
        help="Also print the message as a letter, in the run's batch PDF.",
    )
    call_activity = fields.Boolean(
        string="Call",
        help="Schedule a call for the customer's collector.",
    )
    escalation = fields.Selection(ESCALATIONS, required=True, default="none")
    min_unanswered = fields.Integer(
        string="After Unanswered Reminders",
        default=0,
        help="Only once the invoice has had this many reminders with no payment "
        "and no promise since: 'call after two emails'.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        created = as_created(self, vals_list)
        given = set().union(*created)
        check_derived_fields(self, given)
        steps = super(ArReminderStep, without_derived_defaults(self)).create(vals_list)
        check_field_domains(steps, given)
        return steps

    def write(self, vals):
        check_derived_fields(self, vals)
        check_company_kept(self, vals)
        res = super().write(vals)
        check_field_domains(self, vals)
        return res

    @api.constrains("days", "min_unanswered")
    def _check_numbers(self):
        for step in self:
            if abs(step.days) > 3650:
                raise ValidationError(
                    self.env._(
                        "A reminder step is dated at most 3,650 days from the due "
                        "date; %(name)s says %(days)s.",
                        name=step.name,
                        days=step.days,
                    )
                )
            if step.min_unanswered < 0:
                raise ValidationError(
                    self.env._(
                        "The unanswered reminders a step waits for cannot be "
                        "negative (%(name)s).",
                        name=step.name,
                    )
                )

    @api.constrains("send_email", "print_letter", "call_activity", "escalation")
    def _check_does_something(self):
        for step in self:
            if not (
                step.send_email
                or step.print_letter
                or step.call_activity
                or step.escalation != "none"
            ):
                raise ValidationError(
                    self.env._(
                        "Reminder step %(name)s does nothing: choose an email, a "
                        "letter, a call or an escalation.",
                        name=step.name,
                    )
                )

    @api.model
    def _default_vals(self, policy):
        return [
            {
                "policy_id": policy.id,
                "sequence": index * 10,
                "name": name,
                "days": days,
                "send_email": email,
                "print_letter": letter,
                "call_activity": call,
                "min_unanswered": unanswered,
            }
            for index, (name, days, email, letter, call, unanswered) in enumerate(
                DEFAULT_STEPS
            )
        ]
