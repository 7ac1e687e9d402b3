"""A reminder run: prepares one message per customer, then sends them (see
``ar_reminder_step`` for the sequence, what pauses it and what is sent)."""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from . import aging
from .access import COLLECTOR_GROUP
from .account_move import open_invoice_sql
from .ar_reminder_step import SEND_BATCH


class ArReminderRun(models.Model):
    _name = "ar.reminder.run"
    _description = "Reminder Run"
    _inherit = ["mail.thread", "ar.workflow.guard"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _ar_workflow_fields = (
        "name",
        "company_id",
        "date",
        "state",
        "line_ids",
        "user_id",
        "date_sent",
    )

    name = fields.Char(required=True, readonly=True, default="/")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(required=True, readonly=True, default=fields.Date.today)
    state = fields.Selection(
        [
            ("draft", "To Review"),
            ("sending", "Sending"),
            ("done", "Sent"),
            ("cancel", "Cancelled"),
        ],
        required=True,
        default="draft",
        readonly=True,
        tracking=True,
    )
    user_id = fields.Many2one("res.users", string="Prepared By", readonly=True)
    date_sent = fields.Datetime(readonly=True)
    line_ids = fields.One2many("ar.reminder.line", "run_id", readonly=True)
    line_count = fields.Integer(compute="_compute_counts")
    to_send_count = fields.Integer(compute="_compute_counts")
    letter_count = fields.Integer(compute="_compute_counts")
    failed_count = fields.Integer(compute="_compute_counts")

    @api.depends("line_ids.state", "line_ids.print_letter")
    def _compute_counts(self):
        for run in self:
            lines = run.line_ids
            run.line_count = len(lines)
            run.to_send_count = len(lines.filtered(lambda x: x.state == "draft"))
            run.letter_count = len(
                lines.filtered(lambda x: x.state == "sent" and x.print_letter)
            )
            run.failed_count = len(lines.filtered(lambda x: x.state == "failed"))

    # ------------------------------------------------------------------
    # Preparing
    # ------------------------------------------------------------------
    @api.model
    def action_prepare(self):
        """*Prepare Reminders*: a run for the current company, opened."""
        self._check_collector()
        run = self._prepare(self.env.company)
        if not run:
            raise UserError(
                self.env._(
                    "Nothing to remind in %(company)s today: no invoice has reached "
                    "a step of its reminder sequence.",
                    company=self.env.company.name,
                )
            )
        return run._get_records_action(name=run.name)

    @api.model
    def _cron_prepare(self):
        """The daily job: a run per company; sent at once when the policy says
        so."""
        companies = self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all
        for company in companies:
            run = self._prepare(company)
            if run and company._ar_ensure_policy().reminder_auto_send:
                run._send_lines(run.line_ids)

    @api.model
    def _prepare(self, company, today=None):
        """The run of ``company`` for ``today``: an empty recordset when
        nothing is due."""
        today = today or fields.Date.context_today(self)
        proposals = self._proposals(company, today)
        if not proposals:
            return self.browse()
        run = (
            self.sudo()
            .with_company(company)
            .create(
                {
                    "name": self.env["ir.sequence"]
                    .with_company(company)
                    .next_by_code("ar.reminder.run")
                    or "/",
                    "company_id": company.id,
                    "date": today,
                    "user_id": self.env.uid,
                }
            )
        )
        Line = self.env["ar.reminder.line"].sudo().with_company(company)
        partners = self.env["res.partner"].browse(proposals)
        collectors = {
            partner.id: partner.with_company(company).sudo().ar_collector_id.id
            for partner in partners
        }
        lines = Line.create(
            [
                {
                    "run_id": run.id,
                    "company_id": company.id,
                    "partner_id": partner_id,
                    "collector_id": collectors[partner_id],
                    "line_ids": [
                        fields.Command.create(
                            {
                                "move_id": move_id,
                                "step_id": step_id,
                                "days": days,
                            }
                        )
                        for move_id, step_id, days in invoices
                    ],
                }
                for partner_id, invoices in proposals.items()
            ]
        )
        lines._fill()
        return run.with_env(self.env)

    @api.model
    def _proposals(self, company, today):
        """{customer id: [(invoice id, step id, days past due)]} of what
        ``company`` reminds ``today``."""
        policy_steps = self._policy_steps(company)
        if not policy_steps:
            return {}
        earliest = min(step.days for steps in policy_steps.values() for step in steps)
        rows = self._candidates(company, today, earliest)
        steps = self.env["ar.reminder.step"].sudo()
        proposals = defaultdict(list)
        for (
            move_id,
            partner_id,
            days,
            last_step_id,
            unanswered,
            policy_id,
            grade,
        ) in rows:
            step = self._next_step(
                policy_steps.get(policy_id)
                or policy_steps[company._ar_ensure_policy().id],
                steps.browse(last_step_id),
                days,
                unanswered,
                grade in ("D", "E"),
            )
            if step:
                proposals[partner_id].append((move_id, step.id, days))
        return dict(proposals)

    @api.model
    def _policy_steps(self, company):
        """{policy id: its steps, in order} of the policies of ``company``."""
        steps = (
            self.env["ar.reminder.step"]
            .sudo()
            .search([("company_id", "=", company.id)])
        )
        return {
            policy.id: steps.filtered(lambda s, p=policy: s.policy_id == p)
            for policy in steps.policy_id
        }

    @api.model
    def _next_step(self, steps, last, days, unanswered, risky):
        """The step an invoice ``days`` past due is at, after its ``last`` one:
        the latest of those it reached, past ``last``, whose unanswered count
        it meets, none before the risky start for a risky customer."""
        policy = steps[:1].policy_id
        start = policy.reminder_risky_step_id if risky else steps.browse()
        after = last.days if last else None
        chosen = steps.browse()
        for step in steps:
            if step.days > days:
                break
            if after is not None and (
                step.days < after or (step.days == after and step.id <= last.id)
            ):
                continue
            if last == step:
                continue
            if start and step.days < start.days:
                continue
            if step.min_unanswered > unanswered:
                continue
            chosen = step
        return chosen

    @api.model
    def _candidates(self, company, today, earliest):
        """(invoice, customer, days past due, last step, unanswered reminders,
        customer's policy, grade) of the open invoices of ``company`` that
        nothing pauses and that are due in ``earliest`` days or less, of
        customers who owe something net of their credits, not already in a run
        under review."""
        self.env.flush_all()
        company_key = str(company.id)
        default_policy = company._ar_ensure_policy().id
        return self.env.execute_query(
            SQL(
                """
            WITH candidates AS (
                SELECT m.id, m.commercial_partner_id AS partner_id,
                       (%(today)s::date - m.invoice_date_due) AS days,
                       m.ar_reminder_step_id, COALESCE(m.ar_reminder_count, 0) AS n,
                       COALESCE((rp.ar_policy_id ->> %(company_key)s)::int,
                                %(default_policy)s) AS policy_id,
                       mt.risk_grade
                  FROM account_move m
                  JOIN res_partner rp ON rp.id = m.commercial_partner_id
                  LEFT JOIN ar_partner_metrics mt
                         ON mt.partner_id = m.commercial_partner_id
                        AND mt.company_id = m.company_id
                 WHERE %(open)s AND m.company_id = %(company)s
                   AND m.invoice_date_due <= %(today)s::date - %(earliest)s
                   AND m.amount_residual > 0
                   AND COALESCE((rp.ar_no_reminders ->> %(company_key)s)::boolean,
                                false) IS NOT TRUE
                   AND NOT (%(paused)s)
                   AND NOT EXISTS (
                        SELECT 1 FROM ar_reminder_line_invoice li
                          JOIN ar_reminder_line ln ON ln.id = li.line_id
                          JOIN ar_reminder_run r ON r.id = ln.run_id
                         WHERE li.move_id = m.id
                           AND r.state IN ('draft', 'sending')
                           AND ln.state = 'draft')
            ), balances AS (
                SELECT p.commercial_partner_id AS partner_id,
                       SUM(l.amount_residual) AS net
                  FROM account_move_line l
                  JOIN res_partner p ON p.id = l.partner_id
                 WHERE l.account_id = ANY(%(accounts)s)
                   AND l.company_id = %(company)s
                   AND l.parent_state = 'posted' AND %(unreconciled)s
                   AND p.commercial_partner_id IN (
                        SELECT partner_id FROM candidates)
                 GROUP BY 1
            )
            SELECT c.id, c.partner_id, c.days, c.ar_reminder_step_id, c.n,
                   c.policy_id, c.risk_grade
              FROM candidates c
              JOIN balances b ON b.partner_id = c.partner_id AND b.net > 0
             ORDER BY c.partner_id, c.days DESC, c.id
                """,
                today=today,
                company=company.id,
                company_key=company_key,
                default_policy=default_policy,
                open=open_invoice_sql("m"),
                earliest=earliest,
                paused=self.env["account.move"]._ar_reminder_pause_sql("m"),
                accounts=aging.receivable_account_ids(self.env),
                unreconciled=SQL("l.reconciled IS NOT TRUE"),
            )
        )

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------
    def action_send(self):
        """Send what is to send: at once up to a batch, else by the sending
        job, a batch at a time, with its progress."""
        self._check_collector()
        self.ensure_one()
        if self.state not in ("draft", "sending"):
            raise UserError(
                self.env._(
                    "Run %(name)s is %(state)s: only a run under review is sent.",
                    name=self.name,
                    state=dict(self._fields["state"]._description_selection(self.env))[
                        self.state
                    ],
                )
            )
        lines = self.line_ids.filtered(lambda x: x.state == "draft")
        if not lines:
            raise UserError(
                self.env._(
                    "Nothing left to send in %(name)s: every customer is sent, "
                    "excluded or failed.",
                    name=self.name,
                )
            )
        if len(lines) <= SEND_BATCH:
            self._send_lines(lines)
        else:
            self._ar_workflow_write({"state": "sending"})
            self.env.ref(
                "account_receivable_management.ir_cron_ar_reminder_send"
            )._trigger()
        return True

    @api.model
    def _cron_send(self):
        """The sending job: a batch of lines of the runs being sent, then its
        progress; Odoo calls it again while some remain."""
        lines = (
            self.env["ar.reminder.line"]
            .sudo()
            .search(
                [("run_id.state", "=", "sending"), ("state", "=", "draft")],
                limit=SEND_BATCH,
                order="run_id, id",
            )
        )
        for run, run_lines in lines.grouped("run_id").items():
            run._send_lines(run_lines)
        remaining = (
            self.env["ar.reminder.line"]
            .sudo()
            .search_count([("run_id.state", "=", "sending"), ("state", "=", "draft")])
        )
        self.env["ir.cron"]._notify_progress(done=len(lines), remaining=remaining)

    def _send_lines(self, lines):
        """Send ``lines`` of this run, each on its own: one that fails (an
        address, a template) says why and the others go out."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        for line in lines.sudo():
            try:
                with self.env.cr.savepoint():
                    line._send(today)
            except (UserError, ValidationError, AccessError, ValueError) as error:
                line._ar_workflow_write({"state": "failed", "error": str(error)})
        if not self.line_ids.filtered(lambda x: x.state == "draft"):
            self._ar_workflow_write(
                {"state": "done", "date_sent": fields.Datetime.now()}
            )

    def action_print_letters(self):
        """The run's letters as one PDF."""
        self.ensure_one()
        letters = self.line_ids.filtered(lambda x: x.state == "sent" and x.print_letter)
        if not letters:
            raise UserError(
                self.env._("Run %(name)s has no letter to print.", name=self.name)
            )
        return self.env.ref(
            "account_receivable_management.ar_reminder_letter_report_action"
        ).report_action(letters)

    def action_cancel(self):
        self._check_collector()
        for run in self:
            if run.state != "draft":
                raise UserError(
                    self.env._(
                        "Only a run under review is cancelled; %(name)s is sent.",
                        name=run.name,
                    )
                )
        self._ar_workflow_write({"state": "cancel"})
        return True

    def _check_collector(self):
        if not self.env.su and not self.env.user.has_group(COLLECTOR_GROUP):
            raise AccessError(
                self.env._("Only the credit team prepares and sends reminders.")
            )
