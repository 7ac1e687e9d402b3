"""Time the server side of the screens an accountant opens, as a Credit Manager
(record rules on), against one hand-written SQL query returning the same
figures, in this one process.

    python3 bench/bench_screens.py -c CONF -d DB [--reps 5] [--prepare]

DB holds a generated history (``bench/generate_payment_history.py``);
``--prepare`` first runs the nightly metrics job once, so that scores, grades,
predicted pay dates and warnings exist as on a database in use, creates the
Credit Manager, adds promises due today for the worklist (no payment plans
yet), and analyzes the tables; ``--prepare-only`` stops there
(``bench/run_screens`` passes it on a throwaway copy, then vacuums the copy
as autovacuum would after the night's run, then measures).

Each screen is called as the web client calls it (``get_data``, ``action_show``
then ``web_read_group``, ``web_search_read``, ``read_group`` per pivot header,
``web_read`` of the tab's fields) after the caches of the previous call are
dropped; the bare query returns the same figures, fetched into Python. Medians
of ``--reps`` rounds after one warm-up, ratios within the round.

``--extra-customers N`` adds N customers with a metrics row each (copies of
existing rows, in SQL) before measuring, for the risk list at 50,000
customers.
"""

import argparse
from datetime import timedelta

from common import environment, median, setup_odoo, timed
from lxml import etree

from odoo import Command, fields
from odoo.tools import SQL

PAGE = 80

# --- bare queries: the figures each screen shows, written by hand -----------
DASHBOARD_BARE = """
WITH open_items AS (
    SELECT l.partner_id, l.amount_residual AS amount,
           %(today)s::date - COALESCE(l.date_maturity, l.date) AS days
      FROM account_move_line l
     WHERE l.account_id = ANY(%(accounts)s) AND l.company_id = %(company)s
       AND l.parent_state = 'posted' AND l.reconciled IS NOT TRUE
       AND l.date <= %(today)s AND l.amount_residual != 0
), cards AS (
    SELECT SUM(amount) AS receivable,
           SUM(amount) FILTER (WHERE amount > 0) AS owed,
           SUM(amount) FILTER (WHERE amount > 0 AND days > 0) AS overdue,
           SUM(amount) FILTER (WHERE days <= 0) AS b0,
           SUM(amount) FILTER (WHERE days BETWEEN 1 AND 30) AS b1,
           SUM(amount) FILTER (WHERE days BETWEEN 31 AND 60) AS b2,
           SUM(amount) FILTER (WHERE days BETWEEN 61 AND 90) AS b3,
           SUM(amount) FILTER (WHERE days BETWEEN 91 AND 120) AS b4,
           SUM(amount) FILTER (WHERE days > 120) AS b5
      FROM open_items
), top_risk AS (
    SELECT json_agg(t) AS rows FROM (
        SELECT m.partner_id, p.name, m.risk_grade, m.risk_score, m.open_amount
          FROM ar_partner_metrics m JOIN res_partner p ON p.id = m.partner_id
         WHERE m.company_id = %(company)s AND m.open_amount > 0
      ORDER BY m.risk_score DESC, m.open_amount DESC, m.id LIMIT 10) t
), forecast AS (
    SELECT json_agg(f) AS rows FROM (
        SELECT (m.ar_predicted_pay_date - %(monday)s::date) / 7 AS week,
               SUM(m.ar_forecast_amount) AS amount
          FROM account_move m
         WHERE m.ar_open_invoice AND m.company_id = %(company)s
           AND m.ar_predicted_pay_date >= %(monday)s
           AND m.ar_predicted_pay_date < %(monday)s::date + 91
      GROUP BY 1) f
)
SELECT cards.*, top_risk.rows, forecast.rows,
       (SELECT COUNT(*) FROM ar_hold h WHERE h.active AND h.company_id = %(company)s),
       (SELECT COUNT(*) FROM ar_promise p WHERE p.company_id = %(company)s
           AND p.state = 'broken' AND p.date_judged >= %(month)s),
       (SELECT json_agg(w) FROM (
            SELECT w.partner_id, w.message FROM ar_risk_warning w
             WHERE w.company_id = %(company)s AND w.date >= %(month)s
          ORDER BY w.date DESC, w.id DESC LIMIT 10) w),
       (SELECT dso FROM ar_company_kpi k
         WHERE k.company_id = %(company)s AND k.month = %(month)s)
  FROM cards, top_risk, forecast
"""

