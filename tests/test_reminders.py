from datetime import timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, TransactionCase, tagged, users

from .common import shown_lines
from .common_instruments import ArInstrumentCommon


@tagged("post_install", "-at_install")
class TestReminders(ArInstrumentCommon):
    """The default sequence (courtesy -3, first +7, second +21, call +30 after
    two unanswered, final +45 email and letter) walked with a frozen clock,
    what pauses it, and what is sent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.email = "ap@acme.example"
        cls.customer.with_company(cls.company).ar_collector_id = cls.collector
        cls.Run = cls.env["ar.reminder.run"]
        cls.steps = {step.name: step for step in cls.policy.reminder_step_ids}

    def _due_invoice(self, amount, due, partner=None):
        """An invoice of ``amount`` due on ``due``, issued 30 days before."""
        return self._invoice(
            partner or self.customer,
            amount,
            days_old=(self.today - due).days + 30,
            term_days=30,
        )

    def _run_on(self, day, send=True):
        with freeze_time(day):
            run = self.Run._prepare(self.company)
            if run and send:
                run._send_lines(run.line_ids)
            return run

    def _items(self, run, invoice):
        return run.line_ids.line_ids.filtered(lambda x: x.move_id == invoice)

    def test_default_sequence(self):
        self.assertEqual(
            [(s.name, s.days) for s in self.policy.reminder_step_ids],
            [
                ("Courtesy note", -3),
                ("First reminder", 7),
                ("Second reminder", 21),
                ("Call", 30),
                ("Final notice", 45),
            ],
        )
        final = self.steps["Final notice"]
        self.assertTrue(final.send_email and final.print_letter)
        self.assertEqual(self.steps["Call"].min_unanswered, 2)

    def test_walk_an_invoice_through_the_sequence(self):
        due = self.today
        invoice = self._due_invoice(1000.0, due)
        sent = {}
        for offset in range(-6, 50):
            day = due + timedelta(days=offset)
            run = self._run_on(day)
            items = self._items(run, invoice) if run else []
            if items:
                sent[offset] = items.step_id.name
        self.assertEqual(
            sent,
            {
                -3: "Courtesy note",
                7: "First reminder",
                21: "Second reminder",
                30: "Call",
                45: "Final notice",
            },
        )
        self.assertEqual(invoice.ar_reminder_step_id, self.steps["Final notice"])
        self.assertEqual(invoice.ar_reminder_date, due + timedelta(days=45))
        self.assertEqual(invoice.ar_reminder_count, 5)
        # each reminder in the invoice's chatter, the emails in the customer's
        notes = invoice.message_ids.filtered(lambda m: "Reminder" in (m.body or ""))
        self.assertEqual(len(notes), 5)
        history = self.customer.action_ar_view_reminders()
        self.assertEqual(
            self.env["ar.reminder.line"].search_count(history["domain"]), 5
        )
        # the call step scheduled a call for the collector
        calls = self.customer.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref("mail.mail_activity_data_call")
        )
        self.assertEqual(calls.user_id, self.collector)

    def test_late_start_sends_the_latest_step_reached(self):
        """An invoice 50 days late never reminded gets the final notice, not
        the courtesy note (the call waits for two unanswered reminders)."""
        invoice = self._due_invoice(800.0, self.today - timedelta(days=50))
        run = self._run_on(self.today, send=False)
        self.assertEqual(self._items(run, invoice).step_id, self.steps["Final notice"])

    def test_one_message_per_customer(self):
        a = self._due_invoice(1000.0, self.today - timedelta(days=8))
        b = self._due_invoice(250.0, self.today - timedelta(days=22))
        other = self.env["res.partner"].create(
            {"name": "Zeta Foods", "is_company": True, "email": "zeta@example.com"}
        )
        c = self._due_invoice(90.0, self.today - timedelta(days=8), partner=other)
        run = self._run_on(self.today, send=False)
        self.assertEqual(run.line_ids.partner_id, self.customer | other)
        line = run.line_ids.filtered(lambda x: x.partner_id == self.customer)
        self.assertEqual(line.line_ids.move_id, a | b)
        self.assertEqual(self._items(run, a).step_id, self.steps["First reminder"])
        self.assertEqual(self._items(run, b).step_id, self.steps["Second reminder"])
        self.assertEqual(line.step_id, self.steps["Second reminder"])
        self.assertAlmostEqual(line.amount_due, 1250.0)
        self.assertIn(a.name, line.body_html)
        self.assertIn(b.name, line.body_html)
        run._send_lines(run.line_ids)
        self.assertEqual(run.state, "done")
        message = self.customer.message_ids.filtered(
            lambda m: m.message_type == "comment" and a.name in (m.body or "")
        )
        self.assertEqual(len(message), 1)
        self.assertIn(self.customer, message.partner_ids)
        self.assertIn(b.name, message.body)
        self.assertIn("1,000.00", message.body)
        self.assertIn("250.00", message.body)
        self.assertTrue(message.attachment_ids, "the statement of account")
        mail = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertTrue(c.ar_reminder_date)

    def test_pauses(self):
        late = self.today - timedelta(days=10)
        promised = self._due_invoice(100.0, late)
        planned = self._due_invoice(200.0, late)
        reminded = self._due_invoice(300.0, late)
        self.env["ar.promise"].create(
            {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(promised.ids)],
                "amount": 100.0,
                "promised_date": self.today + timedelta(days=5),
            }
        )
        with Form(self.env["ar.payment.plan"].with_user(self.collector)) as form:
            form.partner_id = self.customer
            form.invoice_ids.add(planned)
            form.installment_count = 2
            form.frequency = "monthly"
            form.first_date = self.today + timedelta(days=3)
        form.record.with_user(self.manager).action_activate()
        # partly paid: reminded for what is left
        self._pay(reminded, 120.0)
        run = self._run_on(self.today, send=False)
        self.assertEqual(run.line_ids.line_ids.move_id, reminded)
        self.assertAlmostEqual(run.line_ids.line_ids.amount_due, 180.0)
        run.action_cancel()
        # no reminders for this customer
        self.customer.with_user(self.manager).write({"ar_no_reminders": True})
        self.assertFalse(self._run_on(self.today, send=False))
        self.customer.with_user(self.manager).write({"ar_no_reminders": False})
        # a credit note covers what is owed: nothing to remind
        self._invoice(self.customer, 500.0, days_old=1, move_type="out_refund")
        self.assertFalse(self._run_on(self.today, send=False))

    def test_plan_installment_reminders(self):
        """An active plan has its own reminders, from the same runs: each
        installment 5 days before its date and once late, never when paid;
        its invoices get none; a defaulted plan's installments stop."""
        planned = self._due_invoice(900.0, self.today - timedelta(days=10))
        with Form(self.env["ar.payment.plan"].with_user(self.collector)) as form:
            form.partner_id = self.customer
            form.invoice_ids.add(planned)
            form.installment_count = 3
            form.frequency = "monthly"
            form.first_date = self.today + timedelta(days=10)
        plan = form.record
        plan.with_user(self.manager).action_activate()
        first, second, _third = plan.line_ids.sorted("date_due")
        # 10 days ahead: nothing yet
        self.assertFalse(self._run_on(self.today))
        # 5 days ahead: the first installment, by email, with the schedule
        run = self._run_on(self.today + timedelta(days=5), send=False)
        [line] = run.line_ids
        self.assertEqual(line.plan_id, plan)
        self.assertEqual(line.installment_ids, first)
        self.assertFalse(line.line_ids, "the plan's invoice is not reminded")
        self.assertAlmostEqual(line.amount_due, first.amount)
        self.assertIn("falls due soon", line.body_html)
        self.assertIn(plan.name, line.subject)
        run._send_lines(line)
        self.assertEqual(line.state, "sent")
        self.assertEqual(first.reminded_due_date, self.today + timedelta(days=5))
        mail = self.customer.message_ids.filtered(
            lambda m: m.subject and plan.name in m.subject
        )
        self.assertEqual(len(mail), 1)
        self.assertIn("Payment plan", mail.attachment_ids.name)
        self.assertTrue(
            plan.message_ids.filtered(lambda m: "Installment reminder" in m.body)
        )
        # never twice
        self.assertFalse(self._run_on(self.today + timedelta(days=6)))
        # paid on time: no late reminder
        self._pay(planned, first.amount)
        self.assertTrue(first.is_paid)
        self.assertFalse(self._run_on(first.date_due + timedelta(days=1)))
        # the second is late: reminded late, once; the first is not again
        run = self._run_on(second.date_due + timedelta(days=1), send=False)
        self.assertIn(second, run.line_ids.installment_ids)
        self.assertNotIn(first, run.line_ids.installment_ids)
        self.assertIn("past its date", run.line_ids.body_html)
        # paid between preparing and sending: skipped
        self._pay(planned, second.amount)
        run._send_lines(run.line_ids)
        self.assertEqual(run.line_ids.state, "skipped")
        self.assertFalse(second.reminded_late_date)
        # a defaulted plan's installments are not reminded: its invoice is
        plan.with_user(self.manager)._ar_workflow_write({"state": "defaulted"})
        run = self._run_on(_third.date_due - timedelta(days=2), send=False)
        self.assertFalse(run.line_ids.plan_id)
        self.assertEqual(run.line_ids.line_ids.move_id, planned)

    def test_paid_between_preparing_and_sending(self):
        paid = self._due_invoice(400.0, self.today - timedelta(days=9))
        still = self._due_invoice(600.0, self.today - timedelta(days=9))
        run = self._run_on(self.today, send=False)
        self.assertEqual(run.line_ids.line_ids.move_id, paid | still)
        self._pay(paid)
        run._send_lines(run.line_ids)
        line = run.line_ids
        self.assertEqual(line.state, "sent")
        self.assertTrue(self._items(run, paid).excluded)
        self.assertFalse(paid.ar_reminder_date)
        self.assertEqual(still.ar_reminder_date, self.today)
        message = self.customer.message_ids.filtered(
            lambda m: m.message_type == "comment" and still.name in (m.body or "")
        )
        self.assertNotIn(paid.name, message.body)
        # all paid: the line has nothing left and sends nothing
        other = self._due_invoice(50.0, self.today - timedelta(days=9))
        run = self._run_on(self.today + timedelta(days=1), send=False)
        self._pay(other)
        run._send_lines(run.line_ids)
        self.assertEqual(run.line_ids.state, "skipped")
        self.assertFalse(other.ar_reminder_date)

    def test_letter_when_no_email(self):
        self.customer.email = False
        self._due_invoice(700.0, self.today - timedelta(days=8))
        run = self._run_on(self.today, send=False)
        line = run.line_ids
        self.assertFalse(line.send_email)
        self.assertTrue(line.print_letter)
        self.assertIn("No email address", line.channel_note)
        run._send_lines(line)
        self.assertEqual(line.state, "sent")
        self.assertTrue(run.action_print_letters())
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "account_receivable_management.ar_reminder_letter_report_action",
                line.ids,
            )[0]
            .decode()
        )
        self.assertIn(line.line_ids.move_id.name, html)

    def test_one_failure_does_not_stop_the_others(self):
        self._due_invoice(700.0, self.today - timedelta(days=8))
        other = self.env["res.partner"].create(
            {"name": "Zeta Foods", "is_company": True, "email": "zeta@example.com"}
        )
        self._due_invoice(90.0, self.today - timedelta(days=8), partner=other)
        run = self._run_on(self.today, send=False)
        self.customer.email = False  # the address went away since
        run._send_lines(run.line_ids)
        by_partner = {line.partner_id: line for line in run.line_ids}
        self.assertEqual(by_partner[self.customer].state, "failed")
        self.assertIn("no email address", by_partner[self.customer].error)
        self.assertEqual(by_partner[other].state, "sent")

    def test_unanswered_count_and_risky_start(self):
        invoice = self._due_invoice(500.0, self.today - timedelta(days=8))
        self._run_on(self.today)
        self.assertEqual(invoice.ar_reminder_count, 1)
        self._pay(invoice, 100.0)  # a payment answers
        self.assertEqual(invoice.ar_reminder_count, 0)
        # a customer of grade D starts at the second reminder: one of this
        # policy's steps, never another policy's
        other = self.env["ar.credit.policy"].create({"name": "Other Terms"})
        with self.assertRaises(ValidationError) as caught:
            self.policy.reminder_risky_step_id = other.reminder_step_ids[-1]
        self.assertIn("one of its own reminder steps", str(caught.exception))
        self.policy.reminder_risky_step_id = self.steps["Second reminder"]
        risky = self.env["res.partner"].create(
            {"name": "Risky Ltd", "is_company": True, "email": "r@example.com"}
        )
        early = self._due_invoice(100.0, self.today - timedelta(days=1), partner=risky)
        metrics = self.env["ar.partner.metrics"].sudo()
        key = {"partner_id": risky.id, "company_id": self.company.id}
        row = metrics.search([(k, "=", v) for k, v in key.items()]) or metrics.create(
            key
        )
        row.risk_grade = "D"
        run = self._run_on(self.today, send=False)
        self.assertFalse(run and self._items(run, early))
        run = self._run_on(self.today + timedelta(days=20), send=False)
        self.assertEqual(self._items(run, early).step_id, self.steps["Second reminder"])

    def test_escalation_holds_with_its_own_reason(self):
        """A final notice that escalates to a hold: the customer is held for
        unanswered reminders (not a manual hold), orders are blocked saying
        so, paying does not lift it, and a Credit Manager releases it."""
        self.steps["Final notice"].with_user(self.manager).escalation = "hold"
        invoice = self._due_invoice(800.0, self.today - timedelta(days=50))
        self._run_on(self.today)
        self.assertHeld(self.customer, "reminders")
        hold = self.customer.with_company(self.company).ar_hold_reason_ids
        self.assertIn("Final notice", hold.note)
        bodies = "\n".join(self.customer.message_ids.mapped("body"))
        self.assertIn("by the reminder sequence", bodies)
        order = self._order(self.customer, 10.0)
        with self.assertRaisesRegex(UserError, "unanswered reminders"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        self._pay(invoice)
        self.assertHeld(self.customer, "reminders")
        # a manual hold beside it; one release lifts both
        self._hold_wizard(self.customer, "place", "Also ownership")
        self.assertHeld(self.customer, "reminders", "manual")
        self._hold_wizard(self.customer, "release", "Paid in full, called")
        self.assertNotHeld(self.customer)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_review_excludes_and_edits(self):
        a = self._due_invoice(1000.0, self.today - timedelta(days=8))
        b = self._due_invoice(300.0, self.today - timedelta(days=8))
        run = self._run_on(self.today, send=False)
        line = run.line_ids.with_user(self.collector)
        item_b = self._items(run, b).with_user(self.collector)
        item_b.excluded = True
        self.assertAlmostEqual(line.amount_due, 1000.0)
        self.assertNotIn(b.name, line.body_html)
        line.body_html = f"<p>Dear Acme, as agreed on the phone: {a.name}</p>"
        run.with_user(self.collector).action_send()
        self.assertEqual(a.ar_reminder_date, self.today)
        self.assertFalse(b.ar_reminder_date)
        self.assertTrue(
            self.customer.message_ids.filtered(
                lambda m: "as agreed on the phone" in (m.body or "")
            )
        )
        with self.assertRaises(UserError):
            line.body_html = "<p>too late</p>"

    @users("ar_collector")
    def test_collector_cannot_forge_or_configure(self):
        self._due_invoice(1000.0, self.today - timedelta(days=8))
        action = self.env["ar.reminder.run"].action_prepare()
        run = self.env["ar.reminder.run"].browse(action["res_id"])
        line = run.line_ids
        for vals in ({"state": "sent"}, {"partner_id": self.manager.partner_id.id}):
            with self.assertRaises(AccessError):
                line.write(vals)
        with self.assertRaises(AccessError):
            run.write({"state": "done"})
        with self.assertRaises(AccessError):
            self.env["ar.reminder.run"].create({})
        with self.assertRaises(AccessError):
            self.policy.with_env(self.env).reminder_step_ids[:1].days = 3
        with self.assertRaises(AccessError):
            self.customer.with_env(self.env).write({"ar_no_reminders": True})
        with self.assertRaises(AccessError):
            self.env["account.move"].browse(line.line_ids.move_id.ids).write(
                {"ar_reminder_count": 0}
            )

    @users("ar_salesman")
    def test_salesperson_sees_none_of_it(self):
        with self.assertRaises(AccessError):
            self.env["ar.reminder.run"].action_prepare()
        with self.assertRaises(AccessError):
            self.env["ar.reminder.run"].search([])

    def test_statement_equals_the_aging_report(self):
        self._due_invoice(1000.0, self.today - timedelta(days=40))
        self._due_invoice(250.0, self.today + timedelta(days=5))
        self._invoice(self.customer, 75.0, days_old=2, move_type="out_refund")
        self._taxed_invoice(200.0, days_old=45, currency=self.eur)
        report = self.env["ar.aging.report"].create(
            {"date": self.today, "partner_ids": [Command.set(self.customer.ids)]}
        )
        lines = shown_lines(report)
        values = self.env["report.account_receivable_management.ar_statement"]
        values = values._get_report_values(self.customer.ids)
        sections = values["statements"][self.customer.id]
        company_section = next(
            s for s in sections if s["currency"] == self.company.currency_id
        )
        euro_section = next(s for s in sections if s["currency"] == self.eur)
        company_lines = lines.filtered(
            lambda x: x.currency_id == self.company.currency_id
        )
        self.assertAlmostEqual(
            company_section["total"], sum(company_lines.mapped("amount")), places=2
        )
        for index, label in enumerate(company_section["labels"]):
            self.assertAlmostEqual(
                company_section["buckets"][index],
                sum(company_lines.mapped(f"amount_b{index}")),
                places=2,
                msg=label,
            )
        self.assertAlmostEqual(
            company_section["credits"],
            sum(company_lines.mapped("amount_credit")),
            places=2,
        )
        self.assertAlmostEqual(euro_section["total"], 230.0)  # in euros, with tax
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "account_receivable_management.ar_statement_report_action",
                self.customer.ids,
            )[0]
            .decode()
        )
        self.assertIn("Statement of Account", html)
        self.assertIn("Unapplied Credits", html)


