from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCreditManagerTour(HttpCase):
    """In headless Chromium, as a Credit Manager: dashboard, on-hold card, the
    held customer's tab, a quotation refused for credit, the override with its
    reason, and the aged receivables exported to Excel."""

    def test_credit_manager_morning(self):
        company = self.env.company
        manager = _tour_user(
            self.env,
            login="ar_tour_manager",
            groups="base.group_user,sales_team.group_sale_salesman_all_leads,"
            "base.group_partner_manager,account_receivable_management.group_ar_manager",
        )
        customer = self.env["res.partner"].create(
            {"name": "Tour Held Customer", "is_company": True}
        )
        self.env["ar.hold"]._place_manual(
            customer, company, "New directors to sign the terms"
        )
        product = self.env["product.product"].create(
            {"name": "Tour Widget", "list_price": 250.0, "taxes_id": [Command.clear()]}
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "user_id": manager.id,
                "order_line": [Command.create({"product_id": product.id})],
            }
        )
        self.assertTrue(customer.with_company(company).ar_credit_hold)
        self.start_tour(
            "/odoo/action-account_receivable_management.ar_dashboard_action",
            "ar_credit_manager_tour",
            login="ar_tour_manager",
        )
        self.assertRecordValues(
            order,
            [
                {
                    "state": "sale",
                    "ar_override_reason": (
                        "Directors signed the credit application today"
                    ),
                    "ar_override_user_id": manager.id,
                }
            ],
        )
        exports = self.env["ar.export"].search(
            [
                ("create_uid", "=", manager.id),
                ("name", "=like", "aged_receivables_%.xlsx"),
            ]
        )
        self.assertEqual(len(exports), 1)
        self.assertTrue(exports.file)


@tagged("post_install", "-at_install")
class TestReminderRunTour(HttpCase):
    """In headless Chromium, as a Credit Controller: today's reminder run
    reviewed (one message edited, one customer left out) and sent."""

    def test_collector_reviews_and_sends_a_run(self):
        collector = _tour_user(
            self.env,
            login="ar_tour_collector",
            groups="base.group_user,account.group_account_invoice,"
            "account_receivable_management.group_ar_collector",
        )
        today = fields.Date.context_today(collector)
        invoices = {}
        for name in ("Tour Alpha", "Tour Beta"):
            customer = self.env["res.partner"].create(
                {"name": name, "is_company": True, "email": f"{name[5:]}@x.example"}
            )
            invoice = self.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": customer.id,
                    "invoice_date": today - timedelta(days=40),
                    "invoice_date_due": today - timedelta(days=10),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Widgets",
                                "quantity": 1,
                                "price_unit": 400.0,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
            invoice.action_post()
            invoices[name] = invoice
        action = self.env["ar.reminder.run"].with_user(collector).action_prepare()
        run = self.env["ar.reminder.run"].browse(action["res_id"])
        self.assertEqual(
            set(run.line_ids.partner_id.mapped("name")) & set(invoices),
            set(invoices),
        )
        self.start_tour(
            f"/odoo/action-account_receivable_management.ar_reminder_run_action/{run.id}",
            "ar_reminder_run_tour",
            login="ar_tour_collector",
        )
        self.assertEqual(run.state, "done")
        alpha, beta = invoices["Tour Alpha"], invoices["Tour Beta"]
        self.assertEqual(alpha.ar_reminder_date, today)
        self.assertFalse(beta.ar_reminder_date)
        sent = alpha.partner_id.message_ids.filtered(
            lambda m: m.subject == "Tour Alpha: as agreed on the phone"
        )
        self.assertEqual(len(sent), 1)
        self.assertIn(alpha.name, sent.body)
        self.assertFalse(
            beta.partner_id.message_ids.filtered(lambda m: m.message_type == "comment")
        )


