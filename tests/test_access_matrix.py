"""The access matrix (tests/ACCESS_MATRIX.md), checked cell by cell.

The table between the ``access-matrix`` markers of ACCESS_MATRIX.md is the
specification: each row is a model (letters r, w, c, d) or an action (✓ or —),
each column a kind of user. Every cell is tried for real, once through the ORM
as that user and once over JSON-RPC as that user logged in, each time inside a
savepoint that is rolled back: a cell that says "may" must succeed, a cell that
says "may not" must raise ``AccessError`` (over RPC: answer with one), and
leave nothing written.
"""

import base64
import json
import pathlib
import re
from datetime import timedelta
from functools import partial
from urllib.parse import parse_qs, urlparse

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from ..models.access import ACCOUNTING_GROUPS, CREDIT_GROUPS, HOLD_GROUPS
from .common import (
    SIGNATURE,
    OrmCalls,
    RpcCalls,
    demo_provider,
    password_of,
    shown_lines,
)
from .common_instruments import ArInstrumentCommon

MATRIX = pathlib.Path(__file__).resolve().parent / "ACCESS_MATRIX.md"
USERS = {
    "Salesperson": "sales_team.group_sale_salesman",
    "Billing": "account.group_account_invoice",
    "Controller": "account_receivable_management.group_ar_collector",
    "Manager": "account_receivable_management.group_ar_manager",
    "Portal": "base.group_portal",
}
OPERATIONS = {"r": "read", "w": "write", "c": "create", "d": "delete"}
# The context keys a screen read from a report's query needs (ar.aging.line).
SCREEN_CONTEXT = ("ar_aging_report_id",)
# Odoo copies these with their link to a return when it splits them (backorders,
# as the stock user): only writing the link is refused.
COPIED_WITH_THEIR_LINKS = ("stock.move", "stock.picking")
# The matrix's rows of res.partner fields: every ar_* field of the partner has
# one of these groups (so a new field without groups= fails the test).
PARTNER_FIELDS = {
    "res.partner: hold fields": HOLD_GROUPS,
    "res.partner: exposure fields": ACCOUNTING_GROUPS,
    "res.partner: credit and risk fields": CREDIT_GROUPS,
}
# The core models the addon adds fields to: none without groups= either.
EXTENDED_MODELS = (
    "res.partner",
    "sale.order",
    "account.move",
    "stock.picking",
    "stock.move",
)


def read_matrix():
    """{row: {user column: cell}} from the matrix's table."""
    text = MATRIX.read_text(encoding="utf-8")
    table = re.search(
        r"<!-- access-matrix:start -->\n(.*?)<!-- access-matrix:end -->", text, re.S
    ).group(1)
    lines = [line.strip().strip("|").split("|") for line in table.splitlines()]
    header = [cell.strip() for cell in lines[0]]
    if header[1:] != list(USERS):
        raise AssertionError(f"the matrix's columns are {header[1:]}")
    return {
        cells[0].strip().strip("`"): dict(
            zip(header[1:], (c.strip() for c in cells[1:]), strict=True)
        )
        for cells in lines[2:]
    }


class Refused(AccessError):
    """What the test saw refused, in its own words (not a message for users)."""


class _Rollback(Exception):
    pass


