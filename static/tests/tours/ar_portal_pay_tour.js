/** @odoo-module **/
/*
 * A customer on the portal pays two invoices at once, by card, through
 * Odoo's demo payment provider.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ar_portal_pay_tour", {
    url: "/my/receivables",
    steps: () => [
        {
            content: "Tick the first open invoice",
            trigger:
                ".o_ar_portal_items tbody tr:nth-child(1) input[name='invoice_ids']",
            run: "click",
        },
        {
            content: "and the second",
            trigger:
                ".o_ar_portal_items tbody tr:nth-child(2) input[name='invoice_ids']",
            run: "click",
        },
        {
            content: "Pay them",
            trigger: ".o_ar_pay_selected",
            run: "click",
        },
        {
            content: "The payment page lists both, for their total",
            trigger: ".o_ar_portal_pay .o_ar_pay_invoices tbody tr:nth-child(2)",
        },
        {
            content: "Pay by card with the demo provider",
            trigger: "input[name='o_payment_radio']",
            run: "click",
        },
        {
            trigger: "#customer_input",
            run: "edit 4242424242424242",
        },
        {
            trigger: "button[name='o_payment_submit_button']:enabled",
            run: "click",
        },
        {
            content: "Back on the account: nothing is open any more",
            trigger: ".o_ar_portal_account .alert-info:contains('Nothing is open')",
        },
    ],
});
