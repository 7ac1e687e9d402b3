"""Time the customer's account page on the portal (``/my/receivables``) for
a customer with 10,000 open invoices, as its portal user, against one
hand-written SQL query returning the same figures, in this one process.

    python3 bench/bench_portal.py -c CONF -d DB [--reps 5] [--prepare]

DB holds a generated history (``bench/generate_payment_history.py``);
``--prepare`` (``bench/run_portal`` passes it, once, on a copy kept between
runs) adds the customer "Bench 10000" with 10,000 posted open invoices
(``bench/generate_open_invoices.py``) and a portal user for one of its
contacts, and commits.

The page is requested as the browser requests it, through Odoo's WSGI
application in this process with the portal user's session: routing,
the controller, the record rules and the QWeb rendering of the whole page
(its first page of 80 invoices, and the aging of all 10,000). The bare
query fetches the same figures: that first page, the number of open
invoices and the aging buckets. Medians of ``--reps`` rounds after one
warm-up, ratios within the round.
"""

import argparse
import random
import time

from common import environment, median, setup_odoo
from generate_open_invoices import generate
from werkzeug.test import Client

import odoo
from odoo import api, fields
from odoo.service import security

SIZE = 10_000
LOGIN = "bench_portal_10000"

BARE_SQL = """
WITH open_invoices AS (
    SELECT m.id, m.name, m.invoice_date_due, m.amount_residual, m.currency_id
      FROM account_move m
     WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
       AND m.payment_state IN ('not_paid', 'partial')
       AND m.commercial_partner_id = %(partner)s
       AND m.company_id = ANY(%(companies)s)
), page AS (
    SELECT * FROM open_invoices
  ORDER BY invoice_date_due, name, id LIMIT 80
), items AS (
    SELECT %(today)s::date - COALESCE(l.date_maturity, l.date) AS days,
           l.amount_residual AS amount
      FROM account_move_line l
     WHERE l.partner_id IN (SELECT id FROM res_partner
                             WHERE commercial_partner_id = %(partner)s)
       AND l.company_id = ANY(%(companies)s)
       AND l.account_id = ANY(%(accounts)s)
       AND l.parent_state = 'posted' AND l.reconciled IS NOT TRUE
       AND l.amount_residual != 0
)
SELECT (SELECT json_agg(page) FROM page),
       (SELECT COUNT(*) FROM open_invoices),
       (SELECT COUNT(*) FROM open_invoices WHERE invoice_date_due < %(today)s),
       SUM(amount) FILTER (WHERE amount > 0 AND days <= 0),
       SUM(amount) FILTER (WHERE amount > 0 AND days BETWEEN 1 AND 30),
       SUM(amount) FILTER (WHERE amount > 0 AND days BETWEEN 31 AND 60),
       SUM(amount) FILTER (WHERE amount > 0 AND days BETWEEN 61 AND 90),
       SUM(amount) FILTER (WHERE amount > 0 AND days BETWEEN 91 AND 120),
       SUM(amount) FILTER (WHERE amount > 0 AND days > 120),
       SUM(amount) FILTER (WHERE amount < 0),
       SUM(amount)
  FROM items
"""


def prepare(db):
    with environment(db, commit=True) as env:
        generate(env, SIZE, random.Random(10_000))
        customer = env["res.partner"].search([("ref", "=", f"bench-{SIZE}")])
        if not env["res.users"].search([("login", "=", LOGIN)]):
            contact = env["res.partner"].create(
                {"name": "Bench Portal Contact", "parent_id": customer.id}
            )
            env["res.users"].create(
                {
                    "login": LOGIN,
                    "partner_id": contact.id,
                    "groups_id": [(6, 0, env.ref("base.group_portal").ids)],
                }
            )


def session_client(db):
    """A werkzeug client of Odoo's WSGI application, logged in as the
    benchmark's portal user (a session made as Odoo's HttpCase makes it)."""
    root = odoo.http.root
    session = root.session_store.new()
    session.update(odoo.http.get_default_session(), db=db)
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        user = env["res.users"].search([("login", "=", LOGIN)])
        env = api.Environment(cr, user.id, {})
        session.uid = user.id
        session.login = LOGIN
        session.session_token = security.compute_session_token(session, env)
        session.context = dict(env["res.users"].context_get())
        customer = user.partner_id.commercial_partner_id.id
        companies = user.company_ids.ids
    root.session_store.save(session)
    client = Client(root)
    client.set_cookie("session_id", session.sid, domain="localhost")
    return client, customer, companies


def timed_ms(func):
    start = time.perf_counter()
    result = func()
    return (time.perf_counter() - start) * 1000.0, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--prepare", action="store_true")
    args = parser.parse_args()
    setup_odoo(args.config)
    odoo.tools.config["db_name"] = args.database
    if args.prepare:
        prepare(args.database)
    client, customer, companies = session_client(args.database)
    with environment(args.database) as env:
        today = fields.Date.context_today(env.user)
        accounts = (
            env["account.account"]
            .search([("account_type", "=", "asset_receivable")])
            .ids
        )
        cr = env.cr

        def bare():
            cr.execute(
                BARE_SQL,
                {
                    "partner": customer,
                    "companies": companies,
                    "today": today,
                    "accounts": accounts,
                },
            )
            return cr.fetchall()

        def page(url="/my/receivables"):
            response = client.get(url, headers={"Host": "localhost"})
            if response.status_code != 200:
                raise RuntimeError(f"{url}: HTTP {response.status_code}")
            return response.get_data()

        [row] = bare()
        print(
            f"customer {customer}: {row[1]} open invoices, {row[2]} overdue, "
            f"balance {row[-1]:,.2f}"
        )
        html = page().decode()
        shown = html.count('name="invoice_ids"')
        print(f"the page lists {shown} of them, with the aging of all")
        last = (row[1] + 79) // 80
        results = {"first page": [], f"page {last}": [], "bare": []}
        for round_ in range(args.reps + 1):
            bare_ms, _ = timed_ms(bare)
            first_ms, _ = timed_ms(page)
            last_ms, _ = timed_ms(lambda: page(f"/my/receivables/page/{last}"))
            if round_:  # the first round warms the caches up
                results["bare"].append(bare_ms)
                results["first page"].append(first_ms)
                results[f"page {last}"].append(last_ms)
        base = median(results["bare"])
        print(f"\n{'':<14}{'median ms':>10}{'× bare':>9}")
        for name, values in results.items():
            value = median(values)
            print(f"{name:<14}{value:>10.1f}{value / base:>9.1f}")


if __name__ == "__main__":
    main()
