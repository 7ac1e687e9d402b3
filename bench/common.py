"""Open Odoo databases in this process for the benchmarks (not an Odoo module)."""

import contextlib
import statistics
import time

import odoo
from odoo import SUPERUSER_ID, Command, api


def setup_odoo(conf):
    odoo.tools.config.parse_config(["-c", conf, "--log-level=warn"])


@contextlib.contextmanager
def environment(db, commit=False):
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        yield env
        if commit:
            cr.commit()
        else:
            cr.rollback()


def ensure_accounting(env):
    """A chart of accounts for the main company of a database without one."""
    company = env.company
    if not env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)]
    ):
        env["account.chart.template"].try_loading(
            "generic_coa", company, install_demo=False
        )


def timed(func):
    """Wall time of func() in milliseconds, and its result."""
    start = time.perf_counter()
    result = func()
    return (time.perf_counter() - start) * 1000.0, result


def median(values):
    return statistics.median(values) if values else float("nan")


def invoice_values(partner_id, invoice_date, rng, **extra):
    """A customer invoice of one untaxed line of 50 to 5,000."""
    return {
        "move_type": "out_invoice",
        "partner_id": partner_id,
        "invoice_date": invoice_date,
        "invoice_line_ids": [
            Command.create(
                {
                    "name": "Goods",
                    "quantity": 1,
                    "price_unit": round(rng.uniform(50, 5000), 2),
                    "tax_ids": [Command.clear()],
                }
            )
        ],
        **extra,
    }
