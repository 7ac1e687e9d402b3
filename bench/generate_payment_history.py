"""Build a realistic receivables history for the metrics benchmark, directly in
SQL, in a database where the addon is installed.

    python3 bench/generate_payment_history.py -c .run/odoo.conf -d DB --scale 1.0

Scale 1.0 is 20,000 customers and 1,000,000 paid invoices over two years, plus
the invoices still open at the end (recent ones, some partly paid). A fifth of
the paid invoices are paid in two payments; the rest in one. Each customer has
its own habit (four in ten pay on time, the others late by an exponential
number of days) and one in ten slides, paying a little later every month, so
trends and grades spread.

The rows are Odoo's own: the ORM first posts a template invoice in a dedicated
sales journal and pays it in two payments in a dedicated bank journal (partial,
then full reconciliation); every generated row is a copy of the matching
template row, with only its ids, links, names, dates and amounts replaced.
Invoices are ``paid`` with a full reconciliation, payments are ``paid`` and
linked to their invoices; open invoices carry their residual. The last step
asks Odoo to recompute residuals and payment states of a sample through the ORM
and refuses the data if Odoo disagrees with any stored value.

Idempotent: a database that already has the benchmark journal is left alone.
"""

import argparse
import time

from common import ensure_accounting, environment, setup_odoo

from odoo import Command, fields

FULL_PARTNERS = 20_000
FULL_PAID = 1_000_000
SALE_CODE = "BSAL"
BANK_CODE = "BBNK"
SEED = 0.20261123

