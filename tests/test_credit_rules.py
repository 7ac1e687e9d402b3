from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from ..models import credit_rules as cr

TODAY = date(2026, 3, 31)
LIMIT_ON = cr.PolicyRules(use_credit_limit=True, block_on_limit=True)


@tagged("post_install", "-at_install")
class TestCreditRules(BaseCase):
    def test_limit_boundary(self):
        at = cr.CreditFigures(receivable=700.0, to_invoice=300.0, credit_limit=1000.0)
        self.assertEqual(cr.hold_reasons(at, LIMIT_ON, TODAY), [])
        self.assertEqual(cr.hold_reasons(at, LIMIT_ON, TODAY, extra=0.004), [])
        over = cr.hold_reasons(at, LIMIT_ON, TODAY, extra=0.01)
        self.assertEqual([r.code for r in over], [cr.OVER_LIMIT])
        self.assertAlmostEqual(over[0].excess, 0.01)

    def test_no_limit_or_setting_off(self):
        figures = cr.CreditFigures(receivable=5000.0, credit_limit=0.0)
        self.assertEqual(cr.hold_reasons(figures, LIMIT_ON, TODAY), [])
        figures = cr.CreditFigures(receivable=5000.0, credit_limit=10.0)
        off = cr.PolicyRules(use_credit_limit=False, block_on_limit=True)
        self.assertEqual(cr.hold_reasons(figures, off, TODAY), [])
        self.assertFalse(off.any_active)

    def test_drafts_only_by_policy(self):
        figures = cr.CreditFigures(draft_invoiced=50.0, credit_limit=10.0)
        self.assertEqual(cr.hold_reasons(figures, LIMIT_ON, TODAY), [])
        drafts = cr.PolicyRules(
            use_credit_limit=True, block_on_limit=True, include_draft_invoices=True
        )
        self.assertEqual(cr.exposure(figures, drafts), 50.0)
        self.assertEqual(len(cr.hold_reasons(figures, drafts, TODAY)), 1)

    def test_overdue_days_boundary(self):
        rules = cr.PolicyRules(overdue_days_rule=True, overdue_days=30)
        for days, held in ((0, False), (30, False), (31, True)):
            figures = cr.CreditFigures(
                overdue_amount=1.0, oldest_due_date=TODAY - timedelta(days=days)
            )
            self.assertEqual(bool(cr.hold_reasons(figures, rules, TODAY)), held, days)
        paid = cr.CreditFigures(overdue_amount=0.0, oldest_due_date=date(2020, 1, 1))
        self.assertEqual(cr.hold_reasons(paid, rules, TODAY), [])

    def test_overdue_amount_boundary(self):
        rules = cr.PolicyRules(overdue_amount_rule=True, overdue_amount=100.0)
        self.assertFalse(
            cr.hold_reasons(cr.CreditFigures(overdue_amount=100.0), rules, TODAY)
        )
        self.assertTrue(
            cr.hold_reasons(cr.CreditFigures(overdue_amount=100.01), rules, TODAY)
        )

    def test_every_reason_reported(self):
        rules = cr.PolicyRules(
            use_credit_limit=True,
            block_on_limit=True,
            overdue_days_rule=True,
            overdue_days=10,
            overdue_amount_rule=True,
            overdue_amount=10.0,
        )
        figures = cr.CreditFigures(
            receivable=500.0,
            overdue_amount=400.0,
            oldest_due_date=TODAY - timedelta(days=40),
            credit_limit=100.0,
        )
        codes = [r.code for r in cr.hold_reasons(figures, rules, TODAY)]
        self.assertEqual(codes, [cr.OVER_LIMIT, cr.OVERDUE_DAYS, cr.OVERDUE_AMOUNT])

    @given(
        receivable=st.decimals(-1e6, 1e7, places=2),
        to_invoice=st.decimals(0, 1e7, places=2),
        limit=st.decimals("0.01", "1e7", places=2),
        extra=st.decimals(0, 1e6, places=2),
    )
    def test_limit_rule_is_exposure_over_limit(
        self, receivable, to_invoice, limit, extra
    ):
        figures = cr.CreditFigures(
            receivable=float(receivable),
            to_invoice=float(to_invoice),
            credit_limit=float(limit),
        )
        held = bool(cr.hold_reasons(figures, LIMIT_ON, TODAY, extra=float(extra)))
        self.assertEqual(held, receivable + to_invoice + extra > limit)
        # More exposure never lifts a hold.
        if held:
            self.assertTrue(
                cr.hold_reasons(figures, LIMIT_ON, TODAY, extra=float(extra) + 1)
            )
