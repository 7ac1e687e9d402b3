import io
from datetime import timedelta

import openpyxl

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged, users

from ..models import aging
from .common import exported_file, shown_lines
from .common_instruments import ArInstrumentCommon


@tagged("post_install", "-at_install")
class TestAgingReport(ArInstrumentCommon):
    """The aged receivables report as of a past day: rows, buckets, filters,
    and the Excel workbook read back with openpyxl."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.as_of = cls.today - timedelta(days=20)
        # A: 1,000 issued 90 days ago, due 60 days ago; 300 paid 30 days ago,
        # 700 paid 5 days ago (after the as-of day: still open on it).
        cls.inv_a = cls._invoice(cls.customer, 1000.0, days_old=90, term_days=30)
        cls._pay_days_ago(cls.inv_a, 300.0, 30)
        cls._pay_days_ago(cls.inv_a, 700.0, 5)
        # B: paid in full before the day. C: issued after it.
        cls.inv_b = cls._invoice(cls.customer, 500.0, days_old=50, term_days=15)
        cls._pay_days_ago(cls.inv_b, 500.0, 25)
        cls.inv_c = cls._invoice(cls.customer, 200.0, days_old=10)
        # D: 800 issued 30 days ago, due today.
        cls.inv_d = cls._invoice(cls.customer, 800.0, days_old=30, term_days=30)
        # Another customer, in euros (2 EUR for 1 at the invoice date), followed
        # by the collector: 230 EUR with tax = 115.00 in company currency.
        cls.other = cls.env["res.partner"].create(
            {"name": "Zeta Foods", "is_company": True}
        )
        cls.other.with_company(cls.company).ar_collector_id = cls.collector
        cls.inv_e = cls._taxed_invoice(
            200.0, days_old=45, currency=cls.eur, partner=cls.other
        )

    @classmethod
    def _pay_days_ago(cls, invoice, amount, days_ago):
        invoice._ar_register_payment(
            amount=amount, payment_date=cls.today - timedelta(days=days_ago)
        )

    def _report(self, **vals):
        return self.env["ar.aging.report"].create(
            {"date": self.as_of, "partner_ids": [Command.set(self.customer.ids)]} | vals
        )

    def _lines(self, report):
        return shown_lines(report)

    def test_past_day_rows_and_buckets(self):
        lines = self._lines(self._report())
        by_move = {line.move_id: line for line in lines}
        self.assertEqual(set(by_move), {self.inv_a, self.inv_d})
        a, d = by_move[self.inv_a], by_move[self.inv_d]
        # A: 700 open on the day, 40 days past due: 31-60.
        self.assertEqual((a.days, a.bucket), (40, "2"))
        self.assertAlmostEqual(a.amount, 700.0)
        self.assertAlmostEqual(a.amount_b2, 700.0)
        self.assertFalse(a.amount_b0 or a.amount_b1 or a.amount_b3)
        # D: due 20 days after the day: current.
        self.assertEqual((d.days, d.bucket), (-20, "0"))
        self.assertAlmostEqual(d.amount_b0, 800.0)
        # Bucket totals equal the open total.
        columns = [f"amount_b{i}" for i in range(8)]
        buckets = sum(sum(line[c] for c in columns) for line in lines)
        self.assertAlmostEqual(buckets, sum(lines.mapped("amount")))
        self.assertAlmostEqual(buckets, 1500.0)

    def test_unapplied_credits_apart(self):
        """A credit note and a payment applied to nothing are not aged: they
        have their own column, in the list, the pivot and the workbook, and
        the buckets plus the credits equal the ledger."""
        refund = self._invoice(self.customer, 150.0, days_old=5, move_type="out_refund")
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": 100.0,
                "date": self.today - timedelta(days=3),
                "journal_id": self.bank.id,
            }
        )
        payment.action_post()
        report = self._report(date=self.today)
        lines = self._lines(report)
        credits = lines.filtered(lambda line: line.amount < 0)
        self.assertEqual(credits.move_id, refund | payment.move_id)
        self.assertEqual(set(credits.mapped("bucket")), {str(aging.CREDITS)})
        self.assertAlmostEqual(sum(credits.mapped("amount_credit")), -250.0)
        columns = [f"amount_b{i}" for i in range(8)]
        for line in credits:
            self.assertFalse(any(line[c] for c in columns))
        # C (200) and D (800) are owed and not yet due: "Current" is not
        # lowered by the credits
        self.assertAlmostEqual(sum(lines.mapped("amount_b0")), 1000.0)
        ledger = self._receivable_balance()
        self.assertAlmostEqual(ledger, 750.0)
        self.assertAlmostEqual(
            sum(sum(line[c] for c in columns) for line in lines)
            + sum(lines.mapped("amount_credit")),
            ledger,
        )
        self.assertAlmostEqual(sum(lines.mapped("amount")), ledger)
        groups = lines.read_group(
            [("report_id", "=", report.id)], ["amount:sum"], ["bucket"]
        )
        by_bucket = {group["bucket"]: group["amount"] for group in groups}
        self.assertAlmostEqual(by_bucket[str(aging.CREDITS)], -250.0)
        labels = dict(self.env["ar.aging.line"]._bucket_selection())
        self.assertEqual(labels[str(aging.CREDITS)], "Unapplied Credits")
        values = openpyxl.load_workbook(io.BytesIO(report._xlsx()), data_only=True)
        summary = values["Summary"]
        self.assertEqual(summary["H6"].value, "Unapplied Credits")
        self.assertEqual(summary["H7"].value, -250)
        self.assertEqual(summary["I7"].value, 750)
        detail = [
            [cell.value for cell in row]
            for row in values["Detail"].iter_rows(min_row=7)
        ]
        refund_row = next(row for row in detail if row[1] == refund.name)
        self.assertEqual(refund_row[5], "Unapplied Credits")
        self.assertEqual(refund_row[9 + 6], -150)  # the column after "> 120"

    def test_lines_read_from_their_report(self):
        """*Show* writes nothing: its list reads the report named in its
        context, as the ledger stands (a payment since shows at once), with
        the open-items settings for that read only; without a report there
        are no rows, another user's report is refused, and the transient
        vacuum has no rows of the lines to clean up."""
        report, other = self._report(), self._report(date=self.today)
        self.env.cr.execute("SELECT current_setting('jit')")
        [(jit,)] = self.env.cr.fetchall()
        lines = self._lines(report)
        self.assertEqual(len(lines), 2)
        self.assertEqual(lines.create_uid, report.create_uid, "its owner's lines")
        # the open-items settings (sql_tools) are the read's only
        self.env.cr.execute(
            "SELECT current_setting('enable_seqscan'), current_setting('jit')"
        )
        self.assertEqual(self.env.cr.fetchall(), [("on", jit)])
        # the report's own rows: another report's day is another list
        self.assertEqual(
            self._lines(other).mapped("report_id"), other, "rows of their report"
        )
        # D paid in part today: today's list says so, the past day's does not
        self._pay_days_ago(self.inv_d, 300.0, 0)
        self.env.invalidate_all()
        by_move = {line.move_id: line.amount for line in self._lines(other)}
        self.assertAlmostEqual(by_move[self.inv_d], 500.0)
        by_move = {line.move_id: line.amount for line in self._lines(report)}
        self.assertAlmostEqual(by_move[self.inv_d], 800.0)
        Line = self.env["ar.aging.line"]
        self.assertFalse(Line.search([]), "no report named: no rows")
        self.assertFalse(Line.search_count([("report_id", "=", report.id)]))
        mine = (
            self.env["ar.aging.report"]
            .with_user(self.collector)
            .create({"date": self.today})
        )
        with self.assertRaises(AccessError):
            Line.with_user(self.manager).with_context(
                ar_aging_report_id=mine.id
            ).search([])
        Line._transient_vacuum()  # nothing to clean, nothing fails
        report.unlink()
        self.assertFalse(
            Line.with_context(ar_aging_report_id=report.id).search([]),
            "a deleted report has no rows",
        )

    def test_list_by_customer_reads_as_odoo_groups_it(self):
        """*Show*'s list, by customer, comes from one query of the addon's
        (``ArAgingLine.web_read_group``): the same groups, sums, counts,
        order and number of customers as Odoo's own grouping, page by page,
        today and on a past day, and each group's domain opens exactly its
        customer's lines."""
        refund = self._invoice(self.other, 40.0, days_old=3, move_type="out_refund")
        self.assertTrue(refund)
        fields = [
            "amount:sum",
            "amount_credit:sum",
            *(f"amount_b{index}:sum" for index in range(8)),
        ]
        for day in (self.today, self.as_of):
            report = self.env["ar.aging.report"].create({"date": day})
            action = report.action_show()
            lines = self.env["ar.aging.line"].with_context(**action["context"])
            domain = action["domain"]
            for limit, offset in ((80, 0), (1, 0), (1, 1)):
                ours = lines.web_read_group(
                    domain, fields, ["partner_id"], limit=limit, offset=offset
                )
                # its settings (sorted aggregates) were that statement's only
                self.env.cr.execute("SELECT current_setting('enable_hashagg')")
                self.assertEqual(self.env.cr.fetchall(), [("on",)])
                # Odoo's own: the web client's grouping, as any model has it
                odoo = type(self.env["base"]).web_read_group(
                    lines, domain, fields, ["partner_id"], limit=limit, offset=offset
                )
                self.assertEqual(ours["length"], odoo["length"])
                self.assertGreaterEqual(ours["length"], 2, "two customers or more")
                self.assertEqual(
                    [
                        {k: v for k, v in g.items() if k != "__domain"}
                        for g in ours["groups"]
                    ],
                    [
                        {k: v for k, v in g.items() if k != "__domain"}
                        for g in odoo["groups"]
                    ],
                )
                for group in ours["groups"]:
                    found = lines.search(group["__domain"])
                    self.assertEqual(len(found), group["partner_id_count"])
                    self.assertEqual(found.partner_id.id, group["partner_id"][0])
                    self.assertAlmostEqual(sum(found.mapped("amount")), group["amount"])

    def test_contact_items_under_their_customer(self):
        """An item posted for a contact (a journal entry keeps the partner
        it was posted for) is its company's: *Show* lists and sums it under
        the commercial entity, today and on a past day, as Odoo's own
        grouping of the same lines does."""
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": self.as_of - timedelta(days=5),
                "line_ids": [
                    Command.create(
                        {
                            "name": "Fee",
                            "partner_id": self.contact.id,
                            "account_id": (
                                self.customer.property_account_receivable_id.id
                            ),
                            "debit": 60.0,
                        }
                    ),
                    Command.create(
                        {
                            "name": "Fee",
                            "account_id": self.company_data[
                                "default_account_revenue"
                            ].id,
                            "credit": 60.0,
                        }
                    ),
                ],
            }
        )
        entry.action_post()
        item = entry.line_ids.filtered("debit")
        self.assertEqual(item.partner_id, self.contact)
        fields = ["amount:sum", *(f"amount_b{index}:sum" for index in range(8))]
        for day in (self.today, self.as_of):
            report = self._report(date=day)
            lines = shown_lines(report)
            line = lines.filtered(lambda ln, item=item: ln.move_line_id == item)
            self.assertEqual(line.partner_id, self.customer, "its company's")
            self.assertAlmostEqual(line.amount, 60.0)
            action = report.action_show()
            Line = self.env["ar.aging.line"].with_context(**action["context"])
            ours = Line.web_read_group(action["domain"], fields, ["partner_id"])
            odoo = type(self.env["base"]).web_read_group(
                Line, action["domain"], fields, ["partner_id"]
            )
            self.assertEqual(
                [g["partner_id"] for g in ours["groups"]],
                [(self.customer.id, self.customer.display_name)],
                "one group: the customer, not its contact",
            )
            self.assertEqual(ours["groups"][0]["amount"], sum(lines.mapped("amount")))
            self.assertEqual(
                [
                    {k: v for k, v in g.items() if k != "__domain"}
                    for g in ours["groups"]
                ],
                [
                    {k: v for k, v in g.items() if k != "__domain"}
                    for g in odoo["groups"]
                ],
            )

    def test_ungrouped_list_reads_as_odoo_reads_it(self):
        """The list ungrouped: a page and the number of lines from one run of
        the report's query, as Odoo reads them."""
        report = self.env["ar.aging.report"].create({"date": self.today})
        action = report.action_show()
        lines = self.env["ar.aging.line"].with_context(**action["context"])
        spec = {
            name: {}
            for name in ("move_id", "date_maturity", "days", "bucket", "amount")
        } | {"company_currency_id": {}, "partner_id": {"fields": {"display_name": {}}}}
        odoo_read = type(self.env["base"]).web_search_read
        for offset, limit in ((0, 2), (2, 2), (0, 80)):
            lines.invalidate_model()
            ours = lines.web_search_read(
                action["domain"], spec, offset=offset, limit=limit
            )
            lines.invalidate_model()
            odoo = odoo_read(lines, action["domain"], spec, offset=offset, limit=limit)
            self.assertEqual(ours, odoo)
            self.assertEqual(ours["length"], 3, "C and D, and the euro invoice E")

    def test_pivot_groups_by_the_policy_buckets(self):
        report = self._report()
        groups = self._lines(report)._read_group(
            [("report_id", "=", report.id)], ["bucket"], ["amount:sum"]
        )
        self.assertEqual(dict(groups), {"0": 800.0, "2": 700.0})
        labels = dict(self.env["ar.aging.line"]._bucket_selection())
        self.assertEqual(labels["2"], "31-60")

    def test_age_by_invoice_date(self):
        lines = self._lines(self._report(age_by="invoice"))
        a = lines.filtered(lambda line: line.move_id == self.inv_a)
        self.assertEqual((a.days, a.bucket), (70, "3"))  # issued 70 days before

    def test_policy_buckets(self):
        # The list was built with the default buckets first: a new policy must
        # not be served the cached one.
        before = self.env["ar.aging.line"].get_view(view_type="list")["arch"]
        self.assertIn('name="amount_b5" sum="1"/>', before)
        self.policy.aging_limits = "15, 45"
        lines = self._lines(self._report())
        a = lines.filtered(lambda line: line.move_id == self.inv_a)
        self.assertEqual(a.bucket, "2")  # 40 days: 16-45
        strings = self.env["ar.aging.line"].fields_get(["amount_b2", "amount_b3"])
        self.assertEqual(strings["amount_b2"]["string"], "16-45")
        self.assertEqual(strings["amount_b3"]["string"], "> 45")
        arch = self.env["ar.aging.line"].get_view(view_type="list")["arch"]
        self.assertIn('name="amount_b4" sum="1" column_invisible="True"', arch)
        self.assertIn('name="amount_b3" sum="1"/>', arch)
        for bad in ("45, 15", "0, 30", "thirty", "1,2,3,4,5,6,7"):
            with self.assertRaises(ValidationError), self.cr.savepoint():
                self.policy.aging_limits = bad

    def test_filters_currency_collector_salesperson(self):
        everyone = self.env["ar.aging.report"].create({"date": self.today})
        moves = self._lines(everyone).move_id
        self.assertTrue({self.inv_c, self.inv_d, self.inv_e} <= set(moves))
        euros = self._lines(
            everyone.copy({"currency_ids": [Command.set(self.eur.ids)]})
        )
        self.assertEqual(euros.move_id, self.inv_e)
        self.assertAlmostEqual(euros.amount_currency, 230.0)
        self.assertAlmostEqual(euros.amount, 115.0)
        followed = self._lines(
            everyone.copy({"collector_ids": [Command.set(self.collector.ids)]})
        )
        self.assertEqual(followed.partner_id, self.other)
        self.customer.user_id = self.salesman
        sold = self._lines(
            everyone.copy({"salesperson_ids": [Command.set(self.salesman.ids)]})
        )
        self.assertEqual(sold.partner_id, self.customer)

    def test_bad_options(self):
        tomorrow = self._report(date=self.today + timedelta(days=1))
        for action in (tomorrow.action_show, tomorrow.action_export_xlsx):
            with self.assertRaisesRegex(UserError, "as of today or a past day"):
                action()
        # a company the collector does not work for: no report of it
        other_company = self.env["res.company"].create({"name": "Elsewhere"})
        with self.assertRaises(AccessError):
            self.env["ar.aging.report"].with_user(self.collector).create(
                {"date": self.as_of, "company_id": other_company.id}
            )

    @users("ar_collector")
    def test_collector_shows_and_exports_with_form(self):
        form = Form(self.env["ar.aging.report"])
        form.date = self.as_of
        form.partner_ids.add(self.customer)
        report = form.save()
        self.assertEqual(len(self._lines(report)), 2)
        action = report.action_export_xlsx()
        self.assertEqual(action["target"], "download")

    def test_xlsx_workbook(self):
        report = self._report(
            partner_ids=[Command.set((self.customer | self.other).ids)]
        )
        book = openpyxl.load_workbook(io.BytesIO(report._xlsx()))
        self.assertEqual(book.sheetnames, ["Summary", "Detail"])
        summary = book["Summary"]
        self.assertEqual(summary["A1"].value, "Aged Receivables")
        self.assertIn(self.company.name, summary["A2"].value)
        self.assertEqual(summary["A3"].value, f"As of {self.as_of.isoformat()}")
        self.assertIn("aged by due date", summary["A4"].value)
        self.assertIn("Acme Retail", summary["A4"].value)
        self.assertEqual(
            [cell.value for cell in summary[6]],
            [
                "Customer",
                "Current",
                "1-30",
                "31-60",
                "61-90",
                "91-120",
                "> 120",
                "Unapplied Credits",
                "Total",
            ],
        )
        self.assertEqual(summary.freeze_panes, "B7")
        self.assertEqual(summary.auto_filter.ref, "A6:I8")
        # Known rows: Acme Retail, then Zeta Foods (due 5 days after the day).
        self.assertEqual(
            [cell.value for cell in summary[7]],
            ["Acme Retail", 800, 0, 700, 0, 0, 0, 0, "=SUM(B7:H7)"],
        )
        self.assertEqual(
            [cell.value for cell in summary[8]][:3], ["Zeta Foods", 115, 0]
        )
        self.assertEqual(summary["A9"].value, "Total")
        self.assertEqual(summary["B9"].value, "=SUBTOTAL(9,B7:B8)")
        self.assertEqual(summary["I9"].value, "=SUBTOTAL(9,I7:I8)")
        symbol = self.company.currency_id.symbol
        self.assertIn(symbol, summary["B7"].number_format)
        self.assertIn("0.00", summary["B7"].number_format)

        detail = book["Detail"]
        self.assertEqual(
            [cell.value for cell in detail[6]][:9],
            [
                "Customer",
                "Entry",
                "Invoice Date",
                "Due Date",
                "Days",
                "Bucket",
                "Currency",
                "Open in Currency",
                "Open",
            ],
        )
        rows = [[cell.value for cell in row] for row in detail.iter_rows(min_row=7)]
        self.assertEqual(len(rows), 4)  # A, D, E and the totals
        first = rows[0]
        self.assertEqual(first[:2], ["Acme Retail", self.inv_a.name])
        self.assertEqual(first[2].date(), self.inv_a.invoice_date)
        self.assertEqual(first[4:6], [40, "31-60"])
        self.assertEqual(first[8], 700)
        self.assertEqual(first[9 + 2], 700)  # in its bucket's column
        euro = rows[2]
        self.assertEqual(euro[4:9], [-5, "Current", "EUR", 230, 115])
        self.assertEqual(rows[3][0], "Total")
        self.assertEqual(rows[3][8], "=SUBTOTAL(9,I7:I9)")
        self.assertEqual(detail.auto_filter.ref, "A6:P9")
        # both sheets print landscape on A4, one page wide, titles repeated
        for name in ("Summary", "Detail"):
            setup = book[name].page_setup
            self.assertEqual(
                (setup.orientation, int(setup.paperSize)), ("landscape", 9), name
            )
            # a width of 1 is the default, which the file leaves out
            self.assertEqual((setup.fitToWidth or 1, setup.fitToHeight), (1, 0), name)
            self.assertTrue(book[name].sheet_properties.pageSetUpPr.fitToPage)
            self.assertEqual(book[name].print_title_rows, "$6:$6", name)
        # The formulas' values: the totals computed for readers without a
        # calculation engine equal the rows.
        values = openpyxl.load_workbook(io.BytesIO(report._xlsx()), data_only=True)
        self.assertEqual(values["Summary"]["I9"].value, 1615)
        self.assertEqual(values["Detail"]["I10"].value, 1615)

    def test_xlsx_with_nothing_open(self):
        """A day on which nothing was open still gives both sheets, with zero
        totals under the column titles."""
        report = self._report(date=self.today - timedelta(days=365))
        book = openpyxl.load_workbook(io.BytesIO(report._xlsx()), data_only=True)
        for name in ("Summary", "Detail"):
            sheet = book[name]
            self.assertEqual(sheet["A7"].value, "Total", name)
            self.assertEqual(sheet.max_row, 7, name)
        self.assertEqual(book["Summary"]["I7"].value, 0)
        self.assertEqual(book["Detail"]["I7"].value, 0)

    def test_xlsx_detail_rows_are_the_report_rows(self):
        """The detail rows (rendered by the database) read back cell by cell
        as the report's rows, with their formats; XML characters, spaces
        at the ends and control characters in a name survive or are dropped
        as Excel needs."""
        odd = self.env["res.partner"].create(
            {"name": "  Smith & <Sons>\x07 ", "is_company": True}
        )
        self._invoice(odd, 321.09, days_old=70, term_days=30)
        report = self._report(
            partner_ids=[Command.set((self.customer | self.other | odd).ids)]
        )
        lines = self._lines(report).sorted(
            lambda line: (line.partner_id.name, line.date_maturity, line.move_line_id)
        )
        labels = report._bucket_labels()
        detail = openpyxl.load_workbook(io.BytesIO(report._xlsx()))["Detail"]
        rows = list(detail.iter_rows(min_row=7, max_row=6 + len(lines)))
        self.assertEqual(detail.cell(7 + len(lines), 1).value, "Total")
        for line, row in zip(lines, rows, strict=True):
            bucket = int(line.bucket)
            foreign = line.currency_id != self.company.currency_id
            values = [cell.value for cell in row]
            expected = [
                line.partner_id.name.replace("\x07", ""),
                line.move_id.name,
                line.invoice_date,
                line.date_maturity,
                line.days,
                labels[bucket],
                # the item's currency only when it is not the company's
                line.currency_id.name if foreign else None,
                line.amount_currency if foreign else None,
                line.amount,
            ]
            self.assertEqual(
                [
                    values[0],
                    values[1],
                    values[2].date(),
                    values[3].date(),
                    *values[4:9],
                ],
                expected,
            )
            self.assertEqual(
                [i for i, value in enumerate(values[9:]) if value is not None],
                [bucket],
            )
            self.assertEqual(values[9 + bucket], line.amount)
            self.assertEqual(row[2].number_format, "yyyy-mm-dd")
            self.assertEqual(row[4].number_format, "0")
            self.assertIn(self.company.currency_id.symbol, row[8].number_format)
            self.assertIn(
                self.company.currency_id.symbol, row[9 + bucket].number_format
            )
        self.assertEqual(rows[0][0].value, "  Smith & <Sons> ")
        self.assertIn(self.eur, lines.currency_id)


