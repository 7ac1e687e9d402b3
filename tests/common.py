import base64
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from odoo import Command, fields, models
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.tests import new_test_user
from odoo.tests.common import JsonRpcException


class ArCommon(AccountTestInvoicingCommon):
    """A company with Sales Credit Limit on, its default policy, a customer with
    a contact, and the users of the access matrix."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.account_use_credit_limit = True
        cls.policy = cls.company.ar_policy_id
        cls.policy.block_on_limit = True  # off by default, as Odoo only warns
        cls.today = fields.Date.context_today(cls.env.user)
        cls.customer = cls.env["res.partner"].create(
            {"name": "Acme Retail", "is_company": True, "credit_limit": 1000.0}
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Ann Buyer", "parent_id": cls.customer.id}
        )
        cls.product = cls._create_product(
            name="Widget", lst_price=100.0, taxes_id=[Command.clear()]
        )
        cls.salesman = cls._user("ar_salesman", "sales_team.group_sale_salesman")
        cls.collector = cls._user(
            "ar_collector",
            "sales_team.group_sale_salesman,account_receivable_management.group_ar_collector",
        )
        cls.manager = cls._user(
            "ar_manager",
            "sales_team.group_sale_salesman_all_leads,base.group_partner_manager,"
            "account_receivable_management.group_ar_manager",
        )

    @classmethod
    def _user(cls, login, groups):
        return new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    # ------------------------------------------------------------------
    # Builders
    # ------------------------------------------------------------------
    @classmethod
    def _invoice(
        cls, partner, amount, days_old=0, term_days=30, post=True, company=None, **vals
    ):
        """A customer invoice of ``amount`` (no tax) issued ``days_old`` days ago,
        due ``term_days`` after, in ``company`` (the test company by default)."""
        invoice_date = cls.today - timedelta(days=days_old)
        moves = cls.env["account.move"]
        if company:
            moves = moves.with_company(company)
        move = moves.create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": invoice_date,
                "invoice_date_due": invoice_date + timedelta(days=term_days),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Goods",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
                **vals,
            }
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def _order(cls, partner, amount, company=None):
        """A quotation of ``amount`` (no tax) for ``partner``."""
        company = company or cls.company
        return (
            cls.env["sale.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "user_id": cls.salesman.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": cls.product.id,
                                "product_uom_qty": 1,
                                "price_unit": amount,
                                "tax_id": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )

    @classmethod
    def _confirmed_order(cls, partner, product, quantity, price=100.0):
        """A confirmed order of ``quantity`` ``product`` at ``price`` (the
        product's taxes) for ``partner``."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": quantity,
                            "price_unit": price,
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        return order

    @classmethod
    def _pay(cls, invoices, amount=None):
        """Register a payment on ``invoices`` (in full by default)."""
        return invoices._ar_register_payment(amount)

    def _approve(self, order, reason, user=None, confirm=False):
        wizard = (
            self.env["ar.credit.override.wizard"]
            .with_user(user or self.manager)
            .create({"order_id": order.id, "reason": reason})
        )
        return wizard.action_approve() if confirm else wizard.action_record()

    @classmethod
    def _hold_wizard(cls, partner, action, reason, user=None):
        return (
            cls.env["ar.hold.wizard"]
            .with_user(user or cls.manager)
            .create({"partner_id": partner.id, "action": action, "reason": reason})
            .action_confirm()
        )

    def assertHeld(self, partner, *reasons, company=None):
        partner = partner.with_company(company or self.company)
        self.assertTrue(partner.ar_credit_hold, f"{partner.name} should be on hold")
        self.assertEqual(set(partner.ar_hold_reason_ids.mapped("reason")), set(reasons))

    def assertNotHeld(self, partner, company=None):
        partner = partner.with_company(company or self.company)
        self.assertFalse(
            partner.ar_credit_hold, f"{partner.name} should not be on hold"
        )
        self.assertFalse(partner.ar_hold_reason_ids)


def shown_lines(report):
    """The aged receivables lines as *Show*'s list reads them: with its
    action's domain and context (which names the report)."""
    action = report.action_show()
    lines = report.env["ar.aging.line"].with_context(**action["context"])
    return lines.search(action["domain"])


def exported_file(env, action):
    """The bytes of the workbook an export action downloads (``ar.export``)."""
    export_id = int(parse_qs(urlparse(action["url"]).query)["id"][0])
    return base64.b64decode(env["ar.export"].browse(export_id).file)


def password_of(login):
    """The password ``new_test_user`` gives a user created without one."""
    return login + "x" * (8 - len(login))


class RpcError(JsonRpcException):
    """A call refused over JSON-RPC: ``args[0]`` names the server's exception
    (``odoo.exceptions.AccessError``), ``message`` is what the user reads."""

    def __init__(self, code, name, message):
        super().__init__(code, name)
        self.message = message


# a one-pixel PNG, as the signature pad sends a drawing
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8A"
    "AAAASUVORK5CYII="
)


