import html
import re
from datetime import timedelta

from odoo import Command

from .common import ArCommon


def plain_text(markup):
    """The words of an HTML page or message, one space between each: what a
    reader sees (amounts as "$ 100.00", whatever spaces the format uses)."""
    if isinstance(markup, bytes):
        markup = markup.decode()
    text = html.unescape(re.sub(r"<[^>]+>", " ", str(markup or "")))
    return " ".join(text.split())


class ArInstrumentCommon(ArCommon):
    """Taxed invoices, a bank journal, a foreign currency whose rate moves
    between the invoice and the settlement, and the checks every instrument's
    books must pass."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax = cls.tax_sale_a  # 15 %
        cls.bank = cls.company_data["default_journal_bank"]
        cls.policy.instrument_approval_amount = 1000.0
        cls.eur = cls.setup_other_currency(
            "EUR",
            rates=[
                ("2000-01-01", 2.0),
                (cls.today - timedelta(days=10), 2.5),
            ],
        )

    @classmethod
    def _taxed_invoice(
        cls, amount, days_old=40, currency=None, partner=None, taxes=None
    ):
        """A posted invoice of ``amount`` before tax (15 % unless ``taxes``)."""
        return cls._invoice(
            partner or cls.customer,
            0,
            days_old=days_old,
            currency_id=(currency or cls.company.currency_id).id,
            invoice_line_ids=[
                Command.clear(),
                Command.create(
                    {
                        "name": "Goods",
                        "quantity": 1,
                        "price_unit": amount,
                        "tax_ids": [Command.set((taxes or cls.tax).ids)],
                    }
                ),
            ],
        )

    @classmethod
    def _delivered_invoice_of(cls, partner, product, quantity, price=100.0):
        """A posted invoice of an order of ``quantity`` ``product`` at ``price``
        for ``partner``, confirmed and delivered first."""
        order = cls._confirmed_order(partner, product, quantity, price)
        picking = order.picking_ids
        picking.move_ids.quantity = quantity
        picking.button_validate()
        if picking.state != "done":
            raise AssertionError(f"{picking.name} should be done")
        invoice = order._create_invoices()
        invoice.action_post()
        return invoice

    def _moves_count(self):
        return self.env["account.move"].search_count([])

    def _receivable_balance(self, partner=None, company=None):
        """The customer's receivable balance in company currency, from the
        ledger."""
        [(balance,)] = self.env["account.move.line"]._read_group(
            [
                ("parent_state", "=", "posted"),
                ("account_type", "=", "asset_receivable"),
                ("partner_id", "child_of", (partner or self.customer).id),
                ("company_id", "=", (company or self.company).id),
            ],
            aggregates=["balance:sum"],
        )
        return balance

    def assertBalanced(self, moves):
        for move in moves:
            self.assertEqual(move.state, "posted", move.name)
            self.assertAlmostEqual(
                sum(move.line_ids.mapped("debit")),
                sum(move.line_ids.mapped("credit")),
                places=2,
                msg=f"{move.name} is not balanced",
            )

    def assertPaid(self, invoices):
        for invoice in invoices:
            self.assertIn(invoice.payment_state, ("paid", "in_payment"), invoice.name)
            self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))
