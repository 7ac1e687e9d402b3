from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from . import credit_rules

HOLD_REASONS = [
    (credit_rules.OVER_LIMIT, "Over credit limit"),
    (credit_rules.OVERDUE_DAYS, "Overdue days"),
    (credit_rules.OVERDUE_AMOUNT, "Overdue amount"),
    (credit_rules.BROKEN_PROMISES, "Broken promises"),
    (credit_rules.DEFAULTED_PLAN, "Defaulted payment plan"),
    (credit_rules.RISK_GRADE, "Risk grade"),
    (credit_rules.MANUAL, "Manual hold"),
]


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
    reason = fields.Selection(HOLD_REASONS, required=True)
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

    @api.model
    def _ar_hand_over_holds(self, partners, companies):
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
            if hold.reason == credit_rules.MANUAL and not entity._ar_manual_hold(
                hold.company_id
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
            gone._ar_sync_hold_state(company)