# Columns replaced in each copied table; every other column keeps the template
# row's value. Expressions read the plan row "g" and the template row "t".
PARTNER_SET = {
    "id": "g.partner_id",
    "name": "g.name",
    "complete_name": "g.name",
    "ref": "g.ref",
    "commercial_partner_id": "g.partner_id",
    "credit_limit": "g.credit_limit",
    "create_date": "now() AT TIME ZONE 'UTC'",
    "write_date": "now() AT TIME ZONE 'UTC'",
}
INVOICE_SET = {
    "id": "g.move_id",
    "partner_id": "g.partner_id",
    "commercial_partner_id": "g.partner_id",
    "partner_shipping_id": "g.partner_id",
    "name": "g.name",
    "payment_reference": "g.name",
    "sequence_prefix": "g.prefix",
    "sequence_number": "g.seq",
    "invoice_partner_display_name": "g.partner_name",
    "date": "g.invoice_date",
    "invoice_date": "g.invoice_date",
    "invoice_date_due": "g.due_date",
    "amount_untaxed": "g.amount",
    "amount_total": "g.amount",
    "amount_untaxed_signed": "g.amount",
    "amount_untaxed_in_currency_signed": "g.amount",
    "amount_total_signed": "g.amount",
    "amount_total_in_currency_signed": "g.amount",
    "amount_residual": "g.residual",
    "amount_residual_signed": "g.residual",
    "payment_state": "g.payment_state",
}
INVOICE_PRODUCT_SET = {
    "id": "g.product_line_id",
    "move_id": "g.move_id",
    "partner_id": "g.partner_id",
    "move_name": "g.name",
    "date": "g.invoice_date",
    "invoice_date": "g.invoice_date",
    "credit": "g.amount",
    "balance": "-g.amount",
    "amount_currency": "-g.amount",
    "price_unit": "g.amount",
    "price_subtotal": "g.amount",
    "price_total": "g.amount",
}
INVOICE_TERM_SET = {
    "id": "g.term_line_id",
    "move_id": "g.move_id",
    "partner_id": "g.partner_id",
    "move_name": "g.name",
    "name": "g.name",
    "date": "g.invoice_date",
    "invoice_date": "g.invoice_date",
    "date_maturity": "g.due_date",
    "debit": "g.amount",
    "balance": "g.amount",
    "amount_currency": "g.amount",
    "amount_residual": "g.residual",
    "amount_residual_currency": "g.residual",
    "reconciled": "g.residual = 0",
    "full_reconcile_id": "g.full_id",
    "matching_number": "g.matching",
}
PAYMENT_SET = {
    "id": "g.payment_id",
    "move_id": "NULL",  # set once its entry exists: the two point at each other
    "partner_id": "g.partner_id",
    "name": "g.name",
    "memo": "g.inv_name",
    "date": "g.date",
    "amount": "g.amount",
    "amount_company_currency_signed": "g.amount",
}
PAYMENT_MOVE_SET = {
    "id": "g.pmove_id",
    "origin_payment_id": "g.payment_id",
    "partner_id": "g.partner_id",
    "commercial_partner_id": "g.partner_id",
    "name": "g.name",
    "ref": "g.inv_name",
    "sequence_prefix": "g.prefix",
    "sequence_number": "g.seq",
    "invoice_partner_display_name": "g.partner_name",
    "date": "g.date",
    "invoice_date_due": "g.date",
    "amount_total": "g.amount",
    "amount_total_signed": "g.amount",
    "amount_total_in_currency_signed": "g.amount",
}
PAYMENT_LINE_COMMON = {
    "move_id": "g.pmove_id",
    "payment_id": "g.payment_id",
    "partner_id": "g.partner_id",
    "move_name": "g.name",
    "ref": "g.inv_name",
    "name": "'Manual Payment: ' || g.inv_name",
    "date": "g.date",
    "date_maturity": "g.date",
}
PAYMENT_LIQUIDITY_SET = PAYMENT_LINE_COMMON | {
    "id": "g.liquidity_line_id",
    "debit": "g.amount",
    "balance": "g.amount",
    "amount_currency": "g.amount",
    "amount_residual": "g.amount",
    "amount_residual_currency": "g.amount",
    "price_subtotal": "g.amount",
    "price_total": "g.amount",
}
PAYMENT_COUNTERPART_SET = PAYMENT_LINE_COMMON | {
    "id": "g.counterpart_line_id",
    "credit": "g.amount",
    "balance": "-g.amount",
    "amount_currency": "-g.amount",
    "price_subtotal": "-g.amount",
    "price_total": "-g.amount",
    "full_reconcile_id": "g.full_id",
    "matching_number": "g.matching",
}
PARTIAL_SET = {
    "id": "g.partial_id",
    "debit_move_id": "g.term_line_id",
    "credit_move_id": "g.counterpart_line_id",
    "full_reconcile_id": "g.full_id",
    "max_date": "g.date",
    "amount": "g.amount",
    "debit_amount_currency": "g.amount",
    "credit_amount_currency": "g.amount",
}
FULL_SET = {"id": "g.full_id"}