# The first grouped page of Show: per customer (by name), the bucket sums.
# The first grouped page of Show: the receivable items open at the end of the
# day (today's residual plus what reconciliations dated after the day took
# off), by customer (commercial entity), credits apart, the first 80 by name,
# and how many customers there are.
AGING_PAGE_BARE = """
WITH added AS (
    SELECT x.line_id, SUM(x.amount) AS amount FROM (
        SELECT debit_move_id AS line_id, amount FROM account_partial_reconcile
         WHERE company_id = %(company)s AND max_date > %(day)s
        UNION ALL
        SELECT credit_move_id, -amount FROM account_partial_reconcile
         WHERE company_id = %(company)s AND max_date > %(day)s) x
     GROUP BY x.line_id
), items AS (
    SELECT l.partner_id, COALESCE(l.date_maturity, l.date) AS due,
           l.amount_residual + COALESCE(a.amount, 0) AS amount
      FROM account_move_line l LEFT JOIN added a ON a.line_id = l.id
     WHERE l.account_id = ANY(%(accounts)s) AND l.company_id = %(company)s
       AND l.parent_state = 'posted' AND l.reconciled IS NOT TRUE
       AND l.date <= %(day)s
    UNION ALL
    SELECT l.partner_id, COALESCE(l.date_maturity, l.date),
           l.amount_residual + a.amount
      FROM added a JOIN account_move_line l ON l.id = a.line_id
     WHERE l.account_id = ANY(%(accounts)s) AND l.company_id = %(company)s
       AND l.parent_state = 'posted' AND l.reconciled AND l.date <= %(day)s
), by_customer AS (
    SELECT rp.commercial_partner_id AS partner_id, COUNT(*) AS items,
           SUM(i.amount) AS amount,
           SUM(i.amount) FILTER (WHERE i.amount < 0) AS credits,
           SUM(i.amount) FILTER (WHERE i.amount > 0 AND %(day)s - i.due <= 0),
           SUM(i.amount) FILTER (WHERE i.amount > 0
                                   AND %(day)s - i.due BETWEEN 1 AND 30),
           SUM(i.amount) FILTER (WHERE i.amount > 0
                                   AND %(day)s - i.due BETWEEN 31 AND 60),
           SUM(i.amount) FILTER (WHERE i.amount > 0
                                   AND %(day)s - i.due BETWEEN 61 AND 90),
           SUM(i.amount) FILTER (WHERE i.amount > 0
                                   AND %(day)s - i.due BETWEEN 91 AND 120),
           SUM(i.amount) FILTER (WHERE i.amount > 0 AND %(day)s - i.due > 120)
      FROM items i JOIN res_partner rp ON rp.id = i.partner_id
     WHERE i.amount != 0
     GROUP BY 1
)
SELECT p.complete_name, c.*, COUNT(*) OVER ()
  FROM by_customer c JOIN res_partner p ON p.id = c.partner_id
 ORDER BY p.complete_name, p.id DESC LIMIT 80
"""

# Today's worklist, first page: the overdue invoices no promise or plan
# covers, with the customer's score, by amount x score x days; and the count.
WORKLIST_BARE = """
WITH rows AS (
    SELECT m.id, m.name, m.commercial_partner_id, m.amount_residual_signed,
           CURRENT_DATE - m.invoice_date_due AS days, mt.risk_score
      FROM account_move m
      JOIN res_partner rp ON rp.id = m.commercial_partner_id
      LEFT JOIN ar_partner_metrics mt ON mt.partner_id = m.commercial_partner_id
                                     AND mt.company_id = m.company_id
     WHERE m.ar_open_invoice
       AND m.company_id = %(company)s AND m.invoice_date_due < CURRENT_DATE
       AND (rp.ar_collector_id ->> %(company_key)s)::int = %(uid)s
       AND NOT EXISTS (SELECT 1 FROM ar_promise_invoice_rel rel
                         JOIN ar_promise p ON p.id = rel.promise_id
                        WHERE rel.move_id = m.id AND p.state = 'open')
       AND NOT EXISTS (SELECT 1 FROM ar_payment_plan_invoice_rel rel
                         JOIN ar_payment_plan pp ON pp.id = rel.plan_id
                        WHERE rel.move_id = m.id AND pp.state = 'active')
)
SELECT *, (SELECT COUNT(*) FROM rows) FROM rows
 ORDER BY amount_residual_signed * GREATEST(COALESCE(risk_score, 0), 1)
          * SQRT(GREATEST(days, 1)) DESC
 LIMIT 80
"""

