"""The order check looks at every order and at who pays: orders of goods
invoiced on delivery count in the exposure before they are delivered, the
invoice address's customer is checked as well as the ordering one, and moving
a held customer under another company neither lifts its hold nor hides what
it owes. Each scenario runs through the ORM as the salesperson or manager, and
over JSON-RPC as them logged in."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .common import ArCommon, OrmCalls, RpcCalls, RpcError


class OrderCheckScenarios:
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.goods = cls._create_product(
            name="Pallet of Tiles",
            lst_price=900.0,
            taxes_id=[Command.clear()],
            invoice_policy="delivery",
            is_storable=True,
        )
        # a salesperson with Odoo's default right to edit contacts
        cls.seller = cls._user(
            "ar_seller", "sales_team.group_sale_salesman,base.group_partner_manager"
        )

    def _quotation(self, partner, amount, product=None, invoice_to=None):
        """A quotation made by the salesperson, through the channel tested."""
        vals = {
            "partner_id": partner.id,
            "user_id": self.salesman.id,
            "order_line": [
                Command.create(
                    {
                        "product_id": (product or self.goods).id,
                        "product_uom_qty": 1,
                        "price_unit": amount,
                        "tax_id": [Command.clear()],
                    }
                )
            ],
        }
        if invoice_to:
            vals["partner_invoice_id"] = invoice_to.id
        [order_id] = self._call(self.salesman, "sale.order", "create", vals)
        return self.env["sale.order"].browse(order_id)

    def _confirm(self, order):
        return self._call(self.salesman, "sale.order", "action_confirm", ids=order.ids)

    def _customer(self, name, limit, owed=0.0):
        partner = self.env["res.partner"].create(
            {"name": name, "is_company": True, "credit_limit": limit}
        )
        if owed:
            self._invoice(partner, owed, days_old=5)
        return partner

    # ------------------------------------------------------------------
    # 8. Every confirmed order counts, whatever its invoicing policy
    # ------------------------------------------------------------------
    def test_undelivered_orders_count_in_the_exposure(self):
        customer = self._customer("Tile Depot", 10000.0, owed=2000.0)
        confirmed = []
        for _attempt in range(12):
            order = self._quotation(customer, 900.0)
            try:
                with self.env.cr.savepoint():
                    self._confirm(order)
                confirmed.append(order)
            except (UserError, RpcError):
                self.env.invalidate_all()
                self.assertEqual(order.state, "draft")
        # 2,000 + 8 x 900 = 9,200; a ninth would make 10,100
        self.assertEqual(len(confirmed), 8)
        self.assertTrue(all(o.state == "sale" for o in confirmed))
        partner = customer.with_company(self.company)
        partner.invalidate_recordset()
        self.assertRecordValues(
            partner,
            [{"ar_receivable": 2000.0, "ar_to_invoice": 7200.0, "ar_exposure": 9200.0}],
        )
        # Odoo's own figure is left as it is: nothing can be invoiced yet
        self.assertEqual(partner.credit_to_invoice, 0.0)

    # ------------------------------------------------------------------
    # 9. Who pays is checked too
    # ------------------------------------------------------------------
    def test_the_payer_is_checked(self):
        payer = self._customer("Parent Holding", 10000.0, owed=9000.0)
        shop = self._customer("Branch Shop", 100000.0)
        order = self._quotation(shop, 5000.0, invoice_to=payer)
        message = self.assertRefused(UserError, self._confirm, order)
        self.assertIn("Parent Holding", message)
        self.assertIn("credit limit", message)
        self.assertEqual(order.state, "draft")
        # the same order invoiced to the shop itself goes
        other = self._quotation(shop, 5000.0)
        self._confirm(other)
        self.assertEqual(other.state, "sale")

    def test_a_held_payer_or_a_held_customer_blocks(self):
        held = self._customer("Held Payer", 0.0)
        self._hold_wizard(held, "place", "Disputed invoices")
        shop = self._customer("Free Shop", 0.0)
        to_held = self._quotation(shop, 5000.0, invoice_to=held)
        message = self.assertRefused(UserError, self._confirm, to_held)
        self.assertIn("Held Payer", message)
        self.assertIn("Disputed invoices", message)
        for_held = self._quotation(held, 5000.0, invoice_to=shop)
        message = self.assertRefused(UserError, self._confirm, for_held)
        self.assertIn("on credit hold", message)
        self.assertEqual((to_held | for_held).mapped("state"), ["draft", "draft"])

    # ------------------------------------------------------------------
    # 10. Moving a held customer under another company
    # ------------------------------------------------------------------
    def test_reparenting_a_held_customer(self):
        held = self._customer("Held Ltd", 5000.0, owed=9000.0)
        self.assertHeld(held, "over_limit")
        umbrella = self._customer("Umbrella Group", 5000.0)
        move = {"is_company": False, "parent_id": umbrella.id}
        message = self.assertRefused(
            AccessError,
            self._call,
            self.seller,
            "res.partner",
            "write",
            move,
            ids=held.ids,
        )
        self.assertIn("Credit Manager", message)
        self.assertEqual(held.commercial_partner_id, held)
        self.assertHeld(held, "over_limit")
        # a Credit Manager may: what it owes and its hold go with it
        self._call(self.manager, "res.partner", "write", move, ids=held.ids)
        self.assertEqual(held.commercial_partner_id, umbrella)
        group = umbrella.with_company(self.company)
        group.invalidate_recordset()
        self.assertEqual(group.ar_receivable, 9000.0)
        self.assertHeld(umbrella, "over_limit")
        self.assertFalse(held.with_company(self.company).ar_credit_hold)
        order = self._quotation(held, 20000.0)
        self.assertRefused(UserError, self._confirm, order)
        self.assertEqual(order.state, "draft")

    def test_reparenting_moves_a_manual_hold(self):
        held = self._customer("Manual Held", 0.0)
        self._hold_wizard(held, "place", "Fraud suspected")
        contact = self.env["res.partner"].create(
            {"name": "Buyer of Manual Held", "parent_id": held.id}
        )
        fresh = self._customer("Fresh Start Ltd", 0.0)
        # moving a contact out of a held customer is a Credit Manager's call
        self.assertRefused(
            AccessError,
            self._call,
            self.seller,
            "res.partner",
            "write",
            {"parent_id": fresh.id},
            ids=contact.ids,
        )
        self.assertEqual(contact.commercial_partner_id, held)
        self._call(
            self.manager,
            "res.partner",
            "write",
            {"is_company": False, "parent_id": fresh.id},
            ids=held.ids,
        )
        self.assertHeld(fresh, "manual")
        self.assertEqual(
            fresh.with_company(self.company).ar_hold_reason_ids.note, "Fraud suspected"
        )
        order = self._quotation(contact, 100.0)
        message = self.assertRefused(UserError, self._confirm, order)
        self.assertIn("Fraud suspected", message)


@tagged("post_install", "-at_install")
class TestOrderCheckOrm(OrmCalls, OrderCheckScenarios, ArCommon):
    pass


@tagged("post_install", "-at_install")
class TestOrderCheckRpc(RpcCalls, OrderCheckScenarios, ArCommon, HttpCase):
    pass
