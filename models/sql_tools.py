"""Helpers for the addon's SQL statements."""

import contextlib

from odoo.tools import SQL

# Transaction-local settings of the nightly statements (the measurements are
# in bench/README.md):
# * jit off: the metrics statement carries dozens of aggregates over a million
#   rows, and the server compiled it for longer than it ran; a plan's
#   estimated cost, not its run time, decides that it compiles;
# * work_mem 16 MB: with the default 4 MB the planner reads every journal item
#   instead of bitmap-scanning Odoo's index of unreconciled items, because the
#   bitmap of its (pessimistic) estimate would not fit. Larger values make it
#   hash the metrics aggregate, which is slower.
BATCH_SETTINGS = {"jit": "off", "work_mem": "16MB"}

# Settings of the screens that read the open receivable items (dashboard,
# aged receivables): Odoo's partial index of unreconciled items holds every
# line of a non-reconcilable account too (income, taxes), so PostgreSQL takes
# "receivable account" and "unreconciled" for independent, expects a quarter
# of all journal items where a few percent are open receivables, and reads the
# whole table (0.5 s at 4.6M items) instead of the index (0.05 s). Extended
# statistics correct the row count but not the index's cost, so the plan stays
# the same. Without sequential scans the index is the plan; jit off, because a
# plan costed that high is compiled for longer than it runs (bench/README.md,
# screens).
# work_mem 16 MB: the aged receivables group their 73,000 rows by customer,
# which spilled to disk at 4 MB.
OPEN_ITEMS_SETTINGS = {"jit": "off", "enable_seqscan": "off", "work_mem": "16MB"}

# The same for the aged receivables summed by customer (*Show*'s list), and
# without hashed aggregates: expecting a million open items where there are
# 73,000, the planner hashes the customers' sums in 64 partitions, ready to
# spill, and the reconciliations after a past day in a table of numeric
# sums; sorted, the statement takes 125 ms instead of 162 as of today and
# 266 instead of 357 as of last month's end (bench/README.md, screens). For
# that statement only: its joins are on primary keys or hashed, so that no
# aggregate's size can turn one into a loop over another (a hand-written
# query joining the customers' names the other way took 6 s).
AGING_BY_CUSTOMER_SETTINGS = {**OPEN_ITEMS_SETTINGS, "enable_hashagg": "off"}

# Settings of the screens read from a query (``ar.sql.screen.mixin``, the
# worklist's among them): the planner takes the addon's partial indexes of
# open invoices for ten times their size, and a plan costed that high is
# compiled by the JIT for longer than it runs (the worklist: 240 ms).
SCREEN_SETTINGS = {"jit": "off"}

# Settings of the cash-in forecast's reads: its pivot groups the company's
# open invoices by customer and week (53,000 groups at 20,000 customers),
# which spilled to disk at 4 MB and was then sorted on disk.
FORECAST_SETTINGS = {"jit": "off", "work_mem": "16MB"}

# The same for the forecast's groupings by customer and week (its pivot and
# graph), sorted rather than hashed: hashing 53,000 groups of numeric sums
# took 27 ms more than sorting them (157 -> 130 ms for the pivot's cells).
# Only for those statements, whose one join is on a primary key.
FORECAST_GROUPS_SETTINGS = {**FORECAST_SETTINGS, "enable_hashagg": "off"}


def unreconciled(alias):
    """A journal item of ``alias`` not reconciled yet (NULL counts as not).
    Odoo declares its partial index of open items with the predicate its ORM
    writes for ``reconciled = False``: ``(reconciled IS NULL OR reconciled =
    false OR reconciled IS NOT true)``. This is one of its terms, so PostgreSQL
    proves that it implies the index's predicate, and can scan that index
    (and the addon's, declared with it)."""
    return SQL("%s IS NOT TRUE", SQL.identifier(alias, "reconciled"))


def _set(env, settings):
    env.execute_query(
        SQL(
            "SELECT %s",
            SQL(", ").join(
                SQL("set_config(%s, %s, true)", name, value)
                for name, value in settings.items()
            ),
        )
    )


@contextlib.contextmanager
def settings(env, values):
    """Run the enclosed statements with these settings, then restore the
    previous values. Transaction-local, like ``SET LOCAL``: when a statement
    fails, rolling back (the transaction or the savepoint) restores them, and
    nothing is sent on the aborted transaction to hide the error."""
    names = list(values)
    [previous] = env.execute_query(
        SQL(
            "SELECT %s",
            SQL(", ").join(SQL("current_setting(%s)", name) for name in names),
        )
    )
    _set(env, values)
    yield
    _set(env, dict(zip(names, previous, strict=True)))


def batch_settings(env):
    """The nightly statements' settings (BATCH_SETTINGS), see ``settings``."""
    return settings(env, BATCH_SETTINGS)


def open_items_settings(env):
    """The open-items screens' settings (OPEN_ITEMS_SETTINGS)."""
    return settings(env, OPEN_ITEMS_SETTINGS)
