import threading
import time
import uuid

import psycopg2.errors

from odoo import Command, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestConcurrentConfirmation(TransactionCase):
    """Two orders of one customer confirmed at the same time, in two real
    transactions, must not both pass when together they exceed the limit.

    The transactions must see each other, so this test commits on purpose, on
    records of its own, and cleans them up."""

    def _committed(self, func):
        with self.registry.cursor() as cr:
            result = func(api.Environment(cr, self.env.uid, {}))
            cr.commit()  # pylint: disable=invalid-commit
            return result

    def setUp(self):
        super().setUp()
        tag = uuid.uuid4().hex[:8]

        def build(env):
            company = env.company
            previous = company.account_use_credit_limit
            company.account_use_credit_limit = True
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
            partner._ar_credit_figures(company)
            return company.id, previous, partner.id, orders.ids

        self.company_id, previous, self.partner_id, self.order_ids = self._committed(
            build
        )

        def restore(env):
            env["res.company"].browse(
                self.company_id
            ).account_use_credit_limit = previous
            orders = env["sale.order"].browse(self.order_ids)
            orders._action_cancel()
            orders.unlink()
            env["res.partner"].browse(self.partner_id).active = False

        self.addCleanup(self._committed, restore)

    def test_second_confirmation_waits_then_sees_the_first(self):
        first_id, second_id = self.order_ids
        outcome = {}
        started = threading.Event()

        def confirm_second():
            with self.registry.cursor() as cr:
                env = api.Environment(cr, self.env.uid, {})
                started.set()
                try:
                    env["sale.order"].browse(second_id).action_confirm()
                    cr.commit()  # pylint: disable=invalid-commit
                    outcome["second"] = "confirmed"
                except psycopg2.errors.SerializationFailure:
                    outcome["second"] = "serialization failure"
                except Exception as error:
                    outcome["second"] = repr(error)

        with self.registry.cursor() as cr1:
            env1 = api.Environment(cr1, self.env.uid, {})
            env1["sale.order"].browse(first_id).action_confirm()
            # The first transaction holds the customer; the second one starts now.
            thread = threading.Thread(target=confirm_second)
            thread.start()
            started.wait(10)
            time.sleep(1.0)
            self.assertTrue(thread.is_alive(), "the second confirmation should wait")
            cr1.commit()  # pylint: disable=invalid-commit
        thread.join(30)
        # Odoo retries a request that failed to serialise: the retry sees the
        # first order and refuses the second.
        self.assertEqual(outcome.get("second"), "serialization failure")

        def retry(env):
            with self.assertRaisesRegex(UserError, "credit limit"):
                env["sale.order"].browse(second_id).action_confirm()
            return env["sale.order"].browse(self.order_ids).mapped("state")

        self.assertEqual(self._committed(retry), ["sale", "draft"])
