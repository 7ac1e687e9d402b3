from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import column_exists

from . import paid_facts
from .access import ACCOUNTING_GROUPS, CREDIT_GROUPS, HOLD_GROUPS, require_manager
from .ar_workflow_guard import as_created, check_workflow_fields

# An open customer invoice: posted, not paid (nor in payment). What promises,
# plans and settlements cover, the worklist chases and the forecast predicts.
# Stored as one flag, ``account.move.ar_open_invoice``, kept by the ORM from
# these three fields (``_compute_ar_open_invoice``), with its own partial
# index: PostgreSQL judges the three fields as if independent (the payments'
# moves are unpaid entries too) and estimated the open invoices at 600,000
# where 73,564 are, so it read a million invoices through Odoo's index of move
# types instead of the addon's; a boolean's statistics are exact.
OPEN_INVOICE_DOMAIN = [("ar_open_invoice", "=", True)]


def open_invoice_predicate_sql(alias):
    """What makes a move an open customer invoice, from the three fields the
    flag is computed from: to store the flag in SQL (``_ar_store_open_
    invoices``) and nowhere else."""
    return SQL(
        "%(m)s.move_type = 'out_invoice' AND %(m)s.state = 'posted'"
        " AND %(m)s.payment_state IN ('not_paid', 'partial')",
        m=SQL.identifier(alias),
    )


def open_invoice_sql(alias):
    """OPEN_INVOICE_DOMAIN in SQL over the moves of ``alias``: the predicate of
    the partial index of open invoices (``ar_move_open_invoice_idx``), which
    the statements using it can then scan."""
    return SQL("%s.ar_open_invoice", SQL.identifier(alias))


