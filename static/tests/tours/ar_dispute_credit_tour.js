/** @odoo-module **/
/*
 * A Credit Controller resolves a dispute with a credit note.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ar_dispute_credit_tour", {
    steps: () => [
        {
            content: "The dispute is open",
            trigger:
                ".o_statusbar_status button.o_arrow_button_current:contains('Open')",
        },
        {
            content: "Write the resolution the customer will read",
            trigger: ".o_form_view div[name='resolution'] textarea",
            run: "edit Agreed: the quoted price applies.",
        },
        {
            content: "Credit the disputed amount",
            trigger: ".o_form_view button[name='action_credit']",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The dispute is credited, with its credit note",
            trigger:
                ".o_statusbar_status button.o_arrow_button_current:contains('Credited')",
        },
        {
            trigger: ".o_form_view div[name='credit_note_id']:contains('RINV')",
        },
    ],
});
