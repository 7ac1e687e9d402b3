"""Checks of `.ci/lifecycle`, one step per call (not an Odoo module).

    python3 .ci/lifecycle_check.py -c CONF -d DB STEP

prepare      switches Sales Credit Limit on and gives the 20 customers who owe
             the most a limit of half their balance (standard Odoo fields; the
             generated customers have limits of their own too)
installed    the install computed metrics for every customer with history and
             no hold (the default policy only warns over a limit, as Odoo);
             switching Block Over Credit Limit on holds exactly the customers
             over their limit, at once; a second full run and a second hold
             refresh change nothing; saves the figures for ``same``
uninstall    uninstalls the addon the way the Apps menu does
uninstalled  none of the addon's tables or models is left, and a sale is still
             quoted, confirmed, delivered, invoiced and paid (rolled back)
same         the figures are those saved by ``installed`` (after reinstalling,
             with blocking switched on again, or upgrading)
previous     the installed addon is the previous version (18.0.1.0.0), without
             the stored paid facts
upgraded     after upgrading from it: the addon is this version, every customer
             invoice's stored paid facts are what its reconciliations give, the
             field indexes it dropped are gone, every policy has the plan fee
             product, and the next nightly run (committed) gives the figures of
             ``same``
"""

import argparse
import ast
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "bench"))

from common import environment, setup_odoo

from odoo import Command

MODULE = "account_receivable_management"
SAVED = pathlib.Path(__file__).resolve().parent.parent / ".run" / "lifecycle.json"
MANIFEST = pathlib.Path(__file__).resolve().parent.parent / "__manifest__.py"
VERSION = ast.literal_eval(MANIFEST.read_text())["version"]
METRIC_COLUMNS = (
    "partner_id, company_id, paid_count, paid_amount, avg_days_to_pay,"
    " avg_days_late, risk_score, risk_grade"
)


def figures(env):
    """The stored metrics and the active holds, as plain JSON values."""
    env.cr.execute(
        f"SELECT {METRIC_COLUMNS} FROM ar_partner_metrics"
        " ORDER BY partner_id, company_id"
    )
    metrics = [[str(value) for value in row] for row in env.cr.fetchall()]
    env.cr.execute(
        "SELECT partner_id, company_id, reason FROM ar_hold WHERE active"
        " ORDER BY partner_id, company_id, reason"
    )
    holds = [list(row) for row in env.cr.fetchall()]
    return {"metrics": metrics, "holds": holds}


def check(condition, message):
    if not condition:
        raise SystemExit(f"lifecycle: FAILED: {message}")
    print(f"lifecycle: ok: {message}")


OWING_SQL = """
SELECT m.commercial_partner_id, SUM(m.amount_residual_signed)
  FROM account_move m
 WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
   AND m.payment_state IN ('not_paid', 'partial')
 GROUP BY m.commercial_partner_id
 ORDER BY 2 DESC, 1
 LIMIT 20
"""


# Customers whose net receivable is above their limit in the main company
# (the generated customers come with limits of their own, and ``prepare`` adds
# 20); computed here from Odoo's tables, independently of the addon.
OVER_LIMIT_SQL = """
SELECT p.id
  FROM res_partner p
  JOIN (SELECT rp.commercial_partner_id AS id, SUM(l.amount_residual) AS owed
          FROM account_move_line l
          JOIN res_partner rp ON rp.id = l.partner_id
          JOIN account_account a ON a.id = l.account_id
         WHERE a.account_type = 'asset_receivable' AND l.parent_state = 'posted'
         GROUP BY 1) o ON o.id = p.id
 WHERE COALESCE((p.credit_limit ->> %s)::numeric, 0) > 0
   AND o.owed > (p.credit_limit ->> %s)::numeric
"""


def prepare(db):
    with environment(db, commit=True) as env:
        env.company.account_use_credit_limit = True
        env.cr.execute(OWING_SQL)
        for partner_id, owed in env.cr.fetchall():
            env["res.partner"].browse(partner_id).credit_limit = round(owed / 2, 2)
        print("lifecycle: credit limits set on the 20 customers who owe the most")


