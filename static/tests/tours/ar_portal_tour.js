/** @odoo-module **/
/*
 * A customer on the portal: its account, a promise to pay on an invoice, a
 * payment plan asked for another, and a dispute on it.
 */
import { registry } from "@web/core/registry";

function isoDay(daysAhead) {
    const day = new Date(Date.now() + daysAhead * 86400000);
    return day.toISOString().slice(0, 10);
}

registry.category("web_tour.tours").add("ar_portal_tour", {
    url: "/my",
    steps: () => [
        {
            content: "Your Account, from the portal's home",
            trigger: "a[href='/my/receivables']",
            run: "click",
        },
        {
            content: "The statement is there to download",
            trigger: "a.o_ar_statement_download",
        },
        {
            content: "Tick the first open invoice",
            trigger:
                ".o_ar_portal_items tbody tr:first-child input[name='invoice_ids']",
            run: "click",
        },
        {
            trigger: "#ar_promise_amount",
            run: "edit 100",
        },
        {
            trigger: "#ar_promise_date",
            run() {
                this.anchor.value = isoDay(3);
            },
        },
        {
            content: "Promise to pay",
            trigger: ".o_ar_promise_submit",
            run: "click",
        },
        {
            content: "The promise is noted",
            trigger: ".o_ar_portal_message:contains('Thank you')",
        },
        {
            content: "Tick the second invoice to ask for a plan",
            trigger:
                ".o_ar_portal_items tbody tr:nth-child(2) input[name='invoice_ids']",
            run: "click",
        },
        {
            trigger: "#ar_plan_count",
            run: "edit 2",
        },
        {
            trigger: "#ar_plan_first",
            run() {
                this.anchor.value = isoDay(10);
            },
        },
        {
            trigger: "#ar_plan_funding",
            run: "edit The harbour contract pays in March.",
        },
        {
            content: "Ask for a payment plan",
            trigger: ".o_ar_plan_submit",
            run: "click",
        },
        {
            content: "The request went to the credit team",
            trigger: ".o_ar_portal_message:contains('payment plan')",
        },
        {
            content: "Dispute the second invoice",
            trigger: "#ar_dispute_invoice",
            run() {
                this.anchor.selectedIndex = 1;
            },
        },
        {
            trigger: "#ar_dispute_amount",
            run: "edit 50",
        },
        {
            trigger: "#ar_dispute_message",
            run: "edit The unit price is not the one quoted.",
        },
        {
            trigger: ".o_ar_dispute_submit",
            run: "click",
        },
        {
            content: "The dispute's page, with its conversation",
            trigger: ".o_ar_portal_dispute h3:contains('Dispute')",
        },
        {
            trigger: ".o_ar_portal_dispute .o_ar_dispute_withdraw",
        },
    ],
});
