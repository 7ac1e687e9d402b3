/** @odoo-module **/
/*
 * A Credit Controller asks the Credit Managers to approve a settlement worth
 * more than a Controller may approve; a Credit Manager finds it under
 * "Waiting for My Approval" and approves it.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ar_approval_request_tour", {
    steps: () => [
        {
            content: "Worth more than a Controller may approve: no Approve button",
            trigger:
                ".o_form_view .o_form_statusbar:not(:has(button[name='action_approve']))",
        },
        {
            content: "Ask the Credit Managers",
            trigger: ".o_form_view button[name='action_request_approval']",
            run: "click",
        },
        {
            content: "Asked: the button is gone",
            trigger:
                ".o_form_view .o_form_statusbar:not(:has(button[name='action_request_approval']))",
        },
    ],
});

registry.category("web_tour.tours").add("ar_approval_grant_tour", {
    steps: () => [
        {
            content: "The filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Waiting for my approval",
            trigger:
                ".o_search_bar_menu .o_menu_item:contains('Waiting for My Approval')",
            run: "click",
        },
        {
            trigger: ".o_searchview_facet:contains('Waiting for My Approval')",
        },
        {
            content: "The settlement the Controller asked about",
            trigger:
                ".o_list_view .o_data_row:contains('Tour Approval Customer') td[name='name']",
            run: "click",
        },
        {
            content: "Approve it",
            trigger: ".o_form_view button[name='action_approve']",
            run: "click",
        },
        {
            content: "Approved",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Approved')",
        },
    ],
});
