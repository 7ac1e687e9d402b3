/** @odoo-module **/
/*
 * Steps the addon's tours share.
 */

import { user } from "@web/core/user";

/**
 * Record the promise the dialog opened with: its amount (as shown) is
 * checked, its date set ``daysAhead`` days from the user's today (in the
 * user's time zone, which the server counts its days in, not the browser's;
 * in the web client's MM/DD/YYYY), then it is saved and the dialog closes.
 */
export function promiseDialogSteps(amountShown, daysAhead) {
    return [
        {
            content: "The promise starts at what the invoices leave open",
            trigger: `.modal div[name='amount'] input:value(${amountShown})`,
        },
        {
            content: "Promised in a few days",
            trigger: ".modal div[name='promised_date'] input",
            run() {
                const today = luxon.DateTime.now().setZone(user.tz || "local");
                this.anchor.value = today
                    .plus({ days: daysAhead })
                    .toFormat("MM/dd/yyyy");
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
    ];
}