class AccountMove(models.Model):
    _inherit = "account.move"
    # Set by the addon's own workflows and jobs only: the instrument that
    # posted an entry, the predicted payment and the paid facts.
    _ar_workflow_fields = (
        "ar_open_invoice",
        "ar_settlement_id",
        "ar_return_id",
        "ar_barter_id",
        "ar_predicted_pay_date",
        "ar_forecast_amount",
        "ar_reminder_step_id",
        "ar_reminder_date",
        "ar_reminder_count",
        "ar_charged_until",
        "ar_late_charged",
        "ar_is_late_charge",
        *paid_facts.COLUMNS,
    )

    ar_open_invoice = fields.Boolean(
        string="Open Customer Invoice",
        compute="_compute_ar_open_invoice",
        store=True,
        copy=False,
        help="A posted customer invoice not paid yet (nor in payment): what the "
        "worklist chases, reminders remind and the forecast predicts.",
        groups="base.group_user",
    )
    # The settlement instrument that posted this entry.
    ar_settlement_id = fields.Many2one(
        "ar.settlement",
        string="Settlement",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups=HOLD_GROUPS,
    )
    ar_return_id = fields.Many2one(
        "ar.return",
        string="Return Authorization",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups=HOLD_GROUPS,
    )
    ar_predicted_pay_date = fields.Date(
        string="Predicted Payment",
        readonly=True,
        copy=False,
        help="When the customer is expected to pay, from its promise, its payment "
        "plan or its history for invoices of this size (nightly run).",
        groups=CREDIT_GROUPS,
    )
    ar_forecast_amount = fields.Monetary(
        string="Expected Cash",
        currency_field="company_currency_id",
        readonly=True,
        copy=False,
        groups=CREDIT_GROUPS,
        help="What this invoice is expected to bring in on its predicted payment "
        "day: what it leaves open, less the customer's credits not yet applied "
        "(credit notes, payments), which offset its invoices predicted to be "
        "paid first. The cash-in forecast sums it.",
    )
    ar_barter_id = fields.Many2one(
        "ar.barter",
        string="Barter",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups=HOLD_GROUPS,
    )
    # How the invoice was paid (see paid_facts): stored for the nightly
    # metrics, kept current by the reconciliation hooks, in company currency.
    ar_paid_amount = fields.Monetary(
        string="Paid by Payments",
        currency_field="company_currency_id",
        readonly=True,
        copy=False,
        groups=ACCOUNTING_GROUPS,
    )
    ar_paid_date = fields.Date(
        string="Paid On (weighted)",
        readonly=True,
        copy=False,
        help="The dates of the payments of this invoice, weighted by their "
        "amounts (credit notes and settlements excluded).",
        groups=ACCOUNTING_GROUPS,
    )
    ar_paid_days_weighted = fields.Float(
        string="Amount x Days to Pay",
        digits=0,
        readonly=True,
        copy=False,
        help="Technical: the amount paid by payments times the days from the "
        "invoice date to the weighted payment date.",
        groups=ACCOUNTING_GROUPS,
    )
    ar_late_days_weighted = fields.Float(
        string="Amount x Days Late",
        digits=0,
        readonly=True,
        copy=False,
        help="Technical: the amount paid by payments times the days from the "
        "due date to the weighted payment date (0 when on time).",
        groups=ACCOUNTING_GROUPS,
    )
    ar_credited_amount = fields.Monetary(
        string="Paid by Credit Notes",
        currency_field="company_currency_id",
        readonly=True,
        copy=False,
        groups=ACCOUNTING_GROUPS,
    )
    ar_other_amount = fields.Monetary(
        string="Settled Otherwise",
        currency_field="company_currency_id",
        readonly=True,
        copy=False,
        groups=ACCOUNTING_GROUPS,
    )
    ar_last_reconciled = fields.Date(
        string="Last Reconciled",
        readonly=True,
        copy=False,
        help="Date of the invoice's latest partial reconciliation.",
        groups=ACCOUNTING_GROUPS,
    )

    def _auto_init(self):
        # A new column would be computed by the ORM move by move, millions
        # of them on a database in use: created and filled in one UPDATE
        # first, the ORM then finds it there.
        if not column_exists(self.env.cr, self._table, "ar_open_invoice"):
            self.env.cr.execute(
                SQL(
                    "ALTER TABLE %s ADD COLUMN ar_open_invoice boolean",
                    SQL.identifier(self._table),
                )
            )
            self._ar_store_open_invoices()
        return super()._auto_init()

    def init(self):
        res = super().init()
        # The open customer invoices (a few percent of the moves), by company
        # and customer: the worklist, the reminders, the forecast and the
        # predicted pay dates read them. (It replaces an index over the three
        # fields, which the planner misjudged.)
        self.env.cr.execute(
            SQL(
                """
            DROP INDEX IF EXISTS ar_move_open_customer_invoice_idx;
            CREATE INDEX IF NOT EXISTS ar_move_open_invoice_idx
                ON account_move (company_id, commercial_partner_id)
             WHERE ar_open_invoice
                """
            )
        )
        # The same invoices by due date: the worklist reads the overdue ones
        # of a company (a quarter of the open ones at 20,000 customers), not
        # every open invoice to keep those due before today.
        self.env.cr.execute(
            SQL(
                """
            CREATE INDEX IF NOT EXISTS ar_move_open_invoice_due_idx
                ON account_move (company_id, invoice_date_due)
             WHERE ar_open_invoice
                """
            )
        )
        # The same invoices by predicted pay date, with what the cash-in
        # forecast sums: its list, graph and pivot (four groupings of the
        # company's 73,000 open invoices at 20,000 customers) read this index
        # alone, 9 ms a grouping where reading the invoices took 60 ms
        # (bench/README.md, screens).
        self.env.cr.execute(
            SQL(
                """
            CREATE INDEX IF NOT EXISTS ar_move_forecast_idx
                ON account_move (company_id, ar_predicted_pay_date)
           INCLUDE (commercial_partner_id, ar_forecast_amount)
             WHERE ar_open_invoice
                """
            )
        )
        # Customer invoices by last reconciliation: the metrics replayed on a
        # past day recompute the paid facts of those reconciled after it.
        self.env.cr.execute(
            SQL(
                """
            CREATE INDEX IF NOT EXISTS ar_move_last_reconciled_idx
                ON account_move (company_id, ar_last_reconciled)
             WHERE move_type = 'out_invoice' AND state = 'posted'
               AND ar_last_reconciled IS NOT NULL
                """
            )
        )
        # Invoicing less credit notes by date, read without the moves: the
        # monthly credit sales of the company KPIs.
        self.env.cr.execute(
            SQL(
                """
            CREATE INDEX IF NOT EXISTS ar_move_credit_sales_idx
                ON account_move (company_id, invoice_date)
                INCLUDE (amount_total_signed)
             WHERE state = 'posted' AND move_type IN ('out_invoice', 'out_refund')
                """
            )
        )
        return res

    @api.depends("move_type", "state", "payment_state")
    def _compute_ar_open_invoice(self):
        for move in self:
            move.ar_open_invoice = (
                move.move_type == "out_invoice"
                and move.state == "posted"
                and move.payment_state in ("not_paid", "partial")
            )

    @api.model
    def _ar_store_open_invoices(self):
        """Store every move's open-invoice flag in one UPDATE, from the three
        fields (``open_invoice_predicate_sql``): on install and upgrade, and
        after moves were written in SQL (the benchmarks' generated
        histories)."""
        # NULL reads as False: a new column only has its open invoices to
        # write (73,564 of 2.3M moves at scale 1), not every move
        self.env.cr.execute(
            SQL(
                "UPDATE account_move m SET ar_open_invoice = (%(open)s)"
                " WHERE COALESCE(m.ar_open_invoice, FALSE) IS DISTINCT FROM (%(open)s)",
                open=open_invoice_predicate_sql("m"),
            )
        )
        self.invalidate_model(["ar_open_invoice"])

    @api.model_create_multi
    def create(self, vals_list):
        check_workflow_fields(
            self, set().union(*as_created(self, vals_list)), self._ar_workflow_fields
        )
        return super().create(vals_list)

    def write(self, vals):
        check_workflow_fields(self, vals, self._ar_workflow_fields)
        res = super().write(vals)
        if "ar_settlement_id" in vals:
            # The entry's reconciliations now count as settled, not paid.
            self._ar_refresh_paid_facts_of_counterparts()
        if {"invoice_date", "invoice_date_due"} & set(vals):
            # Days to pay and days late count from these dates.
            self._ar_refresh_paid_facts(self.ids)
        return res

    @api.model
    def _ar_refresh_paid_facts(self, move_ids=None):
        """Store the paid facts of these customer invoices (every one without
        ids): one statement, writing only what changed."""
        if move_ids is not None and not move_ids:
            return
        self.env.flush_all()
        self.env.execute_query(paid_facts.refresh_sql(move_ids))
        self.invalidate_model(list(paid_facts.COLUMNS))

    def _ar_refresh_paid_facts_of_counterparts(self):
        """The invoices reconciled with these entries' items."""
        invoices = self.sudo().line_ids.matched_debit_ids.debit_move_id.move_id
        self._ar_refresh_paid_facts(invoices.ids)

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        self.env["ar.hold"]._refresh_for_lines(posted.line_ids)
        posted.line_ids._ar_refresh_predictions()
        return posted

    def button_draft(self):
        res = super().button_draft()
        self.env["ar.hold"]._refresh_for_lines(self.line_ids)
        self.line_ids._ar_refresh_predictions()
        return res

    def button_cancel(self):
        res = super().button_cancel()
        self.env["ar.hold"]._refresh_for_lines(self.line_ids)
        self.line_ids._ar_refresh_predictions()
        return res

    def action_ar_record_promise(self):
        """Record a promise to pay covering the selected invoices."""
        invoices = self._ar_open_selection(self.env._("record a promise to pay"))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Record Promise to Pay"),
            "res_model": "ar.promise",
            "view_mode": "form",
            "target": "new",
            "context": {
                **invoices._ar_commitment_defaults(),
                "default_amount": sum(invoices.mapped("amount_residual")),
            },
        }

    def action_ar_create_plan(self):
        """Agree a payment plan over the selected invoices; the form previews the
        schedule as the terms are entered."""
        invoices = self._ar_open_selection(self.env._("create a payment plan"))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Create Payment Plan"),
            "res_model": "ar.payment.plan",
            "view_mode": "form",
            "target": "current",
            "context": invoices._ar_commitment_defaults(),
        }

    def action_ar_negotiate_settlement(self):
        """Negotiate a settlement of the selected invoices."""
        invoices = self._ar_open_selection(self.env._("negotiate a settlement"))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Negotiate Settlement"),
            "res_model": "ar.settlement",
            "view_mode": "form",
            "target": "current",
            "context": invoices._ar_commitment_defaults(),
        }

    def _ar_open_selection(self, purpose):
        """The selected open customer invoices, all of one customer, one company
        and one currency, or a UserError that says what to select."""
        invoices = self.filtered_domain(OPEN_INVOICE_DOMAIN)
        if (
            not invoices
            or len(invoices.commercial_partner_id) != 1
            or len(invoices.company_id) != 1
            or len(invoices.currency_id) != 1
        ):
            raise UserError(
                self.env._(
                    "Select open customer invoices of one customer, one company and "
                    "one currency to %(purpose)s.",
                    purpose=purpose,
                )
            )
        return invoices

    def _ar_register_payment(
        self,
        amount=None,
        payment_date=None,
        journal=None,
        writeoff_account=None,
        writeoff_label=None,
    ):
        """Register one payment for these invoices through Odoo's own wizard
        (in full when no amount is given) and reconcile it with them. With a
        ``writeoff_account``, what the amount leaves open is written off there,
        so the invoices end paid."""
        values = {}
        if amount is not None:
            values["amount"] = amount
            if len(self) > 1:
                values["group_payment"] = True
        if writeoff_account:
            values.update(
                payment_difference_handling="reconcile",
                writeoff_account_id=writeoff_account.id,
                writeoff_label=writeoff_label or writeoff_account.name,
            )
        if payment_date:
            values["payment_date"] = payment_date
        if journal:
            values["journal_id"] = journal.id
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=self.ids)
            .create(values)
        )
        return wizard._create_payments()

    @api.model
    def _ar_open_invoices_of(self, partner, company, currency):
        """``partner``'s commercial partner's open invoices in ``company`` and
        ``currency``, oldest due first."""
        return self.search(
            [
                *OPEN_INVOICE_DOMAIN,
                ("commercial_partner_id", "=", partner.commercial_partner_id.id),
                ("company_id", "=", company.id),
                ("currency_id", "=", currency.id),
            ]
        )._ar_oldest_first()

    @api.model
    def _ar_open_balance_of(self, partner, company, currency):
        """What ``partner``'s commercial partner owes in ``company`` on its
        open receivable items in ``currency`` (unapplied payments and credit
        notes deducted)."""
        [(balance,)] = self.env["account.move.line"]._read_group(
            [
                ("parent_state", "=", "posted"),
                ("account_type", "=", "asset_receivable"),
                ("reconciled", "=", False),
                (
                    "move_id.commercial_partner_id",
                    "=",
                    partner.commercial_partner_id.id,
                ),
                ("company_id", "=", company.id),
                ("currency_id", "=", currency.id),
            ],
            aggregates=["amount_residual_currency:sum"],
        )
        return balance or 0.0

    def _ar_oldest_first(self):
        return self.sorted(
            lambda m: (m.invoice_date_due or m.date, m.invoice_date or m.date, m.id)
        )

    def _ar_apply_credit(self, credit_lines):
        """Reconcile the open receivable ``credit_lines`` (a credit note's, a
        netting entry's) with these invoices, one invoice after the other in
        this order, until the credit is used up; what is left stays open as the
        customer's credit."""
        for invoice in self:
            credit = credit_lines.filtered(lambda line: not line.reconciled)
            if not credit:
                break
            debit = invoice.line_ids.filtered(
                lambda line, accounts=credit.account_id: (
                    line.account_id in accounts and not line.reconciled
                )
            )
            for account in debit.account_id:
                (credit + debit).filtered(
                    lambda line, account=account: line.account_id == account
                ).reconcile()

    def _ar_commitment_defaults(self):
        return {
            "default_partner_id": self.commercial_partner_id.id,
            "default_company_id": self.company_id.id,
            "default_invoice_ids": self.ids,
        }

    # Collections outreach (models/ar_reminder_*.py).
    ar_reminder_step_id = fields.Many2one(
        "ar.reminder.step",
        string="Last Reminder",
        readonly=True,
        copy=False,
        groups=CREDIT_GROUPS,
    )
    ar_reminder_date = fields.Date(
        string="Last Reminded", readonly=True, copy=False, groups=CREDIT_GROUPS
    )
    ar_reminder_count = fields.Integer(
        string="Unanswered Reminders",
        readonly=True,
        copy=False,
        groups=CREDIT_GROUPS,
        help="Reminders since the last payment or promise on this invoice.",
    )

    # Late-payment charges (models/ar_late_charge.py).
    ar_charged_until = fields.Date(
        string="Late Charges Until",
        readonly=True,
        copy=False,
        groups=CREDIT_GROUPS,
        help="The last day of interest charged on this invoice.",
    )
    ar_late_charged = fields.Monetary(
        string="Late Charges",
        readonly=True,
        copy=False,
        groups=CREDIT_GROUPS,
        help="What this invoice was charged for paying late, in its currency.",
    )
    ar_is_late_charge = fields.Boolean(
        string="Late-Payment Charge",
        readonly=True,
        copy=False,
        groups=CREDIT_GROUPS,
    )

    ar_in_dispute = fields.Boolean(
        string="In Dispute",
        compute="_compute_ar_in_dispute",
        groups=CREDIT_GROUPS,
        help="A dispute is open or under review on this invoice.",
    )

    def _compute_ar_in_dispute(self):
        running = (
            self.env["ar.dispute"]
            .sudo()
            ._read_group(
                [("move_id", "in", self.ids), ("state", "in", ("open", "review"))],
                ["move_id"],
            )
        )
        disputed = {move.id for (move,) in running}
        for move in self:
            move.ar_in_dispute = move.id in disputed

    def action_ar_dispute(self):
        """The invoice's running dispute, else a new one for what is open."""
        self.ensure_one()
        dispute = self.env["ar.dispute"].search(
            [("move_id", "=", self.id), ("state", "in", ("open", "review"))], limit=1
        )
        action = {
            "type": "ir.actions.act_window",
            "res_model": "ar.dispute",
            "views": [(False, "form")],
            "name": self.env._("Dispute"),
        }
        if dispute:
            return {**action, "res_id": dispute.id}
        return {
            **action,
            "context": {
                "default_move_id": self.id,
                "default_amount": self.amount_residual,
            },
        }

    @api.model
    def _ar_portal_invoices(self, customer, ids):
        """Of ``ids`` (as a portal form sends them), the open customer
        invoices of ``customer``'s commercial entity in the companies the
        current user may see: anything else (another customer's invoice, a
        paid one, a bill, a forged id) is left out."""
        try:
            ids = [int(i) for i in ids if str(i).strip()]
        except (TypeError, ValueError):
            return self.browse()
        return self.sudo().search(
            [
                ("id", "in", ids),
                *OPEN_INVOICE_DOMAIN,
                ("commercial_partner_id", "=", customer.commercial_partner_id.id),
                ("company_id", "in", self.env.user.company_ids.ids),
            ]
        )

    @api.model
    def _ar_portal_selection(self, customer, ids):
        """The invoices a portal form names for one promise or plan: every id
        one of ``customer``'s open invoices (``_ar_portal_invoices``), in one
        company and one currency; else a UserError saying what to choose."""
        invoices = self._ar_portal_invoices(customer, ids)
        if not invoices or len(invoices) != len(set(ids)):
            raise UserError(
                self.env._("Choose among your open invoices, listed on this page.")
            )
        if len(invoices.company_id) > 1 or len(invoices.currency_id) > 1:
            raise UserError(
                self.env._("Choose invoices of one company and one currency at a time.")
            )
        return invoices

    @api.model
    def _ar_portal_payable(self, customer, ids=(), overdue=False):
        """What one online payment from the portal pays: the invoices it
        names (ticked on the account page) or, ``overdue``, every overdue
        open invoice of ``customer``; in one company and one currency.
        Returns ``(invoices, amount)``, the amount being what they still owe:
        the payment is reconciled with exactly those invoices."""
        if overdue:
            invoices = self.sudo().search(
                [
                    *OPEN_INVOICE_DOMAIN,
                    ("commercial_partner_id", "=", customer.commercial_partner_id.id),
                    ("company_id", "in", self.env.user.company_ids.ids),
                    ("invoice_date_due", "<", fields.Date.context_today(self)),
                ]
            )
            if not invoices:
                raise UserError(self.env._("Nothing of yours is overdue: thank you."))
            if len(invoices.company_id) > 1 or len(invoices.currency_id) > 1:
                raise UserError(
                    self.env._(
                        "Your overdue invoices are in more than one currency or "
                        "company: tick those of one on your account page and pay "
                        "them together."
                    )
                )
        else:
            invoices = self._ar_portal_selection(customer, ids)
        invoices = invoices.sorted(lambda move: (move.invoice_date_due, move.name))
        return invoices, sum(invoices.mapped("amount_residual"))

    @api.model
    def _ar_dispute_pause_sql(self, alias):
        """An invoice of ``alias`` in dispute (open or under review), as an SQL
        condition: neither reminded nor charged."""
        return self.env["ar.dispute"]._ar_pause_sql(alias)

    def action_ar_waive_charge(self):
        """*Waive*: a Credit Manager says why."""
        self.ensure_one()
        require_manager(self.env, self.env._("waive a late-payment charge"))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Waive %(name)s", name=self.display_name),
            "res_model": "ar.late.charge.waive",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_move_id": self.id},
        }

    @api.model
    def _ar_reminder_pause_sql(self, alias):
        """What pauses reminders for an invoice of ``alias``, as one SQL
        condition: an open promise or an active payment plan covers it, or it
        is in dispute (``_ar_dispute_pause_sql``)."""
        return SQL(
            """(%(dispute)s) OR EXISTS (
                SELECT 1 FROM ar_promise_invoice_rel rel
                  JOIN ar_promise p ON p.id = rel.promise_id AND p.state = 'open'
                 WHERE rel.move_id = %(m)s.id)
            OR EXISTS (
                SELECT 1 FROM ar_payment_plan_invoice_rel rel
                  JOIN ar_payment_plan pp ON pp.id = rel.plan_id
                                         AND pp.state = 'active'
                 WHERE rel.move_id = %(m)s.id)""",
            m=SQL.identifier(alias),
            dispute=self._ar_dispute_pause_sql(alias),
        )

    def _ar_reminders_answered(self):
        """A payment or a promise answers the reminders of these invoices."""
        answered = self.sudo().filtered("ar_reminder_count")
        if answered:
            answered.write({"ar_reminder_count": 0})

    def action_ar_view_reminders(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reminders of %(name)s", name=self.name),
            "res_model": "ar.reminder.line.invoice",
            "views": [(False, "list")],
            "domain": [("move_id", "=", self.id), ("state", "=", "sent")],
        }
