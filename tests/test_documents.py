"""The printed collections documents: a draft says it binds no one, a
cancelled one that it is void, a plan approved for the customer's signature
is an offer (no band); the agreements have name, date and signature lines
for both parties, and the plan shows the customer's online signature."""

from datetime import timedelta

from odoo import Command
from odoo.tests import tagged

from .common import SIGNATURE
from .common_instruments import ArInstrumentCommon, plain_text

REPORTS = {
    "ar.settlement": "account_receivable_management.ar_settlement_report_action",
    "ar.return": "account_receivable_management.ar_return_report_action",
    "ar.barter": "account_receivable_management.ar_barter_report_action",
    "ar.payment.plan": "account_receivable_management.ar_payment_plan_report_action",
}


@tagged("post_install", "-at_install")
class TestPrintedDocuments(ArInstrumentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.credit_limit = 0.0
        cls.invoice = cls._taxed_invoice(1000.0, days_old=60)

    def _text(self, record):
        html = self.env["ir.actions.report"]._render_qweb_html(
            REPORTS[record._name], record.ids
        )[0]
        return plain_text(html)

    def _settlement(self):
        return self.env["ar.settlement"].create(
            {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(self.invoice.ids)],
                "amount_agreed": 1100.0,
                "journal_id": self.bank.id,
            }
        )

    def _plan(self):
        return self.env["ar.payment.plan"].create(
            {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(self.invoice.ids)],
                "installment_count": 2,
                "frequency": "monthly",
                "first_date": self.today + timedelta(days=30),
            }
        )

    def test_a_draft_binds_no_one_and_a_cancelled_one_is_void(self):
        settlement = self._settlement()
        text = self._text(settlement)
        self.assertIn("DRAFT: not approved yet, this document binds no one.", text)
        settlement.with_user(self.collector).action_approve()
        self.assertNotIn("DRAFT", self._text(settlement))
        settlement.with_user(self.collector).action_cancel()
        text = self._text(settlement)
        self.assertIn("CANCELLED: this document is void.", text)
        self.assertNotIn("DRAFT", text)

    def test_agreements_have_signature_lines_for_both_parties(self):
        settlement = self._settlement()
        barter = self.env["ar.barter"].create(
            {
                "partner_id": self.customer.id,
                "kind": "advertising",
                "line_ids": [
                    Command.create(
                        {"name": "Radio spot", "quantity": 1, "price_unit": 200.0}
                    )
                ],
            }
        )
        for record in (settlement, barter):
            text = self._text(record)
            self.assertIn(f"For {self.company.name} Name:", text, record._name)
            self.assertIn(f"For {self.customer.name} Name:", text, record._name)
            self.assertEqual(text.count("Signature: "), 2, record._name)
            self.assertEqual(text.count("Date: "), 2, record._name)

    def test_a_plan_for_signature_is_an_offer_and_shows_the_signature(self):
        plan = self._plan()
        self.assertIn("DRAFT", self._text(plan))
        plan.with_user(self.manager).action_approve_signature()
        text = self._text(plan)
        self.assertNotIn("DRAFT", text, "approved for signature: an offer")
        self.assertEqual(text.count("Signature: "), 2, "both parties still to sign")
        plan.sudo().write(
            {
                "signature": SIGNATURE,
                "signed_by": "Ann Buyer",
                "signed_on": "2026-01-05",
            }
        )
        text = self._text(plan)
        self.assertIn("Signed online by Ann Buyer", text)
        self.assertEqual(text.count("Signature: "), 1, "the company's line only")

    def test_the_customer_counts_its_documents_in_this_company(self):
        """The smart buttons' counters: each kind of document counted apart,
        a contact showing its company's, a cancelled promise no longer open,
        and none of them in another company."""
        self._settlement()
        self._plan()
        second = self._taxed_invoice(300.0, days_old=50)
        self.env["ar.settlement"].create(
            {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(second.ids)],
                "amount_agreed": 300.0,
                "journal_id": self.bank.id,
            }
        )
        Promise = self.env["ar.promise"].with_user(self.collector)
        promises = Promise.browse()
        for amount in (100.0, 200.0, 50.0):
            promises |= Promise.create(
                {
                    "partner_id": self.customer.id,
                    "invoice_ids": [Command.set(self.invoice.ids)],
                    "amount": amount,
                    "promised_date": self.today + timedelta(days=7),
                }
            )
        promises[-1].action_cancel()
        self.env["ar.barter"].create(
            {
                "partner_id": self.customer.id,
                "kind": "advertising",
                "line_ids": [
                    Command.create(
                        {"name": "Billboard, 6 weeks", "quantity": 6, "price_unit": 150}
                    )
                ],
            }
        )
        self.env["ar.dispute"].with_user(self.collector).create(
            {
                "move_id": second.id,
                "amount": 40.0,
                "reason_id": self.env.ref(
                    "account_receivable_management.dispute_reason_price"
                ).id,
                "description": "Two units were broken.",
            }
        )
        expected = {
            "ar_promise_open_count": 2,
            "ar_plan_count": 1,
            "ar_settlement_count": 2,
            "ar_return_count": 0,
            "ar_barter_count": 1,
            "ar_dispute_count": 1,
        }
        for partner in (self.customer, self.contact):
            partner = partner.with_user(self.collector)
            partner.invalidate_recordset()
            self.assertEqual(
                {field: partner[field] for field in expected}, expected, partner.name
            )
        other = self.setup_other_company()["company"]
        self.collector.company_ids |= other
        # both companies selected, the other one current
        elsewhere = self.customer.with_user(self.collector).with_context(
            allowed_company_ids=[other.id, self.company.id]
        )
        self.assertEqual(
            {field: elsewhere[field] for field in expected},
            dict.fromkeys(expected, 0),
        )
