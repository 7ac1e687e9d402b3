"""The collector worklist: what to do today, in one prioritised list.

A read-only SQL view over four sources, each row one thing to act on:

* **promise**: an open promise whose promised date has come, or a promise
  broken in the last 14 days;
* **installment**: an unpaid installment of an active payment plan, due today
  or late;
* **warning**: an early warning raised in the last 7 days;
* **invoice**: an overdue customer invoice that no open promise and no active
  plan covers, and that is not in a dispute pausing collection
  (``ar_dispute.pausing_disputes_sql``); the customer's credits not yet
  applied (credit notes, payments) offset its oldest such invoices first, and
  an invoice they cover is not listed.

A row's id is its source record's id times 4 plus the kind's number, so it
stays the same from one read to the next. Amounts are in company currency (an
installment in another currency at its latest rate).

A call logged with the customer (``ar.call.log``) sets its rows aside: until
the next contact day, a row that was there on the day of the call is
**contacted** and leaves the default *To Contact* filter; a row that appeared
since (an invoice overdue since, a promise broken since) is not.

The list is sorted by **urgency** = amount x risk x the square root of the
days late, with the risk score (0-100) and the days both counted as at least
1, so a customer not scored yet or a promise due today still ranks by its
amount. The square root keeps the amount in charge: a large invoice two weeks
late outranks a small one a year late (31,750 x 3.9 against 2,000 x 19), and
among equal amounts the older still comes first. That product (millions for
an ordinary invoice) is no figure to read: the list shows **priority**, 1
to 100, the share of today's items of the company whose urgency is no higher
(``cume_dist``): 100 is the most urgent item, 50 one that half of the items
do not outrank.
"""

from odoo import api, fields, models, tools
from odoo.tools import SQL

from . import aging
from .account_move import OPEN_INVOICE_DOMAIN, open_invoice_sql
from .ar_dispute import pausing_disputes_sql
from .risk_score import GRADE_SELECTION

KINDS = [
    ("promise", "Promise Due or Broken"),
    ("installment", "Installment Due"),
    ("warning", "Early Warning"),
    ("invoice", "Overdue, No Commitment"),
]

# Each arm of the list carries its customer's collector and contact dates
# from its own join with res_partner (``CONTACT_COLUMNS``), so that the list's
# filters (My Customers, To Contact) reach into every arm: PostgreSQL pushes a
# condition on a column of a UNION ALL into each arm, and the invoices of the
# other collectors' customers are never read. Nothing is computed over all
# the company's rows (no window): the overdue invoices are read customer by
# customer, and the credits and an invoice's running total are looked up for
# the rows that pass. %(today)s is the user's day.
CONTACT_COLUMNS = """
       (%(rp)s.ar_collector_id ->> %(company)s::text)::int AS collector_id,
       (%(rp)s.ar_last_contact_date ->> %(company)s::text)::date AS last_contact_date,
       (%(rp)s.ar_next_contact_date ->> %(company)s::text)::date AS next_contact_date,
       -- set aside by a call: until the next contact day, the rows that were
       -- there on the day of the call (an invoice is overdue from the day
       -- after its due date)
       COALESCE(
           (%(rp)s.ar_next_contact_date ->> %(company)s::text)::date > %(today)s
           AND %(date)s + %(after)s
               <= (%(rp)s.ar_last_contact_date ->> %(company)s::text)::date,
           FALSE) AS contacted
"""

ARM_SQL = """
SELECT a.*, %(contact)s
  FROM (%(arm)s) a
  JOIN res_partner rp ON rp.id = a.partner_id
"""

PROMISE_ARM = """
SELECT p.id * 4 AS id, 'promise'::varchar AS kind, p.partner_id, p.company_id,
       CASE WHEN p.state = 'broken' THEN p.date_judged ELSE p.promised_date END
           AS date,
       (SELECT COALESCE(SUM(m.amount_residual_signed), 0)
          FROM ar_promise_invoice_rel rel
          JOIN account_move m ON m.id = rel.move_id
         WHERE rel.promise_id = p.id) AS amount,
       p.id AS promise_id, NULL::int AS plan_id, NULL::int AS warning_id,
       NULL::int AS move_id, p.name::varchar AS reference
  FROM ar_promise p
 WHERE p.company_id = ANY(%(companies)s)
   AND ((p.state = 'open' AND p.promised_date <= %(today)s)
        OR (p.state = 'broken' AND p.date_judged >= %(today)s::date - 14))
"""

