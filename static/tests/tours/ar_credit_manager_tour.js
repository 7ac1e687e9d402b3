/** @odoo-module **/
/*
 * A Credit Manager's morning: from the dashboard to a held customer, a refused
 * quotation, an override with its reason, and the aged receivables in Excel
 * and on screen, by customer, a customer unfolded.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ar_credit_manager_tour", {
    url: "/odoo/action-account_receivable_management.ar_dashboard_action",
    steps: () => [
        {
            content: "The dashboard counts the customers on hold: open them",
            trigger: ".o_ar_card_on_hold",
            run: "click",
        },
        {
            content: "Open the held customer",
            trigger: ".o_data_row td:contains('Tour Held Customer')",
            run: "click",
        },
        {
            content: "Its Credit & Collections tab",
            trigger: ".o_notebook_headers a:contains('Credit & Collections')",
            run: "click",
        },
        {
            content: "The hold is stated, with its reason",
            trigger: ".o_form_view .alert-danger:contains('On credit hold')",
        },
        {
            trigger: ".o_form_view td:contains('New directors to sign')",
        },
        {
            content: "Open its quotations",
            trigger: "button[name='action_view_sale_order']",
            run: "click",
        },
        {
            trigger: ".o_data_row td[name='name']",
            run: "click",
        },
        {
            content: "Try to confirm the quotation",
            trigger: ".o_form_view button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The credit check refuses it",
            trigger: ".modal-body:contains('Credit Manager')",
        },
        {
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Approve a credit override",
            trigger: ".o_form_view button[name='action_ar_open_override']",
            run: "click",
        },
        {
            trigger: ".modal div[name='reason'] textarea",
            run: "edit Directors signed the credit application today",
        },
        {
            trigger: ".modal button[name='action_approve']",
            run: "click",
        },
        {
            content: "The order is confirmed",
            trigger:
                ".o_statusbar_status button.o_arrow_button_current:contains('Sales Order')",
        },
        {
            content: "Open the Receivables menu",
            trigger: ".o_menu_sections .dropdown-toggle:contains('Receivables')",
            run: "click",
        },
        {
            content: "Open the aged receivables",
            trigger: ".o-dropdown--menu .dropdown-item:contains('Aged Receivables')",
            run: "click",
        },
        {
            content: "Export them to Excel",
            trigger: ".modal button[name='action_export_xlsx']",
            run: "click",
        },
        {
            content: "No error: the options stay open, to show them too",
            trigger: ".modal button[name='action_show']:not(:disabled)",
            run: "click",
        },
        {
            content: "Shown by customer: the list names the report in its context",
            trigger: ".o_list_view .o_group_header:contains('(')",
            run: "click",
        },
        {
            content: "A customer unfolds into its open items",
            trigger: ".o_list_view .o_data_row .o_data_cell[name='move_id']",
        },
    ],
});
