"""18.0.1.3.0 gives every policy the default reminder sequence and the late
charge product (charges stay off until a rate or a fee is set), and takes
every receivables KPI from the ledger's view of the receivable (credits not
yet applied deducted from the oldest amounts first) and stores a figure that
means nothing as empty instead of 0: the months already stored are computed
again as of the day they were computed (the open items of a past day come
from the reconciliation dates, so the figures are those of that day)."""

from dateutil.relativedelta import relativedelta

from odoo import SUPERUSER_ID, api, fields


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    policies = (
        env["ar.credit.policy"]
        .with_context(active_test=False)
        .search([("reminder_step_ids", "=", False)])
    )
    policies._ar_default_reminders()
    product = env.ref("account_receivable_management.product_late_charge", False)
    if product:
        env["ar.credit.policy"].with_context(active_test=False).search(
            [("late_fee_product_id", "=", False)]
        ).late_fee_product_id = product
    Kpi = env["ar.company.kpi"]
    today = fields.Date.context_today(Kpi)
    for row in Kpi.search([]):
        month_end = row.month + relativedelta(months=1, days=-1)
        Kpi._store_month(row.company_id, min(row.date_computed or month_end, today))