@tagged("post_install", "-at_install")
class TestPortalTours(HttpCase):
    """In headless Chromium: a customer's portal user promises to pay and
    disputes an invoice; a Credit Controller credits a dispute."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.today = fields.Date.context_today(cls.env.user)
        cls.customer = cls.env["res.partner"].create(
            {"name": "Tour Portal Customer", "is_company": True}
        )
        cls.collector = _tour_user(
            cls.env,
            login="ar_tour_collector2",
            groups="base.group_user,account.group_account_invoice,"
            "account_receivable_management.group_ar_collector",
        )
        cls.customer.with_company(cls.company).ar_collector_id = cls.collector
        cls.invoices = cls.env["account.move"]
        for days, price in ((40, 400.0), (35, 250.0)):
            invoice = cls.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": cls.customer.id,
                    "invoice_date": cls.today - timedelta(days=days),
                    "invoice_date_due": cls.today - timedelta(days=days - 30),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Crates",
                                "quantity": 1,
                                "price_unit": price,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
            invoice.action_post()
            cls.invoices |= invoice

    def _portal_user(self):
        contact = self.env["res.partner"].create(
            {"name": "Tour Portal Contact", "parent_id": self.customer.id}
        )
        return _tour_user(
            self.env,
            login="ar_tour_portal",
            name="Tour Portal Contact",
            groups="base.group_portal",
            partner_id=contact.id,
        )

    def test_portal_customer_promises_and_disputes(self):
        self._portal_user()
        self.start_tour("/my", "ar_portal_tour", login="ar_tour_portal")
        first, second = self.invoices.sorted(lambda m: (m.invoice_date_due, m.name))
        promise = self.env["ar.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertRecordValues(
            promise,
            [{"channel": "portal", "amount": 100.0, "state": "open"}],
        )
        self.assertEqual(promise.invoice_ids, first)
        plan = self.env["ar.payment.plan"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertRecordValues(
            plan,
            [
                {
                    "state": "draft",
                    "installment_count": 2,
                    "funding_source": "The harbour contract pays in March.",
                }
            ],
        )
        self.assertEqual(plan.invoice_ids, second)
        dispute = self.env["ar.dispute"].search([("partner_id", "=", self.customer.id)])
        self.assertRecordValues(
            dispute,
            [
                {
                    "channel": "portal",
                    "amount": 50.0,
                    "state": "open",
                    "move_id": second.id,
                }
            ],
        )
        self.assertEqual(dispute.user_id, self.collector)

    def test_collector_credits_a_dispute(self):
        dispute = self.env["ar.dispute"].create(
            {
                "move_id": self.invoices[0].id,
                "amount": 40.0,
                "reason_id": self.env.ref(
                    "account_receivable_management.dispute_reason_price"
                ).id,
                "description": "Not the price quoted.",
            }
        )
        self.start_tour(
            f"/odoo/action-account_receivable_management.ar_dispute_action/{dispute.id}",
            "ar_dispute_credit_tour",
            login="ar_tour_collector2",
        )
        self.assertEqual(dispute.state, "credited")
        self.assertRecordValues(
            dispute.credit_note_id,
            [{"state": "posted", "amount_total": 40.0, "payment_state": "paid"}],
        )
        self.assertAlmostEqual(self.invoices[0].amount_residual, 360.0)

    def test_portal_customer_pays_two_invoices(self):
        """With Odoo's demo provider, installed beside the addon by the test
        command: one transaction, one payment reconciled with both."""
        provider = self.env.ref("payment.payment_provider_demo")
        self.assertEqual(provider.company_id, self.company)
        provider.write({"state": "test", "is_published": True})
        self._portal_user()
        self.start_tour("/my/receivables", "ar_portal_pay_tour", login="ar_tour_portal")
        self.assertEqual(set(self.invoices.mapped("payment_state")), {"paid"})
        tx = self.env["payment.transaction"].search(
            [("invoice_ids", "in", self.invoices.ids)]
        )
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.invoice_ids, self.invoices)
        self.assertEqual(tx.payment_id.amount, 650.0)
        self.assertEqual(tx.payment_id.reconciled_invoice_ids, self.invoices)

    def test_plan_asked_approved_and_signed(self):
        """The plan a customer asked for: its collector approves it, the
        customer signs it on the portal, and it is in force."""
        user = self._portal_user()
        plan = (
            self.env["ar.payment.plan"]
            .with_user(user)
            ._ar_portal_request(
                self.customer,
                self.invoices.ids,
                {
                    "installment_count": "3",
                    "frequency": "monthly",
                    "first_date": str(self.today + timedelta(days=7)),
                    "funding_source": "The harbour contract pays in March.",
                },
            )
        )
        self.start_tour(
            f"/odoo/action-account_receivable_management.ar_payment_plan_action/{plan.id}",
            "ar_plan_approve_tour",
            login="ar_tour_collector2",
        )
        self.assertEqual(plan.approved_by_id, self.collector)
        self.start_tour(
            "/my/receivables", "ar_portal_plan_sign_tour", login="ar_tour_portal"
        )
        self.assertRecordValues(
            plan,
            [
                {
                    "state": "active",
                    "activated_by_id": self.collector.id,
                    "signed_by": "Tour Portal Contact",
                }
            ],
        )
        self.assertTrue(plan.signature)
        self.assertEqual(plan.signed_document_id.res_id, plan.id)


@tagged("post_install", "-at_install")
class TestWorklistTour(HttpCase):
    """In headless Chromium: a Credit Controller opens a worklist row's
    invoice and records a promise from the invoice form."""

    def test_worklist_row_to_invoice_to_promise(self):
        today = fields.Date.context_today(self.env.user)
        customer = self.env["res.partner"].create(
            {"name": "Tour Worklist Customer", "is_company": True}
        )
        _tour_user(
            self.env,
            login="ar_tour_worklist",
            groups="base.group_user,account.group_account_invoice,"
            "account_receivable_management.group_ar_collector",
        )
        # the most urgent row of the list: a large invoice long overdue
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": today - timedelta(days=400),
                "invoice_date_due": today - timedelta(days=370),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Containers",
                            "quantity": 1,
                            "price_unit": 9000.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        self.start_tour(
            "/odoo/action-account_receivable_management.ar_worklist_action",
            "ar_worklist_invoice_tour",
            login="ar_tour_worklist",
        )
        promise = self.env["ar.promise"].search([("partner_id", "=", customer.id)])
        self.assertRecordValues(promise, [{"amount": 9000.0, "state": "open"}])
        self.assertEqual(promise.invoice_ids, invoice)
        self.assertEqual(promise.promised_date, today + timedelta(days=5))


def _tour_user(env, login, groups, **values):
    """A user of the current company for a tour, in the time zone the test
    counts its days in: the web client sends the user's zone with every
    call, and a user without one gets the browser's. Between 23:00 and
    midnight UTC the tours then saw yesterday where the test, in its own
    user's zone (Brussels), expected today."""
    company = env.company
    return new_test_user(
        env,
        login=login,
        groups=groups,
        company_id=company.id,
        company_ids=[Command.set(company.ids)],
        tz=env.user.tz or "UTC",
        **values,
    )


