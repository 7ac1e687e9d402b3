"""Helpers for the set-based statements of the nightly jobs."""

import contextlib

from odoo.tools import SQL

# Transaction-local settings of the nightly statements, measured at 1M paid
# invoices (bench/bench_metrics.py):
# * jit off: the metrics statement carries dozens of aggregates over a million
#   rows, and the server compiled it for 3 s, longer than it ran; a plan's
#   estimated cost, not its run time, decides that it compiles;
# * work_mem 16 MB: with the default 4 MB the planner reads every journal item
#   (0.8 s) instead of bitmap-scanning Odoo's index of unreconciled items
#   (0.05 s), because the bitmap of its (pessimistic) estimate would not fit.
#   Larger values make it hash the metrics aggregate, which measured slower.
BATCH_SETTINGS = {"jit": "off", "work_mem": "16MB"}


@contextlib.contextmanager
def batch_settings(env):
    """Run the enclosed statements with BATCH_SETTINGS, then restore the
    previous values (transaction-local, like ``SET LOCAL``)."""
    names = list(BATCH_SETTINGS)
    [previous] = env.execute_query(
        SQL(
            "SELECT %s",
            SQL(", ").join(SQL("current_setting(%s)", name) for name in names),
        )
    )
    env.execute_query(
        SQL(
            "SELECT %s",
            SQL(", ").join(
                SQL("set_config(%s, %s, true)", name, value)
                for name, value in BATCH_SETTINGS.items()
            ),
        )
    )
    try:
        yield
    finally:
        env.execute_query(
            SQL(
                "SELECT %s",
                SQL(", ").join(
                    SQL("set_config(%s, %s, true)", name, value)
                    for name, value in zip(names, previous, strict=True)
                ),
            )
        )