class _MatrixCase(ArInstrumentCommon):
    """The records every cell works on, built as the superuser, and the calls
    of each cell, made through ``self._call`` (the ORM or RPC)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company
        cls.users = {
            label: new_test_user(
                cls.env,
                login=f"matrix_{label.lower()}",
                groups=groups,
                company_id=company.id,
                company_ids=[Command.set(company.ids)],
            )
            for label, groups in USERS.items()
        }
        cls.matrix = read_matrix()
        # who owns the reports other users try to read
        cls.other = new_test_user(
            cls.env,
            login="matrix_other",
            groups=USERS["Controller"],
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        cls.goods = cls._create_product(
            name="Boxed Kettle",
            lst_price=100.0,
            taxes_id=[Command.set(cls.tax.ids)],
            invoice_policy="delivery",
        )
        cls.shop = cls.env["res.partner"].create({"name": "Corner Shop"})
        cls.delivered = cls._delivered_invoice_of(cls.shop, cls.goods, 5.0)
        cls.delivered_again = cls._delivered_invoice_of(cls.shop, cls.goods, 5.0)
        cls.customer.credit_limit = 1000.0
        cls.open_invoice = cls._taxed_invoice(2000.0, days_old=40)  # 2,300 owed
        cls.blocked_order = cls._order(cls.customer, 500.0)
        cls.other_policy = cls.env["ar.credit.policy"].create(
            {"name": "Strict", "company_id": company.id}
        )
        cls.held = cls.env["res.partner"].create({"name": "Held Ltd"})
        cls._hold_wizard(cls.held, "place", "Disputed ownership", cls.manager)
        cls.hold = cls.held.with_company(company).ar_hold_reason_ids
        cls.kpi = (
            cls.env["ar.company.kpi"]
            .sudo()
            .create({"company_id": company.id, "month": cls.today.replace(day=1)})
        )
        cls.advertising = cls.company_data["default_account_expense"]
        # the portal user is a contact of the customer; its plan waits for
        # its signature; the company takes payments online
        cls.users["Portal"].partner_id.parent_id = cls.customer
        cls.plan_to_sign = cls.env["ar.payment.plan"].create(cls._plan_vals(cls))
        cls.plan_to_sign.with_user(cls.manager).action_approve_signature()
        cls.provider = demo_provider(cls.env, company, cls.bank)

    # ------------------------------------------------------------------
    # Records of each model: (record for r/w/d, values to write, to create)
    # ------------------------------------------------------------------
    def _promise_vals(self):
        return {
            "partner_id": self.customer.id,
            "invoice_ids": [Command.set(self.open_invoice.ids)],
            "amount": 100.0,
            "promised_date": self.today + timedelta(days=7),
        }

    def _plan_vals(self):
        return {
            "partner_id": self.customer.id,
            "invoice_ids": [Command.set(self.open_invoice.ids)],
            "installment_count": 2,
            "frequency": "monthly",
            "first_date": self.today + timedelta(days=30),
        }

    def _settlement_vals(self, agreed=2000.0):
        return {
            "partner_id": self.customer.id,
            "invoice_ids": [Command.set(self.open_invoice.ids)],
            "amount_agreed": agreed,
            "journal_id": self.bank.id,
        }

    def _return_line_vals(self):
        return {"invoice_line_id": self.delivered.invoice_line_ids[0].id, "quantity": 1}

    def _return_vals(self):
        return {
            "partner_id": self.shop.id,
            "reason": "Unsold stock",
            "line_ids": [Command.create(self._return_line_vals())],
        }

    def _barter_line_vals(self, value=200.0):
        return {
            "name": "Radio spot",
            "quantity": 1,
            "price_unit": value,
            "account_id": self.advertising.id,
            "tax_ids": [Command.clear()],
        }

    def _barter_vals(self):
        return {
            "partner_id": self.customer.id,
            "kind": "advertising",
            "description": "Radio spots",
            "line_ids": [Command.create(self._barter_line_vals())],
        }

    def _fixture(self, model, user):
        """(record, values to write, values to create) for ``model``, the
        record made by the superuser; a report or a wizard, which is its
        user's own, made for ``user``."""
        env = self.env(su=True)
        if self.env[model]._transient:
            env = self.env(user=user, su=True)
        company = self.company
        if model == "ar.credit.policy":
            return self.other_policy, {"name": "Stricter"}, {"name": "New"}
        if model == "ar.hold":
            return (
                self.hold,
                {"note": "edited"},
                {
                    "partner_id": self.customer.id,
                    "company_id": company.id,
                    "reason": "manual",
                },
            )
        if model == "ar.partner.exposure":
            self.env["ar.credit.figures"]._of(self.customer, company)
            record = env[model].search([("partner_id", "=", self.customer.id)], limit=1)
            vals = {"partner_id": self.held.id, "company_id": company.id}
            return record, {"date": self.today}, {**vals, "date": self.today}
        if model == "ar.promise":
            record = env[model].create(self._promise_vals())
            return record, {"amount": 150.0}, self._promise_vals()
        if model == "ar.payment.plan":
            record = env[model].create(self._plan_vals())
            return record, {"installment_count": 3}, self._plan_vals()
        if model == "ar.payment.plan.line":
            plan = env["ar.payment.plan"].create(self._plan_vals())
            line = plan.line_ids[:1]
            vals = {"plan_id": plan.id, "date_due": self.today, "amount": 1.0}
            return line, {"date_due": line.date_due + timedelta(days=1)}, vals
        if model == "ar.settlement":
            record = env[model].create(self._settlement_vals())
            return record, {"amount_agreed": 1900.0}, self._settlement_vals()
        if model == "ar.return":
            record = env[model].create(self._return_vals())
            return record, {"reason": "Overstock"}, self._return_vals()
        if model == "ar.return.line":
            rma = env["ar.return"].create(self._return_vals())
            line = self.delivered_again.invoice_line_ids[0]
            vals = {"invoice_line_id": line.id, "quantity": 1, "return_id": rma.id}
            return rma.line_ids, {"quantity": 2}, vals
        if model == "ar.barter":
            record = env[model].create(self._barter_vals())
            return record, {"description": "Spots"}, self._barter_vals()
        if model == "ar.barter.line":
            barter = env["ar.barter"].create(self._barter_vals())
            return (
                barter.line_ids,
                {"quantity": 2},
                {**self._barter_line_vals(), "barter_id": barter.id},
            )
        if model == "ar.partner.metrics":
            vals = {"partner_id": self.held.id, "company_id": company.id}
            return env[model].create(vals), {"paid_count": 9}, vals
        if model == "ar.partner.snapshot":
            vals = {
                "partner_id": self.held.id,
                "company_id": company.id,
                "month": self.today.replace(day=1),
            }
            return env[model].create(vals), {"month": self.today}, vals
        if model == "ar.company.kpi":
            vals = {"company_id": company.id, "month": self.today}
            return self.kpi, {"month": self.today}, vals
        if model == "ar.risk.warning":
            vals = {
                "partner_id": self.customer.id,
                "company_id": company.id,
                "date": self.today,
                "kind": "trend",
                "message": "Paying later",
            }
            return env[model].create(vals), {"user_id": self.manager.id}, vals
        if model == "ar.worklist":
            record = env[model].search([("partner_id", "=", self.customer.id)])[:1]
            return record, {"reference": "edited"}, {"reference": "new"}
        if model == "ar.cash.forecast":
            # the nightly run predicts the pay dates: one, by hand
            self.env.cr.execute(
                "UPDATE account_move SET ar_predicted_pay_date = %s WHERE id = %s",
                [self.today, self.open_invoice.id],
            )
            self.env.invalidate_all()
            record = env[model].search([("move_id", "=", self.open_invoice.id)])
            return record, {"amount": 1.0}, {"amount": 1.0}
        if model == "ar.aging.report":
            vals = {"date": self.today}
            return env[model].create(vals), {"age_by": "invoice"}, vals
        if model == "ar.aging.line":
            report = env["ar.aging.report"].create({"date": self.today})
            line = shown_lines(report)[:1]
            return line, {"days": 1}, {"report_id": report.id}
        if model == "ar.export":
            vals = {"name": "risk.xlsx", "file": base64.b64encode(b"PK")}
            return env[model].create(vals), {"name": "other.xlsx"}, vals
        if model == "ar.call.log":
            vals = {"partner_id": self.customer.id, "note": "Called, will pay"}
            return env[model].create(vals), {"note": "Called again"}, vals
        if model == "ar.collector.assign":
            vals = {"partner_ids": [Command.set(self.customer.ids)]}
            return (
                env[model].create(vals),
                {"collector_id": self.users["Controller"].id},
                vals,
            )
        if model == "ar.reminder.step":
            step = self.policy.reminder_step_ids[:1]
            vals = {"policy_id": self.policy.id, "name": "Early", "days": -10}
            return step, {"days": -5}, vals
        if model in ("ar.reminder.run", "ar.reminder.line", "ar.reminder.line.invoice"):
            run = self._reminder_run()
            record = {
                "ar.reminder.run": run,
                "ar.reminder.line": run.line_ids[:1],
                "ar.reminder.line.invoice": run.line_ids[:1].line_ids[:1],
            }[model]
            write_vals = {
                "ar.reminder.run": {"date": self.today},
                "ar.reminder.line": {"subject": "Edited"},
                "ar.reminder.line.invoice": {"excluded": True},
            }[model]
            create_vals = {
                "ar.reminder.run": {},
                "ar.reminder.line": {
                    "run_id": run.id,
                    "partner_id": self.customer.id,
                    "company_id": company.id,
                },
                "ar.reminder.line.invoice": {
                    "line_id": run.line_ids[:1].id,
                    "move_id": self.open_invoice.id,
                },
            }[model]
            return record, write_vals, create_vals
        if model == "ar.dispute":
            reason = self.env.ref("account_receivable_management.dispute_reason_other")
            record = (
                self.env[model]
                .search([("move_id", "=", self.open_invoice.id)])
                .filtered(lambda d: d.state == "open")[:1]
            ) or self.env[model].create(
                {
                    "move_id": self.open_invoice.id,
                    "amount": 100.0,
                    "reason_id": reason.id,
                }
            )
            vals = {
                "move_id": self.delivered.id,
                "amount": 10.0,
                "reason_id": reason.id,
            }
            return record, {"description": "Edited"}, vals
        if model == "ar.dispute.reason":
            record = self.env.ref("account_receivable_management.dispute_reason_other")
            return record, {"name": "Anything else"}, {"name": "Late delivery"}
        if model == "ar.statement.wizard":
            vals = {"partner_ids": [Command.set(self.customer.ids)]}
            return env[model].create(vals), {"statement_type": "activity"}, vals
        if model == "ar.late.charge.waive":
            charge = self._late_charge()
            vals = {"move_id": charge.id, "reason": "Goodwill"}
            return env[model].create(vals), {"reason": "Bank delay"}, vals
        if model == "ar.hold.wizard":
            vals = {"partner_id": self.customer.id, "action": "place", "reason": "x"}
            return env[model].create(vals), {"reason": "y"}, vals
        if model == "ar.credit.override.wizard":
            vals = {"order_id": self.blocked_order.id, "reason": "Known customer"}
            return env[model].create(vals), {"reason": "Paid upfront"}, vals
        raise AssertionError(f"no fixture for {model}: add one")

    def _reminder_run(self):
        """A run under review, as the daily job prepares it: everything open
        is overdue 400 days from now."""
        run = self.env["ar.reminder.run"].search(
            [("company_id", "=", self.company.id), ("state", "=", "draft")], limit=1
        )
        return run or self.env["ar.reminder.run"]._prepare(
            self.company, self.today + timedelta(days=400)
        )

    def _late_charge(self):
        """A draft late-payment charge on the open invoice, 40 days late."""
        charge = self.env["account.move"].search(
            [("ar_is_late_charge", "=", True), ("company_id", "=", self.company.id)],
            limit=1,
        )
        if charge:
            return charge
        self.policy.write(
            {
                "late_interest_rate": 12.0,
                "late_charge_post": False,
                "late_charges_since": self.today - timedelta(days=90),
            }
        )
        return self.env["ar.late.charge"]._charge(self.company, self.today)[:1]

    def _crud(self, model, operation, user):
        """Make the call of one model cell as ``user``."""
        record, write_vals, create_vals = self._fixture(model, user)
        self.assertTrue(record, f"{model}: the fixture found no record")
        # a screen read from its report's query is called as its list calls
        # it: with the report named in the context (the aged receivables)
        context = {
            key: record.env.context[key]
            for key in SCREEN_CONTEXT
            if key in record.env.context
        }
        call = partial(self._call, context=context) if context else self._call
        if operation == "r":
            rows = call(
                user, model, "search_read", [("id", "=", record.id)], ["display_name"]
            )
            if not rows:
                # the record rules hide it: as refused as an access error
                raise Refused(f"{model}: not found by {user.login}")
            self.assertEqual([row["id"] for row in rows], record.ids)
        elif operation == "w":
            self.assertTrue(write_vals, f"{model}: nothing to write")
            call(user, model, "write", write_vals, ids=record.ids)
        elif operation == "c":
            call(user, model, "create", create_vals)
        else:
            call(user, model, "unlink", ids=record.ids)

    # ------------------------------------------------------------------
    # Actions: the matrix's label -> how to do it as ``user``
    # ------------------------------------------------------------------
    def _action(self, label, user):
        env = self.env
        call = self._call
        partner = self.customer
        if label == "change a customer's credit limit":
            vals = {"credit_limit": 5000.0}
            call(user, "res.partner", "write", vals, ids=partner.ids)
            self.assertEqual(partner.with_company(self.company).credit_limit, 5000.0)
        elif label == "change a customer's credit policy":
            vals = {"ar_policy_id": self.other_policy.id}
            call(user, "res.partner", "write", vals, ids=partner.ids)
        elif label in ("place a credit hold", "release a credit hold"):
            place = label.startswith("place")
            target = partner if place else self.held
            [wizard] = call(
                user,
                "ar.hold.wizard",
                "create",
                {
                    "partner_id": target.id,
                    "action": "place" if place else "release",
                    "reason": "Matrix",
                },
            )
            call(user, "ar.hold.wizard", "action_confirm", ids=[wizard])
            self.assertEqual(target.with_company(self.company).ar_credit_hold, place)
        elif label == "override the credit check of an order":
            [wizard] = call(
                user,
                "ar.credit.override.wizard",
                "create",
                {"order_id": self.blocked_order.id, "reason": "Known customer"},
            )
            call(user, "ar.credit.override.wizard", "action_record", ids=[wizard])
            self.assertEqual(self.blocked_order.ar_override_user_id, user)
            self.blocked_order.action_confirm()  # now it passes, for anyone
            self.assertEqual(self.blocked_order.state, "sale")
        elif label == "activate a payment plan":
            # prepared by a Controller, through the same channel
            [plan_id] = call(
                self.users["Controller"], "ar.payment.plan", "create", self._plan_vals()
            )
            plan = env["ar.payment.plan"].browse(plan_id)
            call(user, "ar.payment.plan", "action_activate", ids=plan.ids)
            self.assertEqual(plan.state, "active")
        elif label.startswith("approve a payment plan"):
            # a plan of 2,300: within a limit of 5,000, above one of 1,000
            above = "above" in label
            self.policy.plan_approval_amount = 1000.0 if above else 5000.0
            plan = env["ar.payment.plan"].create(self._plan_vals())
            call(user, "ar.payment.plan", "action_approve_signature", ids=plan.ids)
            self.assertEqual(plan.approved_by_id, user)
        elif label == "ask the Credit Managers to approve a settlement":
            settlement = env["ar.settlement"].create(self._settlement_vals(1000.0))
            self.assertTrue(settlement.needs_manager)
            call(user, "ar.settlement", "action_request_approval", ids=settlement.ids)
            self.assertIn(self.manager, settlement.activity_ids.user_id)
        elif label == "approve a settlement that parts ways with the customer":
            vals = {**self._settlement_vals(2250.0), "part_ways": True}  # 50 forgiven
            settlement = env["ar.settlement"].create(vals)
            call(user, "ar.settlement", "action_approve", ids=settlement.ids)
            self.assertEqual(settlement.state, "approved")
        elif label.startswith("approve a settlement"):
            # forgiving 1,300 needs a Credit Manager, 300 does not (limit 1,000)
            agreed = 1000.0 if "above" in label else 2000.0
            settlement = env["ar.settlement"].create(self._settlement_vals(agreed))
            self.assertEqual(settlement.needs_manager, "above" in label)
            call(user, "ar.settlement", "action_approve", ids=settlement.ids)
            self.assertEqual(settlement.state, "approved")
        elif label == "approve a return":
            rma = env["ar.return"].create(self._return_vals())
            self.assertFalse(rma.needs_manager)
            call(user, "ar.return", "action_approve", ids=rma.ids)
            self.assertEqual(rma.state, "approved")
        elif label == "approve a barter":
            barter = env["ar.barter"].create(self._barter_vals())
            self.assertFalse(barter.needs_manager)
            call(user, "ar.barter", "action_approve", ids=barter.ids)
            self.assertEqual(barter.state, "approved")
        elif label == "log a call":
            vals = {"partner_id": partner.id, "note": "Will pay Friday"}
            [log] = call(user, "ar.call.log", "create", vals)
            call(user, "ar.call.log", "action_log", ids=[log])
            self.assertIn("Will pay Friday", partner.message_ids[:1].body)
            customer = partner.with_company(self.company)
            self.assertEqual(customer.ar_last_contact_date, self.today)
        elif label == "set a customer's contact dates without a call":
            vals = {"ar_next_contact_date": self.today + timedelta(days=30)}
            call(user, "res.partner", "write", vals, ids=partner.ids)
        elif label == "assign a collector to customers":
            collector = self.users["Controller"]
            vals = {
                "partner_ids": [Command.set((partner | self.held).ids)],
                "collector_id": collector.id,
            }
            [wizard] = call(user, "ar.collector.assign", "create", vals)
            call(user, "ar.collector.assign", "action_assign", ids=[wizard])
            for customer in (partner | self.held).with_company(self.company):
                self.assertEqual(customer.ar_collector_id, collector)
        elif label == "prepare and send reminders":
            self._invoice(partner, 120.0, days_old=40, term_days=30)
            action = call(user, "ar.reminder.run", "action_prepare")
            call(user, "ar.reminder.run", "action_send", ids=[action["res_id"]])
            run = self.env["ar.reminder.run"].browse(action["res_id"])
            self.assertEqual(run.state, "done")
        elif label == "stop reminders to a customer":
            call(
                user, "res.partner", "write", {"ar_no_reminders": True}, ids=partner.ids
            )
            self.assertTrue(partner.with_company(self.company).ar_no_reminders)
        elif label == "charge late payments":
            since = self.today - timedelta(days=90)
            self.policy.write({"late_interest_rate": 12.0, "late_charges_since": since})
            self._invoice(partner, 300.0, days_old=100, term_days=30)
            action = call(user, "ar.late.charge", "action_charge")
            self.assertTrue(action["domain"])
        elif label == "waive a late-payment charge":
            charge = self._late_charge()
            [wizard] = call(
                user,
                "ar.late.charge.waive",
                "create",
                {"move_id": charge.id, "reason": "Goodwill"},
            )
            call(user, "ar.late.charge.waive", "action_waive", ids=[wizard])
            self.assertEqual(charge.state, "cancel")
        elif label == "stop late charges to a customer":
            vals = {"ar_no_late_charges": True}
            call(user, "res.partner", "write", vals, ids=partner.ids)
            self.assertTrue(partner.with_company(self.company).ar_no_late_charges)
        elif label == "export the aged receivables":
            [report] = call(user, "ar.aging.report", "create", {"date": self.today})
            action = call(user, "ar.aging.report", "action_export_xlsx", ids=[report])
            self.assertEqual(action["type"], "ir.actions.act_url")
        elif label == "export a customer's payment history":
            action = call(
                user, "res.partner", "action_ar_payment_history_xlsx", ids=partner.ids
            )
            self.assertEqual(action["type"], "ir.actions.act_url")
        elif label == "print a customer's statement of account":
            self._print(user, "account_receivable_management.ar_statement", partner)
        elif label == "recompute a customer's figures":
            env["ar.partner.metrics"]._run(companies=self.company)
            row = env["ar.partner.metrics"].search(
                [("partner_id", "=", partner.id), ("company_id", "=", self.company.id)]
            )
            call(user, "ar.partner.metrics", "action_recompute", ids=row.ids)
            self.assertEqual(row.date_computed, self.today)
        elif label == "read the risk dashboard":
            data = call(user, "ar.dashboard", "get_data")
            self.assertIn("cards", data)
        elif label == "read another user's aged receivables":
            report = self._report_of_another_user()
            domain = [("report_id", "=", report.id)]
            context = {"ar_aging_report_id": report.id}
            if not call(
                user, "ar.aging.line", "search_read", domain, ["id"], context=context
            ):
                # the lines are not found: is the report refused too?
                call(user, "ar.aging.report", "read", ["date"], ids=report.ids)
        elif label == "download another user's aged receivables workbook":
            report = self._report_of_another_user()
            action = report.with_user(self.other).action_export_xlsx()
            self._download(user, action["url"])
        elif label.startswith("on the portal, "):
            self._portal_action(label.removeprefix("on the portal, "), user)
        elif label == "write a document's state or workflow fields directly":
            refused = self._forge_workflow_fields(user)
            if all(refused.values()):
                raise Refused("every workflow field was refused")
        else:
            raise AssertionError(f"no test for the action {label!r}: add one")

    def _portal_action(self, what, user):
        """A portal route used by ``user`` for the customer its portal user is
        a contact of (or, last row, for another customer): through
        ``self._portal`` (the route's model method as the user, or the route
        over HTTP logged in). Refused: ``Refused``, nothing written."""
        invoice = self.open_invoice
        if what == "see the customer's open invoices":
            self._portal(user, "account", invoice=invoice)
        elif what == "pay the customer's invoices online":
            self._portal(user, "pay", invoice=invoice)
        elif what == "promise to pay the customer's invoices":
            self._portal(user, "promise", invoice=invoice)
        elif what == "ask for a payment plan":
            self._portal(user, "plan", invoice=invoice)
        elif what == "sign the customer's approved payment plan":
            self._portal(user, "sign", plan=self.plan_to_sign)
            self.assertEqual(self.plan_to_sign.state, "active")
        elif what == "dispute the customer's invoice":
            self._portal(user, "dispute", invoice=invoice)
        elif what == "act on another customer's invoice":
            refused = []
            for kind in ("account", "pay", "promise", "plan", "dispute"):
                try:
                    with self.env.cr.savepoint():
                        self._portal(user, kind, invoice=self.delivered)
                except Refused:
                    refused.append(kind)
            if len(refused) == 5:
                raise Refused("every use of another customer's invoice was refused")
        else:
            raise AssertionError(f"no test for the portal action {what!r}: add one")

    def _portal_values(self, kind, invoice):
        day = str(self.today + timedelta(days=5))
        return {
            "promise": {"amount": "10", "promised_date": day},
            "plan": {
                "installment_count": "2",
                "frequency": "monthly",
                "first_date": day,
            },
            "dispute": {
                "invoice_id": str(invoice.id),
                "amount": "10",
                "reason_id": str(
                    self.env.ref(
                        "account_receivable_management.dispute_reason_price"
                    ).id
                ),
                "message": "Wrong price",
            },
        }.get(kind, {})

    def _report_of_another_user(self):
        report = (
            self.env["ar.aging.report"]
            .with_user(self.other)
            .create({"date": self.today})
        )
        self.assertTrue(shown_lines(report.sudo()))
        return report

    # ------------------------------------------------------------------
    # Partner fields
    # ------------------------------------------------------------------
    def _partner_fields(self, row):
        groups = PARTNER_FIELDS[row]
        return [
            name
            for name, field in self.env["res.partner"]._fields.items()
            if name.startswith("ar_") and field.groups == groups
        ]

    def _read_partner_fields(self, row, user):
        """Read the fields of ``row`` on a customer ``user`` reads (a portal
        user: its own): refused if any one of them is."""
        partner = user.partner_id if user.share else self.customer
        refused = []
        for name in self._partner_fields(row):
            outcome = self._succeeds(
                partial(
                    self._call, user, "res.partner", "read", [name], ids=partner.ids
                )
            )
            refused.append(not outcome[0])
        if any(refused) != all(refused):
            raise AssertionError(f"{row}: some fields are read, some refused")
        if all(refused):
            raise Refused(f"{row}: refused")

    # ------------------------------------------------------------------
    # Fields only a workflow sets
    # ------------------------------------------------------------------
    def _guarded_fields(self):
        """[(model, field)] of every model that declares fields only its
        workflow sets (``_ar_workflow_fields``): one declaration per model."""
        return [
            (model, name)
            for model in sorted(self.env.registry)
            if not self.env[model]._abstract
            for name in getattr(self.env[model], "_ar_workflow_fields", ())
        ]

    def _forged_value(self, field, current):
        """A value ``field`` does not have: what a forger would send."""
        if field.type == "selection":
            values = [value for value, _label in field._description_selection(self.env)]
            return next(value for value in reversed(values) if value != current)
        if field.type == "many2one":
            return self.env[field.comodel_name].search([], limit=1).id or 1
        if field.type in ("one2many", "many2many"):
            return [Command.set([])]
        if field.type == "date":
            return self.today + timedelta(days=3)
        if field.type == "datetime":
            return "2026-01-01 00:00:00"
        if field.type == "boolean":
            return not current
        if field.type in ("integer", "float", "monetary"):
            return (current or 0) + 7
        return "forged"

    def _core_fixture(self, model):
        """(record, values to create) of a core model the addon extends."""
        if model == "account.move":
            return self.open_invoice, {"move_type": "entry"}
        if model == "account.move.line":
            return self.open_invoice.invoice_line_ids[:1], {
                "move_id": self.open_invoice.id,
                "name": "x",
            }
        if model == "sale.order":
            order = self.env["sale.order"].create(
                {
                    "partner_id": self.customer.id,
                    "user_id": self.users["Salesperson"].id,
                }
            )
            return order, {"partner_id": self.customer.id}
        picking = self.delivered.invoice_line_ids.sale_line_ids.order_id.picking_ids
        if model == "stock.picking":
            return picking, {"picking_type_id": picking.picking_type_id.id}
        if model == "stock.move":
            move = picking.move_ids[:1]
            return move, {"name": "x", "product_id": move.product_id.id}
        raise AssertionError(f"no fixture for {model}: add one")

    def _forge_workflow_fields(self, user):
        """Try to write, then to create with, each field only a workflow sets,
        as ``user``: {(model, field, operation): refused}."""
        outcome = {}
        fixtures = {}
        for model, name in self._guarded_fields():
            if model not in fixtures:
                if model.startswith("ar."):
                    record, _write_vals, create_vals = self._fixture(model, user)
                else:
                    record, create_vals = self._core_fixture(model)
                fixtures[model] = record, create_vals
            record, create_vals = fixtures[model]
            field = self.env[model]._fields[name]
            value = self._forged_value(field, record[name] if field.store else None)
            write = partial(self._call, user, model, "write", {name: value})
            create = partial(self._call, user, model, "create")
            attempts = [("write", partial(write, ids=record.ids))]
            if model not in COPIED_WITH_THEIR_LINKS:
                attempts.append(
                    ("create", partial(create, {**create_vals, name: value}))
                )
            for operation, run in attempts:
                outcome[model, name, operation] = not self._succeeds(run)[0]
        return outcome

    def _check_workflow_fields(self):
        guarded = self._guarded_fields()
        self.assertGreater(len(guarded), 50)
        for label in ("Controller", "Manager"):
            outcome = self._forge_workflow_fields(self.users[label])
            for (model, name, operation), refused in outcome.items():
                with self.subTest(user=label, model=model, field=name, op=operation):
                    self.assertTrue(
                        refused, f"{label} could {operation} {model}.{name}"
                    )

    # ------------------------------------------------------------------
    def _succeeds(self, run):
        """(True, "") when ``run`` succeeded, (False, the error) when it was
        refused access; the savepoint around it is rolled back either way."""
        try:
            with self.env.cr.savepoint():
                try:
                    run()
                except AccessError as error:
                    raise _Rollback(False, str(error)) from error
                except JsonRpcException as error:
                    if error.args == ("odoo.exceptions.AccessError",):
                        raise _Rollback(False, str(error)) from error
                    raise
                raise _Rollback(True, "")
        except _Rollback as outcome:
            return outcome.args
        finally:
            self.env.invalidate_all()

    def _check_matrix(self):
        self.assertGreater(len(self.matrix), 20)
        for row, cells in self.matrix.items():
            for label, cell in cells.items():
                user = self.users[label]
                if row.startswith("ar."):
                    self.assertIn(row, self.env, f"{row} is not a model")
                    checks = [
                        (op, op in cell, partial(self._crud, row, op, user))
                        for op in OPERATIONS
                    ]
                elif row in PARTNER_FIELDS:
                    self.assertIn(cell, ("r", "—"), row)
                    run = partial(self._read_partner_fields, row, user)
                    checks = [("r", cell == "r", run)]
                else:
                    self.assertIn(cell, ("✓", "—"), row)
                    checks = [(row, cell == "✓", partial(self._action, row, user))]
                for what, may, run in checks:
                    with self.subTest(row=row, user=label, what=what):
                        succeeded, error = self._succeeds(run)
                        self.assertEqual(
                            succeeded,
                            may,
                            f"{label} {'may' if may else 'may not'} "
                            f"{OPERATIONS.get(what, '')} {row}: {error}",
                        )


