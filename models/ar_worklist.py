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

from odoo import fields, models, tools
from odoo.tools import SQL

from .account_move import OPEN_INVOICE_DOMAIN, open_invoice_sql
from .ar_dispute import pausing_disputes_sql
from .risk_score import GRADE_SELECTION

KINDS = [
    ("promise", "Promise Due or Broken"),
    ("installment", "Installment Due"),
    ("warning", "Early Warning"),
    ("invoice", "Overdue, No Commitment"),
]

WORKLIST_SQL = """
WITH credits AS (
    -- what each customer has in credit notes and payments not yet applied,
    -- in company currency (Odoo's index of unreconciled items)
    SELECT p.commercial_partner_id AS partner_id, l.company_id,
           -SUM(l.amount_residual) AS credit
      FROM account_move_line l
      JOIN res_partner p ON p.id = l.partner_id
     WHERE l.account_id IN (SELECT id FROM account_account
                             WHERE account_type = 'asset_receivable')
       AND l.parent_state = 'posted' AND l.reconciled IS NOT TRUE
       AND l.amount_residual < 0
  GROUP BY p.commercial_partner_id, l.company_id
), overdue AS (
    SELECT m.id, m.commercial_partner_id, m.company_id, m.invoice_date_due,
           m.amount_residual_signed AS amount, m.name,
           SUM(m.amount_residual_signed) OVER (
               PARTITION BY m.commercial_partner_id, m.company_id
               ORDER BY m.invoice_date_due, m.id) AS cum
      FROM account_move m
     WHERE %(open_invoice)s
       AND m.invoice_date_due < CURRENT_DATE
       AND NOT EXISTS (
            SELECT 1 FROM ar_promise_invoice_rel rel
              JOIN ar_promise p ON p.id = rel.promise_id AND p.state = 'open'
             WHERE rel.move_id = m.id)
       AND NOT EXISTS (
            SELECT 1 FROM ar_payment_plan_invoice_rel rel
              JOIN ar_payment_plan pp ON pp.id = rel.plan_id AND pp.state = 'active'
             WHERE rel.move_id = m.id)
       AND m.id NOT IN (%(disputed)s)
), items AS (
    SELECT p.id * 4 AS id, 'promise' AS kind, p.partner_id, p.company_id,
           CASE WHEN p.state = 'broken' THEN p.date_judged ELSE p.promised_date END
               AS date,
           (SELECT COALESCE(SUM(m.amount_residual_signed), 0)
              FROM ar_promise_invoice_rel rel
              JOIN account_move m ON m.id = rel.move_id
             WHERE rel.promise_id = p.id) AS amount,
           p.id AS promise_id, NULL::int AS plan_id, NULL::int AS warning_id,
           NULL::int AS move_id, p.name AS reference
      FROM ar_promise p
     WHERE (p.state = 'open' AND p.promised_date <= CURRENT_DATE)
        OR (p.state = 'broken' AND p.date_judged >= CURRENT_DATE - 14)
    UNION ALL
    SELECT l.id * 4 + 1, 'installment', pp.partner_id, pp.company_id, l.date_due,
           (l.amount - COALESCE(l.amount_paid, 0))
               / COALESCE(NULLIF(rate.rate, 0), 1),
           NULL, pp.id, NULL, NULL, pp.name
      FROM ar_payment_plan_line l
      JOIN ar_payment_plan pp ON pp.id = l.plan_id AND pp.state = 'active'
      JOIN res_company c ON c.id = pp.company_id
      LEFT JOIN LATERAL (
            SELECT r.rate FROM res_currency_rate r
             WHERE r.currency_id = pp.currency_id AND r.name <= CURRENT_DATE
               AND (r.company_id = pp.company_id OR r.company_id IS NULL)
               AND pp.currency_id != c.currency_id
          ORDER BY r.company_id NULLS LAST, r.name DESC LIMIT 1
           ) rate ON true
     WHERE l.date_due <= CURRENT_DATE
       AND l.amount - COALESCE(l.amount_paid, 0) > 0
    UNION ALL
    SELECT w.id * 4 + 2, 'warning', w.partner_id, w.company_id, w.date,
           COALESCE(mt.overdue_amount, mt.open_amount, 0),
           NULL, NULL, w.id, NULL, w.message
      FROM ar_risk_warning w
      LEFT JOIN ar_partner_metrics mt ON mt.partner_id = w.partner_id
                                     AND mt.company_id = w.company_id
     WHERE w.date >= CURRENT_DATE - 7
    UNION ALL
    -- the customer's credits not yet applied offset its oldest overdue
    -- invoices first: what they cover is not chased
    SELECT o.id * 4 + 3, 'invoice', o.commercial_partner_id, o.company_id,
           o.invoice_date_due, LEAST(o.amount, o.cum - COALESCE(c.credit, 0)),
           NULL, NULL, NULL, o.id, o.name
      FROM overdue o
      LEFT JOIN credits c ON c.partner_id = o.commercial_partner_id
                         AND c.company_id = o.company_id
     WHERE o.cum - COALESCE(c.credit, 0) > 0
)
SELECT r.*,
       -- rounded first: 100 x 7/100 in floating point is 7.000000000000001
       CEIL(ROUND((100 * cume_dist() OVER (PARTITION BY r.company_id
                                           ORDER BY r.urgency))::numeric, 6)
           )::int AS priority
  FROM (
    SELECT i.id,
           i.kind, i.partner_id, i.company_id, i.date, i.reference,
           i.amount, GREATEST(CURRENT_DATE - i.date, 0) AS days,
           COALESCE(mt.risk_score, 0) AS risk_score, mt.risk_grade,
           (rp.ar_collector_id ->> i.company_id::text)::int AS collector_id,
           (rp.ar_last_contact_date ->> i.company_id::text)::date
               AS last_contact_date,
           (rp.ar_next_contact_date ->> i.company_id::text)::date
               AS next_contact_date,
           -- set aside by a call: until the next contact day, the rows that
           -- were there on the day of the call (an invoice is overdue from
           -- the day after its due date)
           COALESCE(
               (rp.ar_next_contact_date ->> i.company_id::text)::date > CURRENT_DATE
               AND i.date + (i.kind = 'invoice')::int
                   <= (rp.ar_last_contact_date ->> i.company_id::text)::date,
               FALSE) AS contacted,
           i.amount * GREATEST(COALESCE(mt.risk_score, 0), 1)
               * SQRT(GREATEST(CURRENT_DATE - i.date, 1)) AS urgency,
           i.promise_id, i.plan_id, i.warning_id, i.move_id
      FROM items i
      JOIN res_partner rp ON rp.id = i.partner_id
      LEFT JOIN ar_partner_metrics mt ON mt.partner_id = i.partner_id
                                     AND mt.company_id = i.company_id
  ) r
"""


class ArWorklist(models.Model):
    _name = "ar.worklist"
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
        help="1 to 100: the share of today's items of the company that are no "
        "more urgent than this one (100 = the most urgent). Urgency is amount x "
        "risk score x the square root of the days late; the list is sorted by "
        "it.",
    )
    promise_id = fields.Many2one("ar.promise", readonly=True)
    plan_id = fields.Many2one("ar.payment.plan", readonly=True)
    warning_id = fields.Many2one("ar.risk.warning", readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                SQL(
                    WORKLIST_SQL,
                    open_invoice=open_invoice_sql("m"),
                    disputed=pausing_disputes_sql(),
                ),
            )
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
