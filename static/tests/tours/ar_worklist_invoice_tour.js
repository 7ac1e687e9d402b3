/** @odoo-module **/
/*
 * A Credit Controller works the worklist: a row opens its invoice, and the
 * invoice's own "Promise to Pay" records a promise for what it leaves open.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ar_worklist_invoice_tour", {
    steps: () => [
        {
            content: "Today's worklist: open the customer's overdue invoice",
            trigger:
                ".o_list_view .o_data_row:contains('Tour Worklist Customer') td[name='reference']",
            run: "click",
        },
        {
            content: "The invoice itself",
            trigger:
                ".o_form_view .o_field_widget[name='partner_id']:contains('Tour Worklist Customer')",
        },
        {
            content: "Promise to pay, from the invoice",
            trigger:
                ".o_form_view .o_form_statusbar button[name='action_ar_record_promise']",
            run: "click",
        },
        {
            content: "The promise starts at what the invoice leaves open",
            trigger: ".modal div[name='amount'] input:value(9,000.00)",
        },
        {
            trigger: ".modal div[name='promised_date'] input",
            run() {
                const day = new Date(Date.now() + 5 * 86400000);
                const text = `${String(day.getMonth() + 1).padStart(2, "0")}/${String(
                    day.getDate()
                ).padStart(2, "0")}/${day.getFullYear()}`;
                this.anchor.value = text;
                this.anchor.dispatchEvent(new Event("input", { bubbles: true }));
                this.anchor.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            content: "Save it",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});