@tagged("post_install", "-at_install")
class TestAccessMatrixOrm(OrmCalls, _MatrixCase):
    def test_every_model_of_the_addon_is_in_the_matrix(self):
        ours = {
            m.model
            for m in self.env["ir.model"].search([])
            if "account_receivable_management" in m.modules.split(", ")
            and m.model.startswith("ar.")
            and not self.env[m.model]._abstract
        }
        self.assertEqual(ours, {row for row in self.matrix if row.startswith("ar.")})

    def test_every_field_added_to_a_core_model_has_groups(self):
        in_matrix = set(PARTNER_FIELDS.values())
        for model in EXTENDED_MODELS:
            for name, field in self.env[model]._fields.items():
                if not name.startswith("ar_"):
                    continue
                with self.subTest(model=model, field=name):
                    self.assertTrue(field.groups, f"{model}.{name} has no groups")
                    if model == "res.partner":
                        self.assertIn(field.groups, in_matrix, name)
        for row in PARTNER_FIELDS:
            self.assertIn(row, self.matrix)
            self.assertTrue(self._partner_fields(row), row)

    def test_matrix_through_the_orm(self):
        self._check_matrix()

    def _portal(self, user, kind, invoice=None, plan=None):
        """What the portal route runs, as ``user``, for its own entity."""
        entity = user.partner_id.commercial_partner_id
        env = self.env(user=user)
        values = self._portal_values(kind, invoice) if invoice else {}
        try:
            if kind == "account":
                if not env["account.move"]._ar_portal_invoices(entity, invoice.ids):
                    raise Refused("not among the user's open invoices")
            elif kind == "pay":
                env["account.move"]._ar_portal_payable(entity, [invoice.id])
            elif kind == "promise":
                env["ar.promise"]._ar_portal_promise(
                    entity, [invoice.id], values["amount"], values["promised_date"]
                )
            elif kind == "plan":
                env["ar.payment.plan"]._ar_portal_request(entity, [invoice.id], values)
            elif kind == "dispute":
                env["ar.dispute"]._ar_portal_open(
                    entity,
                    values["invoice_id"],
                    values["amount"],
                    values["reason_id"],
                    values["message"],
                )
            elif kind == "sign":
                mine = env["ar.payment.plan"]._ar_portal_plan(entity, plan.id)
                if not mine:
                    raise Refused("not one of the user's plans")
                mine._ar_portal_sign("Signer", SIGNATURE, plan.approval_digest)
        except UserError as error:
            raise Refused(str(error)) from error

    def _download(self, user, url):
        export_id = int(parse_qs(urlparse(url).query)["id"][0])
        self.env["ar.export"].with_user(user).browse(export_id).read(["file"])

    def _print(self, user, report, records):
        html = (
            self.env["ir.actions.report"]
            .with_user(user)
            ._render_qweb_html(report, records.ids)[0]
            .decode()
        )
        self.assertIn(records.name, html)

    def test_workflow_fields_refused_through_the_orm(self):
        self._check_workflow_fields()