# the forecast action's domain and measure (the expected cash), by hand
FORECAST_WHERE = """
 m.ar_open_invoice AND m.company_id = %(company)s
 AND m.ar_predicted_pay_date IS NOT NULL AND m.ar_predicted_pay_date < %(end)s
"""
# the Monday on or before the predicted date, in whole days (1900-01-01 was
# a Monday), as the forecast computes it
WEEK = """(m.ar_predicted_pay_date
        - mod(mod(m.ar_predicted_pay_date - DATE '1900-01-01', 7) + 7, 7))"""
FORECAST_GRAPH_BARE = f"""
SELECT {WEEK}, SUM(m.ar_forecast_amount)
  FROM account_move m WHERE {FORECAST_WHERE} GROUP BY 1 ORDER BY 1
"""
FORECAST_PIVOT_BARE = f"""
SELECT m.commercial_partner_id, {WEEK}, SUM(m.ar_forecast_amount)
  FROM account_move m WHERE {FORECAST_WHERE}
 GROUP BY ROLLUP (1, 2)
"""

RISK_BARE = """
SELECT m.id, p.name, m.risk_grade, m.risk_score, m.open_amount, m.overdue_amount,
       m.avg_days_late, m.trend_days, COUNT(*) OVER ()
  FROM ar_partner_metrics m JOIN res_partner p ON p.id = m.partner_id
 WHERE m.company_id = %(company)s %(grade)s
 ORDER BY m.risk_score DESC, m.id LIMIT 80
"""

# The Credit & Collections tab of one customer: every figure it shows (the
# customer's settings and hold state in this company, the open items and the
# overdue, what is left to invoice on its orders and in draft invoices, its
# metrics, the counts of its promises, plans, settlements, returns, barters
# and disputes, the names of its policy and collector, and its holds).
TAB_BARE = """
SELECT p.complete_name,
       p.credit_limit ->> %(company_key)s, p.ar_policy_id ->> %(company_key)s,
       p.ar_no_reminders ->> %(company_key)s,
       p.ar_no_late_charges ->> %(company_key)s,
       p.ar_credit_hold ->> %(company_key)s, p.ar_hold_since ->> %(company_key)s,
       p.ar_promise_kept_count ->> %(company_key)s,
       p.ar_promise_broken_count ->> %(company_key)s,
       p.ar_last_broken_promise_date ->> %(company_key)s,
       p.ar_last_contact_date ->> %(company_key)s,
       p.ar_next_contact_date ->> %(company_key)s,
       (SELECT pol.name ->> 'en_US' FROM ar_credit_policy pol
         WHERE pol.id = (p.ar_policy_id ->> %(company_key)s)::int),
       (SELECT cp.name FROM res_users u JOIN res_partner cp ON cp.id = u.partner_id
         WHERE u.id = (p.ar_collector_id ->> %(company_key)s)::int),
       (SELECT c.name FROM res_company co JOIN res_currency c ON c.id = co.currency_id
         WHERE co.id = %(company)s),
       open_items.*,
       (SELECT SUM(o.ar_amount_to_invoice) FROM sale_order o
         WHERE o.ar_payer_id = p.id AND o.company_id = %(company)s
           AND o.ar_amount_to_invoice != 0),
       -- draft invoices count where the customer's policy says so
       CASE WHEN %(drafts)s THEN (
           SELECT SUM(l.balance) FROM account_move_line l
             JOIN account_move mv ON mv.id = l.move_id
            WHERE l.partner_id = p.id AND l.account_id = ANY(%(accounts)s)
              AND l.company_id = %(company)s AND l.parent_state = 'draft'
              AND mv.move_type IN ('out_invoice', 'out_refund')
              AND NOT EXISTS (
                  SELECT 1 FROM account_move_line src
                    JOIN sale_order_line_invoice_rel rel
                      ON rel.invoice_line_id = src.id
                   WHERE src.move_id = mv.id))
       END,
       (SELECT COUNT(*) FROM ar_promise x WHERE x.partner_id = p.id
           AND x.company_id = %(company)s AND x.state = 'open'),
       (SELECT COUNT(*) FROM ar_payment_plan x WHERE x.partner_id = p.id
           AND x.company_id = %(company)s),
       (SELECT COUNT(*) FROM ar_settlement x WHERE x.partner_id = p.id
           AND x.company_id = %(company)s),
       (SELECT COUNT(*) FROM ar_return x WHERE x.partner_id = p.id
           AND x.company_id = %(company)s),
       (SELECT COUNT(*) FROM ar_barter x WHERE x.partner_id = p.id
           AND x.company_id = %(company)s),
       (SELECT COUNT(*) FROM ar_dispute x WHERE x.partner_id = p.id
           AND x.company_id = %(company)s),
       m.risk_grade, m.risk_score, m.risk_explanation, m.avg_days_to_pay,
       m.avg_days_late, m.on_time_share, m.trend_days, m.dso,
       (SELECT json_agg(json_build_object(
                   'reason', h.reason, 'detail', h.detail, 'note', h.note,
                   'start', h.date_start, 'end', h.date_end, 'active', h.active,
                   'user', hu.name, 'released_by', ru.name,
                   'release_note', h.release_note))
          FROM ar_hold h
          LEFT JOIN res_users u1 ON u1.id = h.user_id
          LEFT JOIN res_partner hu ON hu.id = u1.partner_id
          LEFT JOIN res_users u2 ON u2.id = h.release_user_id
          LEFT JOIN res_partner ru ON ru.id = u2.partner_id
         WHERE h.partner_id = p.id AND h.company_id = %(company)s)
  FROM res_partner p
 CROSS JOIN LATERAL (
        SELECT SUM(l.amount_residual) AS receivable,
               SUM(l.amount_residual) FILTER (
                   WHERE l.date_maturity < CURRENT_DATE) AS overdue,
               MIN(l.date_maturity) FILTER (
                   WHERE l.date_maturity < CURRENT_DATE AND l.amount_residual > 0)
                   AS oldest_due
          FROM account_move_line l
         WHERE l.partner_id = p.id AND l.account_id = ANY(%(accounts)s)
           AND l.company_id = %(company)s AND l.parent_state = 'posted'
           AND l.reconciled IS NOT TRUE) open_items
  LEFT JOIN ar_partner_metrics m
    ON m.partner_id = p.id AND m.company_id = %(company)s
 WHERE p.id = %(partner)s
"""


