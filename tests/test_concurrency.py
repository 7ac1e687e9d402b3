import threading
import time
import uuid
from datetime import timedelta

import psycopg2.errors

from odoo import Command, api, fields
from odoo.exceptions import UserError
from odoo.http import _request_stack
from odoo.service.model import MAX_TRIES_ON_CONCURRENCY_FAILURE
from odoo.tests import TransactionCase, tagged


class _RequestOnItsLastTry:
    """Stands for an HTTP request (``odoo.http.request``) whose earlier tries
    failed to serialise: its next failure is its last."""

    _ar_serialization_tries = MAX_TRIES_ON_CONCURRENCY_FAILURE - 1


class _CommittingCase(TransactionCase):
    """Runs ``func(env)`` in a transaction of its own and commits it, so that
    other transactions see what it did."""

    def _committed(self, func):
        with self.registry.cursor() as cr:
            result = func(api.Environment(cr, self.env.uid, {}))
            cr.commit()  # pylint: disable=invalid-commit
            return result


@tagged("post_install", "-at_install")
class TestConcurrentConfirmation(_CommittingCase):
    """Two orders of one customer confirmed at the same time, in two real
    transactions, must not both pass when together they exceed the limit.

    The transactions must see each other, so this test commits on purpose, on
    records of its own, and cleans them up."""

    def setUp(self):
        super().setUp()
        tag = uuid.uuid4().hex[:8]

        def build(env):
            company = env.company
            previous = (
                company.account_use_credit_limit,
                company.ar_policy_id.block_on_limit,
            )
            company.account_use_credit_limit = True
            company.ar_policy_id.block_on_limit = True
            partner = env["res.partner"].create(
                {"name": f"Race {tag}", "is_company": True, "credit_limit": 1000.0}
            )
            product = env["product.product"].create(
                {"name": f"Race widget {tag}", "type": "service", "list_price": 600.0}
            )
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "price_unit": 600.0,
                                    "tax_id": [Command.clear()],
                                }
                            )
                        ],
                    }
                    for _ in range(2)
                ]
            )
            # Today's figures are already computed, as after the nightly job: the
            # confirmations only read them, so only the lock can serialise them.
            env["ar.credit.figures"]._of(partner, company)
            return company.id, previous, partner.id, orders.ids

        self.company_id, previous, self.partner_id, self.order_ids = self._committed(
            build
        )

        def restore(env):
            company = env["res.company"].browse(self.company_id)
            company.account_use_credit_limit = previous[0]
            company.ar_policy_id.block_on_limit = previous[1]
            orders = env["sale.order"].browse(self.order_ids)
            orders._action_cancel()
            orders.unlink()
            env["res.partner"].browse(self.partner_id).active = False

        self.addCleanup(self._committed, restore)

    def _race(self, request=None):
        """Confirm the first order and, while its transaction is open, the
        second in another: {"second": what became of it}. With ``request``,
        the second runs as part of that HTTP request."""
        first_id, second_id = self.order_ids
        outcome = {}
        started = threading.Event()

        def confirm_second():
            if request:
                _request_stack.push(request)
            with self.registry.cursor() as cr:
                env = api.Environment(cr, self.env.uid, {})
                started.set()
                try:
                    env["sale.order"].browse(second_id).action_confirm()
                    cr.commit()  # pylint: disable=invalid-commit
                    outcome["second"] = "confirmed"
                except psycopg2.errors.SerializationFailure:
                    outcome["second"] = "serialization failure"
                except UserError as error:
                    outcome["second"] = str(error)
                except Exception as error:
                    outcome["second"] = repr(error)
                finally:
                    if request:
                        _request_stack.pop()

        with self.assertNoLogs("odoo.sql_db", "ERROR"):
            with self.registry.cursor() as cr1:
                env1 = api.Environment(cr1, self.env.uid, {})
                env1["sale.order"].browse(first_id).action_confirm()
                # The first transaction holds the customer; the second starts now.
                thread = threading.Thread(target=confirm_second)
                thread.start()
                started.wait(10)
                time.sleep(1.0)
                self.assertTrue(thread.is_alive(), "the second should wait")
                cr1.commit()  # pylint: disable=invalid-commit
            thread.join(30)
        return outcome

    def test_second_confirmation_waits_then_sees_the_first(self):
        # Odoo retries a request that failed to serialise (quietly: no error
        # logged for an expected failure): the retry sees the first order and
        # refuses the second.
        self.assertEqual(self._race().get("second"), "serialization failure")
        second_id = self.order_ids[1]

        def retry(env):
            with self.assertRaisesRegex(UserError, "credit limit"):
                env["sale.order"].browse(second_id).action_confirm()
            return env["sale.order"].browse(self.order_ids).mapped("state")

        self.assertEqual(self._committed(retry), ["sale", "draft"])

    def test_last_try_says_so_in_words(self):
        """When the request has used its tries, the user reads what happened
        instead of PostgreSQL's error, and nothing is confirmed."""
        request = _RequestOnItsLastTry()
        second = self._race(request).get("second")
        self.assertIn("confirmed at the same moment", second)
        self.assertIn("try again", second)

        def states(env):
            return env["sale.order"].browse(self.order_ids).mapped("state")

        self.assertEqual(self._committed(states), ["sale", "draft"])


