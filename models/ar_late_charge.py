"""Late-payment charges: interest and a fixed fee on overdue invoices, invoiced
per customer.

The policy says what is charged (``late_*`` fields). A run up to a day
``until`` (the monthly job: the last day of the month before; *Charge Late
Payments*: a day a Credit Manager chooses) charges, per customer and currency,
one invoice of the fee product with a line per overdue invoice:

* **interest** for each day from the day after the grace period (due date +
  grace days), or the day after the last day already charged, and never
  before the policy's *Charge From* day (the day charges were switched on: the
  history before is not charged), up to ``until``, on the amount open at the
  end of that day (reconciliations dated up to it count, so a payment
  mid-month lowers what follows): sum of open x annual rate / 365
  (actual/365);
* the **fixed fee**, once per invoice, the first time it is charged.

An invoice's charges never pass the policy's cap (``ar_late_charged`` keeps
what it was charged), and its days are charged once (``ar_charged_until``). A
customer whose charges of a run are below the policy's minimum is not
charged: the days wait for the next run. Not charged: charge invoices
themselves (unless the policy says so), invoices in dispute
(``account.move._ar_dispute_pause_sql``), under an open promise or an active
plan (policy options), customers marked *No Late Charges*.

*Waive* (a Credit Manager, with a reason) credits a charge invoice in full
and says why in its chatter; a draft charge is cancelled instead: its days
stay charged. Deleting a draft charge, or a line of it, gives its days back
to the next run (``account_move_line``).
"""

from collections import defaultdict
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_round, format_amount, format_date

from . import sql_tools
from .access import require_manager
from .account_move import open_invoice_sql

DAYS_IN_YEAR = 365.0


def interest(segments, rate, days_in_year=DAYS_IN_YEAR):
    """Interest at ``rate`` (% a year) on [(days, open amount)]."""
    return sum(days * max(amount, 0.0) for days, amount in segments) * (
        rate / 100.0 / days_in_year
    )


def open_segments(start, end, opening, payments):
    """[(days, open amount)] from ``start`` to ``end`` (both included) of an
    item open for ``opening`` at the end of the day before ``start``, less
    ``payments`` [(day, amount)] dated in the period (each counted from its
    day on)."""
    segments = []
    day, amount = start, opening
    for paid_on, paid in sorted(payments):
        if paid_on > end:
            break
        if paid_on < start:
            amount -= paid
            continue
        if paid_on > day:
            segments.append(((paid_on - day).days, amount))
            day = paid_on
        amount -= paid
    if end >= day:
        segments.append(((end - day).days + 1, amount))
    return segments