@tagged("post_install", "-at_install")
class TestRemindersDemo(TransactionCase):
    def test_demo_run_to_review(self):
        promise = self.env.ref(
            "account_receivable_management.ar_demo_promise_open",
            raise_if_not_found=False,
        )
        if not promise:
            self.skipTest("installed without demo data")
        plan = self.env.ref("account_receivable_management.ar_demo_plan_active")
        runs = self.env["ar.reminder.run"].search(
            [("company_id", "=", self.env.ref("base.main_company").id)]
        )
        self.assertTrue(runs, "the demo prepares today's run")
        items = runs.line_ids.line_ids
        self.assertGreater(len(set(items.step_id)), 1, "customers at different steps")
        if promise.state == "open":
            self.assertFalse(items.move_id & promise.invoice_ids)
        if plan.state == "active":
            self.assertFalse(items.move_id & plan.invoice_ids)

    def test_demo_late_charges_to_review(self):
        if not self.env.ref(
            "account_receivable_management.ar_demo_promise_open",
            raise_if_not_found=False,
        ):
            self.skipTest("installed without demo data")
        charges = self.env["account.move"].search([("ar_is_late_charge", "=", True)])
        self.assertTrue(charges, "the demo charges last month's late days")
        self.assertEqual(set(charges.mapped("state")), {"draft"})
