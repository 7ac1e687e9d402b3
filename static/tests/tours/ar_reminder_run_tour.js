/** @odoo-module **/
/*
 * A Credit Controller reviews today's reminder run: edits one customer's
 * message, leaves another customer out, and sends the run.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ar_reminder_run_tour", {
    steps: () => [
        {
            content: "The run lists a message per customer: review Tour Alpha's",
            trigger:
                ".o_data_row:has(td:contains('Tour Alpha')) button[name='action_open_line']",
            run: "click",
        },
        {
            content: "The message lists its invoice",
            trigger: ".modal .o_field_widget[name='body_html']:contains('INV')",
        },
        {
            content: "Change the subject",
            trigger: ".modal div[name='subject'] input",
            run: "edit Tour Alpha: as agreed on the phone",
        },
        {
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "Back on the run: open Tour Beta's message to leave it out",
            trigger:
                "body:not(:has(.modal)) .o_data_row:has(td:contains('Tour Beta')) button[name='action_open_line']",
            run: "click",
        },
        {
            trigger: ".modal div[name='excluded'] input",
            run: "click",
        },
        {
            trigger: ".modal div[name='excluded'] input:checked",
        },
        {
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "Tour Beta is excluded",
            trigger:
                "body:not(:has(.modal)) .o_data_row:has(td:contains('Tour Beta')) td:contains('Excluded')",
        },
        {
            content: "Send the run",
            trigger: ".o_form_view button[name='action_send']",
            run: "click",
        },
        {
            content: "The run is sent",
            trigger:
                ".o_statusbar_status button.o_arrow_button_current:contains('Sent')",
        },
        {
            content: "Tour Beta stayed out",
            trigger:
                ".o_data_row:has(td:contains('Tour Beta')) td:contains('Excluded')",
        },
    ],
});
