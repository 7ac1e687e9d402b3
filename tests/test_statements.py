import base64
import io
import zipfile
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged, users

from .common import shown_lines
from .common_instruments import ArInstrumentCommon


@tagged("post_install", "-at_install")
class TestStatements(ArInstrumentCommon):
    """The activity statement computed by hand, its closing balance against
    the outstanding statement and the aged receivables of the same day, and
    statements for selected customers: a zip, or emails."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.email = "ap@acme.example"
        cls.Activity = cls.env[
            "report.account_receivable_management.ar_activity_statement"
        ]
        # before the period: 1,000 open at its start
        cls.old = cls._invoice(cls.customer, 1000.0, days_old=40, term_days=30)
        # in the period: an invoice, a payment, a credit note
        cls.new = cls._invoice(cls.customer, 500.0, days_old=10, term_days=30)
        cls.old._ar_register_payment(
            amount=700.0, payment_date=cls.today - timedelta(days=5)
        )
        cls.refund = cls._invoice(
            cls.customer, 100.0, days_old=3, move_type="out_refund"
        )
        cls.start = cls.today - timedelta(days=20)

    def _section(self, start=None, end=None):
        [section] = self.Activity._statement(
            self.customer, self.company, start or self.start, end or self.today
        )
        return section

    def test_activity_by_hand(self):
        section = self._section()
        self.assertEqual(section["currency"], self.company.currency_id)
        self.assertAlmostEqual(section["opening"], 1000.0)
        self.assertAlmostEqual(section["invoiced"], 500.0)
        self.assertAlmostEqual(section["paid"], -700.0)
        self.assertAlmostEqual(section["credited"], -100.0)
        self.assertAlmostEqual(section["other"], 0.0)
        self.assertAlmostEqual(section["closing"], 700.0)
        self.assertEqual(
            [
                (row["kind"], row["debit"], row["credit"], row["balance"])
                for row in section["rows"]
            ],
            [
                ("Invoice", 500.0, 0.0, 1500.0),
                ("Payment", 0.0, 700.0, 800.0),
                ("Credit Note", 0.0, 100.0, 700.0),
            ],
        )
        self.assertEqual(section["rows"][0]["name"], self.new.name)
        self.assertEqual(section["rows"][0]["due"], self.new.invoice_date_due)
        # a period before the payment: it closes at what was owed then
        earlier = self._section(end=self.today - timedelta(days=6))
        self.assertAlmostEqual(earlier["closing"], 1500.0)

    def test_closing_equals_outstanding_and_aging(self):
        """The activity statement's closing balance is the outstanding
        statement's total and the aged receivables' of the same day, to the
        cent, today and on a past day."""
        for day in (self.today, self.today - timedelta(days=6)):
            closing = self._section(end=day)["closing"]
            outstanding = self.env[
                "report.account_receivable_management.ar_statement"
            ]._statement(self.customer, self.company, day)
            self.assertAlmostEqual(closing, outstanding[0]["total"], places=2)
            report = self.env["ar.aging.report"].create(
                {"date": day, "partner_ids": [Command.set(self.customer.ids)]}
            )
            lines = shown_lines(report)
            self.assertAlmostEqual(closing, sum(lines.mapped("amount")), places=2)

    def test_report_renders_and_refuses_a_bad_period(self):
        data = {"date": str(self.today), "date_from": str(self.start)}
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "account_receivable_management.ar_activity_statement_report_action",
                self.customer.ids,
                data=data,
            )[0]
            .decode()
        )
        self.assertIn("Opening balance", html)
        self.assertIn(self.new.name, html)
        self.assertIn(self.refund.name, html)
        with self.assertRaisesRegex(UserError, "after its end"):
            self.Activity._get_report_values(
                self.customer.ids,
                {"date": str(self.start), "date_from": str(self.today)},
            )

    def test_only_accounting_and_the_credit_team_print_a_statement(self):
        """Odoo renders a report for whoever asks ``/report/pdf/<name>/<ids>``,
        whatever its print menu's groups: a salesperson asking for a
        customer's statement gets nothing, a billing user gets it."""
        billing = self._user("ar_billing_statements", "account.group_account_invoice")
        data = {"date": str(self.today), "date_from": str(self.start)}
        Report = self.env["ir.actions.report"]
        for report in (
            "ar_statement_report_action",
            "ar_activity_statement_report_action",
        ):
            name = f"account_receivable_management.{report}"
            with self.assertRaisesRegex(AccessError, "accounting users"):
                Report.with_user(self.salesman)._render_qweb_html(
                    name, self.customer.ids, data=data
                )
            html = (
                Report.with_user(billing)
                ._render_qweb_html(name, self.customer.ids, data=data)[0]
                .decode()
            )
            self.assertIn(self.new.name, html, report)

    def _wizard(self, partners, **vals):
        return (
            self.env["ar.statement.wizard"]
            .with_user(self.collector)
            .with_context(active_model="res.partner", active_ids=partners.ids)
            .create(vals)
        )

    def test_selected_customers_as_a_zip(self):
        other = self.env["res.partner"].create(
            {"name": "Zeta Foods", "is_company": True}
        )
        self._invoice(other, 90.0, days_old=50)
        contact = self.env["res.partner"].create(
            {"name": "Jo Acme", "parent_id": self.customer.id}
        )
        wizard = self._wizard(contact | other, statement_type="activity")
        # the contact stands for its company
        self.assertEqual(wizard.partner_ids, self.customer | other)
        action = wizard.action_download()
        self.assertEqual(action["type"], "ir.actions.act_url")
        query = parse_qs(urlparse(action["url"]).query)
        export = (
            self.env["ar.export"].with_user(self.collector).browse(int(query["id"][0]))
        )
        self.assertTrue(export.name.endswith(".zip"))
        archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(export.file)))
        names = archive.namelist()
        self.assertEqual(len(names), 2)
        self.assertTrue(any("Acme" in name for name in names))
        self.assertTrue(all(name.endswith(".pdf") for name in names))
        # one customer: its PDF, through the report
        action = self._wizard(self.customer).action_download()
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(action["data"]["date"], str(self.today))

    def test_send_by_email(self):
        silent = self.env["res.partner"].create(
            {"name": "No Mail Ltd", "is_company": True}
        )
        self._invoice(silent, 90.0, days_old=50)
        before = len(silent.message_ids)
        result = self._wizard(self.customer | silent).action_send()
        self.assertIn("No Mail Ltd", result["params"]["message"])
        self.assertEqual(result["params"]["type"], "warning")
        sent = self.customer.message_ids.filtered(
            lambda m: m.subject and "statement of account" in m.subject
        )
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent.partner_ids, self.customer)
        self.assertEqual(len(sent.attachment_ids), 1)
        self.assertEqual(len(silent.message_ids), before)

    def test_refused(self):
        wizard = self._wizard(self.customer)
        wizard.date_to = self.today + timedelta(days=1)
        with self.assertRaisesRegex(UserError, "today or a past day"):
            wizard.action_download()
        wizard.write(
            {
                "date_to": self.today,
                "statement_type": "activity",
                "date_from": self.today + timedelta(days=-1),
            }
        )
        wizard.date_from = self.today + timedelta(days=1)
        with self.assertRaisesRegex(UserError, "after its end"):
            wizard.action_send()

    def test_another_users_wizard_is_not_yours(self):
        """A statement wizard is its user's: another Credit Controller or
        Manager neither reads its customers nor sends it."""
        wizard = self._wizard(self.customer)
        self.assertEqual(wizard.customer_count, 1)
        theirs = wizard.with_user(self.manager)
        self.assertFalse(theirs.search([("id", "=", wizard.id)]))
        with self.assertRaises(AccessError):
            theirs.read(["partner_ids"])
        with self.assertRaises(AccessError):
            theirs.action_send()
        self.assertFalse(
            self.customer.message_ids.filtered(
                lambda m: m.attachment_ids and m.author_id == self.manager.partner_id
            )
        )

    @users("ar_salesman")
    def test_salesperson_cannot(self):
        with self.assertRaises(AccessError):
            self.env["ar.statement.wizard"].create(
                {"partner_ids": [Command.set(self.customer.ids)]}
            )
