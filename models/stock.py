from odoo import api, fields, models

from .ar_workflow_guard import check_workflow_fields


class StockMove(models.Model):
    _inherit = "stock.move"
    _ar_workflow_fields = ("ar_return_line_id",)

    ar_return_line_id = fields.Many2one(
        "ar.return.line",
        string="Return Authorization Line",
        index="btree_not_null",
        readonly=True,
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_workflow_fields(self, set().union(*vals_list), self._ar_workflow_fields)
        return super().create(vals_list)

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
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_workflow_fields(self, set().union(*vals_list), self._ar_workflow_fields)
        return super().create(vals_list)

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
