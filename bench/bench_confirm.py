"""Time sale.order.action_confirm for customers with 10, 1k and 10k open invoices:
plain Odoo (a copy of the same data without the addon) against the addon with its
credit check off and on, all in this one process. Prints medians and ratios.

    python3 bench/bench_confirm.py -c .run/odoo.conf --plain-db P --db D
"""

import argparse

from common import environment, median, setup_odoo, timed

from odoo import Command

WARMUP = 3


def prepare(env, mode):
    """mode: 'plain' (no addon), 'off' (addon, check off), 'on' (check on)."""
    company = env.company
    company.account_use_credit_limit = mode == "on"
    if mode != "plain":
        company.ar_policy_id.write(
            {
                "block_on_limit": mode == "on",
                "overdue_days_rule": mode == "on",
                "overdue_days": 100000,
                "overdue_amount_rule": mode == "on",
                "overdue_amount": 1e12,
            }
        )
    env.flush_all()


def run(db, mode, sizes, reps):
    """{size: (median confirmation ms, median check-only ms)}."""
    results = {}
    with environment(db) as env:
        prepare(env, mode)
        product = env["product.product"].search(
            [("default_code", "=", "BENCH-W")], limit=1
        )
        for size in sizes:
            partner = env["res.partner"].search(
                [("ref", "=", f"bench-{size}")], limit=1
            )
            partner.credit_limit = 1e12
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "product_uom_qty": 1,
                                    "price_unit": 10,
                                }
                            )
                        ],
                    }
                    for _ in range(reps + WARMUP)
                ]
            )
            env.flush_all()
            checks = []
            if mode == "on":
                # The check alone, as action_confirm runs it, on a warm cache.
                for order in orders:
                    elapsed, problem = timed(order._ar_credit_problem)
                    assert not problem, problem
                    checks.append(elapsed)
            times = []
            for order in orders:
                env.invalidate_all()
                elapsed, _ = timed(
                    lambda o=order: (o.action_confirm(), env.flush_all())
                )
                times.append(elapsed)
            results[size] = (median(times[WARMUP:]), median(checks[WARMUP:]))
            if mode == "on":
                assert orders.mapped("state") == ["sale"] * len(orders)
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("--plain-db", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--sizes", default="10,1000,10000")
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    setup_odoo(args.config)
    sizes = [int(s) for s in args.sizes.split(",")]
    # Interleave the runs so that machine noise hits every mode alike.
    runs = {"plain": [], "off": [], "on": []}
    for _round in range(args.rounds):
        runs["plain"].append(run(args.plain_db, "plain", sizes, args.reps))
        runs["off"].append(run(args.db, "off", sizes, args.reps))
        runs["on"].append(run(args.db, "on", sizes, args.reps))
    best = {
        mode: {s: min(r[s][0] for r in rs) for s in sizes} for mode, rs in runs.items()
    }
    check = {s: min(r[s][1] for r in runs["on"]) for s in sizes}
    print()
    print(
        f"action_confirm, median ms (best of {args.rounds} rounds of {args.reps}"
        " confirmations, each on a cold cache, with its delivery)"
    )
    print(
        f"{'open invoices':>14} {'plain Odoo':>11} {'check off':>10} {'check on':>9}"
        f" {'on/plain':>9} {'the check alone':>16}"
    )
    for size in sizes:
        plain, off, on = best["plain"][size], best["off"][size], best["on"][size]
        print(
            f"{size:>14} {plain:>11.1f} {off:>10.1f} {on:>9.1f}"
            f" {on / plain:>8.2f}x {check[size]:>15.2f}"
        )


if __name__ == "__main__":
    main()
