"""Separation of duties: what a workflow sets (states, approvals, judgements,
posted figures) no user writes directly, an approval covers the terms that
were approved and nothing more, and a posted instrument keeps the figures it
posted. Each scenario runs twice: through the ORM as the user, and over
JSON-RPC as that user logged in."""

from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged

from ..models.ar_workflow_guard import derived_fields
from .common import OrmCalls, RpcCalls
from .common_instruments import ArInstrumentCommon


class SeparationScenarios:
    """The scenarios; ``_call`` (ORM or RPC) comes from the test class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.advertising = cls.company_data["default_account_expense"]

    # ------------------------------------------------------------------
    # Documents, made by the Controller through the same channel
    # ------------------------------------------------------------------
    def _create(self, model, vals):
        [record_id] = self._call(self.collector, model, "create", vals)
        return self.env[model].browse(record_id)

    def _settlement(self, invoices, agreed, **vals):
        return self._create(
            "ar.settlement",
            {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(invoices.ids)],
                "amount_agreed": agreed,
                "journal_id": self.bank.id,
                **vals,
            },
        )

    def _barter(self, value):
        return self._create(
            "ar.barter",
            {
                "partner_id": self.customer.id,
                "kind": "advertising",
                "line_ids": [
                    Command.create(
                        {
                            "name": "Radio spots",
                            "quantity": 1,
                            "price_unit": value,
                            "account_id": self.advertising.id,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            },
        )

    def _plan(self, invoices):
        return self._create(
            "ar.payment.plan",
            {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(invoices.ids)],
                "installment_count": 3,
                "first_date": self.today + timedelta(days=30),
                "fee": 50.0,
            },
        )

    def _promise(self, invoices, amount):
        return self._create(
            "ar.promise",
            {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(invoices.ids)],
                "amount": amount,
                "promised_date": self.today + timedelta(days=7),
            },
        )

    def assertSettlingRefused(self, error, settlement):
        """Posting ``settlement`` as the Controller is refused with ``error``:
        it stays approved, nothing is posted. Returns the message."""
        moves = self._moves_count()
        message = self.assertRefused(
            error,
            self._call,
            self.collector,
            "ar.settlement",
            "action_settle",
            ids=settlement.ids,
        )
        self.assertEqual(settlement.state, "approved")
        self.assertEqual(self._moves_count(), moves)
        return message

    # ------------------------------------------------------------------
    # 1. States and approvals move through the workflow only
    # ------------------------------------------------------------------
    def test_forged_approval_of_a_forgiveness(self):
        invoice = self._taxed_invoice(15000.0)  # 17,250 owed
        settlement = self._settlement(invoice, 2250.0)  # 15,000 forgiven
        self.assertTrue(settlement.needs_manager)
        moves = self._moves_count()
        self.assertWriteRefused(
            AccessError,
            self.collector,
            settlement,
            {
                "state": "approved",
                "approved_by_id": self.manager.id,
                "date_approved": "2026-01-01 00:00:00",
            },
        )
        self.assertRecordValues(
            settlement, [{"state": "draft", "approved_by_id": False}]
        )
        # posting what nobody approved is refused too
        self.assertRefused(
            UserError,
            self._call,
            self.collector,
            "ar.settlement",
            "action_settle",
            ids=settlement.ids,
        )
        self.assertEqual(self._moves_count(), moves)
        self.assertEqual(invoice.payment_state, "not_paid")

    def test_no_document_is_created_or_copied_in_a_later_state(self):
        invoice = self._taxed_invoice(1000.0)
        vals = {
            "partner_id": self.customer.id,
            "invoice_ids": [Command.set(invoice.ids)],
            "amount_agreed": 100.0,
            "journal_id": self.bank.id,
        }
        for user in (self.collector, self.manager):
            self.assertCreateRefused(
                AccessError,
                user,
                "ar.settlement",
                {**vals, "state": "approved", "approved_by_id": user.id},
            )
            # a default of the context is a value given too
            self.assertCreateRefused(
                AccessError,
                user,
                "ar.settlement",
                vals,
                context={"default_state": "approved"},
            )
        settlement = self._settlement(invoice, 100.0)
        self._call(self.manager, "ar.settlement", "action_approve", ids=settlement.ids)
        self.assertRefused(
            AccessError,
            self._call,
            self.manager,
            "ar.settlement",
            "copy",
            {"state": "approved"},
            ids=settlement.ids,
        )
        # a plain copy is a new draft, approval not carried over
        [copy_id] = self._call(
            self.manager, "ar.settlement", "copy", ids=settlement.ids
        )
        copy = self.env["ar.settlement"].browse(copy_id)
        self.assertRecordValues(
            copy, [{"state": "draft", "approved_by_id": False, "amount_approved": 0.0}]
        )
        self.assertEqual(self.env["ar.settlement"].search_count([]), 2)

    def test_return_and_barter_share_the_guard(self):
        self._invoice(self.customer, 800.0, days_old=10)
        barter = self._barter(500.0)
        for state in ("approved", "done"):
            self.assertWriteRefused(
                AccessError,
                self.collector,
                barter,
                {"state": state, "approved_by_id": self.manager.id},
            )
        self.assertEqual(barter.state, "draft")
        self.assertCreateRefused(
            AccessError,
            self.manager,
            "ar.return",
            {"partner_id": self.customer.id, "state": "received"},
        )

    def test_plan_activation_cannot_be_written(self):
        invoice = self._taxed_invoice(2000.0, days_old=60)
        plan = self._plan(invoice)
        for user in (self.collector, self.manager):
            self.assertWriteRefused(
                AccessError,
                user,
                plan,
                {"state": "active", "activated_by_id": self.manager.id},
            )
        self.assertRecordValues(
            plan,
            [{"state": "draft", "activated_by_id": False, "fee_invoice_id": False}],
        )
        self.assertCreateRefused(
            AccessError,
            self.collector,
            "ar.payment.plan",
            {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(invoice.ids)],
                "first_date": self.today + timedelta(days=30),
                "state": "active",
                "activated_by_id": self.manager.id,
            },
        )
        self.assertEqual(self.env["ar.payment.plan"].search_count([]), 1)
        # the schedule of an active plan is binding
        self._call(self.manager, "ar.payment.plan", "action_activate", ids=plan.ids)
        self.assertTrue(plan.fee_invoice_id)
        line = plan.line_ids[-1]
        self.assertWriteRefused(
            UserError,
            self.manager,
            line,
            {"date_due": line.date_due + timedelta(days=365)},
        )
        self.assertWriteRefused(
            AccessError,
            self.manager,
            line,
            {"amount_paid": line.amount},
        )
        self.assertWriteRefused(
            UserError,
            self.manager,
            plan,
            {"installment_count": 12},
        )
        # nor does a draft plan's installment move into it
        draft = self._plan(self._taxed_invoice(900.0, days_old=60))
        self.assertWriteRefused(
            UserError,
            self.collector,
            draft.line_ids[:1],
            {"plan_id": plan.id},
        )
        self.assertEqual(len(draft.line_ids), 3)
        self.assertRecordValues(
            line, [{"amount_paid": 0.0, "date_due": plan.line_ids[-1].date_due}]
        )
        self.assertEqual(len(plan.line_ids), 3)

    def test_promise_judgement_belongs_to_the_engine(self):
        invoice = self._invoice(self.customer, 500.0, days_old=40)
        promise = self._promise(invoice, 500.0)
        for vals in (
            {"state": "kept"},
            {"paid_amount": 500.0},
            {"date_judged": self.today},
            {"date_recorded": self.today - timedelta(days=30)},
        ):
            self.assertWriteRefused(
                AccessError,
                self.collector,
                promise,
                vals,
            )
        self.assertRecordValues(
            promise,
            [
                {
                    "state": "open",
                    "paid_amount": 0.0,
                    "date_judged": False,
                    "date_recorded": self.today,
                }
            ],
        )
        # the one judgement a collector makes: the promise is off
        self._call(self.collector, "ar.promise", "action_cancel", ids=promise.ids)
        self.assertEqual(promise.state, "cancelled")
        self.assertWriteRefused(
            UserError,
            self.collector,
            promise,
            {"amount": 100.0},
        )

    # ------------------------------------------------------------------
    # 2. An approval covers the terms approved
    # ------------------------------------------------------------------
    def test_approved_terms_are_frozen(self):
        invoice = self._invoice(self.customer, 3000.0, days_old=40)
        settlement = self._settlement(invoice, 2500.0)  # 500 forgiven
        self._call(
            self.collector, "ar.settlement", "action_approve", ids=settlement.ids
        )
        self.assertEqual(settlement.amount_approved, 500.0)
        for vals in (
            {"amount_agreed": 1.0},
            {"method": "write_off"},
            {"invoice_ids": [Command.set([])]},
            {"date": str(self.today - timedelta(days=1))},
            {"part_ways": True},
        ):
            self.assertWriteRefused(
                UserError,
                self.collector,
                settlement,
                vals,
            )
        # what is not a term still changes
        self._call(
            self.collector,
            "ar.settlement",
            "write",
            {"reason": "Cash flow"},
            ids=settlement.ids,
        )
        self._call(self.collector, "ar.settlement", "action_settle", ids=settlement.ids)
        self.assertRecordValues(
            settlement,
            [{"state": "done", "amount_agreed": 2500.0, "amount_forgiven": 500.0}],
        )
        self.assertPaid(invoice)

    def test_barter_lines_frozen_once_approved(self):
        self._invoice(self.customer, 5000.0, days_old=40)
        barter = self._barter(500.0)
        self._call(self.collector, "ar.barter", "action_approve", ids=barter.ids)
        line = barter.line_ids
        self.assertWriteRefused(
            UserError,
            self.collector,
            line,
            {"price_unit": 4900.0},
        )
        self.assertWriteRefused(
            UserError,
            self.collector,
            barter,
            {"line_ids": [Command.update(line.id, {"quantity": 10})]},
        )
        self.assertCreateRefused(
            UserError,
            self.collector,
            "ar.barter.line",
            {
                "barter_id": barter.id,
                "name": "More spots",
                "price_unit": 4400.0,
                "account_id": self.advertising.id,
            },
        )
        # nor with the barter given as the context's default
        self.assertCreateRefused(
            UserError,
            self.collector,
            "ar.barter.line",
            {"name": "Spots", "price_unit": 4400.0, "account_id": self.advertising.id},
            context={"default_barter_id": barter.id},
        )
        self.assertEqual(barter.line_ids, line)
        self.assertRefused(
            UserError,
            self._call,
            self.collector,
            "ar.barter.line",
            "unlink",
            ids=line.ids,
        )
        # nor by moving a draft barter's line into it
        draft = self._barter(4000.0)
        self.assertWriteRefused(
            UserError,
            self.collector,
            draft.line_ids,
            {"barter_id": barter.id},
        )
        self.assertEqual(draft.line_ids.barter_id, draft)
        self._call(self.collector, "ar.barter", "action_settle", ids=barter.ids)
        self.assertRecordValues(
            barter, [{"state": "done", "amount_total": 500.0, "amount_netted": 500.0}]
        )

    def test_posting_rechecks_the_approval(self):
        invoice = self._invoice(self.customer, 3000.0, days_old=40)
        settlement = self._settlement(invoice, 2200.0)  # 800 forgiven
        self._call(
            self.collector, "ar.settlement", "action_approve", ids=settlement.ids
        )
        # the credit department lowers what a Controller may approve
        self.policy.instrument_approval_amount = 500.0
        message = self.assertSettlingRefused(AccessError, settlement)
        self.assertIn("Credit Manager", message)

    def test_posting_refuses_a_worth_grown_since_approval(self):
        invoice = self._invoice(self.customer, 3000.0, days_old=40)
        refund = self._invoice(self.customer, 500.0, move_type="out_refund")
        receivable = (invoice + refund).line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        receivable.reconcile()
        settlement = self._settlement(invoice, 2000.0)  # 2,500 open, 500 forgiven
        self._call(
            self.collector, "ar.settlement", "action_approve", ids=settlement.ids
        )
        # the credit note is taken off the invoice: 1,000 would be forgiven
        refund.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        ).remove_move_reconcile()
        self.assertEqual(settlement.amount_forgiven, 1000.0)
        message = self.assertSettlingRefused(UserError, settlement)
        self.assertIn("more than the", message)

    # ------------------------------------------------------------------
    # 6. Posted figures stay what was posted
    # ------------------------------------------------------------------
    def test_posted_settlement_keeps_its_figures(self):
        big = self._taxed_invoice(1000.0)  # 1,150
        small = self._taxed_invoice(500.0)  # 575
        settlement = self._settlement(big + small, 1200.0)
        self._call(self.manager, "ar.settlement", "action_approve", ids=settlement.ids)
        self._call(self.collector, "ar.settlement", "action_settle", ids=settlement.ids)
        self.assertPaid(big + small)
        settlement.invalidate_recordset()
        self.assertRecordValues(
            settlement,
            [
                {
                    "state": "done",
                    "amount_open": 1725.0,
                    "amount_agreed": 1200.0,
                    "amount_forgiven": 525.0,
                }
            ],
        )
        note = settlement.message_ids.filtered(lambda m: "Settled" in (m.body or ""))
        self.assertIn("525.00", note.body)
        self.assertNotIn("-1,200.00", note.body)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "account_receivable_management.ar_settlement_report_action",
                settlement.ids,
            )[0]
            .decode()
        )
        self.assertIn("525.00", html)
        self.assertNotIn("-1,200.00", html)

    # ------------------------------------------------------------------
    # 7. Parting ways is a Credit Manager's decision
    # ------------------------------------------------------------------
    def test_part_ways_needs_a_credit_manager(self):
        invoice = self._invoice(self.customer, 1000.0, days_old=40)
        settlement = self._settlement(invoice, 950.0, part_ways=True)  # 50 forgiven
        self.assertTrue(settlement.needs_manager)
        message = self.assertRefused(
            AccessError,
            self._call,
            self.collector,
            "ar.settlement",
            "action_approve",
            ids=settlement.ids,
        )
        self.assertIn("parts ways", message)
        self.assertEqual(settlement.state, "draft")
        self._call(self.manager, "ar.settlement", "action_approve", ids=settlement.ids)
        self._call(self.collector, "ar.settlement", "action_settle", ids=settlement.ids)
        hold = self.customer.with_company(self.company).ar_hold_reason_ids
        self.assertRecordValues(
            hold, [{"reason": "manual", "user_id": self.manager.id}]
        )
        self.assertHeld(self.customer, "manual")

    # ------------------------------------------------------------------
    # 3. Risk data only for those allowed
    # ------------------------------------------------------------------
    def test_risk_assessment_stays_with_the_credit_team(self):
        self._invoice(self.customer, 800.0, days_old=90)
        self.env["ar.partner.metrics"]._run(companies=self.company)
        self.assertTrue(self.customer.with_company(self.company).ar_risk_grade)
        seller = self._user(
            "ar_export_seller",
            "sales_team.group_sale_salesman,base.group_allow_export",
        )
        portal = self._user("ar_portal_customer", "base.group_portal")
        portal.partner_id.parent_id = self.customer
        partner = self.customer.ids
        for user, partner_ids in ((seller, partner), (portal, portal.partner_id.ids)):
            for name in ("ar_risk_grade", "ar_risk_score", "ar_risk_explanation"):
                self.assertRefused(
                    AccessError,
                    self._call,
                    user,
                    "res.partner",
                    "read",
                    [name],
                    ids=partner_ids,
                )
        # nor found by searching on them, nor exported
        message = self.assertRefused(
            AccessError,
            self._call,
            seller,
            "res.partner",
            "search",
            [("ar_risk_grade", "in", ["D", "E"])],
        )
        self.assertIn("credit team", message)
        self.assertRefused(
            AccessError,
            self._call,
            seller,
            "res.partner",
            "export_data",
            ["name", "ar_risk_grade", "ar_dso"],
            ids=partner,
        )
        # the hold and its reasons explain a blocked order: those they read
        [row] = self._call(
            seller, "res.partner", "read", ["ar_credit_hold"], ids=partner
        )
        self.assertIn("ar_credit_hold", row)
        [row] = self._call(
            self.collector, "res.partner", "read", ["ar_risk_grade"], ids=partner
        )
        self.assertTrue(row["ar_risk_grade"])

    def test_a_reference_comes_from_the_sequence(self):
        """A document's reference is on what the customer is sent: a user
        gave another document's, or renamed one after the fact."""
        invoice = self._invoice(self.customer, 900.0, days_old=40)
        first = self._promise(invoice, 100.0)
        self.assertRegex(first.name, r"\d")
        message = self.assertCreateRefused(
            AccessError,
            self.collector,
            "ar.promise",
            {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(invoice.ids)],
                "amount": 200.0,
                "promised_date": str(self.today + timedelta(days=7)),
                "name": first.name,
            },
        )
        self.assertIn("Reference", message)
        self.assertEqual(self.env["ar.promise"].search_count([]), 1)
        settlement = self._settlement(invoice, 500.0)
        reference = settlement.name
        self.assertWriteRefused(
            AccessError,
            self.collector,
            settlement,
            {"name": first.name},
        )
        self.assertEqual(settlement.name, reference)
        self.assertNotEqual(reference, first.name)
        second = self._promise(invoice, 50.0)
        self.assertNotIn(second.name, (first.name, "/"))

    def test_a_document_is_followed_by_the_credit_team_only(self):
        """A document's collector (a dispute's owner) follows it and is
        notified of what is posted on it: a customer's portal user there read
        another customer's promise, a salesperson the credit team's notes."""
        portal = self._user("ar_portal_other", "base.group_portal")
        invoice = self._invoice(self.customer, 900.0, days_old=40)
        vals = {
            "partner_id": self.customer.id,
            "invoice_ids": [Command.set(invoice.ids)],
            "amount": 100.0,
            "promised_date": str(self.today + timedelta(days=7)),
        }
        message = self.assertCreateRefused(
            UserError,
            self.collector,
            "ar.promise",
            {**vals, "user_id": portal.id},
        )
        self.assertIn("is not a Credit Controller or Credit Manager", message)
        self.assertFalse(self.env["ar.promise"].search([]))
        promise = self._promise(invoice, 100.0)
        self.assertEqual(promise.user_id, self.collector)
        self.assertWriteRefused(
            UserError,
            self.collector,
            promise,
            {"user_id": self.salesman.id},
        )
        self.assertEqual(promise.user_id, self.collector)
        self.assertNotIn(self.salesman.partner_id, promise.message_partner_ids)
        reason = self.env.ref("account_receivable_management.dispute_reason_price")
        [dispute_id] = self._call(
            self.collector,
            "ar.dispute",
            "create",
            {"move_id": invoice.id, "amount": 50.0, "reason_id": reason.id},
        )
        self.assertRefused(
            UserError,
            self._call,
            self.collector,
            "ar.dispute",
            "write",
            {"user_id": portal.id},
            ids=[dispute_id],
        )
        self.assertNotIn(
            portal.partner_id,
            self.env["ar.dispute"].browse(dispute_id).message_partner_ids,
        )
        with self.assertRaises(UserError):
            self.company.ar_dispute_user_id = self.salesman
        self.company.ar_dispute_user_id = self.manager
        # a collector who has left the credit team since no longer hears of
        # what the customer asks on the portal: the dispute owner does
        self.customer.sudo().ar_collector_id = self.collector
        self.assertEqual(self.customer._ar_credit_contact(self.company), self.collector)
        self.collector.sudo().active = False
        self.assertEqual(self.customer._ar_credit_contact(self.company), self.manager)
        # and a copy of their promise is the copying user's
        [copy_id] = self._call(self.manager, "ar.promise", "copy", ids=promise.ids)
        self.assertEqual(self.env["ar.promise"].browse(copy_id).user_id, self.manager)

    def test_a_choice_the_form_does_not_offer_is_refused(self):
        """A field's domain only filters the form's dropdown: a sales journal
        netted a barter, a receivable account took a barter line's value or
        a settlement's forgiven amount."""
        sales = self.company_data["default_journal_sale"]
        receivable = self.company_data["default_account_receivable"]
        invoice = self._invoice(self.customer, 100.0, days_old=40)
        cases = [
            (
                self.collector,
                "ar.barter",
                {
                    "partner_id": self.customer.id,
                    "kind": "goods",
                    "netting_journal_id": sales.id,
                },
                "Netting Journal",
            ),
            (
                self.collector,
                "ar.barter",
                {
                    "partner_id": self.customer.id,
                    "kind": "goods",
                    "line_ids": [
                        Command.create(
                            {
                                "name": "Pallets",
                                "quantity": 1,
                                "price_unit": 10.0,
                                "account_id": receivable.id,
                            }
                        )
                    ],
                },
                "Expense Account",
            ),
            (
                self.collector,
                "ar.return",
                {"partner_id": self.customer.id, "freight_journal_id": sales.id},
                "Freight Journal",
            ),
            (
                # what is forgiven would stay open on the receivable account
                self.collector,
                "ar.settlement",
                {
                    "partner_id": self.customer.id,
                    "invoice_ids": [Command.set(invoice.ids)],
                    "amount_agreed": 60.0,
                    "journal_id": self.bank.id,
                    "writeoff_account_id": receivable.id,
                },
                "Settlement Discount Account",
            ),
        ]
        for user, model, vals, field in cases:
            with self.subTest(model=model, field=field):
                message = self.assertRefused(
                    ValidationError, self._call, user, model, "create", vals
                )
                self.assertIn(f"cannot be the {field}", message)
                self.assertFalse(self.env[model].search([]))
        message = self.assertWriteRefused(
            ValidationError,
            self.manager,
            self.policy,
            {"netting_journal_id": sales.id},
        )
        self.assertIn(sales.name, message)
        self.assertNotEqual(self.policy.netting_journal_id, sales)
        bank_account = self.bank.default_account_id
        for field, account in (
            ("settlement_account_id", receivable),
            ("restocking_fee_account_id", bank_account),
            ("freight_account_id", receivable),
        ):
            with self.subTest(field=field):
                self.assertWriteRefused(
                    ValidationError, self.manager, self.policy, {field: account.id}
                )
                self.assertNotEqual(self.policy[field], account)

    def test_the_form_computes_for_those_who_may_make_it(self):
        """A form's onchange computes a document's figures as the superuser:
        a salesperson read any invoice's open amount through a settlement
        they may not open, a collector another company's. Both are refused;
        the collector's own form still computes."""
        invoice = self._invoice(self.customer, 700.0, days_old=40)
        other = self.setup_other_company(name="Onchange Co")["company"]
        invoice_other = self._invoice(self.customer, 900.0, company=other)
        spec = {"amount_open": {}, "partner_id": {}, "invoice_ids": {}}

        def onchange(user, invoices):
            values = {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(invoices.ids)],
            }
            return self._call(
                user, "ar.settlement", "onchange", values, [], spec, ids=[]
            )

        for user, invoices in (
            (self.salesman, invoice),
            (self.collector, invoice_other),
            (self.collector, invoice | invoice_other),
        ):
            with self.subTest(user=user.login, invoices=invoices.ids):
                message = self.assertRefused(AccessError, onchange, user, invoices)
                self.assertNotIn("900", message)
        result = onchange(self.collector, invoice)
        self.assertEqual(result["value"]["amount_open"], 700.0)

    def test_a_record_stays_in_its_company(self):
        """Odoo checks a company's record rules on what is created in it,
        not on what is written into it: a Credit Manager of this company
        handed its default policy to a company they do not work in, and its
        customers were judged by a policy no one here could open."""
        other = self.env["res.company"].create({"name": "Other Trading Co"})
        message = self.assertWriteRefused(
            UserError,
            self.manager,
            self.policy,
            {"company_id": other.id},
        )
        self.assertIn("create a new one in the other company", message)
        self.assertEqual(self.policy.company_id, self.company)
        self.assertEqual(self.company.ar_policy_id, self.policy)
        # nor does a document move, even a draft
        plan = self._plan(self._invoice(self.customer, 600.0, days_old=40))
        message = self.assertWriteRefused(
            UserError,
            self.collector,
            plan,
            {"company_id": other.id},
        )
        self.assertIn("stays in", message)
        self.assertEqual(plan.company_id, self.company)

    def test_what_follows_from_a_source_is_never_given(self):
        """A dispute's customer and company follow its invoice, a plan line's
        company its plan, who pays an order its invoice address. Given by a
        user, they stood until the source changed: a controller moved a
        dispute onto another customer's portal, a salesperson counted an order
        in another customer's exposure."""
        invoice = self._invoice(self.customer, 900.0, days_old=40)
        rival = self.env["res.partner"].create(
            {"name": "Rival Traders", "is_company": True}
        )
        reason = self.env.ref("account_receivable_management.dispute_reason_price")
        vals = {"move_id": invoice.id, "amount": 300.0, "reason_id": reason.id}
        Dispute = self.env["ar.dispute"]
        # given by name at creation: refused, nothing created
        message = self.assertCreateRefused(
            AccessError,
            self.collector,
            "ar.dispute",
            {**vals, "partner_id": rival.id},
        )
        self.assertIn("taken from the Invoice", message)
        self.assertFalse(Dispute.search([]))
        # a default from the context (a customer's Disputes button) gives way
        # to the invoice's customer
        [dispute_id] = self._call(
            self.collector,
            "ar.dispute",
            "create",
            vals,
            context={"default_partner_id": rival.id},
        )
        dispute = Dispute.browse(dispute_id)
        self.assertEqual(dispute.partner_id, self.customer)
        for field, value in (("partner_id", rival.id), ("company_id", False)):
            self.assertWriteRefused(
                AccessError,
                self.collector,
                dispute,
                {field: value},
            )
        self.assertEqual(dispute.partner_id, self.customer)
        self.assertEqual(dispute.company_id, self.company)
        # nor does it follow an invoice of another customer: it may move to
        # another invoice of its own customer only
        message = self.assertWriteRefused(
            UserError,
            self.collector,
            dispute,
            {"move_id": self._invoice(rival, 500.0, days_old=40).id},
        )
        self.assertIn("new dispute", message)
        self.assertFalse(Dispute.search([("partner_id", "=", rival.id)]))
        second = self._invoice(self.customer, 400.0, days_old=40)
        self._call(
            self.collector,
            "ar.dispute",
            "write",
            {"move_id": second.id},
            ids=dispute.ids,
        )
        self.assertEqual(dispute.move_id, second)
        # a plan's installments stay in the plan's company
        plan = self._plan(self._invoice(self.customer, 600.0, days_old=40))
        other = self.env["res.company"].create({"name": "Other Trading Co"})
        message = self.assertWriteRefused(
            AccessError,
            self.collector,
            plan.line_ids[:1],
            {"company_id": other.id},
        )
        self.assertIn("taken from the Plan", message)
        self.assertEqual(plan.line_ids.company_id, self.company)
        # a reminder step stays in its policy's company, even for a manager
        step = self.env["ar.reminder.step"].search(
            [("policy_id", "=", self.policy.id)], limit=1
        )
        message = self.assertWriteRefused(
            AccessError,
            self.manager,
            step,
            {"company_id": other.id},
        )
        self.assertIn("taken from the Policy", message)
        self.assertEqual(step.company_id, self.company)
        # who pays an order follows its invoice address
        order = self._order(self.customer, 400.0)
        message = self.assertWriteRefused(
            AccessError,
            self.salesman,
            order,
            {"ar_payer_id": rival.id},
        )
        self.assertIn("taken from the Invoice Address", message)
        self.assertEqual(order.sudo().ar_payer_id, self.customer)
        # and the return lines' goods follow the invoice lines they return
        self.assertLessEqual(
            {"company_id", "invoice_id", "product_id", "sale_line_id"},
            derived_fields(self.env["ar.return.line"]),
        )

    def test_a_default_in_the_context_is_a_value_given(self):
        """Over JSON-RPC the context is the caller's: a ``default_*`` key
        gives a field its value as surely as the values do. A salesperson
        forged a Credit Manager's override that way and confirmed an order
        over the limit; an invoice was marked as a late charge, a customer
        put on hold without the hold engine."""
        Order = self.env["sale.order"]
        orders = Order.search_count([])
        forged = {
            "default_ar_override_user_id": self.manager.id,
            "default_ar_override_amount": 1e9,
            "default_ar_override_currency_id": self.company.currency_id.id,
            "default_ar_override_reason": "approved, trust me",
        }
        line = {
            "product_id": self.product.id,
            "product_uom_qty": 1,
            "price_unit": 5000.0,  # the limit is 1,000
            "tax_id": [Command.clear()],
        }
        message = self.assertCreateRefused(
            AccessError,
            self.salesman,
            "sale.order",
            {"partner_id": self.customer.id, "order_line": [Command.create(line)]},
            context=forged,
        )
        self.assertIn("Approve Credit Override", message)
        self.assertEqual(Order.search_count([]), orders)
        # an invoice and its lines
        moves = self._moves_count()
        invoice_vals = {
            "move_type": "out_invoice",
            "partner_id": self.customer.id,
            "invoice_line_ids": [
                Command.create({"name": "Widget", "quantity": 1, "price_unit": 100.0})
            ],
        }
        for key, value in (
            ("default_ar_is_late_charge", True),
            ("default_ar_reminder_count", 3),
        ):
            message = self.assertCreateRefused(
                AccessError,
                self.manager,
                "account.move",
                invoice_vals,
                context={key: value},
            )
            self.assertIn("set by its workflow", message)
        self.assertEqual(self._moves_count(), moves)
        draft = self._invoice(self.customer, 300.0, post=False)
        source = self._invoice(self.customer, 200.0, days_old=90)
        lines = len(draft.line_ids)
        message = self.assertCreateRefused(
            AccessError,
            self.manager,
            "account.move.line",
            {"move_id": draft.id, "name": "Interest", "price_unit": 40.0},
            context={"default_ar_charge_source_id": source.id},
        )
        self.assertIn("set by its workflow", message)
        self.assertEqual(len(draft.line_ids), lines)
        # a customer: the hold and the promises' record are their workflows'
        Partner = self.env["res.partner"]
        partners = Partner.search_count([])
        for key, value, words in (
            ("default_ar_credit_hold", True, "Place Credit Hold"),
            ("default_ar_promise_broken_count", 4, "Place Credit Hold"),
            ("default_ar_last_contact_date", str(self.today), "calls logged"),
        ):
            message = self.assertCreateRefused(
                AccessError,
                self.manager,
                "res.partner",
                {"name": "Front Company", "is_company": True},
                context={key: value},
            )
            self.assertIn(words, message)
        self.assertEqual(Partner.search_count([]), partners)
        # a promised day out of reach, given as a default
        invoice = self._invoice(self.customer, 900.0, days_old=40)
        message = self.assertCreateRefused(
            ValidationError,
            self.collector,
            "ar.promise",
            {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(invoice.ids)],
                "amount": 900.0,
            },
            context={"default_promised_date": "9999-12-31"},
        )
        self.assertIn("must be from", message)
        self.assertFalse(self.env["ar.promise"].search([]))

    def test_a_workflow_flag_is_not_the_callers(self):
        """The flags the workflow puts in the context for its own writes
        count for those only: sent by a user, they changed nothing. A
        Controller who sent ``ar_activating`` changed the terms of a plan
        approved for signature and kept the approval."""
        invoice = self._taxed_invoice(1000.0, days_old=60)
        plan = self._plan(invoice)
        self._call(
            self.collector, "ar.payment.plan", "action_approve_signature", ids=plan.ids
        )
        self.assertEqual(plan.approved_by_id, self.collector)
        self._call(
            self.collector,
            "ar.payment.plan",
            "write",
            {"installment_count": 24},
            ids=plan.ids,
            context={"ar_activating": True},
        )
        self.assertRecordValues(
            plan, [{"installment_count": 24, "approved_by_id": False}]
        )
        # nor is a dispute the customer's own words because the call says so
        reason = self.env.ref("account_receivable_management.dispute_reason_price")
        [dispute_id] = self._call(
            self.collector,
            "ar.dispute",
            "create",
            {"move_id": invoice.id, "amount": 300.0, "reason_id": reason.id},
            context={"ar_portal_channel": True},
        )
        self.assertEqual(self.env["ar.dispute"].browse(dispute_id).channel, "internal")
        # nor confirmed online by the customer: an order over the limit is
        # refused to the salesperson, not set aside for a credit review
        order = self._order(self.customer, 5000.0)  # the limit is 1,000
        self.assertRefused(
            UserError,
            self._call,
            self.salesman,
            "sale.order",
            "action_confirm",
            ids=order.ids,
            context={"ar_review_over_limit": True},
        )
        self.assertRecordValues(
            order.sudo(), [{"state": "draft", "ar_credit_review": False}]
        )
        self.assertFalse(order.activity_ids)

    # ------------------------------------------------------------------
    # 4. Input that makes no sense
    # ------------------------------------------------------------------
    def test_dates_out_of_reach_are_refused(self):
        invoice = self._invoice(self.customer, 900.0, days_old=40)
        self._invoice(self.customer, 700.0, days_old=40)
        before = self._moves_count()
        cases = [
            ("ar.promise", {"promised_date": "9999-12-31"}),
            (
                "ar.payment.plan",
                {"first_date": str(self.today.replace(year=self.today.year + 3))},
            ),
            ("ar.settlement", {"date": "0001-01-01"}),
            ("ar.barter", {"date": "0001-01-01"}),
            ("ar.barter", {"date": "9999-12-31"}),
        ]
        vals_of = {
            "ar.promise": {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(invoice.ids)],
                "amount": 100.0,
            },
            "ar.payment.plan": {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(invoice.ids)],
            },
            "ar.settlement": {
                "partner_id": self.customer.id,
                "invoice_ids": [Command.set(invoice.ids)],
                "amount_agreed": 500.0,
                "journal_id": self.bank.id,
            },
            "ar.barter": {"partner_id": self.customer.id, "kind": "goods"},
        }
        for model, dates in cases:
            with self.subTest(model=model, dates=dates):
                message = self.assertRefused(
                    ValidationError,
                    self._call,
                    self.collector,
                    model,
                    "create",
                    {**vals_of[model], **dates},
                )
                self.assertIn("must be from", message)
                self.assertFalse(self.env[model].search([]))
        # a record 0 is no record
        barter = self._barter(100.0)
        message = self.assertCreateRefused(
            ValidationError,
            self.collector,
            "ar.barter.line",
            {"barter_id": barter.id, "name": "Spots", "product_id": 0, "price_unit": 1},
        )
        self.assertIn("no record 0", message)
        self.assertEqual(len(barter.line_ids), 1)
        # the books are locked until ten days ago: nothing is dated before
        self.company.fiscalyear_lock_date = self.today - timedelta(days=10)
        settlement = self._settlement(invoice, 500.0)
        message = self.assertWriteRefused(
            ValidationError,
            self.collector,
            settlement,
            {"date": str(self.today - timedelta(days=20))},
        )
        self.assertIn(str(self.today - timedelta(days=9)), message)
        self.assertEqual(settlement.date, self.today)
        self.assertEqual(self._moves_count(), before)


@tagged("post_install", "-at_install")
class TestSeparationOfDutiesOrm(OrmCalls, SeparationScenarios, ArInstrumentCommon):
    pass


@tagged("post_install", "-at_install")
class TestSeparationOfDutiesRpc(
    RpcCalls, SeparationScenarios, ArInstrumentCommon, HttpCase
):
    pass