# --- preparing a copy --------------------------------------------------------
def prepare(env, company, today):
    """What a database in use has beside the history: the nightly figures,
    a Credit Manager who collects a fifth of the customers, promises due
    today. Committed (run on a throwaway copy)."""
    print("  nightly metrics job (once, not timed)...", flush=True)
    env["ar.partner.metrics"]._run(companies=company, today=today, commit=True)
    manager = env["res.users"].search([("login", "=", "bench_credit_manager")])
    if not manager:
        manager = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Bench Credit Manager",
                    "login": "bench_credit_manager",
                    "company_id": company.id,
                    "company_ids": [Command.set(company.ids)],
                    "groups_id": [
                        Command.link(env.ref("account.group_account_invoice").id),
                        Command.link(env.ref("sales_team.group_sale_salesman").id),
                        Command.link(
                            env.ref("account_receivable_management.group_ar_manager").id
                        ),
                    ],
                }
            )
        )
    # one customer in five is the manager's to collect
    env.cr.execute(
        SQL(
            """
        UPDATE res_partner SET ar_collector_id = jsonb_build_object(%s, %s)
         WHERE id IN (SELECT partner_id FROM ar_partner_metrics
                       WHERE company_id = %s AND mod(id, 5) = 0)
            """,
            str(company.id),
            manager.id,
            company.id,
        )
    )
    env.invalidate_all()
    # promises on 200 overdue invoices, due today: worklist rows of that kind
    invoices = env["account.move"].search(
        [
            ("company_id", "=", company.id),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
            ("invoice_date_due", "<", today - timedelta(days=20)),
        ],
        limit=200,
        order="id",
    )
    seen = set()
    for invoice in invoices:
        if invoice.commercial_partner_id in seen:
            continue
        seen.add(invoice.commercial_partner_id)
        env["ar.promise"].create(
            {
                "partner_id": invoice.commercial_partner_id.id,
                "company_id": company.id,
                "invoice_ids": [Command.set(invoice.ids)],
                "amount": invoice.amount_residual,
                "promised_date": today,
            }
        )
    env.cr.commit()  # pylint: disable=invalid-commit
    env.cr.execute("ANALYZE")
    return manager


