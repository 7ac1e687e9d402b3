from datetime import timedelta

import psycopg2

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger

from ..models import paid_facts, sql_tools
from ..models.account_move import open_invoice_predicate_sql
from .common_instruments import ArInstrumentCommon


@tagged("post_install", "-at_install")
class TestPaidFacts(ArInstrumentCommon):
    """The paid facts stored on each customer invoice follow its
    reconciliations, and always equal a recompute from them."""

    def _day(self, days_ago):
        return self.today - timedelta(days=days_ago)

    def _pay_on(self, invoice, amount, days_ago):
        return invoice._ar_register_payment(
            amount=amount, payment_date=self._day(days_ago)
        )

    def _facts(self, invoice):
        invoice.invalidate_recordset()
        return tuple(invoice[column] for column in paid_facts.COLUMNS)

    def assertStoredFactsAreRecomputed(self):
        """Every customer invoice's stored facts are what its reconciliations
        give now (none for those without any)."""
        self.env.flush_all()
        recomputed = {
            row[0]: tuple(row[1:])
            for row in self.env.execute_query(
                paid_facts.facts_sql(
                    SQL("SELECT id FROM account_move WHERE move_type = 'out_invoice'")
                )
            )
        }
        stored = self.env.execute_query(
            SQL(
                "SELECT id, %s FROM account_move WHERE move_type = 'out_invoice'",
                SQL(", ").join(SQL.identifier(c) for c in paid_facts.COLUMNS),
            )
        )
        self.assertTrue(stored)
        for move_id, *values in stored:
            self.assertEqual(
                tuple(values),
                recomputed.get(move_id, (None,) * len(paid_facts.COLUMNS)),
                move_id,
            )

    def test_partial_payments_credit_note_and_unreconcile(self):
        invoice = self._invoice(self.customer, 1000.0, days_old=60)  # due in 30
        self.assertEqual(self._facts(invoice), (0.0, False, 0.0, 0.0, 0.0, 0.0, False))

        first = self._pay_on(invoice, 400.0, 30)
        second = self._pay_on(invoice, 500.0, 20)
        refund = self._invoice(
            self.customer, 100.0, days_old=10, move_type="out_refund", post=True
        )
        (refund + invoice).line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        ).reconcile()
        self.assertPaid(invoice)
        # Paid 30 and 40 days after the invoice, on time and 10 days late:
        # weighted, 24.4 days ago.
        self.assertEqual(
            self._facts(invoice),
            (
                900.0,
                self._day(24),
                400.0 * 30 + 500.0 * 40,
                500.0 * 10,
                100.0,
                0.0,
                self._day(10),
            ),
        )
        self.assertStoredFactsAreRecomputed()

        # Unreconciling the second payment takes it out again.
        second.move_id.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        ).remove_move_reconcile()
        self.assertEqual(
            self._facts(invoice),
            (400.0, self._day(30), 400.0 * 30, 0.0, 100.0, 0.0, self._day(10)),
        )
        self.assertStoredFactsAreRecomputed()

        # Resetting the first payment to draft too: only the credit note is left.
        first.action_draft()
        self.assertEqual(self._facts(invoice)[:6], (0.0, False, 0.0, 0.0, 100.0, 0.0))
        self.assertStoredFactsAreRecomputed()

    def test_a_new_due_date_moves_the_days_late(self):
        invoice = self._invoice(self.customer, 1000.0, days_old=60, term_days=30)
        self._pay_on(invoice, 1000.0, 10)  # 50 days to pay, 20 late
        self.assertEqual(self._facts(invoice)[2:4], (50_000.0, 20_000.0))
        invoice.invoice_date_due = self._day(5)  # granted later: on time
        self.assertEqual(self._facts(invoice)[2:4], (50_000.0, 0.0))
        self.assertStoredFactsAreRecomputed()

    def test_foreign_currency_facts_are_in_company_currency(self):
        # 3000 EUR booked at 2.0 (1500), paid when the rate is 2.5 (1200): the
        # payment counts for 1200 and the exchange difference as "other".
        invoice = self._invoice(
            self.customer, 3000.0, days_old=50, currency_id=self.eur.id
        )
        self._pay_on(invoice, 3000.0, 5)
        self.assertPaid(invoice)
        paid, paid_on, paid_days, late_days, credited, other, last = self._facts(
            invoice
        )
        self.assertAlmostEqual(paid, 1200.0)
        self.assertEqual(paid_on, self._day(5))
        self.assertAlmostEqual(paid_days, 1200.0 * 45)
        self.assertAlmostEqual(late_days, 1200.0 * 15)
        self.assertAlmostEqual(other, 300.0)
        self.assertEqual(credited, 0.0)
        # the exchange difference entry is dated on its own day, not before
        self.assertGreaterEqual(last, self._day(5))
        self.assertStoredFactsAreRecomputed()

    def test_a_settlement_payment_is_not_a_payment(self):
        invoice = self._taxed_invoice(1000.0)  # 1150.00
        settlement = self.env["ar.settlement"].create(
            {
                "partner_id": self.customer.id,
                "invoice_ids": [(6, 0, invoice.ids)],
                "amount_agreed": 1000.0,
                "journal_id": self.bank.id,
                "method": "write_off",
            }
        )
        settlement.with_user(self.manager).action_approve()
        settlement.with_user(self.collector).action_settle()
        self.assertPaid(invoice)
        paid, _on, _days, _late, credited, other, _last = self._facts(invoice)
        # The whole invoice was settled by the negotiated payment and its
        # write-off: none of it times the customer's payments.
        self.assertEqual((paid, credited), (0.0, 0.0))
        self.assertAlmostEqual(other, 1150.0)
        self.assertStoredFactsAreRecomputed()

    def test_metrics_replayed_on_a_past_day_read_the_facts_as_of_it(self):
        invoice = self._invoice(self.customer, 1000.0, days_old=60, term_days=30)
        self._pay_on(invoice, 400.0, 40)  # 20 days to pay, on time
        self._pay_on(invoice, 600.0, 10)  # 50 days to pay, 20 late
        Metrics = self.env["ar.partner.metrics"]

        def row():
            return Metrics.search(
                [
                    ("partner_id", "=", self.customer.id),
                    ("company_id", "=", self.company.id),
                ]
            )

        Metrics._run(companies=self.company)
        self.assertAlmostEqual(row().avg_days_to_pay, (400 * 20 + 600 * 50) / 1000)
        # 20 days ago only the first payment had come: its 400 time the invoice
        # (paid today, so it counts as paid).
        Metrics._run(companies=self.company, today=self._day(20))
        self.assertAlmostEqual(row().paid_amount, 400.0)
        self.assertAlmostEqual(row().avg_days_to_pay, 20.0)
        self.assertEqual(row().avg_days_late, 0.0)
        # Before any payment, the invoice has no paid facts: nothing was paid.
        Metrics._run(companies=self.company, today=self._day(50))
        self.assertEqual(row().paid_count, 0)
        self.assertEqual(row().paid_amount, 0.0)