def _tour_collector(env, login):
    """A Credit Controller of the current company, for a tour."""
    return _tour_user(
        env,
        login=login,
        groups="base.group_user,account.group_account_invoice,"
        "account_receivable_management.group_ar_collector",
    )


def _tour_invoice(env, customer, amount, days_late):
    """A posted invoice of ``customer``, untaxed, ``days_late`` past due."""
    today = fields.Date.context_today(env.user)
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": customer.id,
            "invoice_date": today - timedelta(days=days_late + 30),
            "invoice_date_due": today - timedelta(days=days_late),
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "Containers",
                        "quantity": 1,
                        "price_unit": amount,
                        "tax_ids": [Command.clear()],
                    }
                )
            ],
        }
    )
    invoice.action_post()
    return invoice


@tagged("post_install", "-at_install")
class TestWorklistPhoneTour(HttpCase):
    """On a phone-sized touch screen: the worklist is a list of cards; a
    Credit Controller logs a call from one, and it leaves To Contact."""

    browser_size = "400x800"
    touch_enabled = True

    def test_log_a_call_from_a_card(self):
        collector = _tour_collector(self.env, "ar_tour_phone")
        customer = self.env["res.partner"].create(
            {"name": "Tour Phone Customer", "is_company": True}
        )
        customer.with_company(self.env.company).sudo().ar_collector_id = collector
        _tour_invoice(self.env, customer, 7000.0, days_late=380)
        self.start_tour(
            "/odoo/action-account_receivable_management.ar_worklist_action",
            "ar_worklist_phone_tour",
            login="ar_tour_phone",
        )
        partner = customer.with_company(self.env.company)
        today = fields.Date.context_today(self.env.user)
        self.assertEqual(partner.ar_last_contact_date, today)
        self.assertEqual(partner.ar_next_contact_date, today + timedelta(days=1))
        self.assertIn(
            "Will pay on Friday", customer.message_ids[:1].body, "in the chatter"
        )


