from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from . import credit_rules
from .access import (
    ACCOUNTING_GROUPS,
    CREDIT_GROUPS,
    HOLD_GROUPS,
    MANAGER_GROUP,
    check_credit_member,
    is_credit_member,
    require_manager,
)
from .account_move import OPEN_INVOICE_DOMAIN
from .ar_workflow_guard import as_created, check_finite

# Partner fields only a Credit Manager may change.
CREDIT_FIELDS = {
    "credit_limit",
    "use_partner_credit_limit",
    "ar_policy_id",
    "ar_credit_change_reason",
    "ar_no_reminders",
    "ar_no_late_charges",
}
# The settings whose changes are noted in the customer's chatter, old and
# new values (``_ar_log_credit_settings``). Unticking the partner's own limit
# writes the limit through Odoo's inverse, which is noted there.
CREDIT_SETTINGS = ("credit_limit", "ar_policy_id")
# Stored hold state, written by the hold engine only.
HOLD_STATE_FIELDS = {
    "ar_credit_hold",
    "ar_hold_since",
    "ar_promise_kept_count",
    "ar_promise_broken_count",
    "ar_last_broken_promise_date",
}
# When the collector last spoke to the customer and will again: written by
# the call log only (``ar.call.log``), which sets the worklist's rows aside.
CONTACT_FIELDS = {"ar_last_contact_date", "ar_next_contact_date"}
# Partner counter field -> (the customer documents it counts, which of them).
DOCUMENT_COUNTS = {
    "ar_promise_open_count": ("ar.promise", [("state", "=", "open")]),
    "ar_plan_count": ("ar.payment.plan", []),
    "ar_settlement_count": ("ar.settlement", []),
    "ar_return_count": ("ar.return", []),
    "ar_barter_count": ("ar.barter", []),
    "ar_dispute_count": ("ar.dispute", []),
}


def _exposure_amount(string):
    """A figure of the exposure breakdown, in the current company's currency."""
    return fields.Monetary(
        string=string,
        compute="_compute_ar_exposure",
        currency_field="ar_currency_id",
        groups=ACCOUNTING_GROUPS,
    )


