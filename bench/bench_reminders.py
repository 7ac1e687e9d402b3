"""Time preparing a reminder run and computing late-payment charges at scale,
against hand-written SQL returning the same invoices, in this one process (the
bare queries with the addon's settings, ``sql_tools.batch_settings``: no JIT).

    python3 bench/bench_reminders.py -c CONF -d DB [--reps 3]

DB holds a generated history (``bench/generate_payment_history.py``) with the
addon installed (its policies have the default reminder sequence). Each round
runs, in a transaction rolled back afterwards:

* **prepare**: ``ar.reminder.run._prepare`` for the main company (the chosen
  invoices and their steps, one line per customer, one item per invoice)
  against ``PREPARE_BARE``: the same invoices at the same steps, selected and
  fetched;
* **charges**: the interest and fees of every overdue invoice up to today at
  12 % a year after 10 days of grace (``ar.late.charge._proposals``), against
  ``CHARGES_BARE``: the same interest by day in SQL. Writing the charge
  invoices is Odoo's invoice creation, timed apart, per invoice, on 20
  customers.

* **sending**: ``_send_lines`` of ``--send`` customers of a fresh run (each
  message posted in the customer's chatter and queued for email with its
  statement of account PDF, a note in each invoice's chatter, the invoices'
  reminder fields), per message, against Odoo's own mass mail of the same
  template to the same lines (``mail.compose.message`` in mass mode, queued)
  plus rendering the same statements: what Odoo would do to send the same
  mail with the same attachment.

Each round runs in its own transaction, rolled back (as each run is its own
transaction in production: the rows a rolled-back round wrote are then dead
to the next, not invisible rows of the same transaction it must step over).
Medians of ``--reps`` rounds after one warm-up; the peak memory of the process
is reported once at the end.
"""

import argparse
import resource
from time import perf_counter as timed_now

from common import environment, median, setup_odoo, timed
from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tools import SQL

# The invoices a run reminds today and their steps, written by hand.
PREPARE_BARE = """
WITH open_invoices AS (
    SELECT m.id, m.commercial_partner_id AS partner_id,
           %(today)s::date - m.invoice_date_due AS days,
           m.ar_reminder_step_id, COALESCE(m.ar_reminder_count, 0) AS unanswered,
           COALESCE((p.ar_policy_id ->> %(key)s)::int, %(policy)s) AS policy_id,
           mt.risk_grade
      FROM account_move m
      JOIN res_partner p ON p.id = m.commercial_partner_id
      LEFT JOIN ar_partner_metrics mt ON mt.partner_id = m.commercial_partner_id
                                     AND mt.company_id = m.company_id
     WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
       AND m.payment_state IN ('not_paid', 'partial') AND m.company_id = %(company)s
       AND m.invoice_date_due <= %(today)s::date + 3 AND m.amount_residual > 0
       AND NOT COALESCE((p.ar_no_reminders ->> %(key)s)::boolean, false)
       AND NOT EXISTS (SELECT 1 FROM ar_promise_invoice_rel r
                         JOIN ar_promise pr ON pr.id = r.promise_id
                        WHERE r.move_id = m.id AND pr.state = 'open')
       AND NOT EXISTS (SELECT 1 FROM ar_payment_plan_invoice_rel r
                         JOIN ar_payment_plan pp ON pp.id = r.plan_id
                        WHERE r.move_id = m.id AND pp.state = 'active')
), owing AS (
    SELECT p.commercial_partner_id AS partner_id
      FROM account_move_line l JOIN res_partner p ON p.id = l.partner_id
     WHERE l.account_id = ANY(%(accounts)s) AND l.company_id = %(company)s
       AND l.parent_state = 'posted' AND l.reconciled IS NOT TRUE
     GROUP BY 1 HAVING SUM(l.amount_residual) > 0
)
SELECT o.id, o.partner_id, o.days,
       (SELECT s.id FROM ar_reminder_step s
         WHERE s.policy_id = o.policy_id AND s.days <= o.days
           AND s.min_unanswered <= o.unanswered
         ORDER BY s.days DESC, s.sequence DESC, s.id DESC LIMIT 1) AS step_id
  FROM open_invoices o
 WHERE o.partner_id IN (SELECT partner_id FROM owing)
"""

