"""18.0.1.2.0 binds an approval to the worth approved and freezes what a
settlement posted:

- instruments already approved get the worth they have now as the worth
  approved (posting refuses to post more than it);
- settlements posted before freeze their figures from what they posted: the
  invoices' open amount is what the settlement's entries reconciled with them
  (the old code recomputed it to zero while posting);
- installments created by the schedule while the ORM flushed had no company,
  which hid them from every user: they take their plan's;
- policies get the plan fee product, as new ones do;
- the nightly hold refresh moved from res.partner to ar.hold, the model it
  writes: its scheduled action (data kept as users set it) follows.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            """
        UPDATE ar_payment_plan_line line SET company_id = plan.company_id
          FROM ar_payment_plan plan
         WHERE plan.id = line.plan_id AND line.company_id IS NULL
            """
        )
    )
    cr.execute(
        SQL(
            """
        WITH posted AS (
            SELECT s.id, SUM(part.debit_amount_currency) AS open_amount
              FROM ar_settlement s
              JOIN ar_settlement_invoice_rel rel ON rel.settlement_id = s.id
              JOIN account_move_line inv ON inv.move_id = rel.move_id
              JOIN account_partial_reconcile part ON part.debit_move_id = inv.id
              JOIN account_move_line other ON other.id = part.credit_move_id
              JOIN account_move m ON m.id = other.move_id
             WHERE s.state = 'done' AND m.ar_settlement_id = s.id
          GROUP BY s.id
        )
        UPDATE ar_settlement s
           SET amount_open = posted.open_amount,
               amount_forgiven = posted.open_amount - s.amount_agreed
          FROM posted
         WHERE posted.id = s.id
            """
        )
    )
    env = api.Environment(cr, SUPERUSER_ID, {})
    for model in ("ar.settlement", "ar.return", "ar.barter"):
        approved = env[model].search([("state", "not in", ("draft", "cancelled"))])
        for record in approved:
            record.amount_approved = record.amount_approval
    # Plan fees are invoiced as the policy's fee product (created by the
    # data of this version, without taxes, as the fees were invoiced before).
    product = env.ref("account_receivable_management.product_plan_fee", False)
    if product:
        env["ar.credit.policy"].with_context(active_test=False).search(
            [("plan_fee_product_id", "=", False)]
        ).plan_fee_product_id = product
    cron = env.ref(
        "account_receivable_management.ir_cron_ar_refresh_credit_holds", False
    )
    if cron:
        cron.write(
            {
                "model_id": env["ir.model"]._get_id("ar.hold"),
                "code": "model._cron_refresh()",
            }
        )
    # The open-items index is declared with the one predicate of an
    # unreconciled item the addon writes (sql_tools.unreconciled).
    cr.execute(SQL("DROP INDEX IF EXISTS ar_aml_open_partner_idx"))