class ResPartner(models.Model):
    _inherit = "res.partner"

    ar_policy_id = fields.Many2one(
        "ar.credit.policy",
        string="Credit Policy",
        company_dependent=True,
        domain="[('company_id', '=', current_company_id)]",
        help="Leave empty to follow the company's default credit policy.",
        groups=CREDIT_GROUPS,
    )
    ar_no_reminders = fields.Boolean(
        string="No Reminders",
        company_dependent=True,
        tracking=True,
        help="Never send this customer a reminder in this company (a Credit "
        "Manager decides).",
        groups=CREDIT_GROUPS,
    )
    ar_no_late_charges = fields.Boolean(
        string="No Late Charges",
        company_dependent=True,
        tracking=True,
        help="Never charge this customer for paying late in this company (a "
        "Credit Manager decides).",
        groups=CREDIT_GROUPS,
    )
    ar_credit_change_reason = fields.Char(
        string="Reason for the Change",
        compute="_compute_ar_credit_change_reason",
        inverse="_inverse_ar_credit_change_reason",
        help="Why the credit limit or the credit policy changes: written in the "
        "chatter with the change, never stored on the customer.",
        groups=CREDIT_GROUPS,
    )
    ar_credit_hold = fields.Boolean(
        string="On Credit Hold",
        company_dependent=True,
        readonly=True,
        copy=False,
        help="New sales orders of this customer cannot be confirmed in this company.",
        groups=HOLD_GROUPS,
    )
    ar_hold_since = fields.Datetime(
        string="On Hold Since",
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=HOLD_GROUPS,
    )
    ar_hold_reason_ids = fields.Many2many(
        "ar.hold",
        string="Hold Reasons",
        compute="_compute_ar_hold_reason_ids",
        groups=HOLD_GROUPS,
    )
    ar_hold_ids = fields.One2many(
        "ar.hold",
        "partner_id",
        string="Hold History",
        context={"active_test": False},
        groups=HOLD_GROUPS,
    )
    # Promises to pay, per company (written when promises are judged).
    ar_promise_kept_count = fields.Integer(
        string="Promises Kept",
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=CREDIT_GROUPS,
    )
    ar_promise_broken_count = fields.Integer(
        string="Promises Broken",
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=CREDIT_GROUPS,
    )
    ar_last_broken_promise_date = fields.Date(
        string="Last Broken Promise",
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=CREDIT_GROUPS,
    )
    ar_promise_open_count = fields.Integer(
        string="Open Promises",
        compute="_compute_ar_document_counts",
        groups=CREDIT_GROUPS,
    )
    ar_plan_count = fields.Integer(
        string="Payment Plans",
        compute="_compute_ar_document_counts",
        groups=CREDIT_GROUPS,
    )
    ar_settlement_count = fields.Integer(
        string="Settlements",
        compute="_compute_ar_document_counts",
        groups=CREDIT_GROUPS,
    )
    ar_return_count = fields.Integer(
        string="Returns", compute="_compute_ar_document_counts", groups=CREDIT_GROUPS
    )
    ar_barter_count = fields.Integer(
        string="Barters", compute="_compute_ar_document_counts", groups=CREDIT_GROUPS
    )
    ar_dispute_count = fields.Integer(
        string="Disputes", compute="_compute_ar_document_counts", groups=CREDIT_GROUPS
    )
    ar_collector_id = fields.Many2one(
        "res.users",
        string="Collector",
        company_dependent=True,
        domain="[('share', '=', False)]",
        help="Who follows this customer's payments in this company: early "
        "warnings go to them.",
        groups=CREDIT_GROUPS,
    )
    ar_last_contact_date = fields.Date(
        string="Last Contact",
        company_dependent=True,
        readonly=True,
        copy=False,
        help="The day a collector last logged a call with this customer in this "
        "company.",
        groups=CREDIT_GROUPS,
    )
    ar_next_contact_date = fields.Date(
        string="Next Contact",
        company_dependent=True,
        readonly=True,
        copy=False,
        help="Until this day, the customer's worklist rows dated up to the last "
        "call are set aside as Contacted.",
        groups=CREDIT_GROUPS,
    )
    # Payment metrics and risk score of the current company (nightly run).
    ar_metrics_id = fields.Many2one(
        "ar.partner.metrics",
        string="Payment Metrics",
        compute="_compute_ar_metrics_id",
        search="_search_ar_metrics_id",
        groups=CREDIT_GROUPS,
    )
    ar_risk_score = fields.Float(
        related="ar_metrics_id.risk_score", string="Risk Score", groups=CREDIT_GROUPS
    )
    ar_risk_grade = fields.Selection(
        related="ar_metrics_id.risk_grade", string="Risk Grade", groups=CREDIT_GROUPS
    )
    ar_risk_explanation = fields.Text(
        related="ar_metrics_id.risk_explanation",
        string="Why This Score",
        groups=CREDIT_GROUPS,
    )
    ar_avg_days_to_pay = fields.Float(
        related="ar_metrics_id.avg_days_to_pay",
        string="Avg Days to Pay",
        groups=CREDIT_GROUPS,
    )
    ar_avg_days_late = fields.Float(
        related="ar_metrics_id.avg_days_late",
        string="Avg Days Late",
        groups=CREDIT_GROUPS,
    )
    ar_on_time_share = fields.Float(
        related="ar_metrics_id.on_time_share",
        string="Paid on Time",
        groups=CREDIT_GROUPS,
    )
    ar_trend_days = fields.Float(
        related="ar_metrics_id.trend_days", string="Trend (days)", groups=CREDIT_GROUPS
    )
    ar_dso = fields.Float(
        related="ar_metrics_id.dso", string="DSO", groups=CREDIT_GROUPS
    )
    # Exposure breakdown, in the current company's currency.
    ar_currency_id = fields.Many2one(
        "res.currency", compute="_compute_ar_currency_id", groups=ACCOUNTING_GROUPS
    )
    ar_credit_limit = _exposure_amount("Credit Limit in Force")
    ar_receivable = _exposure_amount("Open Receivables")
    ar_to_invoice = _exposure_amount("Sales to Invoice")
    ar_draft_invoiced = _exposure_amount("Draft Invoices")
    ar_exposure = _exposure_amount("Exposure")
    ar_credit_available = _exposure_amount("Credit Available")
    ar_overdue_amount = _exposure_amount("Overdue Amount")
    ar_overdue_days = fields.Integer(
        string="Oldest Overdue (days)",
        compute="_compute_ar_exposure",
        groups=ACCOUNTING_GROUPS,
    )

    @api.depends(
        "commercial_partner_id.ar_hold_ids.active",
        "commercial_partner_id.ar_hold_ids.company_id",
    )
    @api.depends_context("company")
    def _compute_ar_hold_reason_ids(self):
        holds = (
            self.env["ar.hold"]
            .sudo()
            .with_context(active_test=True)  # in force, whatever the caller's
            .search(
                [
                    ("partner_id", "in", self.commercial_partner_id.ids),
                    ("company_id", "=", self.env.company.id),
                ]
            )
        )
        by_partner = holds.grouped("partner_id")
        Hold = self.env["ar.hold"]
        for partner in self:
            found = by_partner.get(partner.commercial_partner_id, Hold)
            partner.ar_hold_reason_ids = Hold.browse(found.ids)

    @api.depends_context("company")
    def _compute_ar_metrics_id(self):
        rows = (
            self.env["ar.partner.metrics"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", self.commercial_partner_id.ids),
                    ("company_id", "=", self.env.company.id),
                ]
            )
        )
        by_partner = {row.partner_id.id: row.id for row in rows}
        for partner in self:
            partner.ar_metrics_id = by_partner.get(partner.commercial_partner_id.id)

    def _search_ar_metrics_id(self, operator, value):
        # The metrics are read below as the system: searching on a grade or a
        # score is reading it, the credit team's only.
        if not (self.env.su or self.env.user.has_group(CREDIT_GROUPS)):
            raise AccessError(
                self.env._(
                    "Only the credit team can search customers by payment metrics "
                    "or risk."
                )
            )
        domain = value if operator == "any" else [("id", operator, value)]
        rows = (
            self.env["ar.partner.metrics"]
            .sudo()
            .search([*domain, ("company_id", "=", self.env.company.id)])
        )
        return [("commercial_partner_id", "in", rows.partner_id.ids)]

    def action_ar_view_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_receivable_management.ar_partner_snapshot_action"
        )
        action["domain"] = [
            ("partner_id", "=", self.commercial_partner_id.id),
            ("company_id", "=", self.env.company.id),
        ]
        return action

    @api.depends_context("company")
    def _compute_ar_document_counts(self):
        """How many open promises, plans, settlements, returns, barters and
        disputes the customer has in the current company: one statement for
        all of them, each count through the user's record rules."""
        customer_ids = [pid for pid in self.commercial_partner_id._origin.ids if pid]
        counts = self._ar_document_counts(customer_ids) if customer_ids else {}
        for partner in self:
            customer_id = partner.commercial_partner_id._origin.id
            for field in DOCUMENT_COUNTS:
                partner[field] = counts.get((field, customer_id), 0)

    def _ar_document_counts(self, customer_ids):
        """{(counter field, customer id): count} in the current company."""
        selects = []
        for field, (model, domain) in DOCUMENT_COUNTS.items():
            query = self.env[model]._search(
                [
                    ("partner_id", "in", customer_ids),
                    ("company_id", "=", self.env.company.id),
                    *domain,
                ]
            )
            if query.is_empty():
                continue
            partner = SQL.identifier(query.table, "partner_id")
            query.groupby = partner
            selects.append(query.select(SQL("%s::text", field), partner, "COUNT(*)"))
        if not selects:
            return {}
        rows = self.env.execute_query(SQL(" UNION ALL ").join(selects))
        return {(field, customer_id): count for field, customer_id, count in rows}

    @api.depends_context("company")
    def _compute_ar_currency_id(self):
        self.ar_currency_id = self.env.company.currency_id

    @api.depends_context("company")
    def _compute_ar_exposure(self):
        company = self.env.company
        commercial = self.commercial_partner_id._origin
        rules_of = commercial.sudo()._ar_rules(company)
        figures = self.env["ar.credit.figures"]._of(
            commercial, company, rules_of=rules_of
        )
        empty = credit_rules.CreditFigures()
        for partner in self:
            key = partner.commercial_partner_id._origin.id
            fig = figures.get(key, empty)
            rules = rules_of.get(key) or credit_rules.PolicyRules()
            total = credit_rules.exposure(fig, rules)
            partner.ar_credit_limit = fig.credit_limit
            partner.ar_receivable = fig.receivable
            partner.ar_to_invoice = fig.to_invoice
            partner.ar_draft_invoiced = (
                fig.draft_invoiced if rules.include_draft_invoices else 0.0
            )
            partner.ar_exposure = total
            partner.ar_credit_available = (
                fig.credit_limit - total if fig.credit_limit else 0.0
            )
            partner.ar_overdue_amount = fig.overdue_amount
            partner.ar_overdue_days = credit_rules.overdue_days(
                fig, fields.Date.context_today(self)
            )

    @api.constrains("credit_limit")
    def _check_credit_limit(self):
        for partner in self.sudo():
            if partner.credit_limit < 0:
                raise ValidationError(
                    self.env._(
                        "The credit limit of %(name)s cannot be negative. Enter 0 for "
                        "no limit.",
                        name=partner.display_name,
                    )
                )

    def _compute_ar_credit_change_reason(self):
        self.ar_credit_change_reason = False

    def _inverse_ar_credit_change_reason(self):
        """Nothing to store: ``write`` puts the reason in the chatter."""

    def write(self, vals):
        check_finite(self, vals)
        if not self.env.su:
            if vals.keys() & HOLD_STATE_FIELDS:
                raise AccessError(
                    self.env._(
                        "The credit hold state is computed. Use Place Credit Hold or "
                        "Release Credit Hold instead of editing it."
                    )
                )
            if vals.keys() & CONTACT_FIELDS:
                raise AccessError(
                    self.env._(
                        "The last and next contact dates are those of the calls "
                        "logged: use Log Call instead of editing them."
                    )
                )
            if vals.keys() & CREDIT_FIELDS:
                require_manager(
                    self.env,
                    self.env._("change a customer's credit limit or credit policy"),
                )
                if vals.keys() <= CREDIT_FIELDS:
                    # A Credit Manager may set the credit terms of any customer
                    # they can see, without the right to edit contacts.
                    self.check_access("read")
                    self._ar_check_policy(vals)
                    return self.sudo().write(vals)
        self._ar_check_collector(vals)
        self._ar_check_policy(vals)
        reason = (vals.get("ar_credit_change_reason") or "").strip()
        tracked = self._ar_credit_settings_before(vals)
        entities_before = self.env["ar.hold"]._before_commercial_move(self, vals)
        res = super().write(vals)
        if entities_before:
            self.env["ar.hold"]._after_commercial_move(entities_before)
        if tracked:
            self._ar_log_credit_settings(tracked, reason)
            self.env["ar.hold"]._refresh(
                self.commercial_partner_id, self.env.company, recompute=False
            )
        return res

    def _ar_check_collector(self, vals):
        """A collector given in ``vals`` (the current company's) is one of
        its credit team, however it is written."""
        if vals.get("ar_collector_id"):
            check_credit_member(
                self.env,
                self.env["res.users"].browse(vals["ar_collector_id"]),
                self.env.company,
            )

    def _ar_check_policy(self, vals):
        """A policy given in ``vals`` (the current company's setting) is one
        of the current company's, and one the user may read: another
        company's would judge the customer here by rules no one here sees."""
        if not vals.get("ar_policy_id"):
            return
        policy = self.env["ar.credit.policy"].browse(vals["ar_policy_id"])
        policy.check_access("read")
        if policy.company_id != self.env.company:
            raise UserError(
                self.env._(
                    "Policy %(policy)s is %(owner)s's: choose one of %(company)s's "
                    "policies for its customers there.",
                    policy=policy.display_name,
                    owner=policy.company_id.name,
                    company=self.env.company.name,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        given = as_created(self, vals_list)  # the context's defaults too
        for vals in given:
            check_finite(self, vals)
            self._ar_check_collector(vals)
            self._ar_check_policy(vals)
        if not self.env.su:
            for vals in given:
                if any(vals.get(name) for name in CONTACT_FIELDS):
                    raise AccessError(
                        self.env._(
                            "The last and next contact dates are those of the "
                            "calls logged: create the customer without them."
                        )
                    )
                if any(vals.get(name) for name in HOLD_STATE_FIELDS):
                    # as in write: the hold engine's and the promises' own
                    raise AccessError(
                        self.env._(
                            "The credit hold and the promises kept and broken are "
                            "recorded by their workflows: create the customer "
                            "without them, then use Place Credit Hold."
                        )
                    )
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            for vals in given:
                credit = {name for name in vals.keys() & CREDIT_FIELDS if vals[name]}
                if credit:
                    raise AccessError(
                        self.env._(
                            "Only a Credit Manager sets a customer's credit limit "
                            "or credit policy: create the customer without "
                            "%(fields)s.",
                            fields=", ".join(
                                sorted(self._fields[name].string for name in credit)
                            ),
                        )
                    )
        return super().create(vals_list)

    def _ar_refresh_predictions(self, company):
        """The predicted payment and expected cash of these customers' open
        invoices in ``company``, recomputed now (one SQL statement, as the
        nightly job computes them): after what changes them (a promise, a
        plan, an invoice posted or paid, a credit note or a payment not yet
        applied)."""
        if self:
            self.env["ar.partner.metrics"].sudo()._predict_pay_dates(
                company,
                self.sudo().commercial_partner_id.ids,
                fields.Date.context_today(self),
            )

    def _ar_credit_contact(self, company):
        """Who in ``company`` hears of what this customer asks (a dispute, a
        promise or a plan from the portal): its collector, else the company's
        dispute owner, else a Credit Manager of the company; a collector or
        owner who has left the credit team since is skipped."""
        self.ensure_one()
        partner = self.commercial_partner_id.sudo().with_company(company)
        contact = next(
            (
                user
                for user in (partner.ar_collector_id, company.sudo().ar_dispute_user_id)
                if is_credit_member(user, company)
            ),
            self.env["res.users"],
        )
        if not contact:
            managers = self.env.ref(MANAGER_GROUP).sudo().users
            contact = managers.filtered(lambda u: is_credit_member(u, company))[:1]
        return contact

    def _ar_reminder_recipient(self):
        """Who the customer's reminders and statements go to: the rule the
        reminder runs apply in SQL (``ArReminderRun._recipient_sql``)."""
        self.ensure_one()
        self.env.flush_all()
        [(recipient_id,)] = self.env.execute_query(
            SQL(
                "SELECT %s",
                self.env["ar.reminder.run"]._recipient_sql(
                    SQL("%s", self.commercial_partner_id.id)
                ),
            )
        )
        return self.browse(recipient_id).sudo()

    def action_ar_view_reminders(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Reminder History of %(name)s", name=self.commercial_partner_id.name
            ),
            "res_model": "ar.reminder.line",
            "views": [(False, "list"), (False, "form")],
            "domain": [
                ("partner_id", "=", self.commercial_partner_id.id),
                ("state", "in", ("sent", "failed")),
            ],
        }

    def action_ar_view_promises(self):
        return self._ar_commitments_action(
            "account_receivable_management.ar_promise_action"
        )

    def action_ar_view_plans(self):
        return self._ar_commitments_action(
            "account_receivable_management.ar_payment_plan_action"
        )

    def action_ar_view_settlements(self):
        return self._ar_commitments_action(
            "account_receivable_management.ar_settlement_action"
        )

    def action_ar_view_returns(self):
        return self._ar_commitments_action(
            "account_receivable_management.ar_return_action"
        )

    def action_ar_view_barters(self):
        return self._ar_commitments_action(
            "account_receivable_management.ar_barter_action"
        )

    def action_ar_view_disputes(self):
        return self._ar_commitments_action(
            "account_receivable_management.ar_dispute_action"
        )

    def action_ar_view_overdue_invoices(self):
        """The customer's overdue invoices in the current company."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [
            *OPEN_INVOICE_DOMAIN,
            ("commercial_partner_id", "=", self.commercial_partner_id.id),
            ("company_id", "=", self.env.company.id),
            ("invoice_date_due", "<", fields.Date.context_today(self)),
        ]
        action["context"] = {"create": False}
        action["display_name"] = self.env._("Overdue Invoices")
        return action

    def _ar_commitments_action(self, xml_id):
        """The customer's promises or plans; new ones are for this customer."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xml_id)
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_ar_place_hold(self):
        return self._ar_hold_wizard("place")

    def action_ar_release_hold(self):
        return self._ar_hold_wizard("release")

    def _ar_hold_wizard(self, action):
        self.ensure_one()
        require_manager(self.env, self.env._("place or release a credit hold"))
        names = dict(
            self.env["ar.hold.wizard"]
            ._fields["action"]
            ._description_selection(self.env)
        )
        return {
            "type": "ir.actions.act_window",
            "name": names[action],
            "res_model": "ar.hold.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_partner_id": self.commercial_partner_id.id,
                "default_action": action,
            },
        }

    # ------------------------------------------------------------------
    # Audit of credit settings
    # ------------------------------------------------------------------
    def _ar_credit_settings_before(self, vals):
        if not vals.keys() & set(CREDIT_SETTINGS):
            return {}
        me = self.sudo()
        return {
            partner.id: {name: partner[name] for name in CREDIT_SETTINGS}
            for partner in me
        }

    def _ar_log_credit_settings(self, before, reason=""):
        """One chatter note per partner whose limit or policy changed, in the
        current company: their old and new values and why, as tracking
        values of their own fields. Odoo shows a tracking value only to the
        users who may read its field (``mail.tracking.value``): the limit to
        accounting users, the policy and the reason to the credit team. The
        customer's chatter is every employee's; the note's text names the
        company and no figure."""
        company = self.env.company
        Tracking = self.env["mail.tracking.value"].sudo()
        names = [*CREDIT_SETTINGS, "ar_credit_change_reason"]
        infos = self.sudo().fields_get(names, attributes=["type", "selection"])
        for partner in self.sudo():
            changed = [
                name
                for name in CREDIT_SETTINGS
                if partner[name] != before[partner.id][name]
            ]
            if not changed:
                continue
            values = [
                Tracking._create_tracking_values(
                    before[partner.id][name], partner[name], name, infos[name], partner
                )
                for name in changed
            ]
            values.append(
                Tracking._create_tracking_values(
                    False,
                    reason or self.env._("no reason given"),
                    "ar_credit_change_reason",
                    infos["ar_credit_change_reason"],
                    partner,
                )
            )
            partner._message_log(
                body=self.env._(
                    "Credit settings changed in %(company)s.", company=company.name
                ),
                tracking_value_ids=[Command.create(vals) for vals in values],
            )

    # ------------------------------------------------------------------
    # Figures and rules
    # ------------------------------------------------------------------
    def _ar_policy(self, company):
        """The policy that governs this commercial partner in ``company``."""
        self.ensure_one()
        return self._ar_policies(company)[self.id]

    def _ar_policies(self, company):
        """{partner id: the policy governing it} for these commercial partners."""
        default = company.sudo().ar_policy_id or company._ar_ensure_policy()
        partners = self.sudo().with_company(company)
        # This field only: reading it alone would prefetch every column of
        # res.partner, for every customer of a metrics run.
        partners.fetch(["ar_policy_id"])
        return {partner.id: partner.ar_policy_id or default for partner in partners}

    def _ar_rules(self, company):
        """{partner id: PolicyRules} for these commercial partners."""
        cache = {}
        result = {}
        for partner_id, policy in self._ar_policies(company).items():
            if policy not in cache:
                cache[policy] = policy._rules()
            result[partner_id] = cache[policy]
        return result