def installed(db):
    with environment(db, commit=True) as env:
        check(not figures(env)["holds"], "the install held nobody: nothing blocks yet")
        env.company.ar_policy_id.block_on_limit = True
        env.flush_all()
    with environment(db) as env:
        after_install = figures(env)
        env.cr.execute(
            "SELECT count(DISTINCT commercial_partner_id) FROM account_move"
            " WHERE move_type = 'out_invoice' AND state = 'posted'"
        )
        [customers] = env.cr.fetchone()
        check(customers > 0, f"the database has {customers} invoiced customers")
        check(
            len(after_install["metrics"]) == customers,
            f"the install computed metrics for all {customers} of them",
        )
        env.cr.execute(OVER_LIMIT_SQL, [str(env.company.id)] * 2)
        over_limit = sorted(partner_id for (partner_id,) in env.cr.fetchall())
        held = sorted(
            partner_id
            for partner_id, _company, reason in after_install["holds"]
            if reason == "over_limit"
        )
        check(
            held == over_limit,
            f"blocking over the limit held the {len(over_limit)} customers over it",
        )
        env["ar.partner.metrics"]._run()
        env["ar.hold"]._cron_refresh()
        env.flush_all()
        check(
            figures(env) == after_install,
            "a second full run and hold refresh change nothing (rolled back)",
        )
    SAVED.write_text(json.dumps(after_install))


def uninstall(db):
    with environment(db, commit=True) as env:
        module = env["ir.module.module"].search([("name", "=", MODULE)])
        check(module.state == "installed", "the addon is installed")
        module.button_immediate_uninstall()


def uninstalled(db):
    with environment(db) as env:
        env.cr.execute(
            "SELECT count(*) FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_name LIKE 'ar\\_%'"
        )
        check(env.cr.fetchone()[0] == 0, "no ar_* table is left")
        env.cr.execute("SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'ar\\_%'")
        check(env.cr.fetchone()[0] == 0, "no ar_* index is left on Odoo's tables")
        check(
            not env["ir.model"].search_count([("model", "=like", "ar.%")]),
            "no ar.* model is left",
        )
        module = env["ir.module.module"].search([("name", "=", MODULE)])
        check(module.state == "uninstalled", "the addon is uninstalled")
        partner = env["res.partner"].search(
            [("customer_rank", ">", 0)], order="id", limit=1
        )
        product = env["product.product"].create(
            {"name": "Lifecycle goods", "is_storable": True, "list_price": 80.0}
        )
        env["stock.quant"]._update_available_quantity(
            product, env.ref("stock.stock_location_stock"), 10
        )
        order = env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 2})
                ],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.move_ids.quantity = 2
        picking.button_validate()
        invoice = order._create_invoices()
        invoice.action_post()
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        check(
            (order.state, picking.state) == ("sale", "done"),
            f"a sale still goes through: {order.name} confirmed and delivered",
        )
        check(
            invoice.payment_state in ("paid", "in_payment"),
            f"its invoice {invoice.name} is posted and paid",
        )


def same(db):
    with environment(db, commit=True) as env:
        if not env.company.ar_policy_id.block_on_limit:  # a fresh install
            env.company.ar_policy_id.block_on_limit = True
            env.flush_all()
    with environment(db) as env:
        saved = json.loads(SAVED.read_text())
        check(figures(env) == saved, "the figures are those computed at install")


def previous(db):
    with environment(db) as env:
        module = env["ir.module.module"].search([("name", "=", MODULE)])
        check(
            module.latest_version == "18.0.1.0.0",
            f"the previous version is installed ({module.latest_version})",
        )
        env.cr.execute(
            "SELECT count(*) FROM information_schema.columns"
            " WHERE table_name = 'account_move' AND column_name = 'ar_paid_amount'"
        )
        check(env.cr.fetchone()[0] == 0, "it stores no paid facts")


