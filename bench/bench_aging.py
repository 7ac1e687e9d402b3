"""Time the aged receivables Excel export against OCA account_financial_report's
aged partner balance XLSX and a bare SQL query of the same buckets, on the same
database, in this one process and transaction (rolled back at the end).

    python3 bench/bench_aging.py -c CONF -d DB [--reps 3]

CONF must have OCA's ``account_financial_report`` in its addons path and DB
must have it installed beside this addon (``bench/run_aging`` does both).

For each as-of day (today, and the end of last month, when payments received
since must be added back from the reconciliation dates), each round times:

* **bare**: one hand-written SQL statement that reads every receivable item
  open at the end of the day, with its open amount as of that day, its days
  overdue and its bucket, and fetches the rows; the least any aged balance
  with detail must read;
* **ours**: ``ar.aging.report._xlsx()``, the workbook the Export button
  downloads (summary by customer, and the detail of every open item);
* **show**: *Show* and the first page of its list by customer, as the web
  client opens them (``web_read_group``): no slower than the export;
* **OCA**: the aged partner balance XLSX with move line details, as its
  wizard's Export button renders it, over the same receivable accounts.

Prints medians, the ratios, the peak resident memory of this process after
bare and ours only (before OCA ran), each contender's peak Python heap in one
run, and checks that the three agree on the total open on each day.
"""

import argparse
import json
import resource
import tracemalloc
from datetime import timedelta

from common import environment, median, setup_odoo, timed

from odoo import fields
from odoo.tools import SQL, float_round