def add_customers(env, company, count):
    """``count`` more customers, each with a copy of an existing metrics row
    (the risk list reads nothing else)."""
    # each a copy of a customer of the history (every NOT NULL column set)
    kept = [
        name
        for (name,) in env.execute_query(
            SQL(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'res_partner' AND column_name "
                "NOT IN ('id', 'name', 'complete_name', 'commercial_partner_id')"
            )
        )
    ]
    env.cr.execute(
        SQL(
            """
        INSERT INTO res_partner (id, name, complete_name, commercial_partner_id,
                                 %(kept)s)
        SELECT g.id, 'Extra customer ' || g.n, 'Extra customer ' || g.n, g.id,
               %(template_kept)s
          FROM (SELECT n, nextval('res_partner_id_seq') AS id
                  FROM generate_series(1, %(count)s) n) g
          CROSS JOIN (SELECT * FROM res_partner
                       WHERE id = (SELECT MIN(partner_id) FROM ar_partner_metrics
                                    WHERE company_id = %(company)s)) t
            """,
            kept=SQL(", ").join(SQL.identifier(c) for c in kept),
            template_kept=SQL(", ").join(SQL.identifier("t", c) for c in kept),
            count=count,
            company=company.id,
        )
    )
    columns = [
        name
        for (name,) in env.execute_query(
            SQL(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'ar_partner_metrics' AND column_name "
                "NOT IN ('id', 'partner_id')"
            )
        )
    ]
    cols = SQL(", ").join(SQL.identifier(c) for c in columns)
    src_cols = SQL(", ").join(SQL.identifier("s", c) for c in columns)
    env.cr.execute(
        SQL(
            """
        INSERT INTO ar_partner_metrics (partner_id, %(cols)s)
        SELECT p.id, %(src_cols)s
          FROM (SELECT id, mod(row_number() OVER (ORDER BY id) - 1,
                               (SELECT COUNT(*) FROM ar_partner_metrics
                                 WHERE company_id = %(company)s)) + 1 AS n
                  FROM res_partner r
                 WHERE name LIKE %(extra)s
                   AND NOT EXISTS (SELECT 1 FROM ar_partner_metrics x
                                    WHERE x.partner_id = r.id)) p
          JOIN (SELECT m.*, row_number() OVER (ORDER BY m.id) AS n
                  FROM ar_partner_metrics m WHERE m.company_id = %(company)s) s
            ON s.n = p.n
            """,
            cols=cols,
            src_cols=src_cols,
            company=company.id,
            extra="Extra customer %",
        )
    )
    env.cr.commit()  # pylint: disable=invalid-commit
    env.cr.execute("ANALYZE res_partner")
    env.cr.execute("ANALYZE ar_partner_metrics")


# --- the screens -------------------------------------------------------------
def tab_specification(env):
    """The fields the Credit & Collections tab and the smart buttons read,
    as the web client's specification (from the form as served)."""
    arch = env["res.partner"].get_views([(False, "form")])["views"]["form"]["arch"]
    root = etree.fromstring(arch)
    fields_info = env["res.partner"].fields_get(attributes=["type"])
    spec = {"display_name": {}}
    for node in root.iter("field"):
        name = node.get("name")
        if not name.startswith("ar_") or node.getparent().tag == "list":
            continue
        if fields_info.get(name, {}).get("type") in ("one2many", "many2many"):
            sub = [n.get("name") for n in node.iter("field") if n is not node]
            spec[name] = {"fields": {f: {} for f in sub}}
        elif fields_info.get(name, {}).get("type") == "many2one":
            spec[name] = {"fields": {"display_name": {}}}
        else:
            spec[name] = {}
    return spec


