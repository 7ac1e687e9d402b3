from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common_instruments import ArInstrumentCommon, plain_text


@tagged("post_install", "-at_install")
class TestReturn(ArInstrumentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop = cls.env["res.partner"].create(
            {"name": "Corner Shop", "is_company": True}
        )
        cls.goods = cls._create_product(
            name="Boxed Kettle",
            lst_price=100.0,
            taxes_id=[Command.set(cls.tax.ids)],
            invoice_policy="delivery",
        )
        cls.policy.freight_account_id = cls.company_data["default_account_expense"]
        cls.carrier = cls.env["res.partner"].create({"name": "Swift Freight"})

    def _delivered_invoice(self, quantity=10.0, partner=None):
        """An order of ``quantity`` kettles at 100 + 15 % tax, delivered and
        invoiced."""
        return self._delivered_invoice_of(partner or self.shop, self.goods, quantity)

    def _return(self, invoice, quantity, user=None, **vals):
        return (
            self.env["ar.return"]
            .with_user(user or self.collector)
            .create(
                {
                    "partner_id": invoice.commercial_partner_id.id,
                    "reason": "Unsold stock",
                    "line_ids": [
                        Command.create(
                            {
                                "invoice_line_id": invoice.invoice_line_ids[0].id,
                                "quantity": quantity,
                            }
                        )
                    ],
                    **vals,
                }
            )
        )

    def _receive(self, rma):
        picking = rma.picking_ids
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.button_validate()

    def test_full_flow_with_restocking_fee(self):
        invoice = self._delivered_invoice(10.0)
        self.assertEqual(invoice.amount_total, 1150.0)
        sale_line = invoice.invoice_line_ids.sale_line_ids
        rma = self._return(invoice, 4.0, restocking_fee=15.0)
        self.assertEqual(rma.line_ids.qty_returnable, 10.0)
        self.assertRecordValues(
            rma,
            # the fee is 15 % of the returned value; the credit 340 + 15 % tax
            [
                {
                    "amount_returned": 400.0,
                    "amount_fee": 60.0,
                    "amount_credit_untaxed": 340.0,
                    "amount_credit_tax": 51.0,
                    "amount_credit": 391.0,
                }
            ],
        )

        rma.with_user(self.collector).action_approve()
        self.assertEqual(rma.state, "approved")
        picking = rma.picking_ids
        self.assertEqual(len(picking), 1)
        self.assertEqual(picking.picking_type_code, "incoming")
        self.assertEqual(picking.move_ids.product_uom_qty, 4.0)
        self.assertEqual(
            picking.move_ids.origin_returned_move_id, sale_line.move_ids[0]
        )
        self.assertEqual(picking.location_id.usage, "customer")
        self.assertEqual(picking.location_dest_id.usage, "internal")

        self._receive(rma)
        self.assertEqual(rma.state, "received")
        self.assertEqual(rma.line_ids.qty_received, 4.0)
        self.assertEqual(sale_line.qty_delivered, 6.0)

        rma.with_user(self.collector).action_credit()
        self.assertEqual(rma.state, "credited")
        credit_note = rma.credit_note_id
        # The fee cuts the credit by 15 % of the returned value, taxes follow.
        self.assertRecordValues(
            credit_note,
            [
                {
                    "amount_untaxed": 340.0,
                    "amount_tax": 51.0,
                    "amount_total": 391.0,
                    "payment_state": "paid",
                }
            ],
        )
        self.assertEqual(invoice.amount_residual, 759.0)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(sale_line.qty_invoiced, 6.0)
        self.assertEqual(self._receivable_balance(self.shop), 759.0)
        self.assertBalanced(credit_note)
        # what came back is not left to invoice: the exposure went down
        shop = self.shop.with_company(self.company)
        shop.invalidate_recordset()
        self.assertRecordValues(shop, [{"ar_to_invoice": 0.0, "ar_exposure": 759.0}])

    def test_second_return_cannot_exceed_what_is_left(self):
        invoice = self._delivered_invoice(10.0)
        returns = self.env["ar.return"].search_count([])
        with self.assertRaises(ValidationError) as caught:
            self._return(invoice, 11.0)
        self.assertIn("only 10", str(caught.exception))
        self.assertEqual(self.env["ar.return"].search_count([]), returns)

        first = self._return(invoice, 7.0)
        with self.assertRaises(ValidationError):
            self._return(invoice, 4.0)
        second = self._return(invoice, 3.0)
        self.assertEqual(second.line_ids.qty_returnable, 3.0)

        # Still true once the first one is received and credited.
        first.with_user(self.collector).action_approve()
        self._receive(first)
        first.with_user(self.collector).action_credit()
        second.action_cancel()
        with self.assertRaises(ValidationError):
            self._return(invoice, 4.0)
        third = self._return(invoice, 3.0)
        self.assertEqual(third.line_ids.qty_returnable, 3.0)

    def test_partial_receipt_credits_what_came_back(self):
        invoice = self._delivered_invoice(10.0)
        rma = self._return(invoice, 5.0)
        rma.with_user(self.collector).action_approve()
        picking = rma.picking_ids
        picking.move_ids.quantity = 2.0
        action = picking.button_validate()
        Form(
            self.env[action["res_model"]].with_context(**action["context"])
        ).save().process_cancel_backorder()
        self.assertEqual(picking.state, "done")
        self.assertEqual(rma.state, "received")
        rma.action_credit()
        self.assertEqual(rma.credit_note_id.invoice_line_ids.quantity, 2.0)
        self.assertEqual(rma.credit_note_id.amount_total, 230.0)

    def test_freight_we_pay(self):
        invoice = self._delivered_invoice(10.0)
        rma = self._return(
            invoice,
            1.0,
            freight_payer="company",
            freight_amount=25.0,
            carrier_partner_id=self.carrier.id,
        )
        # the form, the chatter and the PDF state the same chain
        self.assertRecordValues(
            rma,
            [
                {
                    "amount_credit_untaxed": 100.0,
                    "amount_credit_tax": 15.0,
                    "amount_credit": 115.0,
                    "amount_freight_ours": 25.0,
                    "amount_approval": 140.0,
                }
            ],
        )
        rma.with_user(self.collector).action_approve()
        approved = rma.message_ids.filtered(lambda m: "Approved" in (m.body or ""))
        self.assertIn(
            "credit $ 115.00 = $ 100.00 untaxed + $ 15.00 taxes, plus return "
            "freight we pay $ 25.00",
            plain_text(approved.body),
        )
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "account_receivable_management.ar_return_report_action", rma.ids
            )[0]
            .decode()
        )
        for line in (
            "Returned value (tax excluded) $ 100.00",
            "Credit untaxed $ 100.00",
            "Taxes $ 15.00",
            "Credit $ 115.00",
            "Return freight is paid by us ( $ 25.00 )",
        ):
            self.assertIn(line, plain_text(html))
        self.assertNotIn("o_ar_status_band", html, "approved: no DRAFT band")
        self._receive(rma)
        rma.action_credit()
        bill = rma.move_ids.filtered(lambda m: m.move_type == "in_invoice")
        self.assertEqual(bill.partner_id, self.carrier)
        self.assertEqual(bill.amount_total, 25.0)
        self.assertEqual(
            bill.invoice_line_ids.account_id,
            self.company_data["default_account_expense"],
        )
        self.assertBalanced(rma.move_ids)

        # Without a carrier the freight is paid from a bank journal.
        rma2 = self._return(
            invoice,
            1.0,
            freight_payer="company",
            freight_amount=12.5,
            freight_journal_id=self.bank.id,
        )
        rma2.with_user(self.collector).action_approve()
        self._receive(rma2)
        rma2.with_user(self.collector).action_credit()
        entry = rma2.move_ids.filtered(lambda m: m.move_type == "entry")
        self.assertEqual(entry.journal_id, self.bank)
        self.assertBalanced(entry)
        # booked as Odoo books an outgoing payment: through the journal's
        # outstanding payments account, not the bank account itself, so the
        # bank statement line is matched with it instead of booked again
        payment = entry.origin_payment_id
        self.assertRecordValues(
            payment,
            [{"payment_type": "outbound", "amount": 12.5, "state": "in_process"}],
        )
        expense_account = self.company_data["default_account_expense"]
        self.assertEqual(
            {(line.account_id, line.balance) for line in entry.line_ids},
            {(expense_account, 12.5), (payment.outstanding_account_id, -12.5)},
        )
        self.assertNotEqual(
            payment.outstanding_account_id, self.bank.default_account_id
        )
        statement_line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.bank.id,
                "date": self.today,
                "payment_ref": "Freight",
                "amount": -12.5,
            }
        )
        _liquidity, suspense, _other = statement_line._seek_for_lines()
        suspense.account_id = payment.outstanding_account_id
        outstanding = entry.line_ids.filtered(
            lambda line: line.account_id == payment.outstanding_account_id
        )
        (suspense + outstanding).reconcile()
        self.assertTrue(outstanding.reconciled)
        booked = self.env["account.move.line"].search(
            [
                ("account_id", "=", expense_account.id),
                ("parent_state", "=", "posted"),
                ("name", "like", rma2.name),
            ]
        )
        self.assertEqual(sum(booked.mapped("balance")), 12.5, "booked once")

    def test_freight_we_pay_needs_a_payer(self):
        invoice = self._delivered_invoice(10.0)
        with self.assertRaises(ValidationError):
            self._return(invoice, 1.0, freight_payer="company", freight_amount=25.0)

    def test_approval_rights_and_nothing_created(self):
        invoice = self._delivered_invoice(20.0)
        rma = self._return(invoice, 10.0)  # credit 1150 > 1000
        self.assertTrue(rma.needs_manager)
        pickings = self.env["stock.picking"].search_count([])
        with self.assertRaises(AccessError):
            rma.with_user(self.collector).action_approve()
        self.assertEqual(rma.state, "draft")
        self.assertEqual(self.env["stock.picking"].search_count([]), pickings)
        with self.assertRaises(UserError):
            rma.with_user(self.collector).action_credit()
        rma.with_user(self.manager).action_approve()
        self.assertEqual(rma.state, "approved")
        self.assertEqual(self.env["stock.picking"].search_count([]), pickings + 1)

    def test_cancel_cancels_the_receipt(self):
        invoice = self._delivered_invoice(10.0)
        rma = self._return(invoice, 2.0)
        rma.with_user(self.collector).action_approve()
        rma.action_cancel()
        self.assertEqual(rma.picking_ids.state, "cancel")
        # The quantity is free again.
        self.assertEqual(self._return(invoice, 10.0).line_ids.qty_returnable, 10.0)

    def test_line_of_another_customer(self):
        invoice = self._delivered_invoice(10.0)
        with self.assertRaises(ValidationError):
            self.env["ar.return"].with_user(self.collector).create(
                {
                    "partner_id": self.customer.id,
                    "line_ids": [
                        Command.create(
                            {
                                "invoice_line_id": invoice.invoice_line_ids.id,
                                "quantity": 1.0,
                            }
                        )
                    ],
                }
            )
