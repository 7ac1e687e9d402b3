from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_amount

from . import credit_rules
from .access import MANAGER_GROUP
from .sql_tools import unreconciled


class ArHold(models.Model):
    """One reason a customer is on credit hold in one company.

    An active record is a reason that applies now; when it stops applying (the
    invoice is paid, a manager releases a manual hold) the record is archived
    with its end date, so the archive is the customer's hold history.
    """

    _name = "ar.hold"
    _description = "Credit Hold Reason"
    _inherit = ["ar.workflow.guard"]
    _order = "active desc, date_start desc, id desc"
    _check_company_auto = True
    _rec_name = "reason"
    # Placed, released and archived by the hold engine and the hold wizard
    # only: every field.
    _ar_workflow_fields = (
        "partner_id",
        "company_id",
        "reason",
        "detail",
        "note",
        "date_start",
        "date_end",
        "user_id",
        "release_user_id",
        "release_note",
        "active",
    )

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    reason = fields.Selection(credit_rules.REASONS, required=True)
    detail = fields.Char(help="The figures behind the reason when it was last checked.")
    note = fields.Text(help="Why a manager placed or released the hold.")
    date_start = fields.Datetime(
        string="Since", required=True, default=fields.Datetime.now
    )
    date_end = fields.Datetime(string="Until")
    user_id = fields.Many2one(
        "res.users",
        string="Placed By",
        help="The manager who placed a manual hold; empty for automatic holds.",
    )
    release_user_id = fields.Many2one("res.users", string="Released By")
    release_note = fields.Text()
    active = fields.Boolean(default=True)

    def init(self):
        # One current record per reason, customer and company.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS ar_hold_active_reason_uniq"
                " ON ar_hold (partner_id, company_id, reason) WHERE active"
            )
        )

    @api.depends("reason", "partner_id")
    def _compute_display_name(self):
        labels = dict(self._fields["reason"]._description_selection(self.env))
        for hold in self:
            hold.display_name = labels.get(hold.reason, "")

    @api.ondelete(at_uninstall=False)
    def _unlink_except_audit(self):
        if not self.env.su:
            raise UserError(
                self.env._(
                    "Credit holds are an audit trail and cannot be deleted. "
                    "Release a manual hold instead."
                )
            )

    # ------------------------------------------------------------------
    # Hold engine: which reasons hold a customer, and its stored state
    # ------------------------------------------------------------------
    @api.model
    def _manual_of(self, partner, company, reasons=credit_rules.PLACED):
        """The active placed holds (``reasons``: manual, and by the reminder
        sequence, by default) of ``partner``'s commercial partner in
        ``company``."""
        # One indexed lookup (the unique index of active reasons): every order
        # confirmation asks, and the ORM's search costs more than the query.
        self.flush_model(["partner_id", "company_id", "reason", "active"])
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM ar_hold WHERE partner_id = %s AND company_id = %s"
                " AND reason = ANY(%s) AND active ORDER BY id",
                partner.commercial_partner_id.id,
                company.id,
                list(reasons),
            )
        )
        return self.sudo().browse(row[0] for row in rows)

    @api.model
    def _place_manual(
        self, partner, company, note, user=None, reason=credit_rules.MANUAL
    ):
        """Put ``partner``'s commercial partner on a placed hold (``reason``:
        manual, or the reminder sequence's) in ``company`` for ``note`` (kept
        when one of that reason is already in place), placed by ``user`` (the
        current user by default), and say so in its chatter. The caller
        checks the rights."""
        partner = partner.commercial_partner_id.sudo()
        hold = self._manual_of(partner, company, (reason,))
        if not hold:
            hold = hold.create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "reason": reason,
                    "note": note,
                    "user_id": (user or self.env.user).id,
                }
            )
            partner.message_post(
                body=self.env._(
                    "Manual credit hold placed in %(company)s: %(reason)s",
                    company=company.name,
                    reason=note,
                )
                if reason == credit_rules.MANUAL
                else self.env._(
                    "Credit hold placed in %(company)s by the reminder sequence: "
                    "%(reason)s",
                    company=company.name,
                    reason=note,
                )
            )
            self._refresh(partner, company, recompute=False)
        return hold

    @api.model
    def _refresh(self, partners, company, recompute=True):
        """Recompute the automatic holds of ``partners``' commercial partners
        in ``company``, and their stored hold state. Manual holds are kept.
        ``recompute=False`` trusts today's stored open-items figures: for
        changes that do not touch open items (limits, policies, orders)."""
        partners = partners.commercial_partner_id._origin.sudo().with_company(company)
        if not partners:
            return
        # the holds in force, whatever the caller's context: a released hold
        # taken for one kept a customer overdue again off hold
        Hold = self.sudo().with_context(active_test=True)
        current = Hold.search(
            [("partner_id", "in", partners.ids), ("company_id", "=", company.id)]
        )
        by_key = {(hold.partner_id.id, hold.reason): hold for hold in current}
        held_ids = set(current.partner_id.ids)
        rules_of = partners._ar_rules(company)
        # Partners under no active rule and with no hold need no figures.
        to_check = partners.filtered(
            lambda p: p.id in held_ids or rules_of[p.id].any_active
        )
        figures = self.env["ar.credit.figures"]._of(
            to_check, company, recompute=recompute, for_rules=True, rules_of=rules_of
        )
        today = fields.Date.context_today(self)
        now = fields.Datetime.now()
        to_create = []
        to_close = Hold
        for partner in to_check:
            reasons = credit_rules.hold_reasons(
                figures[partner.id], rules_of[partner.id], today
            )
            codes = set()
            for reason in reasons:
                codes.add(reason.code)
                detail = self._reason_text(reason, company)
                hold = by_key.get((partner.id, reason.code))
                if not hold:
                    to_create.append(
                        {
                            "partner_id": partner.id,
                            "company_id": company.id,
                            "reason": reason.code,
                            "detail": detail,
                            "date_start": now,
                        }
                    )
                elif hold.detail != detail:
                    hold.detail = detail
            for code in credit_rules.AUTOMATIC:
                hold = by_key.get((partner.id, code))
                if hold and code not in codes:
                    to_close |= hold
        to_close.write({"active": False, "date_end": now})
        Hold.create(to_create)
        self._sync_state(partners, company)

    @api.model
    def _sync_state(self, partners, company):
        """Write ``ar_credit_hold`` / ``ar_hold_since`` of ``partners`` from
        their active holds, and tell their chatter when the state changes."""
        groups = (
            self.sudo()
            .with_context(active_test=True)  # the holds in force
            ._read_group(
                [("partner_id", "in", partners.ids), ("company_id", "=", company.id)],
                ["partner_id"],
                ["date_start:min", "reason:array_agg"],
            )
        )
        state = {partner.id: (since, reasons) for partner, since, reasons in groups}
        labels = dict(self._fields["reason"]._description_selection(self.env))
        released = partners.browse()
        for partner in partners.sudo().with_company(company):
            since, reasons = state.get(partner.id, (False, []))
            was_held = partner.ar_credit_hold
            if bool(since) == was_held and since == partner.ar_hold_since:
                continue
            if since:
                partner.write({"ar_credit_hold": True, "ar_hold_since": since})
                if not was_held:
                    partner.message_post(
                        body=self.env._(
                            "Credit hold in %(company)s: %(reasons)s",
                            company=company.name,
                            reasons=", ".join(labels[r] for r in sorted(set(reasons))),
                        )
                    )
            else:
                released |= partner
        if released:
            released.write({"ar_credit_hold": False, "ar_hold_since": False})
            for partner in released:
                partner.message_post(
                    body=self.env._(
                        "Credit hold lifted in %(company)s.", company=company.name
                    )
                )

    @api.model
    def _refresh_for_lines(self, lines):
        """Refresh the holds of the customers of these journal items, in their
        company and every company above it (a company's figures include its
        branches' items), and flag them for the hourly metrics."""
        receivable = lines.sudo().filtered(
            lambda line: (
                line.account_id.account_type == "asset_receivable" and line.partner_id
            )
        )
        by_company = defaultdict(lambda: self.env["res.partner"])
        for line in receivable:
            for company in line.company_id.parent_ids:
                by_company[company] |= line.partner_id
        for company, partners in by_company.items():
            self._refresh(partners, company)
        self.env["ar.partner.metrics"].sudo()._mark_dirty(
            {
                (partner.commercial_partner_id.id, company.id)
                for company, partners in by_company.items()
                for partner in partners
            }
        )

    @api.model
    def _refresh_company(self, company, recompute=True):
        """Every customer of ``company`` that owes it something, has orders
        left to invoice or is held."""
        rows = self.env.execute_query(
            SQL(
                """
            SELECT DISTINCT aml.partner_id
              FROM account_move_line aml
              JOIN account_account acc ON acc.id = aml.account_id
             WHERE acc.account_type = 'asset_receivable'
               AND aml.company_id = %(company)s
               AND aml.partner_id IS NOT NULL
               AND aml.parent_state = 'posted' AND %(unreconciled)s
            UNION
            SELECT partner_id FROM ar_hold WHERE active AND company_id = %(company)s
            UNION
            SELECT so.ar_payer_id FROM sale_order so
             WHERE so.company_id = %(company)s AND so.ar_amount_to_invoice != 0
            """,
                company=company.id,
                unreconciled=unreconciled("aml"),
            )
        )
        partners = self.env["res.partner"].browse([pid for (pid,) in rows])
        self._refresh(partners, company, recompute)

    @api.model
    def _cron_refresh(self):
        """The nightly refresh: what simply fell overdue, in every company."""
        # A handful of companies: every one is evaluated.
        companies = self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all
        for company in companies:
            self._refresh_company(company)

    @api.model
    def _reason_text(self, reason, company, including=""):
        """One line that says why, with the figures, in the company currency."""

        def amount(value):
            return format_amount(self.env, value, company.currency_id)

        return credit_rules.describe(reason, self.env, amount, including)

    # ------------------------------------------------------------------
    # A customer moved under another company takes its holds along
    # ------------------------------------------------------------------
    @api.model
    def _before_commercial_move(self, partners, vals):
        """{partner id: commercial partner id} of ``partners`` and their
        contacts, before ``vals`` may move them under another company (empty
        when ``vals`` cannot). Moving a held customer, or a contact of one,
        moves what it owes and its holds: a Credit Manager's decision,
        checked here, before anything is written."""
        if not vals.keys() & {"parent_id", "is_company"}:
            return {}
        self._check_commercial_move(partners, vals)
        family = (
            partners.sudo()
            .with_context(active_test=False)
            .search([("id", "child_of", partners.ids)])
        )
        return {partner.id: partner.commercial_partner_id.id for partner in family}

    @api.model
    def _check_commercial_move(self, partners, vals):
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        leaving = partners.browse()
        for partner in partners.sudo():
            is_company = vals.get("is_company", partner.is_company)
            parent = (
                partner.browse(vals["parent_id"])
                if "parent_id" in vals
                else partner.parent_id
            )
            after = (
                partner if is_company or not parent else parent.commercial_partner_id
            )
            if after != partner.commercial_partner_id:
                leaving |= partner.commercial_partner_id
        held = self.sudo().search([("partner_id", "in", leaving.ids)])
        if held:
            raise AccessError(
                self.env._(
                    "%(customer)s is on credit hold: only a Credit Manager can move "
                    "it or its contacts under another company, which moves what it "
                    "owes and its holds too.",
                    customer=", ".join(held.partner_id.mapped("name")),
                )
            )

    @api.model
    def _after_commercial_move(self, before):
        """Partners moved under another commercial entity: what they owe, their
        orders and their holds now count for the new one. Refresh both, in
        every company, at once."""
        Partner = self.env["res.partner"].sudo()
        family = Partner.browse(list(before))
        moved = family.filtered(lambda p: p.commercial_partner_id.id != before[p.id])
        if not moved:
            return
        old = Partner.browse({before[p.id] for p in moved})
        new = moved.commercial_partner_id
        # Odoo keeps an entry's commercial partner as it was when the entry
        # was made: the invoices of the moved partners follow them.
        moves = (
            self.env["account.move"].sudo().search([("partner_id", "in", moved.ids)])
        )
        self.env.add_to_compute(moves._fields["commercial_partner_id"], moves)
        moves.flush_recordset(["commercial_partner_id"])
        companies = self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all
        self._hand_over(old, companies)
        for company in companies:
            self._refresh(old | new, company)
        metrics = self.env["ar.partner.metrics"].sudo()
        rows = metrics.search([("partner_id", "in", (old | new).ids)])
        metrics._mark_dirty(
            {
                (row.partner_id.commercial_partner_id.id, row.company_id.id)
                for row in rows
            }
        )
        for partner in moved.filtered(lambda p: p.id == before[p.id]):
            partner.commercial_partner_id.message_post(
                body=self.env._(
                    "%(partner)s is now part of %(customer)s: what it owes, its "
                    "orders and its credit holds count for %(customer)s.",
                    partner=partner.name,
                    customer=partner.commercial_partner_id.name,
                )
            )

    @api.model
    def _hand_over(self, partners, companies):
        """Of ``partners``, those now contacts of another company hand it their
        active holds: a manual hold moves to it (unless it has one of its own,
        which then stands for both), automatic holds close (its own refresh
        judges its figures, theirs included). Their hold state is cleared in
        ``companies``."""
        gone = partners.filtered(lambda p: p.commercial_partner_id != p)
        if not gone:
            return
        now = fields.Datetime.now()
        for hold in self.sudo().search([("partner_id", "in", gone.ids)]):
            entity = hold.partner_id.commercial_partner_id
            note = self.env._(
                "%(partner)s became part of %(customer)s.",
                partner=hold.partner_id.name,
                customer=entity.name,
            )
            if hold.reason in credit_rules.PLACED and not self._manual_of(
                entity, hold.company_id, (hold.reason,)
            ):
                hold.write({"partner_id": entity.id})
                entity.message_post(
                    body=self.env._(
                        "Manual credit hold in %(company)s taken over: %(note)s",
                        company=hold.company_id.name,
                        note=note,
                    )
                )
            else:
                hold.write({"active": False, "date_end": now, "release_note": note})
        for company in companies:
            self._sync_state(gone, company)
