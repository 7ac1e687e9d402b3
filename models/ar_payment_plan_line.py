from odoo import api, fields, models

from . import plan_schedule
from .ar_workflow_guard import DATE_WINDOW_YEARS


class ArPaymentPlanLine(models.Model):
    _name = "ar.payment.plan.line"
    _description = "Payment Plan Installment"
    _inherit = ["ar.workflow.guard"]
    _order = "plan_id, date_due, sequence, id"
    _ar_workflow_fields = ("amount_paid", "reminded_due_date", "reminded_late_date")
    _ar_document_field = "plan_id"
    # as far as the last installment of the longest schedule, monthly from a
    # first installment as far ahead as allowed
    _ar_date_fields = {
        "date_due": DATE_WINDOW_YEARS + plan_schedule.MAX_INSTALLMENTS // 12 + 1
    }

    plan_id = fields.Many2one(
        "ar.payment.plan", required=True, index=True, ondelete="cascade"
    )
    # computed at creation: lines made by the schedule compute are created
    # while the ORM flushes, when a related field left to compute stays empty
    company_id = fields.Many2one(
        related="plan_id.company_id", store=True, precompute=True, index=True
    )
    currency_id = fields.Many2one(related="plan_id.currency_id")
    sequence = fields.Integer(default=10)
    date_due = fields.Date(string="Due Date", required=True)
    amount = fields.Monetary(required=True)
    amount_paid = fields.Monetary(string="Paid", readonly=True, copy=False)
    amount_open = fields.Monetary(string="Open", compute="_compute_status")
    is_paid = fields.Boolean(string="Paid in Full", compute="_compute_status")
    is_late = fields.Boolean(string="Late", compute="_compute_status")
    # Set by the reminder runs (models/ar_reminder_run.py): each reminder
    # once per installment.
    reminded_due_date = fields.Date(
        string="Reminded Before Due", readonly=True, copy=False
    )
    reminded_late_date = fields.Date(string="Reminded Late", readonly=True, copy=False)

    _sql_constraints = [
        (
            "amount_positive",
            "CHECK(amount > 0)",
            "An installment must be a positive amount.",
        ),
    ]

    @api.depends("amount", "amount_paid", "date_due")
    def _compute_status(self):
        today = fields.Date.context_today(self)
        for line in self:
            line.amount_open = line.amount - line.amount_paid
            line.is_paid = line.currency_id.is_zero(line.amount_open) or (
                line.amount_open < 0
            )
            line.is_late = (
                not line.is_paid and bool(line.date_due) and line.date_due < today
            )