SWITCHED_ON = {"late_interest_rate": 12.0, "late_grace_days": 10}

# Interest at 12 % a year after 10 days of grace, by day, from the day charges
# were switched on up to today.
CHARGES_BARE = """
SELECT m.id, m.commercial_partner_id,
       ROUND(SUM(GREATEST(l.amount_currency - COALESCE((
            SELECT SUM(pr.debit_amount_currency)
              FROM account_partial_reconcile pr
             WHERE pr.debit_move_id = l.id AND pr.max_date <= d.day), 0), 0))
             * 0.12 / 365, 2) AS interest
  FROM account_move m
  JOIN account_move_line l ON l.move_id = m.id AND l.display_type = 'payment_term'
  CROSS JOIN LATERAL generate_series(
        GREATEST(m.invoice_date_due + 11, %(since)s::date), %(today)s::date,
        interval '1 day') AS d(day)
 WHERE m.company_id = %(company)s AND m.move_type = 'out_invoice'
   AND m.state = 'posted' AND m.invoice_date_due + 10 < %(today)s
   AND (m.payment_state IN ('not_paid', 'partial') OR EXISTS (
        SELECT 1 FROM account_partial_reconcile pr
         WHERE pr.debit_move_id = l.id
           AND pr.max_date > GREATEST(m.invoice_date_due + 10, %(since)s::date - 1)))
 GROUP BY m.id, m.commercial_partner_id
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--send", type=int, default=40, help="messages sent per round")
    args = parser.parse_args()
    setup_odoo(args.config)
    from odoo.addons.account_receivable_management.models import (
        sql_tools,
    )

    with environment(args.database) as env:
        company = env.ref("base.main_company")
        env = env(context={"allowed_company_ids": company.ids})
        today = fields.Date.context_today(env.user)
        policy = company._ar_ensure_policy()
        params = {
            "today": today,
            "company": company.id,
            "key": str(company.id),
            "policy": policy.id,
            "accounts": [
                row[0]
                for row in env.execute_query(
                    SQL(
                        "SELECT id FROM account_account WHERE account_type = %s",
                        "asset_receivable",
                    )
                )
            ],
        }
        # switched on at the start of last month: up to two months of days
        SWITCHED_ON.update(
            late_charges_since=today.replace(day=1) - relativedelta(months=1),
            late_fee_product_id=env.ref(
                "account_receivable_management.product_late_charge"
            ).id,
        )
        params["since"] = SWITCHED_ON["late_charges_since"]
        Run = env["ar.reminder.run"]
        Charge = env["ar.late.charge"]
        rows = {}

        def prepare():
            run = Run._prepare(company, today)
            # counted in SQL: reading 26,078 items through the ORM is not
            # preparing (the run's form reads a page of its lines)
            [(items, customers)] = env.execute_query(
                SQL(
                    "SELECT COUNT(li.id), COUNT(DISTINCT ln.id)"
                    "  FROM ar_reminder_line ln"
                    "  JOIN ar_reminder_line_invoice li ON li.line_id = ln.id"
                    " WHERE ln.run_id = %s AND ln.plan_id IS NULL",
                    run.id,
                )
            )
            rows["prepare"] = items
            rows["customers"] = customers

        def prepare_bare():
            with sql_tools.batch_settings(env):
                result = env.execute_query(SQL(PREPARE_BARE, **params))
            rows["prepare bare"] = sum(1 for row in result if row[3])

        def charges():
            policy.write(SWITCHED_ON)
            policies = {policy.id: policy}
            proposals = Charge._proposals(company, today, policies)
            rows["charges"] = sum(len(items) for items in proposals.values())

        def charges_bare():
            with sql_tools.batch_settings(env):
                result = env.execute_query(SQL(CHARGES_BARE, **params))
            rows["charges bare"] = len(result)

        def charge_invoices():
            policy.write(SWITCHED_ON)
            proposals = Charge._proposals(company, today, {policy.id: policy})
            some = dict(
                [
                    (key, items)
                    for key, items in proposals.items()
                    if sum(item["amount"] for item in items) >= 0.01
                ][:20]
            )
            for (partner_id, currency_id), items in some.items():
                Charge._invoice(
                    company,
                    partner_id,
                    env["res.currency"].browse(currency_id),
                    policy,
                    items,
                    today,
                )
            rows["charge invoices"] = len(some)

        sending = {}

        def send():
            run = sending["run"]
            run._send_lines(sending["lines"])
            rows["sent"] = len(sending["lines"].filtered(lambda x: x.state == "sent"))

        def send_bare():
            # the generated customers have no email: give them one, so that
            # the run's messages go by email (rolled back with the round)
            env.cr.execute(
                "UPDATE res_partner SET email = 'ap' || id || '@bench.example'"
                " WHERE is_company AND COALESCE(email, '') = ''"
            )
            env.invalidate_all()
            run = Run._prepare(company, today)
            lines = run.line_ids.filtered("send_email")[: args.send]
            sending.update(run=run, lines=lines)
            template = env.ref(
                "account_receivable_management.mail_template_ar_reminder"
            )
            started = timed_now()
            for partner in lines.partner_id:
                env["ir.actions.report"]._render_qweb_pdf(
                    "account_receivable_management.ar_statement_report_action",
                    partner.ids,
                )
            composer = (
                env["mail.compose.message"]
                .with_context(mail_notify_force_send=False)
                .create(
                    {
                        "composition_mode": "mass_mail",
                        "model": "ar.reminder.line",
                        "res_ids": lines.ids,
                        "template_id": template.id,
                    }
                )
            )
            composer._action_send_mail()
            sending["bare_ms"] = (timed_now() - started) * 1000

        pairs = [
            ("prepare a reminder run", prepare, prepare_bare),
            ("late-charge interest", charges, charges_bare),
        ]
        results = {name: ([], []) for name, _ours, _bare in pairs}
        invoice_times = []
        send_times = ([], [])
        # each pair's rounds one after the other: interleaved, the charges'
        # reading of every open item's reconciliations evicts what preparing
        # reads from the cache, and the other way round
        for name, ours, bare in pairs:
            for rep in range(args.reps + 1):
                env.cr.rollback()
                env.invalidate_all()
                bare_ms, _ = timed(bare)
                env.invalidate_all()
                ours_ms, _ = timed(ours)
                env.cr.rollback()
                env.invalidate_all()
                if rep:
                    results[name][0].append(ours_ms)
                    results[name][1].append(bare_ms)
        for rep in range(args.reps + 1):
            env.cr.rollback()
            ms, _ = timed(charge_invoices)
            env.cr.rollback()
            env.invalidate_all()
            if rep:
                invoice_times.append(ms / max(rows["charge invoices"], 1))
        # sending last: its rounds rewrite every customer's email, and the
        # dead rows they leave until the end of the transaction would slow
        # the rounds after them
        for rep in range(args.reps + 1):
            env.cr.rollback()
            env.invalidate_all()
            send_bare()
            env.invalidate_all()
            ms, _ = timed(send)
            env.cr.rollback()
            env.invalidate_all()
            if rep:
                count = max(len(sending["lines"]), 1)
                send_times[0].append(ms / count)
                send_times[1].append(sending["bare_ms"] / count)
        print(f"as of {today}: {rows}")
        print(f"{'':28} {'ours (ms)':>10} {'bare (ms)':>10} {'ratio':>7}")
        for name, (ours, bare) in results.items():
            o, b = median(ours), median(bare)
            print(f"{name:28} {o:10.0f} {b:10.0f} {o / b:7.2f}")
        o, b = median(send_times[0]), median(send_times[1])
        print(f"{'send, per message':28} {o:10.0f} {b:10.0f} {o / b:7.2f}")
        print(f"one charge invoice (create and post): {median(invoice_times):.0f} ms")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of the process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
