import gc
import math
import unittest
from datetime import timedelta
from unittest.mock import PropertyMock, patch

from odoo import Command, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, TransactionCase, tagged, users
from odoo.tools import SQL

from ..models.ar_cash_forecast import week_start_sql
from ..models.ar_sql_screen import gc_paused
from .common_instruments import ArInstrumentCommon


@tagged("post_install", "-at_install")
class TestDashboardOnDemo(TransactionCase):
    """On the demo data, every dashboard figure equals what the list it opens
    shows (skipped on a database installed without demo data)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        demo = "account_receivable_management.ar_demo_partner_sliding"
        if not cls.env.ref(demo, raise_if_not_found=False):
            raise unittest.SkipTest("the addon's demo data is not installed")

    def _list_sum(self, action, field):
        [(total,)] = self.env[action["res_model"]]._read_group(
            action["domain"], aggregates=[f"{field}:sum"]
        )
        return total or 0.0

    def test_cards_match_their_lists(self):
        data = self.env["ar.dashboard"].get_data()
        cards = {card["key"]: card for card in data["cards"]}
        receivable = cards["receivable"]
        self.assertGreater(receivable["value"], 0.0, "the demo has receivables")
        self.assertAlmostEqual(
            receivable["value"],
            self._list_sum(receivable["action"], "amount_residual"),
            places=2,
        )
        # the list it opens shows the open amount, summed, as the card
        view_id, mode = receivable["action"]["views"][0]
        arch = self.env["account.move.line"].get_view(view_id, mode)["arch"]
        self.assertIn('name="amount_residual"', arch)
        self.assertIn('sum="Open"', arch)
        self.assertNotIn('name="debit"', arch)
        overdue = cards["overdue"]
        overdue_total = self._list_sum(overdue["action"], "amount_residual")
        self.assertGreater(overdue_total, 0.0, "the demo has overdue invoices")
        overdue_detail, owed_detail = overdue["details"]
        self.assertAlmostEqual(overdue_detail["value"], overdue_total, places=2)
        # a share of what customers owe, the unapplied credits left aside,
        # and the card says so
        owed = self._list_sum(
            dict(
                receivable["action"],
                domain=[*receivable["action"]["domain"], ("amount_residual", ">", 0)],
            ),
            "amount_residual",
        )
        self.assertAlmostEqual(owed_detail["value"], owed, places=2)
        self.assertIn("before credits", owed_detail["label"])
        self.assertLessEqual(overdue["value"], 100.0)
        self.assertAlmostEqual(overdue["value"], 100.0 * overdue_total / owed, places=6)
        owed_part, credits_part = receivable["details"]
        self.assertAlmostEqual(owed_part["value"], owed, places=2)
        self.assertAlmostEqual(
            owed_part["value"] + credits_part["value"], receivable["value"], places=2
        )
        hold = cards["on_hold"]
        self.assertGreaterEqual(hold["value"], 1, "the demo has a held customer")
        self.assertEqual(
            hold["value"],
            self.env["res.partner"].search_count(hold["action"]["domain"]),
        )
        broken = cards["broken"]
        self.assertEqual(
            broken["value"],
            self.env["ar.promise"].search_count(broken["action"]["domain"]),
        )
        kpi = self.env["ar.company.kpi"].search(
            cards["dso"]["action"]["domain"], order="month desc", limit=1
        )
        # A figure that means nothing is "—" on the card and in the list.
        self.assertEqual(cards["dso"]["value"], kpi.dso if kpi.dso_defined else None)
        self.assertEqual(cards["cei"]["value"], kpi.cei if kpi.cei_defined else None)
        self.assertEqual(kpi.cei_text == "—", not kpi.cei_defined)
        # No contradiction in any month: not yet due within the receivable,
        # delinquency never below zero.
        for row in self.env["ar.company.kpi"].search([]):
            self.assertLessEqual(
                row.current_receivable, max(row.receivable, 0.0) + 0.005
            )
            if row.dso_defined:
                self.assertGreaterEqual(row.days_delinquent, 0.0, row.month)
                self.assertLessEqual(row.best_dso, row.dso, row.month)
        # The aging chart: what is owed by bucket (never below zero), the
        # credits on their own line, and a total equal to the receivable card.
        buckets = [row for row in data["aging"] if row["kind"] == "bucket"]
        [credits] = [row for row in data["aging"] if row["kind"] == "credits"]
        [total] = [row for row in data["aging"] if row["kind"] == "total"]
        for bucket in buckets:
            self.assertGreaterEqual(bucket["value"], 0.0, bucket["label"])
        self.assertAlmostEqual(sum(row["value"] for row in buckets), owed, places=2)
        self.assertAlmostEqual(credits["value"], credits_part["value"], places=2)
        self.assertAlmostEqual(total["value"], receivable["value"], places=2)
        self.assertAlmostEqual(
            sum(row["value"] for row in buckets) + credits["value"],
            receivable["value"],
            places=2,
        )
        self.assertEqual(data["aging"][0]["label"], "Current")
        # The forecast's 13 weeks add up to its list.
        forecast = data["forecast"]
        self.assertEqual(len(forecast["weeks"]), 13)
        self.assertAlmostEqual(
            sum(week["value"] for week in forecast["weeks"]),
            self._list_sum(forecast["action"], "amount"),
            places=2,
        )
        # Top risk: scored customers who owe something, riskiest first.
        scores = [row["score"] for row in data["top_risk"]]
        self.assertTrue(scores, "the demo has scored customers")
        self.assertEqual(scores, sorted(scores, reverse=True))
        self.assertLessEqual(len(scores), 10)
        sliding = data["sliding"]
        self.assertEqual(
            sliding["count"],
            len(
                self.env["ar.risk.warning"]
                .search(sliding["action"]["domain"])
                .partner_id
            ),
        )

    def test_demo_documents_have_a_human_collector(self):
        root = self.env.ref("base.user_root")
        for model in (
            "ar.promise",
            "ar.payment.plan",
            "ar.settlement",
            "ar.return",
            "ar.barter",
        ):
            records = self.env[model].search([])
            self.assertTrue(records, model)
            self.assertNotIn(root, records.user_id, model)
            self.assertFalse(records.user_id.filtered("share"), model)
            self.assertEqual(
                self.env[model].with_user(root)._default_collector(),
                self.env["res.users"],
            )


@tagged("post_install", "-at_install")
class TestDashboardAccess(ArInstrumentCommon):
    @users("ar_collector")
    def test_collector_reads_the_dashboard(self):
        data = self.env["ar.dashboard"].get_data()
        self.assertEqual(data["company"], self.company.name)
        # the open-items settings (sql_tools) end with the dashboard's reads
        self.env.cr.execute("SELECT current_setting('enable_seqscan')")
        self.assertEqual(self.env.cr.fetchall(), [("on",)])

    @users("ar_salesman")
    def test_salesperson_cannot(self):
        with self.assertRaises(AccessError):
            self.env["ar.dashboard"].get_data()


@tagged("post_install", "-at_install")
class TestForecastNetOfCredits(ArInstrumentCommon):
    """The cash-in forecast counts what a customer will pay: its open
    invoices less its credits not yet applied, which offset the invoices
    predicted to be paid first."""

    def _forecast(self):
        data = self.env["ar.dashboard"].get_data()["forecast"]
        return sum(week["value"] for week in data["weeks"])

    def test_credit_note_and_payment_not_applied_offset_the_forecast(self):
        customer = self.env["res.partner"].create(
            {"name": "Offset Ltd", "is_company": True}
        )
        soon = self._invoice(customer, 1000.0, days_old=20, term_days=30)
        later = self._invoice(customer, 500.0, days_old=5, term_days=30)
        self.assertEqual(
            (soon.ar_forecast_amount, later.ar_forecast_amount), (1000.0, 500.0)
        )
        before = self._forecast()
        # a credit note of 700 posted, not applied to either invoice
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": customer.id,
                "invoice_date": self.today,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Returned",
                            "quantity": 1,
                            "price_unit": 700.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        self.assertEqual(
            (soon.ar_forecast_amount, later.ar_forecast_amount), (300.0, 500.0)
        )
        self.assertAlmostEqual(self._forecast(), before - 700.0, places=2)
        # and a payment of 300 not applied either: the first one is covered
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": customer.id,
                "amount": 300.0,
                "journal_id": self.bank.id,
            }
        )
        payment.action_post()
        self.assertEqual(
            (soon.ar_forecast_amount, later.ar_forecast_amount), (0.0, 500.0)
        )
        # the credit note applied to the later invoice: 200 of it and the
        # payment's 300 are left to offset the first one
        (refund.line_ids | later.line_ids).filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        self.assertEqual(later.amount_residual, 0.0)
        self.assertEqual(soon.ar_forecast_amount, 500.0)
        self.assertAlmostEqual(self._forecast(), before - 1000.0, places=2)


@tagged("post_install", "-at_install")
class TestForecastPivot(ArInstrumentCommon):
    """The forecast's pivot, customers by week: its groups are formatted by
    the addon (once per customer and per week, not per cell) and must read
    as Odoo's own: the customer's display name, the day's label and range,
    and a domain that opens exactly the group's invoices."""

    def test_gc_paused_restores_the_collector(self):
        """The collector is paused while the groups are built and put back
        as it was, also when building fails."""
        self.assertTrue(gc.isenabled())
        with self.assertRaises(ZeroDivisionError), gc_paused():
            self.assertFalse(gc.isenabled())
            _ = 1 / 0
        self.assertTrue(gc.isenabled())
        gc.disable()
        try:
            with gc_paused():
                pass
            self.assertFalse(gc.isenabled(), "left off, as it was")
        finally:
            gc.enable()

    def test_gc_paused_hands_its_objects_to_the_old_generation(self):
        """What was built while paused is not left for the young generation's
        next pass to walk: it is in the oldest generation on the way out."""
        with gc_paused():
            cells = [{"cell": [i]} for i in range(20000)]
        self.assertTrue(gc.isenabled())
        # a young pass, had it walked them, would have left them in the middle
        # generation
        middle = {id(thing) for thing in gc.get_objects(generation=1)}
        oldest = {id(thing) for thing in gc.get_objects(generation=2)}
        self.assertNotIn(id(cells[-1]), middle)
        self.assertIn(id(cells[-1]), oldest)

    def test_week_is_the_monday_on_or_before(self):
        """The forecast's week: the Monday on or before the predicted date,
        on every weekday, across years and a leap day, and before 1900."""
        first = fields.Date.to_date("1899-12-25")
        days = [first + timedelta(days=n) for n in range(10)] + [
            fields.Date.to_date("2027-12-27") + timedelta(days=n) for n in range(430)
        ]
        rows = self.env.execute_query(
            SQL(
                "SELECT d, %s FROM unnest(%s::date[]) d",
                week_start_sql(SQL.identifier("d")),
                days,
            )
        )
        self.assertEqual(len(rows), len(days))
        for day, week in rows:
            self.assertEqual(week, day - timedelta(days=day.weekday()), day)

    def test_groups_read_as_odoo_formats_them(self):
        company = self.env["res.partner"].create(
            {"name": "Pivot Traders", "is_company": True}
        )
        person = self.env["res.partner"].create(
            {"name": "Jane Roe", "company_name": "Roe Typed Inc"}
        )
        invoices = (
            self._invoice(company, 400.0, days_old=10, term_days=30)
            | self._invoice(company, 250.0, days_old=2, term_days=60)
            | self._invoice(person, 900.0, days_old=5, term_days=20)
        )
        forecast = self.env["ar.cash.forecast"].with_user(self.collector)
        domain = [("move_id", "in", invoices.ids)]
        self.assertEqual(forecast.search_count(domain), 3, "each has a prediction")
        groupby = ["partner_id", "week:day"]
        groups = forecast.read_group(domain, ["amount:sum"], groupby, lazy=False)
        self.assertTrue(gc.isenabled(), "the garbage collector is back on")
        # sorted aggregates (FORECAST_GROUPS_SETTINGS) were that read's only
        self.env.cr.execute("SELECT current_setting('enable_hashagg')")
        self.assertEqual(self.env.cr.fetchall(), [("on",)])
        # what Odoo's own read_group gives for the same rows
        expected = models.Model.read_group(
            forecast, domain, ["amount:sum"], groupby, lazy=False
        )
        self.assertEqual(len(groups), len(expected))
        self.assertEqual(
            {group["partner_id"] for group in groups},
            {(company.id, "Pivot Traders"), (person.id, "Roe Typed Inc, Jane Roe")},
        )
        for group, odoo in zip(groups, expected, strict=True):
            self.assertEqual(
                {k: v for k, v in group.items() if k != "__domain"},
                {k: v for k, v in odoo.items() if k != "__domain"},
            )
            found = forecast.search(group["__domain"])
            self.assertEqual(len(found), group["__count"], "the group's invoices")
            self.assertEqual(found.mapped("partner_id").id, group["partner_id"][0])
            self.assertAlmostEqual(sum(found.mapped("amount")), group["amount"])
        # its list: a page and the count from one query, as Odoo reads them
        spec = {"partner_id": {}, "move_id": {}, "predicted_date": {}, "amount": {}}
        forecast.invalidate_model()
        ours = forecast.web_search_read(domain, spec, limit=2)
        forecast.invalidate_model()
        odoo = type(self.env["base"]).web_search_read(forecast, domain, spec, limit=2)
        self.assertEqual(ours, odoo)
        self.assertEqual(ours["length"], 3)
        # the total, by customer alone and by week alone still add up
        total = sum(invoice.ar_forecast_amount for invoice in invoices)
        for one in (["partner_id"], ["week:day"]):
            groups = forecast.read_group(domain, ["amount:sum"], one)
            self.assertEqual(
                [{k: v for k, v in g.items() if k != "__domain"} for g in groups],
                [
                    {k: v for k, v in g.items() if k != "__domain"}
                    for g in models.Model.read_group(
                        forecast, domain, ["amount:sum"], one
                    )
                ],
            )
            self.assertAlmostEqual(sum(g["amount"] for g in groups), total)