PLAN_SQL = """
SELECT setseed(%(seed)s);

CREATE TEMP TABLE bench_partner AS
SELECT n,
       %(partner_base)s + n AS partner_id,
       'Bench Customer ' || lpad(n::text, 6, '0') AS name,
       'arb-' || n AS ref,
       -- habitual days late: four in ten pay on time, the others late by an
       -- exponential number of days (mean 12); one in ten slides every month
       CASE WHEN random() < 0.4 THEN 0 ELSE -12.0 * ln(1.0 - random()) END
           AS habit,
       CASE WHEN random() < 0.1 THEN 0.5 + 2.5 * random() ELSE 0 END AS slide,
       (ARRAY[15, 30, 30, 45, 60])[1 + floor(random() * 5)::int] AS terms,
       -- six customers in ten have a credit limit
       CASE WHEN random() < 0.6
            THEN jsonb_build_object(%(company_key)s,
                                    round((5000 * power(40, random()))::numeric, -3))
       END AS credit_limit
  FROM generate_series(1, %(partners)s) AS n;

-- draws after the first %(draws)s are the extra open invoices of --open:
-- dated in the last eight months, most of them recent, never paid by today
CREATE TEMP TABLE bench_draw AS
SELECT k,
       1 + floor(%(partners)s * power(random(), 1.5))::int AS pn,
       CASE WHEN k <= %(draws)s
            THEN %(today)s::date - 1 - floor(random() * 729)::int
            ELSE %(today)s::date - 1 - floor(240 * power(random(), 2))::int
       END AS invoice_date,
       round((40 * power(500, random()))::numeric, 2) AS amount,
       random() AS noise, random() AS split, random() AS share,
       random() < 0.2 AS two_payments, random() < 0.3 AS partly_open,
       k > %(draws)s AS forced_open
  FROM generate_series(1, %(draws)s + %(extra)s) AS k;

CREATE TEMP TABLE bench_inv0 AS
SELECT d.*, p.partner_id, p.name AS partner_name,
       d.invoice_date + p.terms AS due_date,
       CASE WHEN d.forced_open THEN %(today)s::date + 1 ELSE
       GREATEST(d.invoice_date + p.terms
                + round(p.habit
                        + p.slide * (d.invoice_date - (%(today)s::date - 730)) / 30.0
                        - 6 + 14 * d.noise)::int,
                d.invoice_date + 1) END AS pay_date
  FROM bench_draw d JOIN bench_partner p ON p.n = d.pn;

-- exactly %(paid)s paid invoices; every invoice not yet paid by today stays
-- open, at most %(open)s of them
CREATE TEMP TABLE bench_inv AS
WITH ranked AS (
    SELECT i.*, pay_date < %(today)s::date AS is_paid,
           row_number() OVER (PARTITION BY pay_date < %(today)s::date ORDER BY k)
               AS rank
      FROM bench_inv0 i
), kept AS (
    SELECT *, row_number() OVER (ORDER BY invoice_date, k) AS inv_n
      FROM ranked WHERE rank <= CASE WHEN is_paid THEN %(paid)s ELSE %(open)s END
), dated AS (
    SELECT kept.*,
           -- first payment of a two-payment invoice: 30-70 %% on a day between
           CASE WHEN is_paid AND two_payments
                  OR NOT is_paid AND partly_open
                     AND invoice_date + 7 < %(today)s::date
                THEN round(amount * (0.3 + 0.4 * share)::numeric, 2)
           END AS first_amount,
           CASE WHEN is_paid THEN invoice_date
                                  + floor((pay_date - invoice_date) * split)::int
                ELSE invoice_date + 1
                     + floor((%(today)s::date - invoice_date - 2) * split)::int
           END AS first_date
      FROM kept
)
SELECT dated.*,
       %(move_base)s + inv_n AS move_id,
       %(line_base)s + 2 * inv_n - 1 AS product_line_id,
       %(line_base)s + 2 * inv_n AS term_line_id,
       CASE WHEN is_paid THEN %(full_base)s + inv_n END AS full_id,
       %(sale_code)s || '/' || extract(year FROM invoice_date) || '/' AS prefix,
       row_number() OVER (PARTITION BY extract(year FROM invoice_date)
                          ORDER BY inv_n) AS seq,
       CASE WHEN is_paid THEN 0
            ELSE amount - COALESCE(first_amount, 0) END AS residual,
       CASE WHEN is_paid THEN 'paid'
            WHEN first_amount IS NOT NULL THEN 'partial'
            ELSE 'not_paid' END AS payment_state
  FROM dated;
ALTER TABLE bench_inv ADD COLUMN name varchar;
UPDATE bench_inv SET name = prefix || lpad(seq::text, 6, '0');
ALTER TABLE bench_inv ADD COLUMN matching varchar;

CREATE TEMP TABLE bench_pay AS
WITH parts AS (
    SELECT inv_n, first_date AS date, first_amount AS amount
      FROM bench_inv WHERE first_amount IS NOT NULL
    UNION ALL
    SELECT inv_n, pay_date, amount - COALESCE(first_amount, 0)
      FROM bench_inv WHERE is_paid
), numbered AS (
    SELECT parts.*, row_number() OVER (ORDER BY date, inv_n, amount) AS pay_n
      FROM parts
)
SELECT x.pay_n, x.date, x.amount, i.partner_id, i.partner_name, i.term_line_id,
       i.full_id, i.move_id AS invoice_id, i.name AS inv_name,
       %(payment_base)s + x.pay_n AS payment_id,
       %(move_base)s + %(invoices)s + x.pay_n AS pmove_id,
       %(line_base)s + 2 * %(invoices)s + 2 * x.pay_n - 1 AS liquidity_line_id,
       %(line_base)s + 2 * %(invoices)s + 2 * x.pay_n AS counterpart_line_id,
       %(partial_base)s + x.pay_n AS partial_id,
       'P' || %(bank_code)s || '/' || extract(year FROM x.date) || '/' AS prefix,
       row_number() OVER (PARTITION BY extract(year FROM x.date) ORDER BY x.pay_n)
           AS seq
  FROM numbered x JOIN bench_inv i ON i.inv_n = x.inv_n;
ALTER TABLE bench_pay ADD COLUMN name varchar, ADD COLUMN matching varchar;
UPDATE bench_pay SET name = prefix || lpad(seq::text, 6, '0'),
                     matching = COALESCE(full_id::text, 'P' || partial_id);
-- an open invoice's match is its partial, a paid one's its full reconciliation
UPDATE bench_inv i SET matching = COALESCE(i.full_id::text, 'P' || p.partial_id)
  FROM bench_pay p WHERE p.invoice_id = i.move_id;
"""


