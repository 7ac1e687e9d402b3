from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    ar_return_line_id = fields.Many2one(
        "ar.return.line",
        string="Return Authorization Line",
        index="btree_not_null",
        readonly=True,
    )


class StockPicking(models.Model):
    _inherit = "stock.picking"

    ar_return_id = fields.Many2one(
        "ar.return",
        string="Return Authorization",
        index="btree_not_null",
        readonly=True,
        help="Backorders keep it, so a return received in parts is followed to "
        "the end.",
    )

    def _action_done(self):
        res = super()._action_done()
        self.ar_return_id.sudo()._ar_check_received()
        return res

    def action_cancel(self):
        res = super().action_cancel()
        self.ar_return_id.sudo()._ar_check_received()
        return res
