/** @odoo-module **/
/*
 * On a phone (400 x 800, touch): the worklist opens as cards; a Credit
 * Controller logs a call from a card, and the card leaves "To Contact".
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ar_worklist_phone_tour", {
    steps: () => [
        {
            content: "The worklist shows cards on a phone",
            trigger: ".o_kanban_view .o_kanban_record:contains('Tour Phone Customer')",
        },
        {
            content: "Log a call from the card",
            trigger:
                ".o_kanban_record:contains('Tour Phone Customer') button[name='action_log_call']",
            run: "click",
        },
        {
            content: "What was said",
            trigger: ".modal div[name='note'] textarea",
            run: "edit Will pay on Friday after the board meets",
        },
        {
            content: "Log it",
            trigger: ".modal button[name='action_log']",
            run: "click",
        },
        {
            content: "Set aside until the next contact: the card leaves To Contact",
            trigger:
                ".o_kanban_view:not(:has(.o_kanban_record:contains('Tour Phone Customer')))",
        },
    ],
});