@tagged("post_install", "-at_install")
class TestWorklist(ArInstrumentCommon):
    """What to do today: promises due or broken, installments due, warnings,
    and overdue invoices without a commitment, by amount x risk x days."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.credit_limit = 0.0
        cls.late = cls._invoice(cls.customer, 400.0, days_old=50, term_days=30)
        cls.promised = cls._invoice(cls.customer, 900.0, days_old=40, term_days=30)
        cls.promise = cls.env["ar.promise"].create(
            {
                "partner_id": cls.customer.id,
                "invoice_ids": [Command.set(cls.promised.ids)],
                "amount": 900.0,
                "promised_date": cls.today,
            }
        )
        cls.other = cls.env["res.partner"].create(
            {"name": "Small Debtor", "is_company": True}
        )
        cls.small = cls._invoice(cls.other, 50.0, days_old=35, term_days=30)

    def _rows(self, partner=None):
        self.env.flush_all()
        self.env["ar.worklist"].invalidate_model()
        # the priority's scale over the rows as they are now (the nightly run
        # and the day's first read store it)
        self.env["ar.worklist"]._store_scale(self.company)
        return self.env["ar.worklist"].search(
            [("partner_id", "in", (partner or self.customer | self.other).ids)]
        )

    def test_rows_and_priority(self):
        rows = self._rows()
        by_kind = {(row.kind, row.move_id or row.promise_id): row for row in rows}
        invoice_row = by_kind[("invoice", self.late)]
        self.assertEqual((invoice_row.days, invoice_row.amount), (20, 400.0))
        # The promised invoice is covered: it shows as the promise, not alone.
        self.assertNotIn(("invoice", self.promised), by_kind)
        promise_row = by_kind[("promise", self.promise)]
        self.assertEqual((promise_row.days, promise_row.amount), (0, 900.0))
        # urgency = amount x risk (at least 1) x sqrt(days (at least 1))
        self.assertAlmostEqual(invoice_row.urgency, 400.0 * 1 * math.sqrt(20))
        self.assertAlmostEqual(promise_row.urgency, 900.0 * 1 * 1)
        self.assertEqual(rows[0], invoice_row, "the most urgent row comes first")
        small = by_kind[("invoice", self.small)]
        self.assertAlmostEqual(small.urgency, 50.0 * math.sqrt(5))
        # priority: 1-100, the share of the company's items no more urgent
        company_rows = self.env["ar.worklist"].search(
            [("company_id", "=", self.company.id)]
        )
        self.assertEqual(company_rows[0].priority, 100)
        for row in company_rows:
            share = len(
                company_rows.filtered(lambda r, row=row: r.urgency <= row.urgency)
            )
            self.assertEqual(row.priority, math.ceil(100 * share / len(company_rows)))
        self.assertGreater(invoice_row.priority, promise_row.priority)
        self.assertGreater(promise_row.priority, small.priority)
        self.assertTrue(all(1 <= row.priority <= 100 for row in company_rows))
        # Paid in full: the invoice leaves the list.
        self._pay(self.late)
        self.assertNotIn(self.late, self._rows().move_id)

    def test_page_and_count_read_as_odoo_reads_them(self):
        """A page of the list and how many rows match come from one run of
        its query (``ar.sql.screen.mixin.web_search_read``): the same rows,
        values, order and count as Odoo's own reading, page by page, capped
        by the count limit as Odoo caps it."""
        self._rows()
        Worklist = self.env["ar.worklist"].with_user(self.collector)
        spec = {
            name: {}
            for name in ("kind", "reference", "amount", "days", "priority", "urgency")
        } | {"currency_id": {}, "partner_id": {"fields": {"display_name": {}}}}
        odoo_read = type(self.env["base"]).web_search_read
        total = Worklist.search_count([])
        self.assertGreaterEqual(total, 3)
        for domain, offset, limit, count_limit in (
            ([], 0, 2, None),
            ([], 2, 2, None),
            ([], 0, 1, 2),
            ([("kind", "=", "invoice")], 0, 80, 10001),
        ):
            Worklist.invalidate_model()
            ours = Worklist.web_search_read(
                domain, spec, offset=offset, limit=limit, count_limit=count_limit
            )
            Worklist.invalidate_model()
            odoo = odoo_read(
                Worklist,
                domain,
                spec,
                offset=offset,
                limit=limit,
                count_limit=count_limit,
            )
            self.assertEqual(ours, odoo, (domain, offset, limit, count_limit))
            self.assertTrue(ours["records"])
        self.assertEqual(Worklist.web_search_read([], spec, limit=1)["length"], total)

    def test_credits_not_applied_are_not_chased(self):
        """A credit note not applied yet offsets the customer's oldest overdue
        invoices: a covered one leaves the list, a partly covered one shows
        what is left."""
        older = self._invoice(self.other, 120.0, days_old=60, term_days=30)
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.other.id,
                "invoice_date": self.today,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Credit",
                            "quantity": 1,
                            "price_unit": 150.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        rows = self._rows(self.other)
        self.assertNotIn(older, rows.move_id, "covered by the credit note")
        [row] = rows.filtered(lambda r: r.move_id == self.small)
        self.assertEqual(row.amount, 20.0, "50 less the 30 of credit left")
        # cancelled, the credit note offsets nothing
        refund.button_draft()
        amounts = {r.move_id: r.amount for r in self._rows(self.other)}
        self.assertEqual(amounts, {older: 120.0, self.small: 50.0})

    def test_installment_due(self):
        with Form(self.env["ar.payment.plan"].with_user(self.collector)) as form:
            form.partner_id = self.other
            form.invoice_ids.add(self.small)
            form.installment_count = 2
            form.frequency = "monthly"
            form.first_date = self.today
        plan = form.record
        plan.with_user(self.manager).action_activate()
        rows = self._rows(self.other)
        self.assertEqual(rows.mapped("kind"), ["installment"])
        self.assertEqual((rows.plan_id, rows.amount), (plan, 25.0))

    @users("ar_collector")
    def test_one_click_actions(self):
        row = self._rows().filtered(lambda r: r.move_id == self.late)
        self.assertEqual(row.action_open_customer()["res_id"], self.customer.id)
        overdue = self.customer.action_ar_view_overdue_invoices()
        self.assertEqual(
            self.env["account.move"].search(overdue["domain"]),
            self.late | self.promised,
        )
        action = row.action_log_call()
        with self.assertRaisesRegex(ValidationError, "today or a later day"):
            self.env["ar.call.log"].create(
                {
                    "partner_id": self.customer.id,
                    "note": "No answer",
                    "next_date": self.today - timedelta(days=1),
                }
            )
        with self.assertRaisesRegex(ValidationError, "what was said"):
            self.env["ar.call.log"].create(
                {"partner_id": self.customer.id, "note": "  \n  "}
            )
        log = Form(self.env["ar.call.log"].with_context(**action["context"]))
        log.note = "Approved for Friday's payment run"
        log.next_date = self.today + timedelta(days=2)
        log.save().action_log()
        bodies = self.customer.sudo().message_ids.mapped("body")
        self.assertTrue(any("Approved for Friday" in body for body in bodies))
        # the row opens its invoice; a promise starts at what it leaves open
        self.assertEqual(
            (row.action_open_source()["res_model"], row.action_open_source()["res_id"]),
            ("account.move", self.late.id),
        )
        action = row.action_record_promise()
        self.assertEqual(action["context"]["default_amount"], self.late.amount_residual)
        with Form(self.env["ar.promise"].with_context(**action["context"])) as form:
            self.assertEqual(form.amount, self.late.amount_residual)
            form.amount = 400.0
            form.promised_date = self.today + timedelta(days=3)
        self.assertEqual(form.record.invoice_ids, self.late)
        # Now under a promise, the invoice is no longer "without commitment".
        self.assertNotIn(
            ("invoice", self.late), {(r.kind, r.move_id) for r in self._rows()}
        )

        activity = self.customer.sudo().activity_ids
        self.assertEqual(activity.date_deadline, self.today + timedelta(days=2))


@tagged("post_install", "-at_install")
class TestWorklistContacts(ArInstrumentCommon):
    """A call sets the customer's rows aside until the next contact day; a
    row that appeared since stays; the amount outranks a long delay; one
    collector is assigned to many customers at once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.credit_limit = 0.0
        cls.env.cr.execute("SELECT CURRENT_DATE")
        [(cls.db_today,)] = cls.env.cr.fetchall()

    def _rows(self, domain=()):
        self.env.flush_all()
        self.env["ar.worklist"].invalidate_model()
        self.env["ar.worklist"]._store_scale(self.company)
        return self.env["ar.worklist"].search(
            [("partner_id", "=", self.customer.id), *domain]
        )

    def _set_contact(self, last, following):
        self.customer.sudo().with_company(self.company).write(
            {"ar_last_contact_date": last, "ar_next_contact_date": following}
        )

    def test_a_call_sets_the_rows_aside_until_the_next_contact(self):
        late = self._invoice(self.customer, 300.0, days_old=60, term_days=30)
        self.assertEqual(self._rows([("contacted", "=", False)]).move_id, late)
        wizard = Form(
            self.env["ar.call.log"]
            .with_user(self.collector)
            .with_context(**self._rows().action_log_call()["context"])
        )
        wizard.note = "Accounts payable approved it for next week"
        wizard.next_date = self.today + timedelta(days=3)
        action = wizard.save().action_log()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("set aside", action["params"]["message"])
        customer = self.customer.with_company(self.company)
        self.assertEqual(
            (customer.ar_last_contact_date, customer.ar_next_contact_date),
            (self.today, self.today + timedelta(days=3)),
        )
        [row] = self._rows()
        self.assertTrue(row.contacted)
        self.assertEqual(row.last_contact_date, self.today)
        self.assertFalse(self._rows([("contacted", "=", False)]), "not To Contact")
        # the next contact day has come: the row is back
        self._set_contact(self.db_today - timedelta(days=3), self.db_today)
        self.assertFalse(self._rows().contacted)

    def test_rows_that_appeared_since_the_call_stay(self):
        called = self.db_today - timedelta(days=1)
        self._set_contact(called, self.db_today + timedelta(days=5))
        # overdue since before the call, and overdue since today (due on the
        # day of the call, so overdue from the day after)
        old = self._invoice(self.customer, 100.0, days_old=50, term_days=30)
        new = self._invoice(self.customer, 100.0, days_old=31, term_days=30)
        new.invoice_date_due = called
        contacted = {row.move_id: row.contacted for row in self._rows()}
        self.assertEqual(contacted, {old: True, new: False})

    def test_without_a_next_date_the_rows_come_back_tomorrow(self):
        self._invoice(self.customer, 300.0, days_old=60, term_days=30)
        log = (
            self.env["ar.call.log"]
            .with_user(self.collector)
            .create({"partner_id": self.customer.id, "note": "No answer"})
        )
        log.action_log()
        customer = self.customer.with_company(self.company)
        self.assertEqual(customer.ar_next_contact_date, self.today + timedelta(days=1))
        self.assertTrue(self._rows().contacted)
        self.assertFalse(self.customer.sudo().activity_ids, "no call-back planned")
        # tomorrow
        self._set_contact(self.db_today - timedelta(days=1), self.db_today)
        self.assertFalse(self._rows().contacted)

    def test_contact_dates_are_the_call_log_s(self):
        for user in (self.collector, self.manager):
            with self.assertRaisesRegex(AccessError, "Log Call"):
                self.customer.with_user(user).write(
                    {"ar_next_contact_date": self.today + timedelta(days=90)}
                )
            with self.assertRaises(AccessError):
                self.env["res.partner"].with_user(user).create(
                    {"name": "Forged", "ar_last_contact_date": self.today}
                )
        self.assertFalse(self.customer.with_company(self.company).ar_next_contact_date)

    def test_a_large_invoice_outranks_a_small_old_one(self):
        big = self._invoice(self.customer, 31750.0, days_old=45, term_days=30)
        small = self._invoice(self.customer, 2000.0, days_old=430, term_days=30)
        rows = self._rows()
        self.assertEqual(rows.move_id, big | small)
        self.assertEqual(rows[0].move_id, big, "15 days late, but 16 times larger")
        self.assertGreater(rows[0].priority, rows[1].priority)

    def test_assign_a_collector_to_many_customers(self):
        other = self.env["res.partner"].create({"name": "Beta Ltd", "is_company": True})
        contact = self.contact  # a contact stands for its company
        wizard = (
            self.env["ar.collector.assign"]
            .with_user(self.manager)
            .with_context(active_model="res.partner", active_ids=(contact | other).ids)
            .create({"collector_id": self.collector.id})
        )
        self.assertEqual(wizard.partner_ids, self.customer | other)
        wizard.action_assign()
        for partner in (self.customer | other).with_company(self.company):
            self.assertEqual(partner.ar_collector_id, self.collector)
        # from the worklist, and to nobody
        self._invoice(self.customer, 300.0, days_old=60, term_days=30)
        rows = self._rows()
        wizard = (
            self.env["ar.collector.assign"]
            .with_user(self.collector)
            .with_context(active_model="ar.worklist", active_ids=rows.ids)
            .create({})
        )
        self.assertEqual(
            (wizard.partner_ids, wizard.company_id), (self.customer, self.company)
        )
        wizard.action_assign()
        self.assertFalse(self.customer.with_company(self.company).ar_collector_id)
        self.assertEqual(
            other.with_company(self.company).ar_collector_id, self.collector
        )

    def test_only_a_credit_team_member_of_the_company_is_assigned(self):
        clerk = self._user("ar_billing_clerk", "account.group_account_invoice")
        wizard = (
            self.env["ar.collector.assign"]
            .with_user(self.manager)
            .create(
                {
                    "partner_ids": [Command.set(self.customer.ids)],
                    "collector_id": clerk.id,
                }
            )
        )
        with self.assertRaisesRegex(UserError, "not a Credit Controller"):
            wizard.action_assign()
        wizard.collector_id = self.collector
        # a company the manager does not work for
        other_company = self.setup_other_company()["company"]
        wizard.company_id = other_company
        with self.assertRaisesRegex(AccessError, "do not work for"):
            wizard.action_assign()
        self.assertFalse(self.customer.with_company(self.company).ar_collector_id)
        # not the credit team at all
        with self.assertRaises(AccessError):
            self.env["ar.collector.assign"].with_user(clerk).create(
                {"partner_ids": [Command.set(self.customer.ids)]}
            ).action_assign()

    def test_a_collector_is_of_the_credit_team_however_written(self):
        """Written on the customer directly (as the Credit Manager or as the
        system), not through the wizard, a collector must still be of the
        company's credit team: the portal's requests and the warnings go to
        them."""
        customer = self.customer.with_company(self.company)
        for env in (self.env(user=self.manager), self.env(su=True)):
            with (
                self.subTest(su=env.su),
                self.assertRaisesRegex(UserError, "is not a Credit Controller"),
            ):
                customer.with_env(env).ar_collector_id = self.salesman
        self.assertFalse(customer.ar_collector_id)
        with self.assertRaisesRegex(UserError, "is not a Credit Controller"):
            self.env["res.partner"].create(
                {"name": "New Customer", "ar_collector_id": self.salesman.id}
            )
        customer.with_user(self.manager).ar_collector_id = self.collector
        self.assertEqual(customer.ar_collector_id, self.collector)

    def test_priority_scale_is_the_nightly_run_s(self):
        """The scale is written by the run and the day's first read only; on
        a read-only cursor yesterday's scale serves."""
        admin = self._user("ar_scale_admin", "base.group_system,base.group_erp_manager")
        with self.assertRaisesRegex(AccessError, "nightly run"):
            self.company.with_user(admin).write({"ar_worklist_scale": "{1,2,3}"})
        self._invoice(self.customer, 300.0, days_old=60, term_days=30)
        Worklist = self.env["ar.worklist"]
        Worklist._store_scale(self.company, self.today - timedelta(days=1))
        company = self.company.sudo()
        with patch.object(
            type(self.env.cr), "readonly", new_callable=PropertyMock, return_value=True
        ):
            Worklist._ensure_scales()
        self.assertEqual(company.ar_worklist_scale_date, self.today - timedelta(days=1))
        Worklist._ensure_scales()
        company.invalidate_recordset()
        self.assertEqual(company.ar_worklist_scale_date, self.today)
