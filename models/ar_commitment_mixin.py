from odoo import api, models
from odoo.tools import SQL

from .ar_workflow_guard import workflow_flag


class ArCommitmentMixin(models.AbstractModel):
    """What a customer commits to about some of its open invoices: a promise to
    pay or a payment plan. Both are judged from the payments reconciled with
    those invoices, by one transaction at a time."""

    _name = "ar.commitment.mixin"
    _description = "Collections Commitment"
    _inherit = ["ar.document.mixin"]
    _ar_running_states = ()  # states in which payments still change the outcome

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._ar_refresh_predictions()
        return records

    def write(self, vals):
        res = super().write(vals)
        if {
            "state",
            "invoice_ids",
            "promised_date",
            "line_ids",
        } & vals.keys() and not workflow_flag(self, "ar_defer_predictions"):
            self._ar_refresh_predictions()
        return res

    def _ar_refresh_predictions(self):
        """The predicted pay dates of these customers' open invoices follow
        what they commit to at once (a promise recorded, kept or broken; a
        plan activated, completed or defaulted), not at the next metrics
        run: the forecast and the dashboard read them. A loop moving many
        (a job judging them) writes with ``ar_defer_predictions`` and calls
        this once for all of them."""
        for company, records in self.sudo().grouped("company_id").items():
            records.partner_id._ar_refresh_predictions(company)

    def _ar_lock_running(self):
        """These records still running, locked for this transaction; those another
        transaction is judging are skipped, so nothing is judged twice."""
        if not self.ids:
            return self.browse()
        self.flush_recordset(["state"])
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM %s WHERE id = ANY(%s) AND state IN %s"
                " ORDER BY id FOR UPDATE SKIP LOCKED",
                SQL.identifier(self._table),
                self.ids,
                tuple(self._ar_running_states),
            )
        )
        return self.browse([row[0] for row in rows]).sudo()

    def _ar_evaluate_for_lines(self, lines):
        """Payments were reconciled with these journal items: judge the running
        records covering their invoices."""
        moves = lines.move_id.filtered(lambda m: m.move_type == "out_invoice")
        if moves:
            self.sudo().search(
                [
                    ("state", "in", self._ar_running_states),
                    ("invoice_ids", "in", moves.ids),
                ]
            )._ar_evaluate()

    def _ar_reconciled_amounts(self, date_from, date_to=None, payments_only=False):
        """{record id: what was reconciled with its invoices' receivable items, in
        the invoices' currency}, counting the reconciliations dated from the
        record's ``date_from`` field (to its ``date_to`` field); with
        ``payments_only``, credit notes do not count."""
        if not self:
            return {}
        relation = self._fields["invoice_ids"]
        self.env["account.partial.reconcile"].flush_model()
        self.env["account.move.line"].flush_model(["move_id", "account_id"])
        self.flush_recordset(
            ["invoice_ids", date_from, *([date_to] if date_to else [])]
        )
        rows = self.env.execute_query(
            SQL(
                """
            SELECT rec.id, COALESCE(SUM(part.debit_amount_currency), 0)
              FROM %(table)s rec
              JOIN %(relation)s rel ON rel.%(column1)s = rec.id
              JOIN account_move_line inv_line ON inv_line.move_id = rel.%(column2)s
              JOIN account_account acc ON acc.id = inv_line.account_id
                                       AND acc.account_type = 'asset_receivable'
              JOIN account_partial_reconcile part ON part.debit_move_id = inv_line.id
              JOIN account_move_line pay_line ON pay_line.id = part.credit_move_id
              JOIN account_move pay_move ON pay_move.id = pay_line.move_id
             WHERE rec.id = ANY(%(ids)s)
               AND part.max_date >= %(date_from)s
               %(date_to)s
               %(payments_only)s
          GROUP BY rec.id
            """,
                table=SQL.identifier(self._table),
                relation=SQL.identifier(relation.relation),
                column1=SQL.identifier(relation.column1),
                column2=SQL.identifier(relation.column2),
                ids=self.ids,
                date_from=SQL.identifier("rec", date_from),
                date_to=SQL("AND part.max_date <= %s", SQL.identifier("rec", date_to))
                if date_to
                else SQL(),
                payments_only=SQL(
                    "AND pay_move.move_type NOT IN ('out_refund', 'in_refund')"
                )
                if payments_only
                else SQL(),
            )
        )
        return dict(rows)

    def _ar_evaluate(self, today=None):
        raise NotImplementedError