@tagged("post_install", "-at_install")
class TestBatchSettings(TransactionCase):
    """The nightly statements' server settings hold inside the block only."""

    def _settings(self):
        [row] = self.env.execute_query(
            SQL("SELECT current_setting('jit'), current_setting('work_mem')")
        )
        return row

    def test_set_inside_restored_after(self):
        before = self._settings()
        with sql_tools.batch_settings(self.env):
            self.assertEqual(self._settings(), ("off", "16MB"))
        self.assertEqual(self._settings(), before)

    def test_a_failing_statement_keeps_its_error(self):
        before = self._settings()
        with (
            self.assertRaises(psycopg2.errors.DivisionByZero),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
            sql_tools.batch_settings(self.env),
        ):
            self.env.execute_query(SQL("SELECT 1 / 0"))
        self.assertEqual(self._settings(), before)


@tagged("post_install", "-at_install")
class TestOpenInvoiceFlag(ArInstrumentCommon):
    """``account.move.ar_open_invoice``, the one definition of an open
    customer invoice, follows the invoice through its life and agrees with
    the three fields it stands for on every move of the database."""

    def _flag(self, move):
        self.env.flush_all()
        [(stored,)] = self.env.execute_query(
            SQL("SELECT ar_open_invoice FROM account_move WHERE id = %s", move.id)
        )
        return stored

    def assertFlagAgreesEverywhere(self):
        self.env.flush_all()
        [(wrong,)] = self.env.execute_query(
            SQL(
                "SELECT COUNT(*) FROM account_move m"
                " WHERE COALESCE(m.ar_open_invoice, FALSE) IS DISTINCT FROM (%s)",
                open_invoice_predicate_sql("m"),
            )
        )
        self.assertEqual(wrong, 0)

    def test_the_flag_follows_the_invoice(self):
        invoice = self._invoice(self.customer, 500.0, days_old=40, post=False)
        self.assertFalse(self._flag(invoice), "draft")
        invoice.action_post()
        self.assertTrue(self._flag(invoice), "posted, not paid")
        self._pay(invoice, 200.0)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertTrue(self._flag(invoice), "partly paid")
        self._pay(invoice, 300.0)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertFalse(self._flag(invoice), "paid")
        invoice.line_ids.remove_move_reconcile()
        self.assertTrue(self._flag(invoice), "unreconciled: open again")
        invoice.button_draft()
        self.assertFalse(self._flag(invoice), "reset to draft")
        invoice.button_cancel()
        self.assertFalse(self._flag(invoice), "cancelled")
        refund = self._invoice(self.customer, 80.0, move_type="out_refund")
        self.assertFalse(self._flag(refund), "a credit note is not an invoice")
        self.assertFlagAgreesEverywhere()

    def test_store_in_sql_fixes_what_was_written_in_sql(self):
        """Moves written straight into the database (the benchmarks' copies)
        get their flag from one UPDATE."""
        invoice = self._invoice(self.customer, 500.0, days_old=40)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET ar_open_invoice = NULL WHERE id = %s",
                invoice.id,
            )
        )
        self.env["account.move"]._ar_store_open_invoices()
        self.assertTrue(self._flag(invoice))
        self.assertFlagAgreesEverywhere()

    def test_users_cannot_set_the_flag(self):
        invoice = self._invoice(self.customer, 500.0, days_old=40, post=False)
        for user in (self.collector, self.manager):
            with self.assertRaisesRegex(AccessError, "Open Customer Invoice"):
                invoice.with_user(user).write({"ar_open_invoice": True})
        self.assertFalse(self._flag(invoice))
