/** @odoo-module **/
/*
 * A Credit Controller approves the payment plan a customer asked for on the
 * portal, for the customer to sign.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ar_plan_approve_tour", {
    steps: () => [
        {
            content: "The customer's answers are on the plan",
            trigger: ".o_form_view .o_notebook a:contains('Recovery Plan')",
            run: "click",
        },
        {
            trigger:
                ".o_form_view div[name='funding_source'] textarea:value(The harbour contract pays in March.)",
        },
        {
            content: "Approve it for the customer's signature",
            trigger: ".o_form_view button[name='action_approve_signature']",
            run: "click",
        },
        {
            content: "It now waits for the signature",
            trigger: ".o_form_view .alert-info:contains('waiting for the customer')",
        },
        {
            trigger: ".o_form_view button[name='action_withdraw_approval']",
        },
    ],
});
