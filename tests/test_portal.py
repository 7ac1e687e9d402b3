import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlparse

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import html_escape

from ..controllers import portal as portal_controller
from .common import password_of
from .common_instruments import ArInstrumentCommon


class PortalCommon(ArInstrumentCommon, HttpCase):
    """A customer with two open invoices (one overdue) and its portal user,
    logged in; a rival customer with its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pat = cls.env["res.partner"].create(
            {"name": "Pat Portal", "parent_id": cls.customer.id, "email": "p@x.example"}
        )
        cls.portal = new_test_user(
            cls.env,
            login="ar_portal_pat",
            groups="base.group_portal",
            partner_id=cls.pat.id,
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.customer.with_company(cls.company).ar_collector_id = cls.collector
        cls.late = cls._invoice(cls.customer, 500.0, days_old=40, term_days=30)
        cls.soon = cls._invoice(cls.customer, 200.0, days_old=5, term_days=30)
        cls.other = cls.env["res.partner"].create(
            {"name": "Rival Ltd", "is_company": True}
        )
        cls.theirs = cls._invoice(cls.other, 900.0, days_old=40, term_days=30)

    def setUp(self):
        super().setUp()
        self.authenticate(self.portal.login, password_of(self.portal.login))

    def _page(self, url="/my/receivables"):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, response.text[-3000:])
        return response

    def _token(self):
        html = self._page().text
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def _post(self, url, data, token=True):
        if token:
            data = {**data, "csrf_token": self._token()}
        return self.url_open(url, data=data, allow_redirects=False)

    def _json_rpc(self, url, **params):
        """A JSON-RPC call to ``url``, as Odoo's web client makes it: the
        whole answer (``result`` or ``error``)."""
        response = self.url_open(
            url,
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200, response.text[-2000:])
        return response.json()

    def _redirected(self, response):
        self.assertIn(response.status_code, (302, 303))
        query = parse_qs(urlparse(response.headers["Location"]).query)
        return {key: values[0] for key, values in query.items()}


@tagged("post_install", "-at_install")
class TestPortalAccount(PortalCommon):
    """The customer's side over HTTP, logged in as its portal user: its
    account page, its statement, a promise and a dispute; and what a hostile
    portal user tries: another customer's invoice, too much, a past day, a
    form without its CSRF token."""

    def test_account_page_shows_own_items_only(self):
        html = self._page().text
        self.assertIn(self.late.name, html)
        self.assertIn(self.soon.name, html)
        self.assertNotIn(self.theirs.name, html)
        self.assertIn("/my/receivables/pay?overdue=1", html)
        # the aging as on the statement: 700 open in all
        self.assertIn("700.00", html)
        # internal risk figures never show
        self.assertNotIn("Risk", html)
        response = self._page("/my/receivables/statement")
        self.assertIn(
            "Statement%20of%20Account", response.headers["Content-Disposition"]
        )

    def test_account_page_is_paged(self):
        """A page of open invoices at a time: a customer with thousands gets
        the first page quickly (bench/README.md, portal)."""
        self.patch(portal_controller, "PAGE_SIZE", 1)
        first = self._page().text
        self.assertIn(self.late.name, first)
        self.assertNotIn(f">{self.soon.name}<", first)
        second = self._page("/my/receivables/page/2").text
        self.assertIn(f">{self.soon.name}<", second)
        self.assertNotIn(f">{self.late.name}<", second)
        # the aging still covers everything
        self.assertIn("700.00", second)

    def test_page_shows_only_notices_it_made(self):
        """A refused form comes back with its reason on the account page; a
        link made elsewhere with its own "error" or "message" in the query
        shows nothing (no one else's words in the company's page)."""
        response = self._post(
            "/my/receivables/promise",
            {"invoice_ids": [self.theirs.id], "amount": "100"},
        )
        location = response.headers["Location"]
        reason = self._redirected(response)["error"]
        page = self._page(location).text
        self.assertIn("o_ar_portal_error", page)
        self.assertIn(html_escape(reason), page)
        forged = "Your account is frozen: wire what you owe to IBAN XX00 0000"
        for query in (
            {"error": forged},
            {"message": forged},
            {"error": forged, "signature": "0" * 64},
            # the genuine signature of another notice
            {"error": forged, "signature": self._redirected(response)["signature"]},
        ):
            with self.subTest(query=query):
                page = self._page("/my/receivables?" + urlencode(query)).text
                self.assertNotIn("IBAN", page)
                self.assertNotIn("o_ar_portal_error", page)
                self.assertNotIn("o_ar_portal_message", page)
        reason_id = self.env.ref("account_receivable_management.dispute_reason_price")
        dispute = self.env["ar.dispute"].create(
            {"move_id": self.late.id, "amount": 5.0, "reason_id": reason_id.id}
        )
        dispute_page = self._page(
            f"{dispute.access_url}?" + urlencode({"error": forged})
        ).text
        self.assertIn(dispute.name, dispute_page)
        self.assertNotIn("IBAN", dispute_page)

    def test_promise_within_the_portal_days(self):
        self.assertNotIn("o_ar_promised", self._page().text)
        day = self.today + timedelta(days=10)
        response = self._post(
            "/my/receivables/promise",
            {"invoice_ids": [self.late.id], "amount": "500", "promised_date": str(day)},
        )
        self.assertIn("Thank you", self._redirected(response)["message"])
        promise = self.env["ar.promise"].search([("partner_id", "=", self.customer.id)])
        self.assertRecordValues(
            promise,
            [
                {
                    "channel": "portal",
                    "amount": 500.0,
                    "promised_date": day,
                    "state": "open",
                    "user_id": self.collector.id,
                    "contact_id": self.pat.id,
                }
            ],
        )
        self.assertEqual(promise.invoice_ids, self.late)
        self.assertEqual(promise.activity_ids.user_id, self.collector)
        # the page says so
        self.assertIn("o_ar_promised", self._page().text)
        # reminders pause for it, as for any promise
        run = self.env["ar.reminder.run"]._prepare(self.company)
        self.assertNotIn(self.late, run.line_ids.line_ids.move_id)

    def test_promise_further_ahead_is_a_request(self):
        day = self.today + timedelta(days=40)
        response = self._post(
            "/my/receivables/promise",
            {"invoice_ids": [self.late.id], "amount": "500", "promised_date": str(day)},
        )
        self.assertIn("further ahead", self._redirected(response)["message"])
        self.assertFalse(
            self.env["ar.promise"].search([("partner_id", "=", self.customer.id)])
        )
        activity = self.customer.activity_ids
        self.assertEqual(activity.user_id, self.collector)
        self.assertIn("asks to pay", activity.summary)

    def test_hostile_promises_write_nothing(self):
        cases = [
            ({"invoice_ids": [self.theirs.id]}, "your open invoices"),
            ({"invoice_ids": [self.late.id, self.theirs.id]}, "your open invoices"),
            ({"invoice_ids": ["1 OR 1=1"]}, "your open invoices"),
            ({"amount": "500.01"}, "more than"),
            ({"amount": "-5"}, "positive"),
            ({"amount": "lots"}, "as a number"),
            ({"promised_date": str(self.today - timedelta(days=1))}, "past"),
            ({"promised_date": "someday"}, "day you will pay"),
        ]
        for change, expected in cases:
            with self.subTest(change=change):
                data = {
                    "invoice_ids": [self.late.id],
                    "amount": "100",
                    "promised_date": str(self.today + timedelta(days=3)),
                    **change,
                }
                response = self._post("/my/receivables/promise", data)
                self.assertIn(expected, self._redirected(response)["error"])
        self.assertFalse(
            self.env["ar.promise"].search([("channel", "=", "portal")]),
            "nothing written",
        )

    def test_ask_for_a_payment_plan(self):
        first = self.today + timedelta(days=7)
        response = self._post(
            "/my/receivables/plan",
            {
                "invoice_ids": [self.late.id, self.soon.id],
                "installment_count": "4",
                "frequency": "monthly",
                "first_date": str(first),
                "funding_source": "The harbour contract pays in March.",
                "overhead_cuts": "One truck sold.",
                "business_changes": "Deposits on new orders.",
            },
        )
        self.assertIn("payment plan", self._redirected(response)["message"])
        plan = self.env["ar.payment.plan"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertRecordValues(
            plan,
            [
                {
                    "state": "draft",
                    "installment_count": 4,
                    "frequency": "monthly",
                    "first_date": first,
                    "funding_source": "The harbour contract pays in March.",
                    "user_id": self.collector.id,
                }
            ],
        )
        self.assertEqual(plan.invoice_ids, self.late | self.soon)
        self.assertEqual(len(plan.line_ids), 4)
        self.assertEqual(plan.activity_ids.user_id, self.collector)
        # refused: another customer's invoice, no installments, a past day
        for change, expected in (
            ({"invoice_ids": [self.theirs.id]}, "your open invoices"),
            ({"installment_count": "0"}, "between 1 and"),
            ({"frequency": "daily"}, "how often"),
            ({"first_date": str(self.today - timedelta(days=1))}, "from today"),
        ):
            data = {
                "invoice_ids": [self.late.id],
                "installment_count": "2",
                "frequency": "monthly",
                "first_date": str(first),
                **change,
            }
            response = self._post("/my/receivables/plan", data)
            self.assertIn(expected, self._redirected(response)["error"])
        plans = self.env["ar.payment.plan"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(plans, plan, "nothing else written")

    def test_forms_need_their_csrf_token(self):
        data = {
            "invoice_ids": [self.late.id],
            "amount": "100",
            "promised_date": str(self.today + timedelta(days=3)),
        }
        response = self._post("/my/receivables/promise", data, token=False)
        self.assertEqual(response.status_code, 400)
        response = self._post(
            "/my/receivables/dispute",
            {"invoice_id": self.late.id, "amount": "10", "reason_id": 1},
            token=False,
        )
        self.assertEqual(response.status_code, 400)
        response = self._post(
            "/my/receivables/plan",
            {
                "invoice_ids": [self.late.id],
                "installment_count": "2",
                "frequency": "monthly",
                "first_date": str(self.today + timedelta(days=3)),
            },
            token=False,
        )
        self.assertEqual(response.status_code, 400)
        response = self._post(
            "/my/receivables/pay", {"invoice_ids": [self.late.id]}, token=False
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.env["ar.promise"].search([("channel", "=", "portal")]))
        self.assertFalse(self.env["ar.dispute"].search([]))
        self.assertFalse(
            self.env["ar.payment.plan"].search([("partner_id", "=", self.customer.id)])
        )
        # withdrawing a dispute, too
        reason = self.env.ref("account_receivable_management.dispute_reason_price")
        dispute = self.env["ar.dispute"].create(
            {"move_id": self.late.id, "amount": 5.0, "reason_id": reason.id}
        )
        response = self._post(
            f"{dispute.access_url}/withdraw", {"why": "x"}, token=False
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(dispute.state, "open")

    def test_dispute_from_the_portal(self):
        reason = self.env.ref("account_receivable_management.dispute_reason_damaged")
        response = self._post(
            "/my/receivables/dispute",
            {
                "invoice_id": self.late.id,
                "amount": "120",
                "reason_id": reason.id,
                "message": "Three boxes arrived crushed.",
            },
        )
        dispute = self.env["ar.dispute"].search([("move_id", "=", self.late.id)])
        self.assertEqual(
            response.headers["Location"].split("?")[0][-len(dispute.access_url) :],
            dispute.access_url,
        )
        self.assertRecordValues(
            dispute,
            [
                {
                    "channel": "portal",
                    "state": "open",
                    "amount": 120.0,
                    "user_id": self.collector.id,
                    "description": "Three boxes arrived crushed.",
                }
            ],
        )
        page = self._page(dispute.access_url).text
        self.assertIn(dispute.name, page)
        self.assertIn("Withdraw", page)
        # another customer's dispute is not shown
        theirs = self.env["ar.dispute"].create(
            {"move_id": self.theirs.id, "amount": 5.0, "reason_id": reason.id}
        )
        response = self.url_open(theirs.access_url, allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertNotIn(theirs.name, self._page().text)
        # nor withdrawn by this customer
        self._post(f"{theirs.access_url}/withdraw", {})
        self.assertEqual(theirs.state, "open")
        # nor its own dispute in a company the portal user is not a customer
        # of (its invoices there are not shown either)
        other_company = self.setup_other_company(name="Company P")["company"]
        elsewhere = self._invoice(self.customer, 300.0, company=other_company)
        hidden = (
            self.env["ar.dispute"]
            .with_company(other_company)
            .create({"move_id": elsewhere.id, "amount": 7.0, "reason_id": reason.id})
        )
        self.assertEqual(hidden.company_id, other_company)
        response = self.url_open(hidden.access_url, allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertNotIn(hidden.name, self._page().text)
        self._post(f"{hidden.access_url}/withdraw", {})
        self.assertEqual(hidden.state, "open")
        # over what is open, on another's invoice: refused, nothing written
        for data, expected in (
            ({"invoice_id": self.soon.id, "amount": "999"}, "more than"),
            ({"invoice_id": self.theirs.id, "amount": "5"}, "your open invoices"),
            ({"invoice_id": self.soon.id, "amount": "5", "reason_id": "x"}, "why"),
        ):
            response = self._post(
                "/my/receivables/dispute", {"reason_id": reason.id, **data}
            )
            self.assertIn(expected, self._redirected(response)["error"])
        self.assertFalse(
            self.env["ar.dispute"].search([("move_id", "=", self.soon.id)])
        )
        # what the credit team drafts as its answer is not the customer's to
        # read before the dispute is resolved, not even over the ORM
        dispute.with_user(self.collector).resolution = "Draft: probably credit"
        mine = self.env["ar.dispute"].with_user(self.portal).browse(dispute.id)
        self.assertEqual(mine.read(["name"])[0]["name"], dispute.name)
        self.assertNotIn("resolution", mine.fields_get())
        with self.assertRaises(AccessError):
            mine.read(["resolution"])
        self.assertNotIn("probably credit", self._page(dispute.access_url).text)
        # withdrawn by the customer
        self._post(f"{dispute.access_url}/withdraw", {})
        self.assertEqual(dispute.state, "withdrawn")
