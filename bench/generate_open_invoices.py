"""Build customers with open invoice histories of given sizes, through the ORM,
so that every invoice is a real posted Odoo invoice.

    python3 bench/generate_open_invoices.py -c .run/odoo.conf -d DB \
        --sizes 10,1000,10000

Idempotent: a customer "Bench <size>" that exists already is left alone.
"""

import argparse
import random
from datetime import timedelta

from common import ensure_accounting, environment, invoice_values, setup_odoo

from odoo import Command, fields

BATCH = 500


def ensure_product(env):
    product = env["product.product"].search([("default_code", "=", "BENCH-W")], limit=1)
    if not product:
        product = env["product.product"].create(
            {
                "name": "Bench Widget",
                "default_code": "BENCH-W",
                "type": "consu",
                "list_price": 10.0,
                "invoice_policy": "order",
                "taxes_id": [Command.clear()],
            }
        )
    return product


def generate(env, size, rng):
    ref = f"bench-{size}"
    Partner = env["res.partner"]
    if Partner.search([("ref", "=", ref)], limit=1):
        return
    partner = Partner.create({"name": f"Bench {size}", "ref": ref, "is_company": True})
    today = fields.Date.context_today(env.user)
    for start in range(0, size, BATCH):
        vals_list = []
        for _ in range(min(BATCH, size - start)):
            invoice_date = today - timedelta(days=rng.randint(1, 720))
            vals_list.append(
                invoice_values(
                    partner.id,
                    invoice_date,
                    rng,
                    invoice_date_due=invoice_date + timedelta(days=30),
                )
            )
        env["account.move"].create(vals_list).action_post()
        env.cr.commit()
        env.invalidate_all()
        print(f"  {partner.name}: {start + len(vals_list)} open invoices", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--sizes", default="10,1000,10000")
    args = parser.parse_args()
    setup_odoo(args.config)
    rng = random.Random(20261123)
    with environment(args.database, commit=True) as env:
        ensure_accounting(env)
        ensure_product(env)
        env.cr.commit()
        for size in (int(s) for s in args.sizes.split(",")):
            generate(env, size, rng)


if __name__ == "__main__":
    main()
