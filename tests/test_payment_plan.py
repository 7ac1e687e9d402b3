from datetime import timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import ArCommon


@tagged("post_install", "-at_install")
class TestPaymentPlan(ArCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.credit_limit = 0.0
        cls.policy.write({"plan_grace_days": 5, "plan_recovery_amount": 5000.0})
        cls.inv1 = cls._invoice(cls.customer, 600.0, days_old=60)
        cls.inv2 = cls._invoice(cls.customer, 300.0, days_old=45)

    def _plan(self, invoices=None, user=None, **vals):
        with Form(
            self.env["ar.payment.plan"].with_user(user or self.collector)
        ) as form:
            form.partner_id = self.customer
            for invoice in invoices or (self.inv1 | self.inv2):
                form.invoice_ids.add(invoice)
            form.installment_count = vals.pop("installment_count", 3)
            form.frequency = vals.pop("frequency", "monthly")
            form.first_date = vals.pop("first_date", self.today + timedelta(days=30))
            for name, value in vals.items():
                setattr(form, name, value)
        return form.record

    def test_schedule_previewed_and_activated(self):
        plan = self._plan(fee=30.0)
        self.assertEqual(plan.amount_invoices, 900.0)
        self.assertEqual(plan.amount_total, 930.0)
        self.assertEqual(plan.line_ids.mapped("amount"), [310.0, 310.0, 310.0])
        plan.with_user(self.manager).action_activate()
        self.assertRecordValues(
            plan, [{"state": "active", "activated_by_id": self.manager.id}]
        )
        # The fee is invoiced and joins the plan.
        self.assertEqual(plan.fee_invoice_id.amount_total, 30.0)
        self.assertEqual(plan.fee_invoice_id.state, "posted")
        self.assertIn(plan.fee_invoice_id, plan.invoice_ids)
        self.assertEqual(self.customer.credit, 930.0)

    def test_activation_moves_the_predicted_pay_dates_at_once(self):
        """A plan without a fee: activating it dates each invoice's predicted
        payment at the installment that covers it, at once; paying the first
        installment moves them as it changes which installment covers what."""
        plan = self._plan(installment_count=3)  # 300 a month, from day 30
        plan.with_user(self.manager).action_activate()
        first, second, third = plan.line_ids.sorted("date_due").mapped("date_due")
        # 600 of the oldest invoice is covered by the second installment, the
        # 300 of the other by the third
        self.assertEqual(self.inv1.ar_predicted_pay_date, second)
        self.assertEqual(self.inv2.ar_predicted_pay_date, third)
        # the first installment paid on the newer invoice: the 600 still open
        # on the oldest are what the second and third installments cover
        self._pay(self.inv2, 300.0)
        self.assertEqual(plan.line_ids.sorted("date_due")[0].amount_paid, 300.0)
        self.assertEqual(self.inv1.ar_predicted_pay_date, third)
        self.assertTrue(first < second < third)

    def test_fee_invoiced_as_the_policy_fee_product(self):
        """The fee is invoiced as the policy's fee product: its income account
        and its taxes, which the plan's total includes."""
        income = self.company_data["default_account_revenue"].copy(
            {"code": "708100", "name": "Plan fees"}
        )
        product = self.env.ref("account_receivable_management.product_plan_fee")
        self.assertEqual(self.policy.plan_fee_product_id, product)
        product.write(
            {
                "property_account_income_id": income.id,
                "taxes_id": [Command.set(self.tax_sale_a.ids)],  # 15 %
            }
        )
        plan = self._plan(fee=30.0)
        self.assertRecordValues(plan, [{"fee_total": 34.5, "amount_total": 934.5}])
        self.assertEqual(sum(plan.line_ids.mapped("amount")), 934.5)
        plan.with_user(self.manager).action_activate()
        fee = plan.fee_invoice_id
        self.assertRecordValues(
            fee, [{"amount_untaxed": 30.0, "amount_tax": 4.5, "amount_total": 34.5}]
        )
        self.assertEqual(fee.invoice_line_ids.account_id, income)
        self.assertEqual(fee.invoice_line_ids.tax_ids, self.tax_sale_a)
        self.assertEqual(self.customer.credit, 934.5)

    def test_fee_without_a_fee_product(self):
        self.policy.plan_fee_product_id = False
        plan = self._plan(fee=30.0)
        with self.assertRaisesRegex(UserError, "Plan Fee Product"):
            plan.with_user(self.manager).action_activate()
        self.assertRecordValues(plan, [{"state": "draft", "fee_invoice_id": False}])
        self.assertEqual(self.customer.credit, 900.0)

    def test_installments_paid_default_complete(self):
        self.policy.write({"overdue_days_rule": True, "overdue_days": 10})
        self.env["ar.hold"]._cron_refresh()
        self.assertHeld(self.customer, "overdue_days")
        plan = self._plan()
        plan.with_user(self.manager).action_activate()
        # An active, current plan takes its invoices out of the overdue rule.
        self.assertNotHeld(self.customer)
        first, second, third = plan.line_ids
        self._pay(self.inv1, 300.0)
        self.assertRecordValues(
            first | second,
            [
                {"amount_paid": 300.0, "is_paid": True},
                {"amount_paid": 0.0, "is_paid": False},
            ],
        )
        # Second installment unpaid past the grace days: the plan defaults.
        with freeze_time(second.date_due + timedelta(days=5)):
            self.env["ar.payment.plan"]._cron_evaluate_plans()
            self.assertEqual(plan.state, "active")
        with freeze_time(second.date_due + timedelta(days=6)):
            self.env["ar.payment.plan"]._cron_evaluate_plans()
            self.env["ar.payment.plan"]._cron_evaluate_plans()
            self.assertEqual(plan.state, "defaulted")
            self.assertHeld(self.customer, "defaulted_plan", "overdue_days")
            activities = self.env["mail.activity"].search(
                [("res_model", "=", "ar.payment.plan"), ("res_id", "=", plan.id)]
            )
            self.assertEqual(len(activities), 1)
            order = self._order(self.customer, 10.0)
            with self.assertRaisesRegex(UserError, "payment plan"):
                order.action_confirm()
            # Paying the whole rest completes it and lifts the hold.
            self._pay(self.inv1 | self.inv2)
            self.assertEqual(plan.state, "completed")
            self.assertTrue(all(plan.line_ids.mapped("is_paid")))
            self.assertNotHeld(self.customer)
        self.assertEqual(third.amount_paid, 300.0)

    def test_new_plan_for_a_defaulted_one(self):
        """*New Plan* on a defaulted plan: a draft on what is still open, the
        customer's answers copied; the defaulted plan stays as it is."""
        plan = self._plan(funding_source="Spring season", overhead_cuts="A van")
        plan.with_user(self.manager).action_activate()
        self._pay(self.inv1, 600.0)
        second = plan.line_ids.sorted("date_due")[1]
        with freeze_time(second.date_due + timedelta(days=6)):
            self.env["ar.payment.plan"]._cron_evaluate_plans()
        self.assertEqual(plan.state, "active", "600 paid covers two installments")
        third = plan.line_ids.sorted("date_due")[2]
        with freeze_time(third.date_due + timedelta(days=6)):
            self.env["ar.payment.plan"]._cron_evaluate_plans()
            self.assertEqual(plan.state, "defaulted")
            # its collector has left since: the new plan is the restructurer's
            departed = self._user(
                "ar_departed", "account_receivable_management.group_ar_collector"
            )
            plan.user_id = departed
            departed.active = False
            action = plan.with_user(self.collector).action_restructure()
            with Form(
                self.env["ar.payment.plan"]
                .with_user(self.collector)
                .with_context(**action["context"])
            ) as form:
                form.first_date = third.date_due + timedelta(days=14)
            new = form.record
        self.assertEqual(new.invoice_ids, self.inv2, "only what is still open")
        self.assertRecordValues(
            new,
            [
                {
                    "state": "draft",
                    "partner_id": self.customer.id,
                    "amount_invoices": 300.0,
                    "funding_source": "Spring season",
                    "overhead_cuts": "A van",
                    "user_id": self.collector.id,
                }
            ],
        )
        self.assertEqual(plan.state, "defaulted")
        # an active plan is not "restructured": cancel it instead
        with self.assertRaises(UserError):
            new.with_user(self.collector).action_restructure()

    def test_recovery_threshold_shown_on_the_plan(self):
        plan = self._plan()
        self.assertEqual(plan.recovery_amount, 5000.0)
        self.policy.plan_recovery_amount = 750.0
        plan.invalidate_recordset(["recovery_amount"])
        self.assertEqual(plan.recovery_amount, 750.0)
        self.assertEqual(plan.action_send_schedule()["name"], "Send Schedule")

    def test_paid_in_full_completes(self):
        plan = self._plan()
        plan.with_user(self.manager).action_activate()
        self._pay(self.inv1 | self.inv2)
        self.assertEqual(plan.state, "completed")
        self.assertEqual(plan.amount_residual, 0.0)

    def test_edited_lines_must_sum(self):
        plan = self._plan()
        with Form(plan) as form, form.line_ids.edit(0) as line:
            line.amount = 250.0
        with self.assertRaisesRegex(ValidationError, "sums to"):
            plan.with_user(self.manager).action_activate()
        self.assertEqual(plan.state, "draft")
        with Form(plan) as form, form.line_ids.edit(1) as line:
            line.amount = 350.0
        plan.with_user(self.manager).action_activate()
        self.assertEqual(plan.state, "active")

    def test_bad_input(self):
        with self.assertRaises(ValidationError):
            self._plan(installment_count=0)
        paid = self._invoice(self.customer, 100.0)
        self._pay(paid)
        with self.assertRaises(ValidationError) as caught:
            self._plan(invoices=paid)
        self.assertIn("is already paid", str(caught.exception))
        self.assertFalse(
            self.env["ar.payment.plan"].search([("partner_id", "=", self.customer.id)])
        )

    def test_activation_rights_and_recovery_answers(self):
        plan = self._plan()
        with self.assertRaises(AccessError):
            plan.with_user(self.collector).action_activate()
        self.assertEqual(plan.state, "draft")
        big = self._invoice(self.customer, 6000.0)
        large = self._plan(invoices=big)
        with self.assertRaisesRegex(ValidationError, "How Payments Are Funded"):
            large.with_user(self.manager).action_activate()
        self.assertEqual(large.state, "draft")
        large.write(
            {
                "funding_source": "Sale of a warehouse in May",
                "overhead_cuts": "Two leased trucks returned",
                "business_changes": "Cash on delivery for new customers",
            }
        )
        large.with_user(self.manager).action_activate()
        self.assertEqual(large.state, "active")

    def test_recovery_threshold_in_company_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        invoice = self._invoice(self.customer, 6000.0, currency_id=eur.id)
        plan = self._plan(invoices=invoice)  # 6,000 EUR = 3,000, under 5,000
        self.assertEqual(plan.currency_id, eur)
        plan.with_user(self.manager).action_activate()
        self.assertEqual(plan.state, "active")

    def test_pdf_has_schedule(self):
        plan = self._plan(fee=30.0)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "account_receivable_management.ar_payment_plan_document", plan.ids
            )[0]
            .decode()
        )
        self.assertIn(plan.name, html)
        self.assertIn("o_ar_plan_schedule", html)
        self.assertEqual(html.count("310.00"), 3)
        self.assertIn("930.00", html)
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                "account_receivable_management.ar_payment_plan_report_action", plan.ids
            )
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_create_from_invoice_list(self):
        action = (
            (self.inv1 | self.inv2).with_user(self.collector).action_ar_create_plan()
        )
        self.assertEqual(
            action["context"]["default_invoice_ids"], (self.inv1 | self.inv2).ids
        )

    def test_create_from_partner(self):
        action = self.contact.with_user(self.collector).action_ar_view_plans()
        self.assertEqual(action["domain"], [("partner_id", "=", self.customer.id)])
        env = self.env(user=self.collector, context=action["context"])
        with Form(env["ar.payment.plan"]) as form:
            self.assertEqual(form.partner_id, self.customer)
            form.invoice_ids.add(self.inv2)
            form.installment_count = 2
            form.frequency = "weekly"
            form.first_date = self.today + timedelta(days=7)
            # The schedule is previewed before the plan is saved.
            self.assertEqual(len(form.line_ids), 2)
        plan = form.record
        self.assertEqual(plan.line_ids.mapped("amount"), [150.0, 150.0])
        self.assertEqual(self.contact.ar_plan_count, 1)