def demo_provider(env, company, journal):
    """Odoo's demo payment provider for ``company``, published in test mode
    and posting to ``journal``, as a live provider of that company would be.
    The README's test command installs ``payment_demo``."""
    demo = env.ref("payment.payment_provider_demo", raise_if_not_found=False)
    if not demo or demo.sudo().module_id.state != "installed":
        raise AssertionError(
            "Odoo's demo payment provider (payment_demo) must be installed: the "
            "README's test command installs it."
        )
    provider = demo.sudo().copy({"company_id": company.id})
    provider.write({"state": "test", "is_published": True, "journal_id": journal.id})
    return provider


class _Calls:
    def assertRefused(self, error, call, *args, **kwargs):
        """The call raises ``error`` (over RPC: answers with it), and nothing it
        did is kept. Returns the message the user reads."""
        try:
            with self.env.cr.savepoint():
                call(*args, **kwargs)
        except RpcError as caught:
            self.assertEqual(caught.args[0], f"odoo.exceptions.{error.__name__}")
            return caught.message
        except error as caught:
            return str(caught)
        finally:
            self.env.invalidate_all(flush=False)  # nothing of it is kept
        self.fail(f"{error.__name__} not raised")

    def assertCreateRefused(self, error, user, model, vals, **kwargs):
        """``user`` creating a ``model`` of ``vals`` is refused with ``error``
        and nothing is kept. Returns the message the user reads."""
        return self.assertRefused(
            error, self._call, user, model, "create", vals, **kwargs
        )

    def assertWriteRefused(self, error, user, records, vals):
        """``user`` writing ``vals`` on ``records`` is refused with ``error``
        and nothing is kept. Returns the message the user reads."""
        return self.assertRefused(
            error, self._call, user, records._name, "write", vals, ids=records.ids
        )


class OrmCalls(_Calls):
    """Calls made through the ORM as a user: ``self._call(user, model, method,
    *args, ids=..., **kwargs)``; records come back as ids, as over RPC."""

    def _call(self, user, model, method, *args, ids=None, context=None, **kwargs):
        records = self.env[model].with_user(user).with_context(**(context or {}))
        result = getattr(records.browse(ids or []), method)(*args, **kwargs)
        if isinstance(result, models.BaseModel):
            return result.ids
        return result


class RpcCalls(_Calls):
    """The same calls over JSON-RPC (``/web/dataset/call_kw``), as the web
    client or a script sends them, logged in as the user (mix into an
    ``HttpCase``). A refused call raises ``RpcError``: a ``JsonRpcException``
    named after the server's exception, with its message."""

    def _call(self, user, model, method, *args, ids=None, **kwargs):
        if getattr(self, "_logged_in", None) != user:
            self.authenticate(user.login, password_of(user.login))
            self._logged_in = user
        params = {
            "model": model,
            "method": method,
            "args": [ids, *args] if ids is not None else list(args),
            "kwargs": kwargs,
        }
        # dates as the web client sends them: "YYYY-MM-DD"
        params = json.loads(json.dumps(params, default=str))
        self.env.flush_all()  # the request reads the database, not our cache
        try:
            response = self.url_open(
                "/web/dataset/call_kw",
                json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}),
                headers={"Content-Type": "application/json"},
            )
        finally:
            self.env.invalidate_all()  # what it wrote is read back from there
        response.raise_for_status()
        answer = response.json()
        if "error" in answer:
            data = answer["error"]["data"]
            raise RpcError(answer["error"]["code"], data["name"], data["message"])
        result = answer["result"]
        # one id for one record created, as the ORM side returns it: a list
        return [result] if method == "create" else result
