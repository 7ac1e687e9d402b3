from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCreditManagerTour(HttpCase):
    """In headless Chromium, as a Credit Manager: dashboard, on-hold card, the
    held customer's tab, a quotation refused for credit, the override with its
    reason, and the aged receivables exported to Excel."""

    def test_credit_manager_morning(self):
        company = self.env.company
        manager = new_test_user(
            self.env,
            login="ar_tour_manager",
            groups="base.group_user,sales_team.group_sale_salesman_all_leads,"
            "base.group_partner_manager,account_receivable_management.group_ar_manager",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
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