@tagged("post_install", "-at_install")
class TestAccessMatrixRpc(RpcCalls, _MatrixCase, HttpCase):
    def test_matrix_over_rpc(self):
        self._check_matrix()

    def _download(self, user, url):
        """GET the workbook as ``user`` logged in, as the browser does."""
        self.authenticate(user.login, password_of(user.login))
        self._logged_in = user
        response = self.url_open(url)
        if response.status_code != 200:
            raise Refused(f"{url}: HTTP {response.status_code}")

    def _print(self, user, report, records):
        """Ask Odoo's report route for the report by name, logged in as
        ``user``: whatever the print menu shows, anyone may ask."""
        ids = ",".join(str(record_id) for record_id in records.ids)
        self._download(user, f"/report/html/{report}/{ids}")

    def test_workflow_fields_refused_over_rpc(self):
        self._check_workflow_fields()

    def _portal(self, user, kind, invoice=None, plan=None):
        """The portal route over HTTP, logged in as ``user``; refused when it
        answers with an error or leaves the invoice off the page."""
        if getattr(self, "_logged_in", None) != user:
            self.authenticate(user.login, password_of(user.login))
            self._logged_in = user
        self.env.flush_all()
        try:
            self._portal_request(kind, invoice, plan)
        finally:
            self.env.invalidate_all()

    def _portal_request(self, kind, invoice, plan):
        page = self.url_open("/my/receivables")
        if page.status_code != 200:
            raise Refused(f"/my/receivables: HTTP {page.status_code}")
        if kind == "account":
            if f">{invoice.name}<" not in page.text:
                raise Refused(f"{invoice.name} is not on the account page")
        elif kind in ("pay", "sign"):
            if kind == "pay":
                url = f"/my/receivables/transaction/invoices-{invoice.id}"
                params = {
                    "provider_id": self.provider.id,
                    "payment_method_id": self.env.ref(
                        "payment_demo.payment_method_demo"
                    ).id,
                    "token_id": None,
                    "amount": invoice.amount_residual,
                    "flow": "direct",
                    "tokenization_requested": False,
                    "landing_route": "/my/receivables",
                    "is_validation": False,
                }
            else:
                url = f"/my/plans/{plan.id}/accept/{plan.approval_digest}"
                params = {"name": "Signer", "signature": SIGNATURE}
            answer = self.url_open(
                url,
                data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}),
                headers={"Content-Type": "application/json"},
            ).json()
            if "error" in answer or "error" in (answer.get("result") or {}):
                raise Refused(str(answer))
        else:
            token = re.search(r'csrf_token: "([^"]+)"', page.text).group(1)
            data = {
                "csrf_token": token,
                "invoice_ids": [invoice.id],
                **self._portal_values(kind, invoice),
            }
            response = self.url_open(
                f"/my/receivables/{kind}", data=data, allow_redirects=False
            )
            location = response.headers.get("Location", "")
            query = parse_qs(urlparse(location).query)
            if response.status_code not in (302, 303) or "error" in query:
                raise Refused(f"{kind}: {query.get('error') or response.status_code}")