BARE_SQL = """
WITH later AS (
    SELECT debit_move_id AS line_id, amount FROM account_partial_reconcile
     WHERE max_date > %(day)s
    UNION ALL
    SELECT credit_move_id, -amount FROM account_partial_reconcile
     WHERE max_date > %(day)s
), added AS (
    SELECT line_id, SUM(amount) AS amount FROM later GROUP BY line_id
)
SELECT r.*,
       CASE WHEN r.days <= 0 THEN 0 WHEN r.days <= 30 THEN 1
            WHEN r.days <= 60 THEN 2 WHEN r.days <= 90 THEN 3
            WHEN r.days <= 120 THEN 4 ELSE 5 END AS bucket
  FROM (
    SELECT l.id, l.partner_id, l.move_id, l.date_maturity,
           %(day)s::date - COALESCE(l.date_maturity, l.date) AS days,
           l.amount_residual + COALESCE(a.amount, 0) AS open_amount
      FROM account_move_line l
      LEFT JOIN added a ON a.line_id = l.id
     WHERE l.company_id = %(company)s AND l.parent_state = 'posted'
       AND l.account_id IN (SELECT id FROM account_account
                             WHERE account_type = 'asset_receivable')
       AND l.date <= %(day)s
       AND (NOT l.reconciled OR a.line_id IS NOT NULL)
  ) r
 WHERE r.open_amount != 0
"""


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def heap_peak_mb(func):
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    setup_odoo(args.config)
    with environment(args.database) as env:
        company = env.company
        today = fields.Date.context_today(env.user)
        month_end = fields.Date.start_of(today, "month") - timedelta(days=1)
        receivable = env["account.account"].search(
            [
                ("account_type", "=", "asset_receivable"),
                ("company_ids", "in", company.ids),
            ]
        )
        Ours = env["ar.aging.report"]
        Wizard = env["aged.partner.balance.report.wizard"]
        Reports = env["ir.actions.report"]
        oca_xlsx = "a_f_r.report_aged_partner_balance_xlsx"
        OcaReport = env["report.account_financial_report.aged_partner_balance"]
        rss_loaded = peak_rss_mb()
        days = (today, month_end)
        ours_reports = {
            day: Ours.create({"company_id": company.id, "date": day}) for day in days
        }
        wizards = {
            day: Wizard.create(
                {
                    "company_id": company.id,
                    "date_at": day,
                    "account_ids": [(6, 0, receivable.ids)],
                    "show_move_line_details": True,
                }
            )
            for day in days
        }
        # the data OCA's Export button sends, through JSON like the client
        oca_data = {
            day: json.loads(json.dumps(wizard._prepare_report_data(), default=str))
            for day, wizard in wizards.items()
        }
        measures = ["amount:sum", "amount_credit:sum"] + [
            f"amount_b{index}:sum" for index in range(8)
        ]

        def show(day):
            """*Show* and its first page, as the web client opens them."""
            action = ours_reports[day].action_show()
            lines = env["ar.aging.line"].with_context(**action["context"])
            return lines.web_read_group(
                action["domain"], measures, ["partner_id"], limit=80, lazy=True
            )

        contenders = {
            "bare": lambda day: env.execute_query(
                SQL(BARE_SQL, day=day, company=company.id)
            ),
            "ours": lambda day: ours_reports[day]._xlsx(),
            "show": show,
            "oca": lambda day: Reports._render_xlsx(
                oca_xlsx, wizards[day].ids, oca_data[day]
            )[0],
        }
        results = {day: {name: [] for name in contenders} for day in days}
        # bare and ours first, so that the peak memory after them is theirs
        for names in (("bare", "ours", "show"), ("oca",)):
            for day in days:
                for rep in range(args.reps):
                    for name in names:
                        results[day][name].append(
                            timed(lambda name=name, day=day: contenders[name](day))[0]
                        )
                        env.invalidate_all()
                    print(
                        f"  {day} round {rep + 1}: "
                        + ", ".join(
                            f"{name} {results[day][name][-1]:,.0f} ms" for name in names
                        ),
                        flush=True,
                    )
            if names[0] == "bare":
                rss_ours = peak_rss_mb()
        for day in days:
            rows = contenders["bare"](day)
            (ours_total,) = env.execute_query(
                SQL(
                    "SELECT COALESCE(SUM(amount), 0) FROM (%s) r",
                    ours_reports[day]._rows_sql(),
                )
            )[0]
            values = OcaReport._get_report_values(wizards[day].ids, oca_data[day])
            results[day]["items"] = len(rows)
            results[day]["totals"] = (
                float_round(sum(r[5] for r in rows), 2),
                float(ours_total),
                float_round(
                    sum(a["residual"] for a in values["aged_partner_balance"]), 2
                ),
            )
        rss_all = peak_rss_mb()
        ours_heap = heap_peak_mb(lambda: contenders["ours"](month_end))
        oca_heap = heap_peak_mb(lambda: contenders["oca"](month_end))
        print(f"\n{args.reps} rounds, medians:")
        agree = True
        for day, times in results.items():
            bare_ms, ours_ms, show_ms, oca_ms = (
                median(times[k]) for k in ("bare", "ours", "show", "oca")
            )
            totals = times["totals"]
            agree &= len(set(totals)) == 1
            print(
                f"  as of {day}: {times['items']:,} open items\n"
                f"    bare SQL of the buckets   {bare_ms:10,.0f} ms\n"
                f"    ours, summary and detail  {ours_ms:10,.0f} ms"
                f"   {ours_ms / bare_ms:5.2f} x bare (target <= 3),"
                f" {ours_ms / oca_ms:5.2f} x OCA (target <= 0.5)\n"
                f"    ours, Show + first page   {show_ms:10,.0f} ms"
                f"   {show_ms / ours_ms:5.2f} x the export (target <= 1)\n"
                f"    OCA, with details         {oca_ms:10,.0f} ms"
                f"   {oca_ms / bare_ms:5.2f} x bare\n"
                f"    total open: bare {totals[0]:,.2f}, ours {totals[1]:,.2f},"
                f" OCA {totals[2]:,.2f}"
            )
        print(
            f"  peak memory: {rss_ours:,.0f} MB resident after bare and ours"
            f" ({rss_loaded:,.0f} MB with Odoo loaded), {rss_all:,.0f} MB after OCA"
            f" too (target <= 1024 MB); Python heap at most {ours_heap:,.0f} MB"
            f" for ours, {oca_heap:,.0f} MB for OCA, in one run as of {month_end}\n"
            f"  the three agree on the total open: {agree}"
        )
        if not agree:
            raise SystemExit("the aged balances disagree")


if __name__ == "__main__":
    main()