INSTALLMENT_ARM = """
SELECT l.id * 4 + 1 AS id, 'installment'::varchar AS kind, pp.partner_id,
       pp.company_id, l.date_due AS date,
       (l.amount - COALESCE(l.amount_paid, 0)) / COALESCE(NULLIF(rate.rate, 0), 1)
           AS amount,
       NULL::int AS promise_id, pp.id AS plan_id, NULL::int AS warning_id,
       NULL::int AS move_id, pp.name::varchar AS reference
  FROM ar_payment_plan_line l
  JOIN ar_payment_plan pp ON pp.id = l.plan_id AND pp.state = 'active'
  JOIN res_company c ON c.id = pp.company_id
  LEFT JOIN LATERAL (
        SELECT r.rate FROM res_currency_rate r
         WHERE r.currency_id = pp.currency_id AND r.name <= %(today)s
           AND (r.company_id = pp.company_id OR r.company_id IS NULL)
           AND pp.currency_id != c.currency_id
      ORDER BY r.company_id NULLS LAST, r.name DESC LIMIT 1
       ) rate ON true
 WHERE pp.company_id = ANY(%(companies)s) AND l.date_due <= %(today)s
   AND l.amount - COALESCE(l.amount_paid, 0) > 0
"""

WARNING_ARM = """
SELECT w.id * 4 + 2 AS id, 'warning'::varchar AS kind, w.partner_id, w.company_id,
       w.date, COALESCE(mt.overdue_amount, mt.open_amount, 0) AS amount,
       NULL::int AS promise_id, NULL::int AS plan_id, w.id AS warning_id,
       NULL::int AS move_id, w.message::varchar AS reference
  FROM ar_risk_warning w
  LEFT JOIN ar_partner_metrics mt ON mt.partner_id = w.partner_id
                                 AND mt.company_id = w.company_id
 WHERE w.company_id = ANY(%(companies)s) AND w.date >= %(today)s::date - 7
"""

# Overdue invoices no promise, plan nor pausing dispute covers, read
# customer by customer (the index of open invoices by company and customer),
# one arm per company: the company a constant, a filter on the customer's
# collector in it is checked on the customer before its invoices are read. The
# customer's credits not yet applied (credit notes, payments, in company
# currency) offset its oldest such invoices first: an invoice they cover is
# not chased, one they cover in part is chased for the rest; the running
# total is only looked up for a customer with credits.
INVOICE_ARM = """
SELECT m.id * 4 + 3 AS id, 'invoice'::varchar AS kind, rp.id AS partner_id,
       %(company)s AS company_id, m.invoice_date_due AS date,
       CASE WHEN cr.credit > 0
            THEN LEAST(m.amount_residual_signed, run.total - cr.credit)
            ELSE m.amount_residual_signed END AS amount,
       NULL::int AS promise_id, NULL::int AS plan_id, NULL::int AS warning_id,
       m.id AS move_id, m.name::varchar AS reference, %(contact)s
  FROM (
        SELECT m.id, m.commercial_partner_id, m.invoice_date_due,
               m.amount_residual_signed, m.name
          FROM account_move m
         WHERE m.company_id = %(company)s AND %(open_m)s
           AND m.invoice_date_due < %(today)s AND %(uncommitted_m)s
        OFFSET 0
       ) m
  JOIN res_partner rp ON rp.id = m.commercial_partner_id
  LEFT JOIN (
        SELECT cp.commercial_partner_id AS partner_id,
               -SUM(l.amount_residual) AS credit
          FROM account_move_line l
          JOIN res_partner cp ON cp.id = l.partner_id
         WHERE l.account_id = ANY(%(accounts)s) AND l.company_id = %(company)s
           AND l.parent_state = 'posted' AND l.reconciled IS NOT TRUE
           AND l.amount_residual < 0
      GROUP BY 1
       ) cr ON cr.partner_id = rp.id
  LEFT JOIN LATERAL (
        SELECT SUM(o.amount_residual_signed) AS total
          FROM account_move o
         WHERE cr.credit > 0 AND o.commercial_partner_id = rp.id
           AND %(open_o)s AND o.company_id = %(company)s
           AND o.invoice_date_due < %(today)s
           AND (o.invoice_date_due, o.id) <= (m.invoice_date_due, m.id)
           AND %(uncommitted_o)s
       ) run ON true
 WHERE cr.credit IS NULL OR cr.credit <= 0 OR run.total - cr.credit > 0
"""

