/** @odoo-module **/
/*
 * A customer on the portal reviews the payment plan its collector approved
 * and signs it, which puts it in force.
 */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ar_portal_plan_sign_tour", {
    url: "/my/receivables",
    steps: () => [
        {
            content: "The approved plan waits for a signature",
            trigger: ".o_ar_portal_plans .o_ar_plan_review",
            run: "click",
        },
        {
            content: "Its schedule",
            trigger: ".o_ar_portal_schedule tbody tr",
        },
        {
            content: "The signature pad is loaded (its fonts come by RPC)",
            trigger: "body",
            async run() {
                for (let i = 0; i < 100; i++) {
                    if (document.querySelector(".o_ar_plan_sign canvas")) {
                        return;
                    }
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }
            },
        },
        {
            content: "Accept it",
            trigger: ".o_ar_plan_sign_open",
            run: "click",
        },
        {
            content: "The name is filled in",
            trigger:
                ".modal .o_ar_plan_sign .o_web_sign_name_and_signature input:value(Tour Portal Contact)",
        },
        {
            content: "Choose a style for the signature drawn from the name",
            trigger: ".modal .o_web_sign_auto_select_style button",
            run: "click",
        },
        {
            trigger: ".o-dropdown-item:eq(3)",
            run: "click",
        },
        {
            content: "The signature is drawn (from a font loaded as an image)",
            trigger: ".modal .o_ar_plan_sign canvas.o_web_sign_signature",
            async run() {
                const blank = document.createElement("canvas");
                for (let i = 0; i < 100; i++) {
                    blank.width = this.anchor.width;
                    blank.height = this.anchor.height;
                    if (this.anchor.toDataURL() !== blank.toDataURL()) {
                        return;
                    }
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }
            },
        },
        {
            content: "Accept and sign",
            trigger: ".modal .o_ar_plan_sign .o_portal_sign_submit:enabled",
            run: "click",
        },
        {
            trigger: "body",
            async run() {
                await new Promise((r) => setTimeout(r, 3000));
                console.log(
                    "DUMP " +
                        document.location.href +
                        " " +
                        (document.querySelector(".modal") || document.body).innerText
                );
            },
        },
        {
            content: "The plan is in force",
            trigger: ".o_ar_portal_message:contains('in force')",
        },
        {
            trigger: ".o_ar_plan_signed:contains('Tour Portal Contact')",
        },
    ],
});
