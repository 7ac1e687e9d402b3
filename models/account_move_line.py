"""A late-payment charge's line remembers the invoice it charges and what that
invoice was charged to before, so deleting a draft charge (or one of its
lines) gives the days back to the next run (``models/ar_late_charge.py``)."""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from .access import CREDIT_GROUPS
from .ar_workflow_guard import as_created, check_workflow_fields


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"
    _ar_workflow_fields = (
        "ar_charge_source_id",
        "ar_charge_previous_until",
        "ar_charge_until",
    )

    ar_charge_source_id = fields.Many2one(
        "account.move",
        string="Charged Invoice",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups=CREDIT_GROUPS,
        help="The overdue invoice this late-payment charge line charges.",
    )
    ar_charge_previous_until = fields.Date(
        readonly=True,
        copy=False,
        groups=CREDIT_GROUPS,
        help="The charged invoice's Late Charges Until before this line.",
    )
    ar_charge_until = fields.Date(
        readonly=True,
        copy=False,
        groups=CREDIT_GROUPS,
        help="The last day this line charges.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_workflow_fields(
            self, set().union(*as_created(self, vals_list)), self._ar_workflow_fields
        )
        return super().create(vals_list)

    def write(self, vals):
        check_workflow_fields(self, vals, self._ar_workflow_fields)
        return super().write(vals)

    def unlink(self):
        self._ar_release_charged_days()
        return super().unlink()

    def _ar_refresh_predictions(self):
        """The customers of these receivable items: their invoices' predicted
        payment and expected cash follow what was posted or applied."""
        receivable = self.sudo().filtered(
            lambda line: (
                line.partner_id and line.account_id.account_type == "asset_receivable"
            )
        )
        for company, lines in receivable.grouped("company_id").items():
            lines.partner_id._ar_refresh_predictions(company)

    def _ar_release_charged_days(self):
        """The invoices charged by these lines are charged again from where
        they were before, for what these lines charged: refused when a later
        charge covers days after them (delete that one first)."""
        lines = self.sudo().filtered("ar_charge_source_id")
        for line in lines.sorted(lambda x: x.id, reverse=True):
            source = line.ar_charge_source_id
            end = line.ar_charge_until
            if source.ar_charged_until and end and source.ar_charged_until > end:
                raise UserError(
                    self.env._(
                        "%(invoice)s was charged again after %(charge)s, up to "
                        "%(day)s: delete that later charge first, or waive this "
                        "one instead of deleting it.",
                        invoice=source.display_name,
                        charge=line.move_id.display_name,
                        day=format_date(self.env, source.ar_charged_until),
                    )
                )
            source.write(
                {
                    "ar_charged_until": line.ar_charge_previous_until,
                    "ar_late_charged": max(
                        (source.ar_late_charged or 0.0) - line.price_unit, 0.0
                    ),
                }
            )
