from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from . import aging, credit_rules, risk_score
from .ar_workflow_guard import (
    as_created,
    check_company_kept,
    check_field_domains,
)

# The accounts a forgiven amount may be booked to: a loss or a discount given,
# never a balance-sheet account (a receivable would keep what was forgiven
# open, a bank account would book money that never came).
SETTLEMENT_ACCOUNT_DOMAIN = (
    "[('account_type', 'in', ('expense', 'expense_direct_cost', 'income_other'))]"
)


class ArCreditPolicy(models.Model):
    _name = "ar.credit.policy"
    _description = "Credit Policy"
    _inherit = ["mail.thread", "ar.form.guard"]
    _order = "company_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    is_company_default = fields.Boolean(
        string="Company Default",
        compute="_compute_is_company_default",
        help="This policy applies to every customer of its company that has no "
        "policy of its own.",
    )
    # Rule: credit limit (Odoo's own credit_limit, Sales Credit Limit setting).
    # Off by default: installing the addon keeps Odoo's own behaviour (a warning
    # on the quotation) until a Credit Manager chooses to block.
    block_on_limit = fields.Boolean(
        string="Block Over Credit Limit",
        default=False,
        tracking=True,
        help="Hold a customer whose exposure is over its credit limit, and refuse "
        "an order that would take it over. Only applies when the company's Sales "
        "Credit Limit setting is on and the customer has a limit. Off, Odoo only "
        "warns on the quotation.",
    )
    include_draft_invoices = fields.Boolean(
        string="Count Draft Invoices",
        tracking=True,
        help="Add draft customer invoices to the exposure. Draft invoices created "
        "from a sales order are never added twice: the order already counts in "
        "the amount to invoice.",
    )
    # Rule: oldest overdue item.
    overdue_days_rule = fields.Boolean(
        string="Hold on Overdue Days",
        tracking=True,
        help="Hold a customer when its oldest unpaid item is more than the given "
        "number of days past its due date.",
    )
    overdue_days = fields.Integer(
        string="Overdue Days Allowed",
        default=30,
        tracking=True,
        help="Grace period in days after the due date of the oldest unpaid item.",
    )
    # Rule: overdue amount.
    overdue_amount_rule = fields.Boolean(
        string="Hold on Overdue Amount",
        tracking=True,
        help="Hold a customer when the total of its overdue items exceeds the "
        "given amount.",
    )
    overdue_amount = fields.Monetary(
        string="Overdue Amount Allowed",
        currency_field="currency_id",
        tracking=True,
    )
    # Commitments (promises to pay).
    promise_grace_days = fields.Integer(
        default=3,
        tracking=True,
        help="Days after the promised date within which a payment still keeps "
        "the promise.",
    )
    commitments_suspend_overdue = fields.Boolean(
        string="Commitments Suspend Overdue Rules",
        default=True,
        tracking=True,
        help="While an open promise to pay covers an invoice, that invoice does not "
        "count in the overdue rules: the customer has made a commitment.",
    )
    broken_promise_rule = fields.Boolean(
        string="Hold on Broken Promises",
        tracking=True,
        help="Hold a customer that broke the given number of promises within the "
        "given number of days.",
    )
    broken_promise_count = fields.Integer(
        string="Broken Promises Allowed", default=2, tracking=True
    )
    broken_promise_days = fields.Integer(
        string="Within (days)", default=90, tracking=True
    )

    # Payment plans.
    plan_grace_days = fields.Integer(
        string="Installment Grace Days",
        default=5,
        tracking=True,
        help="A plan defaults when an installment is still unpaid this many days "
        "after its due date.",
    )
    plan_recovery_amount = fields.Monetary(
        string="Recovery Answers Above",
        currency_field="currency_id",
        default=5000.0,
        tracking=True,
        help="Plans above this total need the customer's answers (funding, overhead "
        "cuts, business changes) before a Credit Manager can activate them. 0 asks "
        "for them on every plan.",
    )
    plan_approval_amount = fields.Monetary(
        string="Controller Approves Plans Up To",
        currency_field="currency_id",
        default=2000.0,
        tracking=True,
        help="A Credit Controller may approve a payment plan up to this total, in "
        "the company currency, for the customer to sign on the portal; the "
        "customer's signature then activates it. Larger plans need a Credit "
        "Manager's approval. 0 sends every plan to a Credit Manager.",
    )
    plan_fee_product_id = fields.Many2one(
        "product.product",
        check_company=True,
        tracking=True,
        domain="[('type', '=', 'service'), ('sale_ok', '=', True)]",
        default=lambda self: self.env.ref(
            "account_receivable_management.product_plan_fee", raise_if_not_found=False
        ),
        help="What a payment plan's fee is invoiced as: its income account and its "
        "taxes (mapped by the customer's fiscal position) are the fee invoice's.",
    )
    defaulted_plan_rule = fields.Boolean(
        string="Hold on Defaulted Plan",
        default=True,
        tracking=True,
        help="Hold a customer while one of its payment plans is defaulted and not "
        "paid off.",
    )

    # Settlement instruments: negotiated discounts, returns and barters.
    instrument_approval_amount = fields.Monetary(
        string="Manager Approval Above",
        currency_field="currency_id",
        default=1000.0,
        tracking=True,
        help="Settlements, returns and barters worth more than this, in the company "
        "currency, need a Credit Manager's approval; a Credit Controller approves "
        "the smaller ones. 0 sends every one to a Credit Manager. A settlement is "
        "worth what it forgives, a return what it credits, a barter its value.",
    )
    settlement_account_id = fields.Many2one(
        "account.account",
        string="Settlement Discount Account",
        check_company=True,
        tracking=True,
        domain=SETTLEMENT_ACCOUNT_DOMAIN,
        help="Where a settlement booked as a write-off puts the forgiven amount, "
        "and where a credit-note settlement puts the cent of rounding the taxes "
        "can leave. Empty: the company's cash discount loss account.",
    )
    restocking_fee_account_id = fields.Many2one(
        "account.account",
        check_company=True,
        tracking=True,
        domain="[('account_type', 'in', ('income', 'income_other'))]",
        help="Income account of the restocking fee kept on a return. Empty: the fee "
        "reduces the credit on the returned goods' own income account.",
    )
    freight_account_id = fields.Many2one(
        "account.account",
        string="Return Freight Account",
        check_company=True,
        tracking=True,
        domain="[('account_type', 'in', ('expense', 'expense_direct_cost'))]",
        help="Expense account of the return freight the company pays.",
    )
    netting_journal_id = fields.Many2one(
        "account.journal",
        check_company=True,
        tracking=True,
        domain="[('type', '=', 'general')]",
        help="Journal of the entries that offset a barter's vendor bill against the "
        "customer's invoices. Empty: the company's miscellaneous journal.",
    )

    # Payment-behaviour metrics and risk score.
    metrics_lookback_months = fields.Integer(
        string="Metrics Lookback (months)",
        default=24,
        tracking=True,
        help="Invoices dated within this many months feed the payment metrics "
        "(read from the company's default policy).",
    )
    band_small_limit = fields.Monetary(
        string="Small Invoices Below",
        currency_field="currency_id",
        default=1000.0,
        tracking=True,
        help="Days to pay are also measured by invoice size: below this amount, "
        "from here to the next limit, and above it (company's default policy).",
    )
    band_large_limit = fields.Monetary(
        string="Large Invoices From",
        currency_field="currency_id",
        default=10000.0,
        tracking=True,
    )
    aging_limits = fields.Char(
        string="Aging Buckets (days)",
        default=", ".join(map(str, aging.DEFAULT_LIMITS)),
        required=True,
        tracking=True,
        help="Last day of each overdue bucket of the aged receivables, ascending: "
        "30, 60, 90, 120 gives Current, 1-30, 31-60, 61-90, 91-120 and > 120 "
        "(company's default policy).",
    )
    weight_days_late = fields.Float(string="Weight: Days Late", default=30.0)
    weight_trend = fields.Float(string="Weight: Trend", default=20.0)
    weight_broken_promises = fields.Float(
        string="Weight: Broken Promises", default=15.0
    )
    weight_utilisation = fields.Float(string="Weight: Limit Used", default=15.0)
    weight_overdue_share = fields.Float(string="Weight: Overdue Share", default=10.0)
    weight_defaulted_plans = fields.Float(
        string="Weight: Defaulted Plans", default=10.0
    )
    warning_trend_days = fields.Float(
        string="Warn When Trend Reaches (days)",
        default=10.0,
        tracking=True,
        help="Warn the collector when a customer still within terms pays this "
        "many days later than in the 6 months before.",
    )
    risk_grade_rule = fields.Boolean(
        string="Hold on Risk Grade",
        tracking=True,
        help="Hold a customer whose risk grade is at or beyond the given grade.",
    )
    risk_grade_hold = fields.Selection(
        risk_score.GRADE_SELECTION[1:],  # holding every customer is no rule
        string="Hold From Grade",
        default="E",
        tracking=True,
    )

    # Collections outreach (models/ar_reminder.py).
    reminder_step_ids = fields.One2many(
        "ar.reminder.step", "policy_id", string="Reminder Sequence", copy=True
    )
    reminder_risky_step_id = fields.Many2one(
        "ar.reminder.step",
        string="Risky Customers Start At",
        domain="[('policy_id', '=', id)]",
        tracking=True,
        help="Customers of risk grade D or E skip the steps before this one (no "
        "courtesy note for a bad payer). Empty: they follow the whole sequence.",
    )
    portal_promise_days = fields.Integer(
        default=14,
        tracking=True,
        help="A customer may promise on the portal to pay up to this many days "
        "ahead; a later date reaches the collector as a request.",
    )
    dispute_pauses_collection = fields.Boolean(
        string="Disputes Pause Collection",
        default=True,
        tracking=True,
        help="An invoice in dispute leaves the overdue hold rules and the "
        "worklist's overdue rows until the dispute is resolved. Reminders and "
        "late charges always skip it.",
    )
    plan_reminder_days = fields.Integer(
        string="Remind Installments Days Before",
        default=5,
        tracking=True,
        help="A customer under an active payment plan is reminded of each "
        "installment this many days before its date (0: not before).",
    )
    plan_reminder_late = fields.Boolean(
        string="Remind Late Installments",
        default=True,
        tracking=True,
        help="Remind an installment once when its date passes unpaid, before the "
        "grace days make the plan default.",
    )
    reminder_auto_send = fields.Boolean(
        string="Send Reminders Without Review",
        tracking=True,
        help="The daily run sends at once. Off, a collector reviews each run "
        "and sends it.",
    )

    # Late-payment charges (models/ar_late_charge.py).
    late_interest_rate = fields.Float(
        string="Late Interest (% a year)",
        digits=(16, 4),
        tracking=True,
        help="Interest on overdue invoices, per year, on the amount open each "
        "day (actual/365). 0: no interest.",
    )
    late_fee_amount = fields.Monetary(
        string="Late Fee per Invoice",
        tracking=True,
        help="Charged once per overdue invoice, the first time it is charged.",
    )
    late_charges_since = fields.Date(
        string="Charge From",
        tracking=True,
        help="No day before this one is charged: set to the day a rate or a fee "
        "is first set, so that the history is not charged after the fact.",
    )
    late_grace_days = fields.Integer(
        string="Late Charge Grace Days",
        default=0,
        tracking=True,
        help="Days after the due date before charges start; they are not charged.",
    )
    late_min_charge = fields.Monetary(
        string="Minimum Charge",
        tracking=True,
        help="A customer whose charges of a run are less is not charged: the days "
        "wait for the next run.",
    )
    late_charge_cap = fields.Monetary(
        string="Cap per Invoice",
        tracking=True,
        help="An invoice is never charged more than this in all, fee included. "
        "0: no cap.",
    )
    late_fee_product_id = fields.Many2one(
        "product.product",
        string="Late Charge Product",
        default=lambda self: self.env.ref(
            "account_receivable_management.product_late_charge",
            raise_if_not_found=False,
        ),
        check_company=True,
        tracking=True,
        help="What charges are invoiced as: its income account and taxes.",
    )
    late_charge_post = fields.Boolean(
        string="Post Charges at Once",
        default=True,
        tracking=True,
        help="Off, charge invoices wait as drafts for someone to review.",
    )
    late_charge_on_charges = fields.Boolean(
        string="Charge Interest on Charges", tracking=True
    )
    late_skip_promised = fields.Boolean(
        string="No Charges Under a Promise",
        default=True,
        tracking=True,
        help="Invoices an open promise covers are not charged.",
    )
    late_skip_planned = fields.Boolean(
        string="No Charges Under a Plan",
        default=True,
        tracking=True,
        help="Invoices an active payment plan covers are not charged.",
    )

    _sql_constraints = [
        (
            "late_charges_positive",
            "CHECK(late_interest_rate >= 0 AND late_interest_rate <= 100"
            " AND late_fee_amount >= 0 AND late_grace_days >= 0"
            " AND late_min_charge >= 0 AND late_charge_cap >= 0)",
            "Late-payment charges: the rate is from 0 to 100 % a year, and the fee, "
            "grace days, minimum and cap cannot be negative.",
        ),
        (
            "overdue_days_positive",
            "CHECK(overdue_days >= 0)",
            "The overdue days allowed cannot be negative.",
        ),
        (
            "overdue_amount_positive",
            "CHECK(overdue_amount >= 0)",
            "The overdue amount allowed cannot be negative.",
        ),
    ]

    def _compute_is_company_default(self):
        for policy in self:
            policy.is_company_default = policy.company_id.ar_policy_id == policy

    @api.constrains(
        "overdue_days",
        "overdue_amount",
        "promise_grace_days",
        "broken_promise_count",
        "broken_promise_days",
        "plan_grace_days",
        "plan_recovery_amount",
        "plan_approval_amount",
        "instrument_approval_amount",
        "plan_reminder_days",
        "portal_promise_days",
    )
    def _check_thresholds(self):
        for policy in self:
            if (
                min(
                    policy.overdue_days,
                    policy.overdue_amount,
                    policy.promise_grace_days,
                    policy.broken_promise_days,
                    policy.plan_grace_days,
                    policy.plan_recovery_amount,
                    policy.plan_approval_amount,
                    policy.instrument_approval_amount,
                    policy.plan_reminder_days,
                    policy.portal_promise_days,
                )
                < 0
                or policy.broken_promise_count < 1
            ):
                raise ValidationError(
                    self.env._(
                        "Policy %(name)s: days and amounts must be zero or more, and "
                        "the number of broken promises at least 1.",
                        name=policy.display_name,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_company_default(self):
        for policy in self:
            if policy.company_id.ar_policy_id == policy:
                raise UserError(
                    self.env._(
                        "Policy %(name)s is the default policy of %(company)s. "
                        "Choose another default in the settings first.",
                        name=policy.display_name,
                        company=policy.company_id.name,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_customers_policy(self):
        """A policy some customers follow stays: deleted, Odoo would empty
        their policy without a word in their history, and they would follow
        the company's default terms from then on, unjudged until the night."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT (p.ar_policy_id ->> pol.company_id::text)::int, COUNT(*),
                   MIN(p.complete_name)
              FROM res_partner p
              JOIN ar_credit_policy pol
                ON pol.id = (p.ar_policy_id ->> pol.company_id::text)::int
             WHERE pol.id = ANY(%s)
             GROUP BY 1
                """,
                self.ids,
            )
        )
        if rows:
            policy_id, count, customer = rows[0]
            raise UserError(
                self.env._(
                    "Customers follow policy %(name)s (%(count)s, %(customer)s "
                    "among them): give them another policy first, or archive it.",
                    name=self.browse(policy_id).display_name,
                    count=count,
                    customer=customer,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        created = as_created(self, vals_list)
        for vals in vals_list:
            self._ar_date_late_charges(vals)
        policies = super().create(vals_list)
        check_field_domains(policies, set().union(*created))
        policies.filtered(lambda p: not p.reminder_step_ids)._ar_default_reminders()
        return policies

    def _ar_default_reminders(self):
        """The default reminder sequence: courtesy -3, first +7, second +21
        (emails), call +30 after two unanswered, final notice +45 (email and
        letter)."""
        Step = self.env["ar.reminder.step"].sudo()
        for policy in self:
            Step.create(Step._default_vals(policy))

    @api.model
    def _ar_date_late_charges(self, vals):
        """Charges start the day they are switched on, unless a day is given:
        the history before is not charged after the fact."""
        if (
            vals.get("late_interest_rate") or vals.get("late_fee_amount")
        ) and not vals.get("late_charges_since"):
            vals["late_charges_since"] = fields.Date.context_today(self)

    def write(self, vals):
        check_company_kept(self, vals)
        if (vals.get("late_interest_rate") or vals.get("late_fee_amount")) and (
            "late_charges_since" not in vals
        ):
            undated = self.filtered(lambda p: not p.late_charges_since)
            if undated:
                super(ArCreditPolicy, undated).write(
                    {"late_charges_since": fields.Date.context_today(self)}
                )
        res = super().write(vals)
        check_field_domains(self, vals)
        if vals.keys() & set(credit_rules.POLICY_FIELDS):
            # every customer of the companies whose rules changed
            for company in self.company_id:
                self.env["ar.hold"]._refresh_company(company, recompute=False)
        return res

    def _rules(self):
        """The policy as plain values for :mod:`credit_rules`."""
        self.ensure_one()
        settings = {name: self[name] for name in credit_rules.POLICY_FIELDS}
        return credit_rules.PolicyRules(
            **settings,
            use_credit_limit=self.company_id.account_use_credit_limit,
            rounding=self.currency_id.rounding,
        )

    def _score_weights(self):
        self.ensure_one()
        return {
            "days_late": self.weight_days_late,
            "trend": self.weight_trend,
            "broken_promises": self.weight_broken_promises,
            "utilisation": self.weight_utilisation,
            "overdue_share": self.weight_overdue_share,
            "defaulted_plans": self.weight_defaulted_plans,
        }

    def _grade_rule_active(self):
        return self.risk_grade_rule

    @api.constrains(
        "metrics_lookback_months",
        "band_small_limit",
        "band_large_limit",
        "weight_days_late",
        "weight_trend",
        "weight_broken_promises",
        "weight_utilisation",
        "weight_overdue_share",
        "weight_defaulted_plans",
    )
    def _check_metrics_settings(self):
        for policy in self:
            weights = policy._score_weights().values()
            if (
                policy.metrics_lookback_months < 12
                or policy.band_small_limit <= 0
                or policy.band_large_limit <= policy.band_small_limit
                or min(weights) < 0
            ):
                raise ValidationError(
                    self.env._(
                        "Policy %(name)s: look back at least 12 months, keep the "
                        "small-invoice limit above zero and below the large one, "
                        "and give the score weights zero or more.",
                        name=policy.display_name,
                    )
                )

    @api.constrains("reminder_risky_step_id")
    def _check_risky_step(self):
        for policy in self.filtered("reminder_risky_step_id"):
            if policy.reminder_risky_step_id.policy_id != policy:
                raise ValidationError(
                    self.env._(
                        "Policy %(name)s: risky customers start at one of its own "
                        "reminder steps, not %(step)s of policy %(other)s.",
                        name=policy.display_name,
                        step=policy.reminder_risky_step_id.display_name,
                        other=policy.reminder_risky_step_id.policy_id.display_name,
                    )
                )

    @api.constrains("aging_limits")
    def _check_aging_limits(self):
        for policy in self:
            try:
                limits = aging.parse_limits(policy.aging_limits)
            except ValueError:
                limits = ()
            if not limits or len(limits) > aging.MAX_LIMITS:
                raise ValidationError(
                    self.env._(
                        "Policy %(name)s: write the aging buckets as up to "
                        "%(count)s whole numbers of days above zero, ascending and "
                        "separated by commas, for example 30, 60, 90, 120.",
                        name=policy.display_name,
                        count=aging.MAX_LIMITS,
                    )
                )

    def _aging_limits(self):
        """The policy's bucket limits as a tuple of days."""
        self.ensure_one()
        return aging.parse_limits(self.aging_limits)

    def _settlement_account(self):
        """Where forgiven amounts go: the policy's account, else the company's
        cash discount loss account (may be empty)."""
        self.ensure_one()
        return (
            self.settlement_account_id
            or self.company_id.account_journal_early_pay_discount_loss_account_id
        )

    def _netting_journal(self):
        """The journal of barter netting entries: the policy's, else the
        company's first miscellaneous journal (may be empty)."""
        self.ensure_one()
        return self.netting_journal_id or self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(self.company_id),
                ("type", "=", "general"),
            ],
            limit=1,
        )