def ensure_templates(env):
    """Journals, a template customer and a template invoice paid in two
    payments, all through the ORM; returns the ids of the template rows."""
    company = env.company
    Journal = env["account.journal"]
    income = Journal.search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    ).default_account_id
    sale = Journal.create(
        {
            "name": "Bench Sales",
            "code": SALE_CODE,
            "type": "sale",
            "company_id": company.id,
            "default_account_id": income.id,
        }
    )
    bank = Journal.create(
        {
            "name": "Bench Bank",
            "code": BANK_CODE,
            "type": "bank",
            "company_id": company.id,
        }
    )
    partner = env["res.partner"].create(
        {"name": "Bench Template Customer", "is_company": True}
    )
    invoice_date = fields.Date.subtract(fields.Date.context_today(env.user), days=60)
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "journal_id": sale.id,
            "partner_id": partner.id,
            "invoice_date": invoice_date,
            "invoice_date_due": fields.Date.add(invoice_date, days=30),
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "Goods",
                        "quantity": 1,
                        "price_unit": 100.0,
                        "tax_ids": [Command.clear()],
                    }
                )
            ],
        }
    )
    invoice.action_post()
    for amount, days in ((40.0, 10), (60.0, 40)):
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(
            {
                "amount": amount,
                "journal_id": bank.id,
                "payment_date": fields.Date.add(invoice_date, days=days),
            }
        )._create_payments()
    env.flush_all()
    assert invoice.payment_state == "paid", invoice.payment_state
    payment = env["account.payment"].search([("partner_id", "=", partner.id)], limit=1)
    term = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
    counterpart = payment.move_id.line_ids.filtered(
        lambda line: line.account_id == term.account_id
    )
    return {
        "partner": partner.id,
        "invoice": invoice.id,
        "product_line": invoice.invoice_line_ids.id,
        "term_line": term.id,
        "payment": payment.id,
        "payment_move": payment.move_id.id,
        "liquidity_line": (payment.move_id.line_ids - counterpart).id,
        "counterpart_line": counterpart.id,
        "partial": term.matched_credit_ids.filtered(
            lambda p: p.credit_move_id == counterpart
        ).id,
        "full": term.full_reconcile_id.id,
    }


