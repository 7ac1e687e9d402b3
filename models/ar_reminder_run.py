"""A reminder run: prepares one message per customer, then sends them (see
``ar_reminder_step`` for the sequence, what pauses it and what is sent)."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from . import aging, sql_tools
from .access import require_collector
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
        nothing is due. Set-based: the invoices and their steps are chosen by
        one query (``_chosen_sql``) into a temporary table, from which the
        lines and their invoices are inserted; messages are rendered when read
        or sent (``ArReminderLine.body_html``)."""
        today = today or fields.Date.context_today(self)
        cr = self.env.cr
        self.env.flush_all()
        chosen = {
            "ar_reminder_chosen": self._chosen_sql(company, today),
            "ar_reminder_plan_chosen": self._plan_chosen_sql(company, today),
        }
        try:
            found = False
            # no JIT: compiling the plan took 1.3 s of the 1.7 s at 20,000
            # customers (bench/README.md, reminders)
            with sql_tools.batch_settings(self.env):
                for table, query in chosen.items():
                    cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))
                    cr.execute(
                        SQL(
                            "CREATE TEMPORARY TABLE %s ON COMMIT DROP AS %s",
                            SQL.identifier(table),
                            query,
                        )
                    )
                    cr.execute(SQL("SELECT 1 FROM %s LIMIT 1", SQL.identifier(table)))
                    found = found or bool(cr.fetchone())
            if not found:
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
            run.flush_recordset()
            self._insert_lines(run, company)
            self._insert_plan_lines(run, company)
        finally:
            for table in chosen:
                cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))
        self.env["ar.reminder.line"].invalidate_model()
        self.env["ar.reminder.line.invoice"].invalidate_model()
        run.invalidate_recordset(["line_ids"])
        return run.with_env(self.env)

    @api.model
    def _chosen_sql(self, company, today):
        """(move_id, partner_id, days, step_id) of the open invoices of
        ``company`` that nothing pauses, of customers who owe something net of
        their credits, not already in a run under review, each at its step:
        the latest of its policy's steps (ordered by days, sequence, id) that
        it reached, past its last one, whose unanswered count it meets, none
        before the policy's risky start for a customer of grade D or E."""
        key = str(company.id)
        return SQL(
            """
        WITH candidates AS (
            SELECT m.id, m.commercial_partner_id AS partner_id,
                   (%(today)s::date - m.invoice_date_due) AS days,
                   m.ar_reminder_step_id AS last_step_id,
                   COALESCE(m.ar_reminder_count, 0) AS unanswered,
                   COALESCE((rp.ar_policy_id ->> %(key)s)::int, %(default_policy)s)
                       AS policy_id,
                   mt.risk_grade, m.currency_id, m.amount_residual,
                   m.amount_residual_signed
              FROM account_move m
              JOIN res_partner rp ON rp.id = m.commercial_partner_id
              LEFT JOIN ar_partner_metrics mt
                     ON mt.partner_id = m.commercial_partner_id
                    AND mt.company_id = m.company_id
             WHERE %(open)s AND m.company_id = %(company)s
               AND m.invoice_date_due <= %(today)s::date - (
                    SELECT MIN(st.days) FROM ar_reminder_step st
                     WHERE st.company_id = %(company)s)
               AND m.amount_residual > 0
               AND COALESCE((rp.ar_no_reminders ->> %(key)s)::boolean, false)
                   IS NOT TRUE
               AND NOT (%(paused)s)
               -- not in a run under review: the few runs first, one hashed
               -- set, instead of probing every candidate's reminder history
               AND m.id NOT IN (
                    SELECT li.move_id FROM ar_reminder_run r
                      JOIN ar_reminder_line ln ON ln.run_id = r.id
                                              AND ln.state = 'draft'
                      JOIN ar_reminder_line_invoice li ON li.line_id = ln.id
                     WHERE r.state IN ('draft', 'sending')
                       AND r.company_id = %(company)s
                       AND li.excluded IS NOT TRUE)
        ), balances AS (
            SELECT p.commercial_partner_id AS partner_id,
                   SUM(l.amount_residual) AS net
              FROM account_move_line l
              JOIN res_partner p ON p.id = l.partner_id
             WHERE l.account_id = ANY(%(accounts)s) AND l.company_id = %(company)s
               AND l.parent_state = 'posted' AND l.reconciled IS NOT TRUE
               AND p.commercial_partner_id IN (SELECT partner_id FROM candidates)
             GROUP BY 1
        )
        SELECT c.id AS move_id, c.partner_id, c.days, s.id AS step_id,
               c.currency_id, c.amount_residual AS amount,
               c.amount_residual_signed AS amount_signed
          FROM candidates c
          JOIN balances b ON b.partner_id = c.partner_id AND b.net > 0
          JOIN ar_credit_policy pol ON pol.id = c.policy_id
          LEFT JOIN ar_reminder_step last ON last.id = c.last_step_id
          LEFT JOIN ar_reminder_step risky ON risky.id = pol.reminder_risky_step_id
          JOIN LATERAL (
                SELECT st.id FROM ar_reminder_step st
                 WHERE st.policy_id = c.policy_id AND st.days <= c.days
                   AND st.min_unanswered <= c.unanswered
                   AND (last.id IS NULL OR (st.days, st.sequence, st.id)
                                           > (last.days, last.sequence, last.id))
                   AND NOT (c.risk_grade IN ('D', 'E') AND risky.id IS NOT NULL
                            AND st.days < risky.days)
              ORDER BY st.days DESC, st.sequence DESC, st.id DESC
                 LIMIT 1) s ON true
            """,
            today=today,
            key=key,
            default_policy=company._ar_ensure_policy().id,
            open=open_invoice_sql("m"),
            company=company.id,
            paused=self.env["account.move"]._ar_reminder_pause_sql("m"),
            accounts=aging.receivable_account_ids(self.env),
        )

    @api.model
    def _plan_chosen_sql(self, company, today):
        """(installment_id, plan_id, partner_id, currency_id, days, amount) of
        the installments of ``company``'s active plans to remind ``today``:
        open, of a customer not marked *No Reminders* who owes something net
        of its credits, not in a run under review, either due within the
        policy's *Remind Installments Days Before* and not reminded so, or
        past their date (*Remind Late Installments*) and not reminded late.
        Each reminder goes once per installment."""
        key = str(company.id)
        return SQL(
            """
        SELECT pl.id AS installment_id, p.id AS plan_id,
               rp.id AS partner_id, p.currency_id,
               (%(today)s::date - pl.date_due) AS days,
               pl.amount - COALESCE(pl.amount_paid, 0) AS amount
          FROM ar_payment_plan_line pl
          JOIN ar_payment_plan p ON p.id = pl.plan_id
          JOIN res_partner pp ON pp.id = p.partner_id
          JOIN res_partner rp ON rp.id = pp.commercial_partner_id
          JOIN res_currency cur ON cur.id = p.currency_id
          JOIN ar_credit_policy pol
            ON pol.id = COALESCE((rp.ar_policy_id ->> %(key)s)::int,
                                 %(default_policy)s)
         WHERE p.state = 'active' AND p.company_id = %(company)s
           AND pl.amount - COALESCE(pl.amount_paid, 0) >= cur.rounding
           AND COALESCE((rp.ar_no_reminders ->> %(key)s)::boolean, false)
               IS NOT TRUE
           AND ((pl.date_due >= %(today)s AND pol.plan_reminder_days > 0
                 AND pl.date_due <= %(today)s::date + pol.plan_reminder_days
                 AND pl.reminded_due_date IS NULL)
             OR (pl.date_due < %(today)s AND pol.plan_reminder_late
                 AND pl.reminded_late_date IS NULL))
           AND NOT EXISTS (
                SELECT 1 FROM ar_reminder_line_installment_rel rel
                  JOIN ar_reminder_line ln ON ln.id = rel.line_id
                  JOIN ar_reminder_run r ON r.id = ln.run_id
                 WHERE rel.installment_id = pl.id
                   AND r.state IN ('draft', 'sending') AND ln.state = 'draft')
           AND (SELECT SUM(l.amount_residual)
                  FROM account_move_line l
                  JOIN res_partner c ON c.id = l.partner_id
                 WHERE c.commercial_partner_id = rp.id
                   AND l.account_id = ANY(%(accounts)s)
                   AND l.company_id = %(company)s
                   AND l.parent_state = 'posted' AND l.reconciled IS NOT TRUE) > 0
            """,
            today=today,
            key=key,
            default_policy=company._ar_ensure_policy().id,
            company=company.id,
            accounts=aging.receivable_account_ids(self.env),
        )

    @api.model
    def _recipient_sql(self, partner):
        """The contact a reminder to ``partner`` (an SQL expression of a
        customer id) goes to: its first active invoice address with an email,
        else the customer."""
        return SQL(
            """COALESCE((SELECT c.id FROM res_partner c
                          WHERE c.parent_id = %(partner)s
                            AND c.type = 'invoice' AND c.active
                            AND COALESCE(c.email, '') != ''
                       ORDER BY c.id LIMIT 1),
                        %(partner)s)""",
            partner=partner,
        )

    @api.model
    def _insert_plan_lines(self, run, company):
        """A line per plan of ``ar_reminder_plan_chosen`` listing its
        installments: by email to the customer's invoice address, else as a
        letter saying why."""
        self.env.execute_query(
            SQL(
                """
            WITH per_plan AS (
                SELECT ch.plan_id, ch.partner_id, ch.currency_id,
                       MAX(ch.days) AS days, SUM(ch.amount) AS amount,
                       %(recipient)s AS recipient_id
                  FROM ar_reminder_plan_chosen ch
                 GROUP BY ch.plan_id, ch.partner_id, ch.currency_id
            )
            INSERT INTO ar_reminder_line (
                run_id, company_id, partner_id, plan_id, collector_id,
                recipient_id, step_days, send_email, print_letter, call_activity,
                escalation, channel_note, amount_due, state, excluded)
            SELECT %(run)s, %(company)s, r.partner_id, r.plan_id,
                   (rp.ar_collector_id ->> %(key)s)::int, r.recipient_id,
                   r.days, COALESCE(rc.email, '') != '',
                   COALESCE(rc.email, '') = '', false, 'none',
                   CASE WHEN COALESCE(rc.email, '') = '' THEN %(no_email)s END,
                   r.amount, 'draft', false
              FROM per_plan r
              JOIN res_partner rp ON rp.id = r.partner_id
              JOIN res_partner rc ON rc.id = r.recipient_id;
            INSERT INTO ar_reminder_line_installment_rel (line_id, installment_id)
            SELECT ln.id, ch.installment_id
              FROM ar_reminder_plan_chosen ch
              JOIN ar_reminder_line ln ON ln.run_id = %(run)s
                                      AND ln.plan_id = ch.plan_id
                """,
                recipient=self._recipient_sql(SQL("ch.partner_id")),
                run=run.id,
                company=company.id,
                key=str(company.id),
                no_email=self._no_email_note(),
            )
        )

    def _no_email_note(self):
        return self.env._(
            "No email address on the customer's invoice address nor on the "
            "customer: sent as a letter."
        )

    @api.model
    def _insert_lines(self, run, company):
        """A line per customer of ``ar_reminder_chosen``, with its top step,
        recipient (the customer's invoice address with an email, else the
        customer), channel and amount from its invoices' steps, and an item
        per invoice: one statement, the items joined to the lines it
        inserted."""
        self.env.execute_query(
            SQL(
                """
            WITH per_partner AS (
                SELECT ch.partner_id,
                       (ARRAY_AGG(st.id ORDER BY st.days DESC, st.sequence DESC,
                                  st.id DESC))[1] AS step_id,
                       MAX(st.days) AS step_days,
                       BOOL_OR(st.send_email) AS email,
                       BOOL_OR(st.print_letter) AS letter,
                       BOOL_OR(st.call_activity) AS call,
                       CASE WHEN BOOL_OR(st.escalation = 'hold') THEN 'hold'
                            WHEN BOOL_OR(st.escalation = 'manager') THEN 'manager'
                            ELSE 'none' END AS escalation,
                       SUM(ch.amount_signed) AS amount
                  FROM ar_reminder_chosen ch
                  JOIN ar_reminder_step st ON st.id = ch.step_id
                 GROUP BY ch.partner_id
            ), recipients AS (
                SELECT pp.*, %(recipient)s AS recipient_id FROM per_partner pp
            ), lines AS (
                INSERT INTO ar_reminder_line (
                    run_id, company_id, partner_id, collector_id, recipient_id,
                    step_id, step_days, send_email, print_letter, call_activity,
                    escalation, channel_note, amount_due, state, excluded)
                SELECT %(run)s, %(company)s, r.partner_id,
                       (rp.ar_collector_id ->> %(key)s)::int, r.recipient_id,
                       r.step_id, r.step_days,
                       r.email AND COALESCE(rc.email, '') != '',
                       r.letter OR (r.email AND COALESCE(rc.email, '') = ''),
                       r.call, r.escalation,
                       CASE WHEN r.email AND COALESCE(rc.email, '') = ''
                            THEN %(no_email)s END,
                       r.amount, 'draft', false
                  FROM recipients r
                  JOIN res_partner rp ON rp.id = r.partner_id
                  JOIN res_partner rc ON rc.id = r.recipient_id
             RETURNING id, partner_id
            )
            INSERT INTO ar_reminder_line_invoice (
                line_id, move_id, step_id, days, amount_due, excluded)
            SELECT ln.id, ch.move_id, ch.step_id, ch.days, ch.amount, false
              FROM ar_reminder_chosen ch
              JOIN lines ln ON ln.partner_id = ch.partner_id
                """,
                recipient=self._recipient_sql(SQL("pp.partner_id")),
                run=run.id,
                company=company.id,
                key=str(company.id),
                no_email=self._no_email_note(),
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
        require_collector(self.env, self.env._("prepare and send reminders"))
