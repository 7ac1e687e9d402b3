from odoo import api, models

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