@tagged("post_install", "-at_install")
class TestApprovalRequestTour(HttpCase):
    """A Credit Controller asks for the approval of a settlement above its
    amount; a Credit Manager finds it waiting and approves it."""

    def test_request_and_grant(self):
        company = self.env.company
        _tour_collector(self.env, "ar_tour_asker")
        _tour_user(
            self.env,
            login="ar_tour_approver",
            groups="base.group_user,account.group_account_invoice,"
            "account_receivable_management.group_ar_manager",
        )
        company._ar_ensure_policy().instrument_approval_amount = 500.0
        customer = self.env["res.partner"].create(
            {"name": "Tour Approval Customer", "is_company": True}
        )
        invoice = _tour_invoice(self.env, customer, 3000.0, days_late=90)
        bank = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
        )
        settlement = self.env["ar.settlement"].create(
            {
                "partner_id": customer.id,
                "invoice_ids": [Command.set(invoice.ids)],
                "amount_agreed": 2000.0,  # 1,000 forgiven
                "journal_id": bank.id,
            }
        )
        self.assertTrue(settlement.needs_manager)
        self.start_tour(
            f"/odoo/action-account_receivable_management.ar_settlement_action/{settlement.id}",
            "ar_approval_request_tour",
            login="ar_tour_asker",
        )
        self.assertTrue(settlement.date_approval_requested)
        approver = self.env["res.users"].search([("login", "=", "ar_tour_approver")])
        self.assertIn(approver, settlement.activity_ids.user_id)
        self.start_tour(
            "/odoo/action-account_receivable_management.ar_settlement_action",
            "ar_approval_grant_tour",
            login="ar_tour_approver",
        )
        self.assertRecordValues(
            settlement, [{"state": "approved", "approved_by_id": approver.id}]
        )
        self.assertFalse(
            settlement.activity_ids.filtered(lambda a: a.user_id == approver),
            "the request is answered",
        )


@tagged("post_install", "-at_install")
class TestInvoiceActionsTour(HttpCase):
    """The collections actions bound to customer invoices, from the invoices
    list's Action menu."""

    def test_promise_from_the_invoices_list(self):
        _tour_collector(self.env, "ar_tour_actions")
        customer = self.env["res.partner"].create(
            {"name": "Tour Actions Customer", "is_company": True}
        )
        invoice = _tour_invoice(self.env, customer, 1500.0, days_late=20)
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type",
            "ar_invoice_actions_tour",
            login="ar_tour_actions",
        )
        promise = self.env["ar.promise"].search([("partner_id", "=", customer.id)])
        self.assertRecordValues(promise, [{"amount": 1500.0, "state": "open"}])
        self.assertEqual(promise.invoice_ids, invoice)