@tagged("post_install", "-at_install")
class TestConcurrentPromiseEvaluation(_CommittingCase):
    """Two cron workers judging the same broken promise at the same time, in
    two real transactions: it is judged once, with one activity, one chatter
    note and one broken promise on the customer. Commits on purpose, on records
    of its own, and cleans them up."""

    def setUp(self):
        super().setUp()
        tag = uuid.uuid4().hex[:8]

        def build(env):
            # the user's day, as the promise's checks read it
            today = fields.Date.context_today(env.user)
            partner = env["res.partner"].create(
                {"name": f"Promise race {tag}", "is_company": True}
            )
            invoice = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": today - timedelta(days=40),
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Goods", "price_unit": 500.0, "tax_ids": []}
                        )
                    ],
                }
            )
            invoice.action_post()
            promise = env["ar.promise"].create(
                {
                    "partner_id": partner.id,
                    "invoice_ids": [Command.set(invoice.ids)],
                    "amount": 500.0,
                    "promised_date": today,
                }
            )
            return partner.id, invoice.id, promise.id, promise.deadline

        self.partner_id, invoice_id, self.promise_id, deadline = self._committed(build)
        self.judge_day = deadline + timedelta(days=1)

        def clean(env):
            env["mail.activity"].search(
                [("res_model", "=", "ar.promise"), ("res_id", "=", self.promise_id)]
            ).unlink()
            env.cr.execute("DELETE FROM ar_promise WHERE id = %s", [self.promise_id])
            invoice = env["account.move"].browse(invoice_id)
            invoice.button_draft()
            invoice.unlink()
            env["res.partner"].browse(self.partner_id).active = False

        self.addCleanup(self._committed, clean)

    def test_two_workers_judge_once(self):
        barrier = threading.Barrier(2, timeout=20)
        outcomes = []

        def worker():
            with self.registry.cursor() as cr:
                env = api.Environment(cr, self.env.uid, {})
                promises = env["ar.promise"].search(
                    [("id", "=", self.promise_id), ("state", "=", "open")]
                )
                barrier.wait()  # both have read the promise as open
                try:
                    promises._ar_evaluate(today=self.judge_day)
                    cr.commit()  # pylint: disable=invalid-commit
                    outcomes.append("ran")
                except psycopg2.errors.SerializationFailure:
                    cr.rollback()
                    outcomes.append("serialization failure")

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual(len(outcomes), 2, outcomes)

        def check(env):
            promise = env["ar.promise"].browse(self.promise_id)
            partner = env["res.partner"].browse(self.partner_id)
            activities = env["mail.activity"].search_count(
                [("res_model", "=", "ar.promise"), ("res_id", "=", promise.id)]
            )
            notes = promise.message_ids.filtered(
                lambda m: "Broken promise" in (m.body or "")
            )
            return (
                promise.state,
                activities,
                len(notes),
                partner.ar_promise_broken_count,
            )

        self.assertEqual(self._committed(check), ("broken", 1, 1, 1))