class ArLateCharge(models.AbstractModel):
    _name = "ar.late.charge"
    _description = "Late-Payment Charges"

    @api.model
    def _cron_charge(self):
        """The monthly job: every company, up to the last day of last month."""
        until = fields.Date.context_today(self).replace(day=1) - timedelta(days=1)
        companies = self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all
        for company in companies:
            self._charge(company, until)

    @api.model
    def action_charge(self):
        """*Charge Late Payments* for the current company up to the last day
        of last month: the charge invoices, opened."""
        require_manager(self.env, self.env._("charge late payments"))
        until = fields.Date.context_today(self).replace(day=1) - timedelta(days=1)
        charges = self._charge(self.env.company, until)
        if not charges:
            raise UserError(
                self.env._(
                    "No late-payment charge up to %(day)s in %(company)s: nothing is "
                    "overdue past the grace period, or the policy charges nothing.",
                    day=format_date(self.env, until),
                    company=self.env.company.name,
                )
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action.update(domain=[("id", "in", charges.ids)], context={})
        return action

    @api.model
    def _charge(self, company, until):
        """The charge invoices of ``company`` up to ``until``, one per customer
        and currency (posted or draft as the policy says)."""
        policies = self._policies(company)
        if not policies:
            return self.env["account.move"]
        proposals = self._proposals(company, until, policies)
        moves = self.env["account.move"]
        for (partner_id, currency_id), items in proposals.items():
            policy = policies[items[0]["policy_id"]]
            total = sum(item["amount"] for item in items)
            currency = self.env["res.currency"].browse(currency_id)
            minimum = policy.currency_id._convert(
                policy.late_min_charge, currency, company, until
            )
            if currency.is_zero(total) or (minimum and total < minimum):
                continue
            moves |= self._invoice(company, partner_id, currency, policy, items, until)
        return moves

    @api.model
    def _policies(self, company):
        """{policy id: policy} of ``company`` that charge something."""
        policies = (
            self.env["ar.credit.policy"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    "|",
                    ("late_interest_rate", ">", 0),
                    ("late_fee_amount", ">", 0),
                ]
            )
        )
        return {policy.id: policy for policy in policies}

    @api.model
    def _proposals(self, company, until, policies):
        """{(customer, currency): [item]} with item = {move, policy_id, start,
        end, days, interest, fee, amount, rate}."""
        self.env.flush_all()
        with sql_tools.batch_settings(self.env):
            rows = self._candidates(company, until, list(policies))
            payments = self._payments([row[0] for row in rows], until)
        if not rows:
            return {}
        proposals = defaultdict(list)
        for (
            move_id,
            partner_id,
            currency_id,
            policy_id,
            due,
            charged_until,
            charged,
            opening,
            line_id,
        ) in rows:
            policy = policies[policy_id]
            currency = self.env["res.currency"].browse(currency_id)
            start = max(
                due + timedelta(days=policy.late_grace_days + 1),
                charged_until + timedelta(days=1)
                if charged_until
                else policy.late_charges_since,
            )
            if start > until:
                continue
            segments = open_segments(
                start, until, float(opening), payments.get(line_id, [])
            )
            due_interest = currency.round(interest(segments, policy.late_interest_rate))
            fee = 0.0
            if not charged_until and policy.late_fee_amount:
                fee = policy.currency_id._convert(
                    policy.late_fee_amount, currency, company, until
                )
            amount = due_interest + fee
            if policy.late_charge_cap:
                cap = policy.currency_id._convert(
                    policy.late_charge_cap, currency, company, until
                )
                amount = min(amount, max(cap - float(charged or 0.0), 0.0))
            proposals[partner_id, currency_id].append(
                {
                    "move_id": move_id,
                    "policy_id": policy_id,
                    "start": start,
                    "end": until,
                    "days": sum(days for days, open_ in segments if open_ > 0),
                    "interest": due_interest,
                    "fee": fee,
                    "amount": currency.round(amount),
                    "rate": policy.late_interest_rate,
                }
            )
        return proposals

    @api.model
    def _candidates(self, company, until, policy_ids):
        """(invoice, customer, currency, policy, due date, charged until,
        charged so far, its receivable line's amount and id) of the invoices of
        ``company`` that may owe charges up to ``until``: those open (Odoo's
        index of open invoices) and those a payment reached since the earliest
        day a policy charges from (not every invoice ever paid)."""
        self.env.flush_all()
        key = str(company.id)
        default_policy = company._ar_ensure_policy().id
        since = min(
            self.env["ar.credit.policy"].browse(policy_ids).mapped("late_charges_since")
            or [until]
        )
        return self.env.execute_query(
            SQL(
                """
            WITH moves AS MATERIALIZED (
                SELECT m.id FROM account_move m
                 WHERE %(open)s AND m.company_id = %(company)s
                UNION
                SELECT l.move_id FROM account_partial_reconcile pr
                  JOIN account_move_line l ON l.id = pr.debit_move_id
                 WHERE pr.company_id = %(company)s AND pr.max_date >= %(since)s
                   AND l.display_type = 'payment_term'
            )
            SELECT m.id, m.commercial_partner_id, m.currency_id, c.policy_id,
                   m.invoice_date_due, m.ar_charged_until, m.ar_late_charged,
                   l.amount_currency, l.id
              FROM moves
              JOIN account_move m ON m.id = moves.id
              JOIN res_partner rp ON rp.id = m.commercial_partner_id
              JOIN LATERAL (
                    SELECT COALESCE((rp.ar_policy_id ->> %(key)s)::int,
                                    %(default_policy)s) AS policy_id) c ON true
              JOIN ar_credit_policy pol ON pol.id = c.policy_id
                                       AND pol.late_charges_since <= %(until)s
              JOIN account_move_line l ON l.move_id = m.id
                                      AND l.display_type = 'payment_term'
             WHERE m.company_id = %(company)s AND m.move_type = 'out_invoice'
               AND m.state = 'posted'
               AND c.policy_id = ANY(%(policies)s)
               AND m.invoice_date_due + pol.late_grace_days < %(until)s
               AND (m.ar_charged_until IS NULL OR m.ar_charged_until < %(until)s)
               AND (m.payment_state IN ('not_paid', 'partial')
                    OR EXISTS (
                        SELECT 1 FROM account_partial_reconcile pr
                         WHERE pr.debit_move_id = l.id
                           AND pr.max_date > GREATEST(
                               m.invoice_date_due + pol.late_grace_days,
                               COALESCE(m.ar_charged_until,
                                        pol.late_charges_since - 1))))
               AND (m.ar_is_late_charge IS NOT TRUE OR pol.late_charge_on_charges)
               AND COALESCE((rp.ar_no_late_charges ->> %(key)s)::boolean, false)
                   IS NOT TRUE
               AND NOT (%(dispute)s)
               AND NOT (pol.late_skip_promised AND EXISTS (
                    SELECT 1 FROM ar_promise_invoice_rel rel
                      JOIN ar_promise p ON p.id = rel.promise_id AND p.state = 'open'
                     WHERE rel.move_id = m.id))
               AND NOT (pol.late_skip_planned AND EXISTS (
                    SELECT 1 FROM ar_payment_plan_invoice_rel rel
                      JOIN ar_payment_plan pp ON pp.id = rel.plan_id
                                             AND pp.state = 'active'
                     WHERE rel.move_id = m.id))
             ORDER BY m.commercial_partner_id, m.invoice_date_due, m.id
                """,
                key=key,
                default_policy=default_policy,
                company=company.id,
                policies=policy_ids,
                until=until,
                since=since or until,
                open=open_invoice_sql("m"),
                dispute=self.env["account.move"]._ar_dispute_pause_sql("m"),
            )
        )

    @api.model
    def _payments(self, move_ids, until):
        """{receivable line: [(day, amount in the invoice's currency)]} of the
        reconciliations of these invoices dated up to ``until``."""
        rows = self.env.execute_query(
            SQL(
                """
            SELECT l.id, pr.max_date, pr.debit_amount_currency
              FROM account_move_line l
              JOIN account_partial_reconcile pr ON pr.debit_move_id = l.id
             WHERE l.move_id = ANY(%s) AND l.display_type = 'payment_term'
               AND pr.max_date <= %s
                """,
                move_ids,
                until,
            )
        )
        payments = defaultdict(list)
        for line_id, day, amount in rows:
            payments[line_id].append((day, float(amount)))
        return payments

    @api.model
    def _invoice(self, company, partner_id, currency, policy, items, until):
        """One charge invoice for ``items``, and their charged days."""
        product = policy.late_fee_product_id
        if not product:
            raise UserError(
                self.env._(
                    "Credit policy %(policy)s charges late payments: set its Late "
                    "Charge Product (income account and taxes).",
                    policy=policy.display_name,
                )
            )
        journal = company._ar_sales_journal(self.env._("late-payment charges"))
        Move = self.env["account.move"].sudo().with_company(company)
        sources = Move.browse([item["move_id"] for item in items])
        charge = Move.create(
            {
                "move_type": "out_invoice",
                "partner_id": partner_id,
                "company_id": company.id,
                "journal_id": journal.id,
                "currency_id": currency.id,
                "invoice_date": fields.Date.context_today(self),
                "ref": self.env._(
                    "Late-payment charges up to %(day)s",
                    day=format_date(self.env, until),
                ),
                "ar_is_late_charge": True,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "name": self._line_text(item, source, currency),
                            "quantity": 1,
                            "price_unit": item["amount"],
                            "ar_charge_source_id": source.id,
                            "ar_charge_previous_until": source.ar_charged_until,
                            "ar_charge_until": item["end"],
                        }
                    )
                    for item, source in zip(items, sources, strict=True)
                    if not currency.is_zero(item["amount"])
                ],
            }
        )
        for item, source in zip(items, sources, strict=True):
            source.write(
                {
                    "ar_charged_until": item["end"],
                    "ar_late_charged": (source.ar_late_charged or 0.0) + item["amount"],
                }
            )
        if policy.late_charge_post:
            charge.action_post()
        charge.message_post(
            body=self.env._(
                "Late-payment charges of %(count)s invoices up to %(day)s.",
                count=len(items),
                day=format_date(self.env, until),
            )
        )
        return charge

    @api.model
    def _waive(self, charge, reason):
        """Credit ``charge`` in full (cancel it while a draft), saying why."""
        require_manager(self.env, self.env._("waive a late-payment charge"))
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Say why the charge is waived."))
        # one the user may change (its company, the record rules), then as
        # the workflow
        charge = charge.with_env(self.env)
        charge.check_access("write")
        charge = charge.sudo()
        if not charge.ar_is_late_charge:
            raise UserError(
                self.env._(
                    "%(name)s is not a late-payment charge: only those are waived.",
                    name=charge.display_name,
                )
            )
        if charge.state == "cancel" or charge.payment_state == "reversed":
            raise UserError(
                self.env._("%(name)s is already waived.", name=charge.display_name)
            )
        if charge.state == "draft":
            charge.button_cancel()
            credit = charge.browse()
        else:
            credit = charge._reverse_moves(
                [
                    {
                        "ref": self.env._("Waived: %(reason)s", reason=reason),
                        "invoice_date": fields.Date.context_today(self),
                    }
                ],
                cancel=True,
            )
        charge.message_post(
            body=self.env._(
                "Late-payment charge waived by %(user)s: %(reason)s",
                user=self.env.user.name,
                reason=reason,
            )
        )
        return credit

    def _line_text(self, item, source, currency):
        parts = [source.name]
        if item["interest"]:
            parts.append(
                self.env._(
                    "%(days)s days from %(start)s to %(end)s at %(rate)s %% a year: "
                    "%(interest)s",
                    days=item["days"],
                    start=format_date(self.env, item["start"]),
                    end=format_date(self.env, item["end"]),
                    rate=float_round(item["rate"], 2),
                    interest=format_amount(self.env, item["interest"], currency),
                )
            )
        if item["fee"]:
            parts.append(
                self.env._(
                    "late fee %(fee)s",
                    fee=format_amount(self.env, item["fee"], currency),
                )
            )
        if currency.compare_amounts(item["amount"], item["interest"] + item["fee"]) < 0:
            parts.append(self.env._("capped by the policy"))
        return ": ".join(parts[:2]) + ("; " + "; ".join(parts[2:]) if parts[2:] else "")
