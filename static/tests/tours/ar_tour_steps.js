/** @odoo-module **/
/*
 * Steps the addon's tours share.
 */

/**
 * Record the promise the dialog opened with: its amount (as shown) is
 * checked, its date set ``daysAhead`` days from today (in the web client's
 * MM/DD/YYYY), then it is saved and the dialog closes.
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
                const day = new Date(Date.now() + daysAhead * 86400000);
                const month = String(day.getMonth() + 1).padStart(2, "0");
                const date = String(day.getDate()).padStart(2, "0");
                this.anchor.value = `${month}/${date}/${day.getFullYear()}`;
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