def screens(env, manager, company, today):
    """{name: (call as the manager, bare query[, untimed setup])}."""
    # importable once setup_odoo has set the addons path
    from odoo.addons.account_receivable_management.models import sql_tools

    # the context the web client sends with every call
    me = env(
        user=manager.id,
        context={
            "lang": manager.lang or "en_US",
            "tz": manager.tz or "UTC",
            "uid": manager.id,
            "allowed_company_ids": company.ids,
        },
    )
    accounts = [
        row[0]
        for row in env.execute_query(
            SQL(
                "SELECT id FROM account_account WHERE account_type = 'asset_receivable'"
            )
        )
    ]
    month = today.replace(day=1)
    month_end = month - timedelta(days=1)
    monday = today - timedelta(days=today.weekday())
    end = today + timedelta(weeks=13)
    Line = me["ar.aging.line"]
    measures = ["amount:sum"] + [f"amount_b{i}:sum" for i in range(6)]

    def show(day):
        report = me["ar.aging.report"].create({"date": day})
        action = report.action_show()
        return Line.with_context(**action["context"]).web_read_group(
            action["domain"], measures, ["partner_id"], limit=PAGE, lazy=True
        )

    def bare_query(query, **params):
        return lambda: env.execute_query(SQL(query, **params))

    def indexed(func):
        """The bare query with the settings the addon gives the same read
        (sql_tools.OPEN_ITEMS_SETTINGS): the same plan, written by hand."""

        def run():
            with sql_tools.open_items_settings(env):
                return func()

        return run

    def forecast_bare(query, settings):
        """The same with the settings of the forecast's read (the graph's:
        Odoo's read_group, FORECAST_SETTINGS; the pivot's: the addon's
        groupings, FORECAST_GROUPS_SETTINGS)."""
        query = bare_query(query, company=company.id, end=end)

        def run():
            with sql_tools.settings(env, settings):
                return query()

        return run

    def aging_bare(day):
        return indexed(
            bare_query(AGING_PAGE_BARE, day=day, company=company.id, accounts=accounts)
        )

    # the manager's customers, To Contact (the action's default filter)
    worklist_domain = [("collector_id", "=", manager.id), ("contacted", "=", False)]
    worklist_spec = {
        name: {}
        for name in (
            "kind",
            "date",
            "reference",
            "amount",
            "days",
            "risk_score",
            "risk_grade",
            "priority",
            "urgency",
            "currency_id",
        )
    } | {"partner_id": {"fields": {"display_name": {}}}}
    # the forecast action's domain (views/ar_cash_forecast_views.xml), this
    # company
    forecast_domain = [
        ("company_id", "=", company.id),
        ("predicted_date", "<", end),
    ]
    Forecast = me["ar.cash.forecast"]

    def pivot():
        # the pivot's four calls: total, rows, columns, cells
        row, col = "partner_id", "week:day"
        return [
            Forecast.read_group(forecast_domain, ["amount:sum"], groupby, lazy=False)
            for groupby in ([], [row], [col], [row, col])
        ]

    Risk = me["ar.partner.metrics"]
    risk_spec = {
        name: {}
        for name in (
            "risk_grade",
            "risk_score",
            "open_amount",
            "overdue_amount",
            "avg_days_late",
            "trend_days",
            "currency_id",
        )
    } | {"partner_id": {"fields": {"display_name": {}}}}

    def risk(domain):
        return lambda: Risk.web_search_read(
            domain, risk_spec, limit=PAGE, order="risk_score desc", count_limit=10001
        )

    grade_domain = [("risk_grade", "in", ("D", "E"))]
    [(partner_id,)] = env.execute_query(
        SQL(
            """SELECT commercial_partner_id FROM account_move
                WHERE move_type = 'out_invoice' AND company_id = %s
             GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1""",
            company.id,
        )
    )
    spec = tab_specification(me)
    partner = env["res.partner"].browse(partner_id)
    drafts = partner._ar_rules(company)[partner_id].include_draft_invoices
    env["ar.partner.exposure"]._open_items(company, today, [partner_id])
    env.cr.commit()  # pylint: disable=invalid-commit

    def tab():
        return me["res.partner"].browse(partner_id).web_read(spec)

    tab_bare = bare_query(
        TAB_BARE,
        partner=partner_id,
        company=company.id,
        company_key=str(company.id),
        accounts=accounts,
        drafts=drafts,
    )
    return {
        "dashboard get_data": (
            lambda: me["ar.dashboard"].get_data(),
            indexed(
                bare_query(
                    DASHBOARD_BARE,
                    today=today,
                    monday=monday,
                    month=month,
                    company=company.id,
                    accounts=accounts,
                )
            ),
        ),
        "aging Show + first page, today": (
            lambda: show(today),
            aging_bare(today),
        ),
        f"aging Show + first page, {month_end}": (
            lambda: show(month_end),
            aging_bare(month_end),
        ),
        "worklist first page + count": (
            lambda: me["ar.worklist"].web_search_read(
                worklist_domain, worklist_spec, limit=PAGE, count_limit=10001
            ),
            bare_query(
                WORKLIST_BARE,
                company=company.id,
                company_key=str(company.id),
                uid=manager.id,
            ),
        ),
        "forecast graph by week": (
            lambda: Forecast.with_context(fill_temporal=True).read_group(
                forecast_domain, ["amount:sum"], ["week:day"], lazy=False
            ),
            forecast_bare(FORECAST_GRAPH_BARE, sql_tools.FORECAST_SETTINGS),
        ),
        "forecast pivot customer x week": (
            pivot,
            forecast_bare(FORECAST_PIVOT_BARE, sql_tools.FORECAST_GROUPS_SETTINGS),
        ),
        "risk list by score": (
            risk([]),
            bare_query(RISK_BARE, company=company.id, grade=SQL()),
        ),
        "risk list by score, D/E": (
            risk(grade_domain),
            bare_query(
                RISK_BARE,
                company=company.id,
                grade=SQL("AND m.risk_grade IN ('D', 'E')"),
            ),
        ),
        # The tab's first read of the day computes the customer's open items
        # and keeps them in their cache (``ar.partner.exposure``) for the
        # day; each later read of the tab, by anyone, reads the cache. The
        # rollback after each call would discard that row: the first case
        # drops it before each call, the second keeps it (committed below).
        "customer tab, most invoices, first read today": (
            tab,
            tab_bare,
            lambda: env.execute_query(
                SQL(
                    "DELETE FROM ar_partner_exposure"
                    " WHERE partner_id = %s AND company_id = %s",
                    partner_id,
                    company.id,
                )
            ),
        ),
        "customer tab, most invoices, read again": (tab, tab_bare),
    }