def copy_rows(cr, table, template_id, plan, overrides, where="TRUE"):
    """Insert one copy of ``table``'s row ``template_id`` per row of the plan
    query ``plan`` (aliased g), with ``overrides`` replacing columns."""
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = %s"
        " ORDER BY ordinal_position",
        [table],
    )
    columns = [row[0] for row in cr.fetchall()]
    unknown = set(overrides) - set(columns)
    assert not unknown, f"{table} has no column {unknown}"
    values = ", ".join(overrides.get(c, f't."{c}"') for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    start = time.perf_counter()
    cr.execute(
        f'INSERT INTO "{table}" ({names}) SELECT {values}'
        f' FROM {plan} g, "{table}" t WHERE t.id = %s AND ({where})',
        [template_id],
    )
    print(
        f"  {table}: {cr.rowcount:,} rows in {time.perf_counter() - start:.0f} s",
        flush=True,
    )


def bases(cr, sizes):
    """First free id of each table, moving its sequence past the ids to use."""
    result = {}
    for key, table, count in sizes:
        cr.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
        base = cr.fetchone()[0]
        cr.execute("SELECT setval(%s, %s)", [f"{table}_id_seq", base + count + 1])
        result[key] = base
    return result


def generate(env, partners, paid, open_items=None):
    cr = env.cr
    today = fields.Date.context_today(env.user)
    tpl = ensure_templates(env)
    draws = int(paid * 1.12) + 100
    # --open N: exactly N open invoices, the natural ones topped up with extra
    # recent draws; by default, whatever is not paid by today
    extra = open_items or 0
    draws_all = draws + extra
    cr.execute("SET LOCAL work_mem = '256MB'")
    # upper bounds for the id ranges: every draw an invoice, two payments each
    ids = bases(
        cr,
        [
            ("partner_base", "res_partner", partners),
            ("move_base", "account_move", 3 * draws_all),
            ("line_base", "account_move_line", 6 * draws_all),
            ("payment_base", "account_payment", 2 * draws_all),
            ("partial_base", "account_partial_reconcile", 2 * draws_all),
            ("full_base", "account_full_reconcile", draws_all),
        ],
    )
    start = time.perf_counter()
    params = dict(
        ids,
        seed=SEED,
        company_key=str(env.company.id),
        partners=partners,
        paid=paid,
        draws=draws,
        extra=extra,
        open=open_items if open_items else draws_all,
        today=today,
        sale_code=SALE_CODE,
        bank_code=BANK_CODE,
        invoices=draws_all,
    )
    for statement in PLAN_SQL.split(";\n"):
        if statement.strip():
            cr.execute(statement, params)
    cr.execute("SELECT COUNT(*), COUNT(*) FILTER (WHERE is_paid) FROM bench_inv")
    total, n_paid = cr.fetchone()
    cr.execute("SELECT COUNT(*) FROM bench_pay")
    n_pay = cr.fetchone()[0]
    print(
        f"  plan: {partners:,} customers, {total:,} invoices ({n_paid:,} paid),"
        f" {n_pay:,} payments in {time.perf_counter() - start:.0f} s",
        flush=True,
    )
    copy_rows(cr, "res_partner", tpl["partner"], "bench_partner", PARTNER_SET)
    copy_rows(
        cr, "account_full_reconcile", tpl["full"], "bench_inv", FULL_SET, "g.is_paid"
    )
    copy_rows(cr, "account_move", tpl["invoice"], "bench_inv", INVOICE_SET)
    copy_rows(
        cr, "account_move_line", tpl["product_line"], "bench_inv", INVOICE_PRODUCT_SET
    )
    copy_rows(cr, "account_move_line", tpl["term_line"], "bench_inv", INVOICE_TERM_SET)
    copy_rows(cr, "account_payment", tpl["payment"], "bench_pay", PAYMENT_SET)
    copy_rows(cr, "account_move", tpl["payment_move"], "bench_pay", PAYMENT_MOVE_SET)
    cr.execute(
        "UPDATE account_payment p SET move_id = g.pmove_id"
        " FROM bench_pay g WHERE p.id = g.payment_id"
    )
    copy_rows(
        cr,
        "account_move_line",
        tpl["liquidity_line"],
        "bench_pay",
        PAYMENT_LIQUIDITY_SET,
    )
    copy_rows(
        cr,
        "account_move_line",
        tpl["counterpart_line"],
        "bench_pay",
        PAYMENT_COUNTERPART_SET,
    )
    copy_rows(cr, "account_partial_reconcile", tpl["partial"], "bench_pay", PARTIAL_SET)
    cr.execute(
        "INSERT INTO account_move__account_payment (invoice_id, payment_id)"
        " SELECT invoice_id, payment_id FROM bench_pay"
    )
    # Statistics of the copied rows (seen by ANALYZE in this transaction)
    # before any statement joins them: with none, the paid facts' UPDATE
    # planned nested loops over a million invoices and ran for over 30 min.
    for table in (
        "res_partner",
        "account_move",
        "account_move_line",
        "account_payment",
        "account_partial_reconcile",
        "account_full_reconcile",
    ):
        cr.execute(f'ANALYZE "{table}"')
    Move = env["account.move"]
    if hasattr(Move, "_ar_store_open_invoices"):
        # the copies carry the paid template's flag: the open ones are open
        Move._ar_store_open_invoices()
    if hasattr(Move, "_ar_refresh_paid_facts"):
        # With the addon installed, each invoice stores its paid facts; the
        # copies carry the template's: compute theirs from their partials.
        started = time.perf_counter()
        Move._ar_refresh_paid_facts()
        print(
            f"  paid facts of the invoices stored in"
            f" {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        cr.execute('ANALYZE "account_move"')
    env.invalidate_all()


def check_with_odoo(env, sample=300):
    """Odoo recomputes residuals and payment states of a sample of generated
    invoices and their payment lines; any difference with the stored value
    means the data is not Odoo's and the run stops."""
    Move = env["account.move"]
    moves = Move.search(
        [("journal_id.code", "=", SALE_CODE), ("payment_state", "=", "paid")],
        limit=sample,
        order="id desc",
    ) | Move.search(
        [
            ("journal_id.code", "=", SALE_CODE),
            ("payment_state", "in", ("partial", "not_paid")),
        ],
        limit=sample // 3,
    )
    lines = moves.line_ids | moves.line_ids.matched_credit_ids.credit_move_id
    stored_lines = {line.id: (line.amount_residual, line.reconciled) for line in lines}
    stored_moves = {
        move.id: (move.amount_residual, move.payment_state) for move in moves
    }
    env.add_to_compute(lines._fields["amount_residual"], lines)
    env.add_to_compute(lines._fields["reconciled"], lines)
    lines._recompute_recordset(["amount_residual", "reconciled"])
    env.add_to_compute(moves._fields["amount_residual"], moves)
    env.add_to_compute(moves._fields["payment_state"], moves)
    moves._recompute_recordset(["amount_residual", "payment_state"])
    bad = [
        (line.id, stored_lines[line.id], (line.amount_residual, line.reconciled))
        for line in lines
        if stored_lines[line.id] != (line.amount_residual, line.reconciled)
    ] + [
        (move.name, stored_moves[move.id], (move.amount_residual, move.payment_state))
        for move in moves
        if stored_moves[move.id] != (move.amount_residual, move.payment_state)
    ]
    moves._check_balanced({"records": moves})
    assert not bad, f"Odoo disagrees with the generated data: {bad[:5]}"
    print(
        f"  check: Odoo recomputed {len(moves)} invoices and {len(lines)} lines,"
        " all as stored",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="1.0 = 20,000 customers and 1,000,000 paid invoices",
    )
    parser.add_argument(
        "--open",
        type=int,
        default=None,
        help="exactly this many open invoices (default: those not paid by today)",
    )
    args = parser.parse_args()
    setup_odoo(args.config)
    with environment(args.database, commit=True) as env:
        if env["account.journal"].search_count([("code", "=", SALE_CODE)]):
            print("  history already there", flush=True)
            check_with_odoo(env)
            return
        ensure_accounting(env)
        partners = max(int(FULL_PARTNERS * args.scale), 10)
        paid = max(int(FULL_PAID * args.scale), 100)
        generate(env, partners, paid, args.open)
        check_with_odoo(env)


if __name__ == "__main__":
    main()
