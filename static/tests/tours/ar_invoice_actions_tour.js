/** @odoo-module **/
/*
 * The collections actions bound to customer invoices: from the invoices
 * list, select an open invoice and record a promise to pay through the
 * Action menu.
 */
import { registry } from "@web/core/registry";
import { promiseDialogSteps } from "@account_receivable_management/../tests/tours/ar_tour_steps";

registry.category("web_tour.tours").add("ar_invoice_actions_tour", {
    steps: () => [
        {
            content: "Find the customer's invoices",
            trigger: ".o_searchview_input",
            run: "edit Tour Actions Customer && press Enter",
        },
        {
            trigger: ".o_searchview_facet:contains('Tour Actions Customer')",
        },
        {
            content: "Select the customer's open invoice",
            trigger:
                ".o_list_view .o_data_row:contains('Tour Actions Customer') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "The Actions menu (not Print)",
            trigger: ".o_control_panel .o_cp_action_menus button:contains('Actions')",
            run: "click",
        },
        {
            content: "Record promise to pay",
            trigger:
                ".o-dropdown--menu .o-dropdown-item:contains('Record promise to pay')",
            run: "click",
        },
        ...promiseDialogSteps("1,500.00", 7),
    ],
});