@tagged("post_install", "-at_install")
class TestRiskReport(ArInstrumentCommon):
    def test_nothing_selected(self):
        with self.assertRaisesRegex(UserError, "Select the customers"):
            self.env["ar.partner.metrics"].action_export_risk_xlsx()

    def test_risk_workbook_from_the_list(self):
        self.customer.with_company(self.company).ar_collector_id = self.collector
        self._invoice(self.customer, 400.0, days_old=60, term_days=30)
        metrics = self.env["ar.partner.metrics"]
        metrics._run(companies=self.company, today=self.today)
        rows = metrics.search([("collector_id", "=", self.collector.id)])
        self.assertEqual(rows.partner_id, self.customer)
        action = (
            self.env.ref(
                "account_receivable_management.ar_partner_metrics_action_export_xlsx"
            )
            .with_context(active_model=rows._name, active_ids=rows.ids)
            .run()
        )
        self.assertEqual(action["target"], "download")
        book = openpyxl.load_workbook(io.BytesIO(exported_file(self.env, action)))
        sheet = book["Risk"]
        self.assertEqual(sheet["A1"].value, "Customer Risk")
        header = [cell.value for cell in sheet[6]]
        self.assertEqual(
            header[:5], ["Customer", "Company", "Collector", "Credit Limit", "Exposure"]
        )
        row = dict(zip(header, [cell.value for cell in sheet[7]], strict=True))
        self.assertEqual(row["Customer"], "Acme Retail")
        self.assertEqual(row["Collector"], self.collector.name)
        self.assertEqual(row["Grade"], rows.risk_grade)
        self.assertEqual(row["Computed On"].date(), rows.date_computed)
        self.assertEqual(row["Open"], 400)
        self.assertEqual(row["Overdue"], 400)
        self.assertEqual(row["Exposure"], 400)
        self.assertEqual(row["Credit Limit"], 1000)
        self.assertEqual(row["Oldest Overdue (days)"], 30)
        self.assertEqual(sheet.max_row, 7)
        # the band says where each column comes from
        self.assertEqual(sheet["D5"].value, "From the ledger, at export")
        self.assertEqual(sheet["J5"].value, "From the nightly run (see Computed On)")
        self.assertIn("D5:I5", [str(r) for r in sheet.merged_cells.ranges])
        self.assertIn("J5:R5", [str(r) for r in sheet.merged_cells.ranges])
        # text wraps, and the row is as tall as its explanation
        explanation = sheet.cell(7, header.index("Why This Score") + 1)
        self.assertTrue(explanation.alignment.wrap_text)
        self.assertTrue(sheet.cell(7, 2).alignment.wrap_text, "the company too")
        lines = sum(
            max(1, -(-len(part) // 52))
            for part in (rows.risk_explanation or "").split("\n")
        )
        # (the collector's long test name may need more)
        self.assertGreaterEqual(sheet.row_dimensions[7].height, 15 * max(lines, 2))
        # prints landscape on A4, one page wide, titles on every page
        self.assertEqual(sheet.page_setup.orientation, "landscape")
        self.assertEqual(int(sheet.page_setup.paperSize), 9)
        self.assertTrue(sheet.sheet_properties.pageSetUpPr.fitToPage)
        self.assertEqual(
            (sheet.page_setup.fitToWidth or 1, sheet.page_setup.fitToHeight), (1, 0)
        )
        self.assertEqual(sheet.print_title_rows, "$5:$6")

    def test_risk_workbook_reads_the_ledger_now(self):
        """Paid since the nightly run: the credit columns say so (not open
        6,900 beside an exposure of 0), the assessment stays the run's; a
        customer without a limit reads "no limit"."""
        self.customer.credit_limit = 0.0
        invoice = self._invoice(self.customer, 6900.0, days_old=60, term_days=30)
        metrics = self.env["ar.partner.metrics"]
        metrics._run(companies=self.company, today=self.today)
        rows = metrics.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(rows.overdue_amount, 6900.0)
        self._pay(invoice)
        book = openpyxl.load_workbook(io.BytesIO(rows._risk_xlsx()))
        sheet = book["Risk"]
        header = [cell.value for cell in sheet[6]]
        row = dict(zip(header, [cell.value for cell in sheet[7]], strict=True))
        self.assertEqual(
            [row[name] for name in ("Open", "Overdue", "Exposure")], [0, 0, 0]
        )
        self.assertEqual(row["Oldest Overdue (days)"], 0)
        self.assertEqual(row["Credit Limit"], "no limit")
        self.assertEqual(row["Grade"], rows.risk_grade)
        self.assertIn("nightly run of", sheet["A3"].value)

    def test_risk_export_leaves_no_attachment_behind(self):
        """The workbook is kept in a transient row its owner reads, not in an
        ir.attachment (served to any internal user asking for its id); the
        row goes with Odoo's cleaning of transient rows after an hour."""
        self._invoice(self.customer, 400.0, days_old=60, term_days=30)
        metrics = self.env["ar.partner.metrics"]
        metrics._run(companies=self.company, today=self.today)
        rows = metrics.search([("partner_id", "=", self.customer.id)])
        attachments = self.env["ir.attachment"].search_count([])
        action = rows.with_user(self.collector).action_export_risk_xlsx()
        self.assertEqual(self.env["ir.attachment"].search_count([]), attachments)
        export = (
            self.env["ar.export"]
            .sudo()
            .search([("create_uid", "=", self.collector.id)])
        )
        self.assertIn(f"id={export.id}", action["url"])
        # an hour later, Odoo's vacuum of transient rows takes it
        self.env.cr.execute(
            "UPDATE ar_export"
            " SET create_date = (now() AT TIME ZONE 'UTC') - interval '2 hours',"
            " write_date = (now() AT TIME ZONE 'UTC') - interval '2 hours'"
            " WHERE id = %s",
            [export.id],
        )
        self.env["ar.export"]._transient_vacuum()
        self.assertFalse(export.exists())
