"""18.0.1.6.0 forecasts each open invoice's expected cash net of the
customer's credits not yet applied (``account.move.ar_forecast_amount``):
computed here for every customer with open invoices, as the nightly job
computes it, so the cash-in forecast is right from the upgrade on."""

from odoo import SUPERUSER_ID, api, fields


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    cr.execute(
        """SELECT company_id, array_agg(DISTINCT commercial_partner_id)
             FROM account_move
            WHERE move_type = 'out_invoice' AND state = 'posted'
              AND payment_state IN ('not_paid', 'partial')
              AND commercial_partner_id IS NOT NULL
         GROUP BY company_id"""
    )
    customers = cr.fetchall()
    today = fields.Date.context_today(env.user)
    for company_id, partner_ids in customers:
        env["ar.partner.metrics"]._predict_pay_dates(
            env["res.company"].browse(company_id), partner_ids, today
        )