WORKLIST_SQL = """
SELECT r.*,
       -- the share of the company's items no more urgent, by the percentiles
       -- of its urgency stored once a day (``_store_scale``; none before the
       -- first: shown empty)
       GREATEST(width_bucket(r.urgency, sc.bounds), 1) AS priority
  FROM (
    SELECT i.id, i.kind, i.partner_id, i.company_id, i.date, i.reference,
           i.amount, GREATEST(%(today)s::date - i.date, 0) AS days,
           COALESCE(mt.risk_score, 0) AS risk_score, mt.risk_grade,
           i.collector_id, i.last_contact_date, i.next_contact_date, i.contacted,
           i.amount * GREATEST(COALESCE(mt.risk_score, 0), 1)
               * SQRT(GREATEST(%(today)s::date - i.date, 1)) AS urgency,
           i.promise_id, i.plan_id, i.warning_id, i.move_id
      FROM (%(items)s) i
      -- looked up row by row through the index (OFFSET 0 keeps it a lookup):
      -- joined, with the metrics estimated at a few rows, every row of the
      -- list was compared with every metrics row
      LEFT JOIN LATERAL (
            SELECT m.risk_score, m.risk_grade FROM ar_partner_metrics m
             WHERE m.partner_id = i.partner_id AND m.company_id = i.company_id
            OFFSET 0
           ) mt ON true
  ) r
  LEFT JOIN LATERAL (
        SELECT c.ar_worklist_scale::float8[] AS bounds
          FROM res_company c WHERE c.id = r.company_id
       ) sc ON true
"""


def uncommitted_sql(alias):
    """The invoice ``alias`` is neither under an open promise, nor in an
    active plan, nor in a dispute that pauses collection. Each a ``NOT IN``
    (the ids are never null): PostgreSQL hashes the few committed invoices
    once, where a ``NOT EXISTS`` could be planned as a loop over them for
    each invoice (170 ms at 19,000 overdue invoices when the promises'
    statistics were a few rows out)."""
    return SQL(
        """%(m)s.id NOT IN (
            SELECT rel.move_id FROM ar_promise_invoice_rel rel
              JOIN ar_promise p ON p.id = rel.promise_id AND p.state = 'open')
       AND %(m)s.id NOT IN (
            SELECT rel.move_id FROM ar_payment_plan_invoice_rel rel
              JOIN ar_payment_plan pp ON pp.id = rel.plan_id AND pp.state = 'active')
       AND %(m)s.id NOT IN (%(disputed)s)""",
        m=SQL.identifier(alias),
        disputed=pausing_disputes_sql(),
    )


def contact_columns_sql(partner, company, date, kind, today):
    """The collector, contact dates and *contacted* of a row about the
    customer ``partner`` (an alias of res_partner) in ``company``, dated
    ``date``, of ``kind`` (SQL expressions)."""
    return SQL(
        CONTACT_COLUMNS,
        rp=SQL.identifier(partner),
        company=company,
        date=date,
        after=SQL("(%s = 'invoice')::int", kind),
        today=today,
    )


def worklist_sql(env, today, companies):
    """The list's query as of ``today`` over ``companies``: its arms, each
    with its customer's collector and contact dates, then urgency and
    priority."""
    wrapped = contact_columns_sql(
        "rp", SQL("a.company_id"), SQL("a.date"), SQL("a.kind"), today
    )
    arms = [
        SQL(
            ARM_SQL,
            arm=SQL(arm, today=today, companies=companies.ids),
            contact=wrapped,
        )
        for arm in (PROMISE_ARM, INSTALLMENT_ARM, WARNING_ARM)
    ]
    accounts = aging.receivable_account_ids(env)
    for company in companies:
        company_id = SQL("%s", company.id)
        arms.append(
            SQL(
                INVOICE_ARM,
                contact=contact_columns_sql(
                    "rp",
                    company_id,
                    SQL("m.invoice_date_due"),
                    SQL("'invoice'"),
                    today,
                ),
                company=company_id,
                today=today,
                accounts=accounts,
                open_o=open_invoice_sql("o"),
                open_m=open_invoice_sql("m"),
                uncommitted_o=uncommitted_sql("o"),
                uncommitted_m=uncommitted_sql("m"),
            )
        )
    return SQL(WORKLIST_SQL, items=SQL(" UNION ALL ").join(arms), today=today)


