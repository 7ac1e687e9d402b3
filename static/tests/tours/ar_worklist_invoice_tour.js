/** @odoo-module **/
/*
 * A Credit Controller works the worklist: a row opens its invoice, and the
 * invoice's own "Promise to Pay" records a promise for what it leaves open.
 */
import { registry } from "@web/core/registry";
import { promiseDialogSteps } from "@account_receivable_management/../tests/tours/ar_tour_steps";

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
        ...promiseDialogSteps("9,000.00", 5),
    ],
});
