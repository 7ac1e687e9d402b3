"""Time the payment-behaviour metrics jobs against a bare SQL aggregate of the
same days to pay over the same rows, all in this one process.

    python3 bench/bench_metrics.py -c .run/odoo.conf -d DB [--reps 3] [--commit]

Without ``--commit`` everything runs in one transaction, rolled back at the
end, so the database can be measured again; each round then updates rows the
rounds before already updated in the same transaction, which nothing can clean
up, and later rounds slow down. With ``--commit`` (``bench/run_metrics`` passes
it, on a throwaway copy of the database) the jobs run as scheduled, committing
each batch, every other step commits too, and the addon's tables are vacuumed
between rounds, as autovacuum does between two nights.

Each round times, in this order:

* **bare**: one SQL statement, the amount-weighted days to pay per customer
  from the payment reconciliations of its paid invoices in the window; the
  least any implementation of the metric must read. It runs twice, with the
  server's settings and with the ones the nightly job sets for its own
  statements (``sql_tools.BATCH_SETTINGS``), and the faster counts;
* **full**: ``ar.partner.metrics._run()``, everything the nightly job does
  (metrics, score and explanation, warnings, snapshots, predicted pay dates,
  company KPIs);
* **incremental**: after 1 % of the customers changed through the ORM (half
  get a new invoice posted, half pay an open invoice), the hourly job.

Prints medians over the rounds, the ratios (full / bare, incremental / full),
the peak resident memory of this process and the peak Python heap of one full
run, then checks that the incremental run stored what a full run stores. Last, for
information, it times the full job on each of the next days (``--reps`` of
them): what a real night adds to the same-day recompute the target is about
(new warnings and their activities, predicted dates moved to the new day).
"""

import argparse
import random
import resource
import subprocess
import tracemalloc
from datetime import timedelta

from common import environment, invoice_values, median, setup_odoo, timed

from odoo import fields
from odoo.tools import SQL

BARE_SQL = """
SELECT m.commercial_partner_id,
       SUM(pr.amount * (pr.max_date - m.invoice_date)) / SUM(pr.amount)
  FROM account_move m
  JOIN account_move_line l ON l.move_id = m.id AND l.display_type = 'payment_term'
  JOIN account_partial_reconcile pr ON pr.debit_move_id = l.id
  JOIN account_move_line cl ON cl.id = pr.credit_move_id
  JOIN account_move cm ON cm.id = cl.move_id
 WHERE m.company_id = %s AND m.move_type = 'out_invoice' AND m.state = 'posted'
   AND m.payment_state IN ('paid', 'in_payment')
   AND m.invoice_date >= %s AND m.invoice_date <= %s
   AND (cm.origin_payment_id IS NOT NULL OR cm.statement_line_id IS NOT NULL)
 GROUP BY 1
"""

# Stored values the incremental run must leave exactly as a full run does.
COMPARED = (
    "paid_count, paid_amount, avg_days_to_pay, avg_days_late, on_time_share,"
    " days_to_pay_small, days_to_pay_medium, days_to_pay_large, trend_days,"
    " trend_slope, open_amount, overdue_amount, oldest_overdue_days, dso,"
    " risk_score, risk_grade, risk_explanation"
)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def change_customers(env, company, rng, share):
    """Change ``share`` of the customers through the ORM (half get a new
    invoice, the other half pay their oldest open one, when they have one);
    return how many changed."""
    env.cr.execute(
        "SELECT partner_id FROM ar_partner_metrics WHERE company_id = %s ORDER BY 1",
        [company.id],
    )
    customers = [row[0] for row in env.cr.fetchall()]
    chosen = rng.sample(customers, max(2, int(len(customers) * share)))
    half = len(chosen) // 2
    today = fields.Date.context_today(env.user)
    invoices = env["account.move"].create(
        [invoice_values(partner_id, today, rng) for partner_id in chosen[:half]]
    )
    invoices.action_post()
    env.cr.execute(
        """
        SELECT DISTINCT ON (commercial_partner_id) id
          FROM account_move
         WHERE company_id = %s AND move_type = 'out_invoice' AND state = 'posted'
           AND payment_state IN ('not_paid', 'partial')
           AND commercial_partner_id = ANY(%s)
      ORDER BY commercial_partner_id, invoice_date
        """,
        [company.id, chosen[half:]],
    )
    to_pay = env["account.move"].browse([row[0] for row in env.cr.fetchall()])
    if to_pay:
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=to_pay.ids
        ).create({"payment_date": today, "group_payment": False})._create_payments()
    env.flush_all()
    return half + len(to_pay)


