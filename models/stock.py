from odoo import fields, models

from .access import HOLD_GROUPS
from .ar_workflow_guard import check_workflow_fields


class StockMove(models.Model):
    _inherit = "stock.move"
    _ar_workflow_fields = ("ar_return_line_id",)

    ar_return_line_id = fields.Many2one(
        "ar.return.line",
        string="Return Authorization Line",
        index="btree_not_null",
        readonly=True,
        groups=HOLD_GROUPS,
    )

    # Written only: Odoo copies a return's moves and pickings when it splits
    # them (backorders), as the stock user; what a forged link could add to a
    # return is capped at what was authorised (ar.return.line).
    def write(self, vals):
        check_workflow_fields(self, vals, self._ar_workflow_fields)
        return super().write(vals)


class StockPicking(models.Model):
    _inherit = "stock.picking"
    _ar_workflow_fields = ("ar_return_id",)

    ar_return_id = fields.Many2one(
        "ar.return",
        string="Return Authorization",
        index="btree_not_null",
        readonly=True,
        help="Backorders keep it, so a return received in parts is followed to "
        "the end.",
        groups=HOLD_GROUPS,
    )

    def write(self, vals):
        check_workflow_fields(self, vals, self._ar_workflow_fields)
        return super().write(vals)

    def _action_done(self):
        res = super()._action_done()
        self.ar_return_id.sudo()._ar_check_received()
        return res

    def action_cancel(self):
        res = super().action_cancel()
        self.ar_return_id.sudo()._ar_check_received()
        return res
