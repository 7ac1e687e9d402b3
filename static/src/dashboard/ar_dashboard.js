/** @odoo-module **/
/*
 * The receivables dashboard: one RPC (ar.dashboard.get_data) fills every card,
 * chart and list. Each card opens the list whose figures it shows.
 */
import { Component, onWillStart, useState } from "@odoo/owl";
import { formatCurrency } from "@web/core/currency";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { formatFloat } from "@web/core/utils/numbers";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

export class ArDashboard extends Component {
    static template = "account_receivable_management.ArDashboard";
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ data: null });
        onWillStart(() => this.load());
    }

    async load() {
        this.state.data = await this.orm.call("ar.dashboard", "get_data", []);
    }

    money(value) {
        return formatCurrency(value || 0, this.state.data.currency_id);
    }

    shortMoney(value) {
        return formatCurrency(value || 0, this.state.data.currency_id, {
            humanReadable: true,
            digits: [false, 1],
        });
    }

    cardValue(card) {
        if (card.value === null) {
            return "—";
        }
        switch (card.kind) {
            case "money":
                return this.money(card.value);
            case "percent":
                return `${formatFloat(card.value || 0, { digits: [false, 1] })} %`;
            case "days":
                return `${formatFloat(card.value || 0, { digits: [false, 1] })} d`;
            default:
                return String(card.value);
        }
    }

    barWidth(value, values) {
        const max = Math.max(...values.map((v) => Math.abs(v.value)), 1);
        return `${Math.round((100 * Math.abs(value)) / max)}%`;
    }

    barClass(bucket, index) {
        if (bucket.kind === "credits") {
            return "o_ar_bar_credit";
        }
        return index === 0 ? "o_ar_bar_ok" : "o_ar_bar_late";
    }

    open(action) {
        return this.action.doAction(action);
    }

    openPartner(partnerId) {
        return this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "res.partner",
            res_id: partnerId,
            views: [[false, "form"]],
            target: "current",
        });
    }

    openAging() {
        return this.action.doAction(
            "account_receivable_management.ar_aging_report_action"
        );
    }

    openRisk() {
        return this.action.doAction(
            "account_receivable_management.ar_partner_metrics_action"
        );
    }

    openWorklist() {
        return this.action.doAction("account_receivable_management.ar_worklist_action");
    }
}

registry.category("actions").add("ar_dashboard", ArDashboard);
