import base64
import json
import os
import pathlib

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME, ChromeBrowser

# Wait (in the page) until the selector matches, and give the charts a moment.
WAIT_JS = """
new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
        const found = document.querySelectorAll(%(selector)s);
        if (found.length >= %(count)s) {
            clearInterval(poll);
            setTimeout(() => resolve(found[0].innerText), 600);
        } else if (Date.now() - started > 20000) {
            clearInterval(poll);
            reject(new Error("no " + %(selector)s + " after 20 s"));
        }
    }, 100);
})
"""


@tagged("post_install", "-at_install")
class TestScreens(HttpCase):
    """The dashboard, a sliding customer's Credit & Collections tab, its
    history chart and the worklist, rendered in headless Chromium on the demo
    data as a Credit Manager, and a customer's account page, a plan to sign and
    the payment page on the portal.
    With AR_SCREENSHOTS set to a folder, each screen is also saved there as a
    PNG (``.ci/screenshots`` makes the README's)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sliding = cls.env.ref(
            "account_receivable_management.ar_demo_partner_sliding",
            raise_if_not_found=False,
        )
        cls.manager = new_test_user(
            cls.env,
            login="ar_screens_manager",
            name="Carla Credit",
            groups="base.group_user,sales_team.group_sale_salesman_all_leads,"
            "base.group_partner_manager,account_receivable_management.group_ar_manager",
            company_id=cls.env.company.id,
            company_ids=[Command.set(cls.env.company.ids)],
        )

    def _evaluate(self, browser, expression):
        result = browser._websocket_request(
            "Runtime.evaluate",
            params={
                "expression": expression,
                "awaitPromise": True,
                "returnByValue": True,
            },
            timeout=30.0,
        )
        if "exceptionDetails" in result:
            self.fail(result["exceptionDetails"].get("exception", result))
        return result["result"].get("value")

    def _wait_for(self, browser, selector, count=1):
        return self._evaluate(
            browser,
            WAIT_JS % {"selector": json.dumps(selector), "count": int(count)},
        )

    def _shoot(self, browser, name):
        folder = os.environ.get("AR_SCREENSHOTS")
        if not folder:
            return
        png = browser._websocket_request(
            "Page.captureScreenshot", params={"format": "png"}, timeout=30.0
        )["data"]
        path = pathlib.Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        (path / f"{name}.png").write_bytes(base64.b64decode(png))

    def test_screens_on_demo_data(self):
        if not self.sliding:
            self.skipTest("the screens are checked on the demo data")
        company = self.env.company
        held = self.env["res.partner"].search_count(
            [("ar_credit_hold", "=", True), ("is_company", "=", True)]
        )
        worklist = self.env["ar.worklist"].with_user(self.manager).search_count([])
        self.assertTrue(held and worklist, "the demo data has holds and work")
        # read before the browser: its requests share this cursor, and a read
        # made while one is in flight may see its cache cleared under it
        grade_expected = self.sliding.with_company(company).ar_risk_grade
        self.assertTrue(grade_expected, "the sliding customer has a grade")
        browser = ChromeBrowser(self)
        try:
            self.http_request_key = self.canonical_tag + "_screens"
            self.authenticate(self.manager.login, self.manager.login, browser=browser)
            self.cr.flush()
            self.cr.clear()
            browser._websocket_request(
                "Emulation.setDeviceMetricsOverride",
                params={
                    "width": 1440,
                    "height": 900,
                    "deviceScaleFactor": 1,
                    "mobile": False,
                },
            )
            base = self.base_url()

            # The dashboard: its on-hold card counts the held customers.
            browser.navigate_to(
                f"{base}/odoo/action-account_receivable_management.ar_dashboard_action",
                wait_stop=True,
            )
            self._wait_for(browser, ".o_ar_top_row")
            self.assertEqual(
                self._wait_for(browser, ".o_ar_card_on_hold .o_ar_card_value"),
                str(held),
            )
            self._shoot(browser, "dashboard")

            # The sliding customer's Credit & Collections tab.
            browser.navigate_to(
                f"{base}/odoo/res.partner/{self.sliding.id}", wait_stop=True
            )
            self._wait_for(browser, ".o_notebook_headers a")
            self._evaluate(
                browser,
                "[...document.querySelectorAll('.o_notebook_headers a')]"
                ".find(a => a.innerText.includes('Credit & Collections')).click()",
            )
            grade = self._wait_for(browser, ".o_form_view [name='ar_risk_grade']")
            self.assertEqual(grade.strip(), grade_expected)
            self._shoot(browser, "partner_tab")

            # Its days late over time, read from the monthly snapshots.
            self._evaluate(
                browser,
                "document.querySelector(\"button[name='action_ar_view_history']\")"
                ".click()",
            )
            self._wait_for(browser, ".o_graph_renderer canvas")
            self._shoot(browser, "partner_history")

            # Today's worklist, by priority.
            browser.navigate_to(
                f"{base}/odoo/action-account_receivable_management.ar_worklist_action",
                wait_stop=True,
            )
            self._wait_for(browser, ".o_list_view .o_data_row", min(worklist, 3))
            self._shoot(browser, "worklist")

            # The customer's side: Fjord Fisheries' accountant on the portal,
            # with its open items, the promise form and its dispute.
            portal = self.env.ref("account_receivable_management.ar_demo_portal_user")
            self.authenticate(portal.login, portal.login, browser=browser)
            self.cr.flush()
            self.cr.clear()
            browser.navigate_to(f"{base}/my/receivables", wait_stop=True)
            self._wait_for(browser, ".o_ar_portal_items tbody tr", 2)
            disputes = self._wait_for(browser, ".o_ar_portal_disputes")
            dispute = self.env.ref("account_receivable_management.ar_demo_dispute_open")
            self.assertIn(dispute.name, disputes)
            self._shoot(browser, "portal_account")

            # The plan approved for it to sign, and paying what is overdue.
            plan = self.env.ref("account_receivable_management.ar_demo_plan_to_sign")
            browser.navigate_to(f"{base}/my/plans/{plan.id}", wait_stop=True)
            self._wait_for(browser, ".o_ar_portal_schedule tbody tr", 3)
            self._wait_for(browser, ".o_ar_plan_sign_open")
            self._shoot(browser, "portal_plan")
            browser.navigate_to(f"{base}/my/receivables/pay?overdue=1", wait_stop=True)
            self._wait_for(browser, ".o_ar_pay_invoices tbody tr", 2)
            self._wait_for(browser, "button[name='o_payment_submit_button']")
            self._shoot(browser, "portal_pay")
        finally:
            browser.stop()
            self._wait_remaining_requests()
            self.http_request_key = self.canonical_tag
            self.opener.cookies[TEST_CURSOR_COOKIE_NAME] = self.http_request_key