def stored(env, company):
    env.cr.execute(
        f"SELECT partner_id, {COMPARED} FROM ar_partner_metrics"
        " WHERE company_id = %s ORDER BY partner_id",
        [company.id],
    )
    return env.cr.fetchall()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument(
        "--commit",
        action="store_true",
        help="commit each step and vacuum between rounds (changes the database)",
    )
    args = parser.parse_args()
    setup_odoo(args.config)
    # importable once the addons path is set
    from odoo.addons.account_receivable_management.models import sql_tools

    rng = random.Random(20261123)
    with environment(args.database) as env:
        company = env.company
        Metrics = env["ar.partner.metrics"]
        today = fields.Date.context_today(env.user)
        policy = company._ar_ensure_policy()
        since = fields.Date.subtract(today, months=policy.metrics_lookback_months)
        env.cr.execute(
            "SELECT COUNT(*) FROM account_move WHERE company_id = %s"
            " AND move_type = 'out_invoice' AND state = 'posted'"
            " AND payment_state IN ('paid', 'in_payment') AND invoice_date >= %s",
            [company.id, since],
        )
        paid = env.cr.fetchone()[0]

        def bare(day=today):
            window_start = fields.Date.subtract(
                day, months=policy.metrics_lookback_months
            )
            return env.execute_query(SQL(BARE_SQL, company.id, window_start, day))

        def bare_tuned(day=today):
            with sql_tools.batch_settings(env):
                return bare(day)

        # With --commit, the jobs run as scheduled: committing each batch.
        def full():
            return Metrics._run(companies=company, today=today, commit=args.commit)

        def incremental():
            return Metrics._run(
                incremental=True, companies=company, today=today, commit=args.commit
            )

        def step_done():
            if args.commit:
                env.cr.commit()  # pylint: disable=invalid-commit

        def night_passes():
            if args.commit:
                subprocess.run(
                    [
                        "psql",
                        "-qd",
                        args.database,
                        "-c",
                        "VACUUM ANALYZE ar_partner_metrics, ar_partner_snapshot,"
                        " ar_company_kpi, account_move, account_move_line",
                    ],
                    check=True,
                )

        rss_before = peak_rss_mb()
        customers = len(bare())
        full()  # the first run inserts every row; the nightly one updates them
        step_done()
        night_passes()
        times = {"bare": [], "full": [], "incremental": []}
        bare_ways = {"server settings": [], "batch settings": []}
        changed = []
        for rep in range(args.reps):
            bare_ways["server settings"].append(timed(bare)[0])
            bare_ways["batch settings"].append(timed(bare_tuned)[0])
            times["bare"].append(min(ways[-1] for ways in bare_ways.values()))
            times["full"].append(timed(full)[0])
            step_done()
            changed.append(change_customers(env, company, rng, args.changed))
            step_done()
            env.cr.execute(
                "SELECT COUNT(*) FROM ar_partner_metrics WHERE company_id = %s"
                " AND dirty",
                [company.id],
            )
            dirty = env.cr.fetchone()[0]
            times["incremental"].append(timed(incremental)[0])
            step_done()
            night_passes()
            print(
                f"  round {rep + 1}: bare {times['bare'][-1]:,.0f} ms,"
                f" full {times['full'][-1]:,.0f} ms, incremental"
                f" {times['incremental'][-1]:,.0f} ms ({changed[-1]} changed,"
                f" {dirty} flagged)",
                flush=True,
            )
        rss_peak = peak_rss_mb()
        after_incremental = stored(env, company)
        tracemalloc.start()
        full()
        heap_peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        same = stored(env, company) == after_incremental
        bare_ms, full_ms, inc_ms = (median(times[k]) for k in times)
        bare_detail = ", ".join(
            f"{median(ms):,.0f} ms with {way}" for way, ms in bare_ways.items()
        )
        print(
            f"\n{customers:,} customers with paid invoices, {paid:,} paid invoices"
            f" in the window, {args.reps} rounds, medians:\n"
            f"  bare SQL days-to-pay aggregate  {bare_ms:10,.0f} ms"
            f"   (the faster of {bare_detail})\n"
            f"  full recompute                  {full_ms:10,.0f} ms"
            f"   {full_ms / bare_ms:5.2f} x bare   (target <= 2)\n"
            f"  incremental, {median(changed):,.0f} changed"
            f"{'':>{max(0, 8 - len(f'{median(changed):,.0f}'))}}"
            f"  {inc_ms:10,.0f} ms   {100 * inc_ms / full_ms:5.1f} % of full"
            f" (target <= 5 %)\n"
            f"  peak memory: {rss_peak:,.0f} MB resident for this process"
            f" ({rss_before:,.0f} MB with Odoo loaded, before the first run);"
            f" {heap_peak:,.0f} MB Python heap at most during one full run"
            f" (target <= 1024 MB)\n"
            f"  incremental stored the same values as a full run: {same}"
        )
        if not same:
            names = [name.strip() for name in ("partner_id, " + COMPARED).split(",")]
            full_rows = {row[0]: row for row in stored(env, company)}
            for row in after_incremental:
                other = full_rows.get(row[0])
                diff = [
                    f"{name} {a!r} != {b!r}"
                    for name, a, b in zip(names, row, other or row, strict=True)
                    if a != b
                ]
                if other is None or diff:
                    print(f"  customer {row[0]}: {'; '.join(diff) or 'no full row'}")
            raise SystemExit("incremental and full runs disagree")
        # The nights that follow: the same history on a new day, as the
        # scheduled job meets it. Customers drift into other grades (warnings,
        # each with an activity and Odoo's notification of its assignee), and
        # the predictions of overdue invoices move to the new day.
        print("\n  the full job on the next days (not in the target's protocol):")
        for night in range(1, args.reps + 1):
            day = today + timedelta(days=night)
            bare_ms = min(
                timed(lambda d=day: bare(d))[0], timed(lambda d=day: bare_tuned(d))[0]
            )
            full_ms = timed(
                lambda d=day: Metrics._run(
                    companies=company, today=d, commit=args.commit
                )
            )[0]
            env.cr.execute(
                "SELECT COUNT(*) FROM ar_risk_warning WHERE company_id = %s"
                " AND date = %s",
                [company.id, day],
            )
            warned = env.cr.fetchone()[0]
            step_done()
            night_passes()
            print(
                f"  today + {night}: bare {bare_ms:,.0f} ms, full {full_ms:,.0f} ms"
                f" = {full_ms / bare_ms:4.2f} x bare, {warned} warnings raised",
                flush=True,
            )


if __name__ == "__main__":
    main()