class ArWorklist(models.Model):
    _name = "ar.worklist"
    _inherit = ["ar.sql.screen.mixin"]
    _description = "Collector Worklist"
    _auto = False
    _order = "urgency desc, id"
    _rec_name = "reference"

    kind = fields.Selection(KINDS, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(readonly=True)
    reference = fields.Char(readonly=True)
    amount = fields.Monetary(readonly=True)
    days = fields.Integer(string="Days Late", aggregator="max", readonly=True)
    risk_score = fields.Float(digits=(16, 0), aggregator="max", readonly=True)
    risk_grade = fields.Selection(GRADE_SELECTION, readonly=True)
    collector_id = fields.Many2one("res.users", readonly=True)
    last_contact_date = fields.Date(string="Last Contact", readonly=True)
    next_contact_date = fields.Date(string="Next Contact", readonly=True)
    contacted = fields.Boolean(
        readonly=True,
        help="A call was logged with the customer since this row appeared: it "
        "is set aside until the next contact day.",
    )
    urgency = fields.Float(
        digits=(16, 0),
        readonly=True,
        aggregator=None,
        help="Amount (company currency) x risk score x the square root of the "
        "days late, each at least 1: the list's order. The square root lets a "
        "large invoice a few weeks late outrank a small one a year late.",
    )
    priority = fields.Integer(
        readonly=True,
        aggregator="max",
        help="1 to 100: the share of the company's items that are no more "
        "urgent than this one (100 = the most urgent), against the items of the "
        "day's first look at the list or of the nightly run. Urgency is amount "
        "x risk score x the square root of the days late; the list is sorted "
        "by it.",
    )
    promise_id = fields.Many2one("ar.promise", readonly=True)
    plan_id = fields.Many2one("ar.payment.plan", readonly=True)
    warning_id = fields.Many2one("ar.risk.warning", readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)

    @property
    def _table_query(self):
        # built at each read: the user's day, the receivable accounts as ids
        # (an index condition, where a subquery of account types is a
        # filter), an arm per company. Every company: the record rule is what
        # keeps a user to theirs (reading another company's row is refused,
        # not missing), and its condition on the company prunes the arms of
        # the others.
        return worklist_sql(
            self.env,
            fields.Date.context_today(self),
            self.env["res.company"].sudo().search([]),  # pylint: disable=no-search-all
        )

    def init(self):
        # a view until 18.0.1.7: the query is now built at each read
        tools.drop_view_if_exists(self.env.cr, self._table)

    # ------------------------------------------------------------------
    # Priority scale
    # ------------------------------------------------------------------
    @api.model
    def _store_scale(self, company, today=None):
        """Store the percentiles of ``company``'s urgency over its rows now:
        the bounds by which a row's priority is the share of the company's
        rows no more urgent (1-100, ``ceil(100 x cume_dist)``), without
        ranking the whole list at each read. The nightly metrics run stores
        it; a read finding none of the day stores it first."""
        self.env.flush_all()
        # the k-th bound is the first urgency whose share reaches past
        # (k - 1)%: as many bounds at or below an urgency as ceil(100 x share)
        shares = [(k - 1) / 100 + 1e-9 for k in range(1, 101)]
        [(bounds,)] = self.env.execute_query(
            SQL(
                "SELECT percentile_disc(%s::float8[]) WITHIN GROUP"
                " (ORDER BY w.urgency) FROM %s w WHERE w.company_id = %s",
                shares,
                self._table_sql,
                company.id,
            )
        )
        text = (
            "{" + ",".join(repr(float(bound)) for bound in bounds) + "}"
            if bounds
            else None
        )
        self.env.execute_query(
            SQL(
                "UPDATE res_company SET ar_worklist_scale = %s,"
                " ar_worklist_scale_date = %s WHERE id = %s",
                text,
                today or fields.Date.context_today(self),
                company.id,
            )
        )
        self.env["res.company"].invalidate_model(
            ["ar_worklist_scale", "ar_worklist_scale_date"]
        )

    @api.model
    def _ensure_scales(self):
        """The scale of each of the user's companies, stored today. On a
        read-only cursor (Odoo 18 serves reads so) yesterday's scale serves;
        a company without any is stored, Odoo retrying the read on a
        read-write cursor."""
        today = fields.Date.context_today(self)
        stale = [("ar_worklist_scale_date", "=", False)]
        if not self.env.cr.readonly:
            stale = ["|", *stale, ("ar_worklist_scale_date", "<", today)]
        stale = (
            self.env["res.company"]
            .sudo()
            .search([("id", "in", self.env.companies.ids), *stale])
        )
        for company in stale:
            self.sudo()._store_scale(company, today)

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        self._ensure_scales()
        return super()._search(
            domain, offset=offset, limit=limit, order=order, **kwargs
        )

    # ------------------------------------------------------------------
    # One-click actions
    # ------------------------------------------------------------------
    def action_record_promise(self):
        """A new promise for this row's customer, on its overdue invoices."""
        self.ensure_one()
        invoices = self.move_id or self.promise_id.invoice_ids
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Record a Promise"),
            "res_model": "ar.promise",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_partner_id": self.partner_id.id,
                "default_company_id": self.company_id.id,
                "default_invoice_ids": invoices.ids,
                "default_amount": sum(
                    invoices.filtered_domain(OPEN_INVOICE_DOMAIN).mapped(
                        "amount_residual"
                    )
                ),
            },
        }

    def action_open_source(self):
        """The row's own record: its invoice, promise, plan or warning."""
        self.ensure_one()
        record = self.move_id or self.promise_id or self.plan_id or self.warning_id
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "views": [(False, "form")],
            "target": "current",
        }

    def action_log_call(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log a Call"),
            "res_model": "ar.call.log",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_partner_id": self.partner_id.id,
                "default_company_id": self.company_id.id,
                "default_subject": self.reference,
            },
        }

    def action_open_customer(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "views": [(False, "form")],
            "target": "current",
        }
