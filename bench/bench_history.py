"""Time the customer payment history workbook against the bare query of the
same invoices, in this one process.

    python3 bench/bench_history.py -c CONF -d DB [--reps 3] [--customers 1000]

DB holds a generated history (``bench/generate_payment_history.py``) with the
addon installed. The customers are the first ``--customers`` (by id) with 45
to 55 invoices in the metrics' lookback window, about 50 each, as the target
is stated. Each round times:

* **bare**: the workbook's own query (``ar_payment_history.INVOICES_SQL``):
  every invoice of the window of those customers with its paid facts,
  fetched into Python;
* **ours**: ``res.partner._ar_payment_history_xlsx``, the whole workbook: the
  same query, the pandas series, a sheet and a chart per customer, the file's
  bytes; and its parts, for where the time goes.

Medians of ``--reps`` rounds after one warm-up, the ratio within each round.
Nothing is written: it runs on the history itself.
"""

import argparse
import resource
from time import perf_counter as timed_now

from common import environment, median, setup_odoo

from odoo import fields
from odoo.tools import SQL


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--customers", type=int, default=1000)
    args = parser.parse_args()
    setup_odoo(args.config)
    from odoo.addons.account_receivable_management.models import ar_payment_history
    from odoo.addons.account_receivable_management.reports import payment_history

    with environment(args.database) as env:
        company = env.ref("base.main_company")
        today = fields.Date.context_today(env.user)
        policy = company._ar_ensure_policy()
        since = fields.Date.subtract(today, months=policy.metrics_lookback_months)
        partner_ids = [
            row[0]
            for row in env.execute_query(
                SQL(
                    """
            SELECT commercial_partner_id FROM account_move
             WHERE company_id = %s AND move_type = 'out_invoice'
               AND state = 'posted' AND invoice_date >= %s
             GROUP BY 1 HAVING COUNT(*) BETWEEN 45 AND 55
             ORDER BY 1 LIMIT %s""",
                    company.id,
                    since,
                    args.customers,
                )
            )
        ]
        partners = env["res.partner"].browse(partner_ids)
        query = SQL(
            ar_payment_history.INVOICES_SQL,
            company=company.id,
            partners=partner_ids,
            since=since,
            today=today,
            band1=policy.band_small_limit,
            band2=policy.band_large_limit,
        )
        Partner = env["res.partner"]
        sizes = {}

        def bare():
            sizes["invoices"] = len(env.execute_query(query))

        def ours():
            sizes["bytes"] = len(
                Partner._ar_payment_history_xlsx(partners, company, today)
            )

        def parts():
            """Where the time goes, once per round."""
            started = timed_now()
            rows = env.execute_query(query)
            queried = timed_now()
            frame = payment_history.invoices_frame(rows)
            series = payment_history.monthly_series(frame)
            computed = timed_now()
            customers = [(p.id, p.display_name) for p in partners]
            payment_history.workbook(
                customers,
                frame,
                series,
                ["header"] * 3,
                Partner._ar_payment_history_labels(),
                company.currency_id,
            )
            written = timed_now()
            return (queried - started, computed - queried, written - computed)

        rounds = []
        for round_number in range(args.reps + 1):
            times = {}
            for name, run in (("bare", bare), ("ours", ours)):
                env.invalidate_all()
                started = timed_now()
                run()
                times[name] = timed_now() - started
            times["parts"] = parts()
            if round_number:  # the first round warms up
                rounds.append(times)
        bare_ms = median([r["bare"] for r in rounds]) * 1000
        ours_ms = median([r["ours"] for r in rounds]) * 1000
        ratio = median([r["ours"] / r["bare"] for r in rounds])
        query_ms, pandas_ms, writing_ms = (
            median([r["parts"][i] for r in rounds]) * 1000 for i in range(3)
        )
        print(
            f"{len(partner_ids)} customers, {sizes['invoices']:,} invoices,"
            f" workbook of {sizes['bytes'] / 1e6:.1f} MB"
        )
        print(f"{'':30}{'ours (ms)':>10}{'bare (ms)':>11}{'ratio':>8}")
        print(
            f"{'payment history workbook':30}{ours_ms:10.0f}{bare_ms:11.0f}{ratio:8.2f}"
        )
        print(
            f"  where it goes: query {query_ms:.0f} ms, pandas {pandas_ms:.0f} ms,"
            f" sheets and charts {writing_ms:.0f} ms"
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of the process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