def upgraded(db):
    from odoo.addons.account_receivable_management.models import paid_facts
    from odoo.tools import SQL

    with environment(db, commit=True) as env:
        module = env["ir.module.module"].search([("name", "=", MODULE)])
        check(
            module.latest_version == VERSION,
            f"upgraded to {module.latest_version}",
        )
        invoices = SQL("SELECT id FROM account_move WHERE move_type = 'out_invoice'")
        recomputed = {
            row[0]: tuple(row[1:])
            for row in env.execute_query(paid_facts.facts_sql(invoices))
        }
        stored = {
            row[0]: tuple(row[1:])
            for row in env.execute_query(
                SQL(
                    "SELECT id, %s FROM account_move WHERE move_type = 'out_invoice'",
                    SQL(", ").join(SQL.identifier(c) for c in paid_facts.COLUMNS),
                )
            )
            if any(value is not None for value in row[1:])
        }
        check(
            len(recomputed) > 1000 and stored == recomputed,
            f"the migration stored the paid facts of {len(stored)} invoices,"
            " each as its reconciliations give them",
        )
        env.cr.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname IN %s",
            [
                (
                    "ar_partner_metrics__partner_id_index",
                    "ar_partner_metrics__risk_grade_index",
                    "ar_partner_metrics__dirty_index",
                    "ar_partner_snapshot__partner_id_index",
                )
            ],
        )
        left = [name for (name,) in env.cr.fetchall()]
        check(not left, f"the indexes 18.0.1.1.0 no longer declares are gone {left}")
        product = env.ref("account_receivable_management.product_plan_fee")
        policies = env["ar.credit.policy"].with_context(active_test=False).search([])
        check(
            policies and policies.plan_fee_product_id == product,
            f"the {len(policies)} policies invoice plan fees as {product.name}",
        )
        # 18.0.1.6.0: every open invoice's expected cash, computed by the
        # migration before any job runs (not left empty)
        env.cr.execute(
            "SELECT count(*), count(ar_forecast_amount) FROM account_move"
            " WHERE move_type = 'out_invoice' AND state = 'posted'"
            " AND payment_state IN ('not_paid', 'partial')"
        )
        open_count, forecast_count = env.cr.fetchone()
        check(
            open_count > 100 and forecast_count == open_count,
            f"the migration computed the expected cash of {forecast_count} of"
            f" {open_count} open invoices",
        )
        # 18.0.1.7.0: the open-invoice flag stored by the upgrade, in one
        # UPDATE, for exactly the open invoices; the worklist's old view gone
        env.cr.execute(
            "SELECT count(*) FILTER (WHERE ar_open_invoice),"
            " count(*) FILTER (WHERE COALESCE(ar_open_invoice, FALSE) IS DISTINCT"
            " FROM (move_type = 'out_invoice' AND state = 'posted'"
            " AND payment_state IN ('not_paid', 'partial'))) FROM account_move"
        )
        flagged, wrong = env.cr.fetchone()
        check(
            flagged == open_count and not wrong,
            f"the upgrade flagged the {flagged} open invoices of {open_count},"
            f" {wrong} moves flagged wrong",
        )
        env.cr.execute("SELECT count(*) FROM pg_views WHERE viewname = 'ar_worklist'")
        check(not env.cr.fetchone()[0], "the worklist's view is gone")
        # 18.0.1.9.0: the aged receivables lines' rule (noupdate) reads the
        # line's own owner, no longer its report's
        rule = env.ref("account_receivable_management.ar_aging_line_rule_owner")
        check(
            "report_id" not in rule.domain_force
            and "('create_uid', '=', user.id)" in rule.domain_force,
            f"the aged receivables lines' rule is {rule.domain_force}",
        )
        # 18.0.1.10.0: the open-items cache is accounting users' only (the
        # access every employee had is removed by the upgrade)
        readers = (
            env["ir.model.access"]
            .search(
                [
                    ("model_id.model", "=", "ar.partner.exposure"),
                    ("perm_read", "=", True),
                ]
            )
            .group_id
        )
        expected = env.ref("account.group_account_invoice") | env.ref(
            "account.group_account_readonly"
        )
        check(
            readers == expected,
            f"the open-items cache is read by {', '.join(readers.mapped('full_name'))}",
        )
        # 18.0.1.11.0: the statement and collector wizards are their user's
        # own, in the user's companies (new rules in a noupdate file)
        for wizard in ("ar.statement.wizard", "ar.collector.assign"):
            rules = env["ir.rule"].search([("model_id.model", "=", wizard)])
            check(
                len(rules) == 1
                and "('create_uid', '=', user.id)" in rules.domain_force
                and "('company_id', 'in', company_ids)" in rules.domain_force,
                f"{wizard} has its owner's rule: {rules.mapped('domain_force')}",
            )
        # 18.0.1.11.0: an early warning's activity is the warning's, not its
        # customer's (every employee reads a customer's activities)
        on_warnings = env["ar.risk.warning"].search([]).activity_ids
        on_customers = env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("summary", "=", "Early warning")]
        )
        check(
            on_warnings and not on_customers,
            f"{len(on_warnings)} warnings' activities on their warning,"
            f" {len(on_customers)} on a customer",
        )
        env["ar.partner.metrics"]._run()
        env["ar.hold"]._cron_refresh()
    same(db)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument(
        "step",
        choices=[
            "prepare",
            "installed",
            "uninstall",
            "uninstalled",
            "same",
            "previous",
            "upgraded",
        ],
    )
    args = parser.parse_args()
    setup_odoo(args.config)
    globals()[args.step](args.database)


if __name__ == "__main__":
    main()