def measure(env, calls, reps):
    results = {}
    for name, (ours, bare, *setup) in calls.items():
        times = {"ours": [], "bare": []}
        for rep in range(reps + 1):
            for label, func in (("bare", bare), ("ours", ours)):
                env.invalidate_all()
                env.cr.execute("SAVEPOINT screen")
                for step in setup:  # untimed: the state the call starts from
                    step()
                elapsed = timed(func)[0]
                env.cr.execute("ROLLBACK TO SAVEPOINT screen")
                env.invalidate_all()
                if rep:  # the first round warms up
                    times[label].append(elapsed)
        results[name] = (median(times["ours"]), median(times["bare"]))
        ours_ms, bare_ms = results[name]
        print(
            f"  {name:48} {ours_ms:8.1f} ms  bare {bare_ms:7.1f} ms"
            f"  {ours_ms / bare_ms:5.1f} x",
            flush=True,
        )
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument(
        "--prepare-only", action="store_true", help="prepare the copy, measure nothing"
    )
    parser.add_argument("--extra-customers", type=int, default=0)
    parser.add_argument("--only", help="measure the screens whose name has this")
    args = parser.parse_args()
    setup_odoo(args.config)
    with environment(args.database, commit=True) as env:
        company = env.company
        today = fields.Date.context_today(env.user)
        if args.prepare or args.prepare_only:
            prepare(env, company, today)
        if args.prepare_only:
            return
        if args.extra_customers:
            add_customers(env, company, args.extra_customers)
        manager = env["res.users"].search([("login", "=", "bench_credit_manager")])
        if not manager:
            raise SystemExit("run with --prepare first")
        [(customers, open_invoices)] = env.execute_query(
            SQL(
                """SELECT (SELECT COUNT(*) FROM ar_partner_metrics
                            WHERE company_id = %(c)s),
                          (SELECT COUNT(*) FROM account_move m
                            WHERE m.company_id = %(c)s AND %(open)s)""",
                c=company.id,
                open=SQL("m.ar_open_invoice"),
            )
        )
        print(
            f"\n{customers:,} customers with metrics, {open_invoices:,} open "
            f"invoices; medians of {args.reps}, server time as a Credit Manager:"
        )
        calls = screens(env, manager, company, today)
        if args.only:
            calls = {k: v for k, v in calls.items() if args.only in k}
        measure(env, calls, args.reps)
        env.cr.rollback()


if __name__ == "__main__":
    main()
