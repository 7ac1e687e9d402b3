"""The customer payment history workbook, read back with openpyxl: every
invoice of the window with its days to pay and late, the monthly series by
month of payment (checked against a hand computation and, in total, against
the nightly metrics), the chart, both entry points and who may export; and
the workbook of many customers, each sheet a copy of one prototype with its
own name, rows, print titles and chart."""

import io
import re
import types
import zipfile
from collections import defaultdict
from datetime import date, timedelta

import openpyxl
from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tests import BaseCase, tagged

from ..reports import payment_history
from .common import exported_file
from .common_instruments import ArInstrumentCommon


@tagged("post_install", "-at_install")
class TestPaymentHistory(ArInstrumentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.credit_limit = 0.0
        cls.customer.name = "Harbour Supplies"
        policy = cls.policy
        policy.write({"band_small_limit": 1000.0, "band_large_limit": 10000.0})
        cls.day = lambda days_ago: cls.today - timedelta(days=days_ago)
        # (amount, invoiced days ago, [(paid, days ago)]), each due in 30 days
        cls.plan = [
            (500.0, 200, [(500.0, 160)]),  # small: 40 to pay, 10 late
            (2000.0, 150, [(2000.0, 90)]),  # medium: 60 to pay, 30 late
            (20000.0, 100, [(10000.0, 60), (10000.0, 40)]),  # large: 50, 20
            (800.0, 95, [(800.0, 60)]),  # small, same month as the first half
            (700.0, 20, []),  # still open
        ]
        cls.invoices = []
        for amount, ago, payments in cls.plan:
            invoice = cls._invoice(cls.customer, amount, days_old=ago, term_days=30)
            for paid, paid_ago in payments:
                invoice._ar_register_payment(
                    amount=paid, payment_date=cls.day(paid_ago)
                )
            cls.invoices.append(invoice)
        cls.env["ar.partner.metrics"]._run(companies=cls.company, today=cls.today)
        cls.metrics = cls.env["ar.partner.metrics"].search(
            [("partner_id", "=", cls.customer.id), ("company_id", "=", cls.company.id)]
        )

    def _book(self, action):
        content = exported_file(self.env, action)
        return content, openpyxl.load_workbook(io.BytesIO(content))

    def _expected(self):
        """By hand: each paid invoice's weighted paid day, days to pay and
        late, and the months of payment."""
        invoices = []
        for (amount, ago, payments), invoice in zip(
            self.plan, self.invoices, strict=True
        ):
            if not payments:
                invoices.append((invoice, amount, None, None, None))
                continue
            paid = sum(p for p, _ago in payments)
            weighted_ago = sum(p * a for p, a in payments) / paid
            to_pay = sum(p * (ago - a) for p, a in payments) / paid
            late = sum(p * max(ago - 30 - a, 0) for p, a in payments) / paid
            invoices.append(
                (
                    invoice,
                    amount,
                    self.today - timedelta(days=round(weighted_ago)),
                    to_pay,
                    late,
                )
            )
        return invoices

    def test_sheet_of_a_customer(self):
        action = self.customer.with_user(
            self.collector
        ).action_ar_payment_history_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
        content, book = self._book(action)
        self.assertEqual(book.sheetnames, ["Harbour Supplies"])
        sheet = book["Harbour Supplies"]
        self.assertEqual(sheet["A1"].value, "Harbour Supplies")
        header = [cell.value for cell in sheet[6]]
        self.assertEqual(
            header[:9],
            [
                "Invoice",
                "Invoice Date",
                "Due Date",
                "Amount",
                "Size",
                "Paid On",
                "Days to Pay",
                "Days Late",
                "Still Open",
            ],
        )
        rows = [[cell.value for cell in row[:9]] for row in sheet.iter_rows(min_row=7)]
        rows = [row for row in rows if row[0]]
        expected = self._expected()
        self.assertEqual(len(rows), len(expected))
        sizes = {500.0: "Small", 800.0: "Small", 700.0: "Small", 2000.0: "Medium"}
        for row, (invoice, amount, paid_on, to_pay, late) in zip(
            rows, expected, strict=True
        ):
            self.assertEqual(row[0], invoice.name)
            self.assertEqual(row[1].date(), invoice.invoice_date)
            self.assertEqual(row[2].date(), invoice.invoice_date_due)
            self.assertEqual(row[3], amount)
            self.assertEqual(row[4], sizes.get(amount, "Large"))
            if paid_on is None:
                self.assertEqual(row[5:8], [None, None, None], "open: no paid facts")
                self.assertEqual(row[8], amount)
            else:
                self.assertEqual(row[5].date(), paid_on)
                self.assertAlmostEqual(row[6], to_pay, places=6)
                self.assertAlmostEqual(row[7], late, places=6)
                self.assertEqual(row[8], 0)
        # the paid invoices' weighted days are the nightly metrics'
        paid = [(amount, to_pay, late) for _i, amount, p, to_pay, late in expected if p]
        total = sum(amount for amount, _t, _l in paid)
        self.assertAlmostEqual(
            sum(a * t for a, t, _l in paid) / total,
            self.metrics.avg_days_to_pay,
            places=4,
        )
        self.assertAlmostEqual(
            sum(a * lt for a, _t, lt in paid) / total,
            self.metrics.avg_days_late,
            places=4,
        )
        # one native chart: bands as columns, days late as lines
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            charts = [n for n in package.namelist() if n.startswith("xl/charts/chart")]
            self.assertEqual(len(charts), 1)
            chart = package.read(charts[0]).decode()
        self.assertIn("<c:barChart>", chart)
        self.assertIn("<c:lineChart>", chart)
        self.assertIn("'Harbour Supplies'!$K$7", chart)

    def test_monthly_series_by_month_of_payment(self):
        action = self.customer.with_user(
            self.collector
        ).action_ar_payment_history_xlsx()
        _content, book = self._book(action)
        sheet = book["Harbour Supplies"]
        header = [cell.value for cell in sheet[6]][10:18]
        self.assertEqual(
            header,
            [
                "Month Paid",
                "Paid",
                "Days to Pay",
                "Days Late",
                "Days Late, 3 Months",
                "Days Late, Small",
                "Days Late, Medium",
                "Days Late, Large",
            ],
        )
        months = defaultdict(lambda: defaultdict(float))
        for _invoice, amount, paid_on, to_pay, late in self._expected():
            if paid_on is None:
                continue
            key = (paid_on.year, paid_on.month)
            size = "small" if amount < 1000 else "medium" if amount < 10000 else "large"
            months[key]["w"] += amount
            months[key]["to_pay"] += amount * to_pay
            months[key]["late"] += amount * late
            months[key][f"w_{size}"] += amount
            months[key][f"late_{size}"] += amount * late
        first, last = min(months), max(months)
        span = []
        year, month = first
        while (year, month) <= last:
            span.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        rows = [
            [cell.value for cell in row[10:18]]
            for row in sheet.iter_rows(min_row=7, max_row=6 + len(span))
        ]
        self.assertIsNone(sheet.cell(7 + len(span), 11).value, "one row per month")
        for index, ((year, month), row) in enumerate(zip(span, rows, strict=True)):
            figures = months.get((year, month), {})
            self.assertEqual((row[0].year, row[0].month), (year, month))
            self.assertAlmostEqual(row[1], figures.get("w", 0.0))
            if figures.get("w"):
                self.assertAlmostEqual(
                    row[2], figures["to_pay"] / figures["w"], places=6
                )
                self.assertAlmostEqual(row[3], figures["late"] / figures["w"], places=6)
            else:
                self.assertEqual(row[2:4], [None, None], "no payment that month")
            window = [
                months.get(key, {}) for key in span[max(0, index - 2) : index + 1]
            ]
            weight = sum(f.get("w", 0.0) for f in window)
            self.assertAlmostEqual(
                row[4], sum(f.get("late", 0.0) for f in window) / weight, places=6
            )
            for offset, size in enumerate(("small", "medium", "large")):
                w = figures.get(f"w_{size}", 0.0)
                if w:
                    self.assertAlmostEqual(row[5 + offset], figures[f"late_{size}"] / w)
                else:
                    self.assertIsNone(row[5 + offset])

    def test_from_customer_risk_one_sheet_each(self):
        other = self.env["res.partner"].create(
            {"name": "Quay Traders", "is_company": True}
        )
        self._invoice(other, 300.0, days_old=70, term_days=30)
        self.env["ar.partner.metrics"]._run(companies=self.company, today=self.today)
        rows = self.env["ar.partner.metrics"].search(
            [("partner_id", "in", (self.customer | other).ids)]
        )
        action = (
            self.env.ref(
                "account_receivable_management.ar_partner_metrics_action_payment_history_xlsx"
            )
            .with_user(self.collector)
            .with_context(active_model=rows._name, active_ids=rows.ids)
            .run()
        )
        _content, book = self._book(action)
        self.assertEqual(book.sheetnames, ["Harbour Supplies", "Quay Traders"])
        quay = book["Quay Traders"]
        self.assertEqual(quay["D7"].value, 300.0)
        self.assertIsNone(quay["K7"].value, "nothing paid: no monthly series")

    def test_who_may_export(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesman).action_ar_payment_history_xlsx()
        with self.assertRaisesRegex(UserError, "Select the customers"):
            self.env["ar.partner.metrics"].with_user(
                self.collector
            ).action_export_payment_history_xlsx()
        # the customers of another company are not mixed in
        other_company = self.setup_other_company(name="Payment History Co")["company"]
        other_row = (
            self.env["ar.partner.metrics"]
            .sudo()
            .create({"partner_id": self.customer.id, "company_id": other_company.id})
        )
        with self.assertRaisesRegex(UserError, "one company"):
            (self.metrics | other_row).action_export_payment_history_xlsx()


@tagged("post_install", "-at_install")
class TestPaymentHistoryWorkbook(BaseCase):
    """``payment_history.workbook`` on its own, with invoices made up here:
    three customers, one paying over twenty months (its chart further down),
    one that never paid (no chart), one whose name Excel would refuse."""

    LABELS = dict(
        zip(
            [
                *payment_history.INVOICE_TITLES,
                *payment_history.MONTH_TITLES,
                "Small",
                "Medium",
                "Large",
                "Days late",
                "Days late by month of payment",
            ],
            [
                *payment_history.INVOICE_TITLES,
                *payment_history.MONTH_TITLES,
                "Small",
                "Medium",
                "Large",
                "Days late",
                "Days late by month of payment",
            ],
            strict=True,
        )
    )
    EURO = types.SimpleNamespace(
        name="EUR", symbol="€", position="after", decimal_places=2
    )

    def _rows(self):
        """Query rows (``INVOICE_COLUMNS``): customer 1 invoices on the 1st
        of each of 20 months and pays 40 days later (10 late); customer 2
        never pays; customer 3 pays one invoice."""
        rows = []
        start = date(2024, 1, 1)
        for month in range(20):
            invoiced = date(2024 + month // 12, month % 12 + 1, 1)
            paid = invoiced + timedelta(days=40)
            amount = 100.0 + month
            rows.append(
                (
                    1,
                    f"INV/{month:03d}",
                    invoiced,
                    invoiced + timedelta(days=30),
                    amount,
                    1,
                    True,
                    paid,
                    amount,
                    amount * 40,
                    amount * 10,
                    0.0,
                )
            )
        rows.append(
            (
                2,
                "INV/OPEN",
                start,
                start + timedelta(days=30),
                500.0,
                1,
                False,
                None,
                None,
                None,
                None,
                500.0,
            )
        )
        rows.append(
            (
                3,
                "R&D <1>",
                start,
                start + timedelta(days=30),
                20000.0,
                3,
                True,
                date(2024, 3, 1),
                20000.0,
                20000.0 * 60,
                20000.0 * 30,
                0.0,
            )
        )
        return rows

    def test_one_sheet_and_chart_per_customer(self):
        frame = payment_history.invoices_frame(self._rows())
        series = payment_history.monthly_series(frame)
        customers = [(1, "Long Payer"), (2, "Never Paid"), (3, "O'Hara & Sons: [East]")]
        content = payment_history.workbook(
            customers, frame, series, ["a", "b", "c"], self.LABELS, self.EURO
        )
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            self.assertIsNone(package.testzip(), "every part reads back")
            for name in package.namelist():  # and is well-formed XML
                etree.fromstring(package.read(name))
            charts = sorted(n for n in package.namelist() if n.startswith("xl/charts/"))
            texts = [package.read(name).decode() for name in charts]
            workbook_xml = package.read("xl/workbook.xml").decode()
        book = openpyxl.load_workbook(io.BytesIO(content))
        names = ["Long Payer", "Never Paid", "O Hara & Sons   East"]
        self.assertEqual(book.sheetnames, names)
        for sheet, (_id, name) in zip(book.worksheets, customers, strict=True):
            self.assertEqual(sheet["A1"].value, name, "the title is the full name")
            self.assertEqual(sheet["A2"].value, "a")
            self.assertEqual(sheet["A6"].value, "Invoice")
            self.assertEqual(sheet.print_title_rows, "$6:$6")
            self.assertEqual(sheet.freeze_panes, "B7")
        long_payer, never, ohara = book.worksheets
        self.assertEqual(
            [long_payer.cell(row, 1).value for row in (7, 26)], ["INV/000", "INV/019"]
        )
        self.assertIsNone(long_payer["A27"].value)
        self.assertEqual(long_payer["H26"].value, 10.0)
        # months of payment: Feb 2024 to Sep 2025, one row each
        self.assertEqual(long_payer["K7"].value.date(), date(2024, 2, 1))
        self.assertEqual(long_payer["K26"].value.date(), date(2025, 9, 1))
        self.assertEqual(long_payer["L26"].value, 119.0)
        self.assertEqual(never["D7"].value, 500.0)
        self.assertIsNone(never["K7"].value)
        self.assertEqual(ohara["A7"].value, "R&D <1>", "escaped, read back as is")
        self.assertEqual(ohara["E7"].value, "Large")
        self.assertEqual(ohara["G7"].value, 60.0)
        # a chart for each customer that paid, over its own months
        self.assertEqual(len(texts), 2)
        self.assertIn("'Long Payer'!$K$7:$K$26", texts[0])
        self.assertIn("'Long Payer'!$N$7:$N$26", texts[0])
        self.assertIn("'O Hara &amp; Sons   East'!$K$7:$K$7", texts[1])
        self.assertNotIn(payment_history.xlsx_package.PROTOTYPE_SHEET, workbook_xml)
        self.assertEqual(len(long_payer._charts), 1)
        self.assertEqual(len(never._charts), 0)
        self.assertEqual(len(ohara._charts), 1)
        # a row below the monthly table (0-based rows 6 to 25), and no higher
        # than the twelfth row under the titles (row 6)
        self.assertEqual(long_payer._charts[0].anchor._from.row, 27)
        self.assertEqual(ohara._charts[0].anchor._from.row, 17)
        # only the first sheet is the selected one
        self.assertEqual(
            len(re.findall('tabSelected="1"', self._sheet_xml(content, 1))), 1
        )
        self.assertNotIn('tabSelected="1"', self._sheet_xml(content, 2))

    def _sheet_xml(self, content, number):
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            return package.read(f"xl/worksheets/sheet{number}.xml").decode()
