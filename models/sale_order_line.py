from odoo import api, models
from odoo.tools import float_compare

# Line fields that change an order's total.
AMOUNT_FIELDS = {
    "product_id",
    "product_uom_qty",
    "product_uom",
    "price_unit",
    "discount",
    "tax_id",
}


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        order_ids = {vals["order_id"] for vals in vals_list if vals.get("order_id")}
        check = self.env["sale.order"].browse(order_ids)._ar_growth_guard()
        lines = super().create(vals_list)
        check()
        return lines

    def write(self, vals):
        if not AMOUNT_FIELDS.intersection(vals):
            return super().write(vals)
        check = self.order_id._ar_growth_guard()
        res = super().write(vals)
        check()
        return res

    def _ar_left_to_invoice(self):
        """What this line still has to invoice, taxes included, in the order's
        currency (see ``sale.order.ar_amount_to_invoice``)."""
        self.ensure_one()
        if self.is_downpayment:
            return -self.amount_invoiced
        if (
            float_compare(
                self.product_uom_qty, 0.0, precision_rounding=self._ar_rounding()
            )
            <= 0
        ):
            return 0.0
        returned = sum(
            move.product_uom._compute_quantity(move.quantity, self.product_uom)
            for move in self.sudo().move_ids
            if move.state == "done" and move.to_refund and move.origin_returned_move_id
        )
        due = max(self.product_uom_qty - returned, self.qty_delivered)
        left = max(due - self.qty_invoiced_posted, 0.0)
        return left * self.price_total / self.product_uom_qty

    def _ar_rounding(self):
        return self.product_uom.rounding or 0.01
