from odoo.tests import BaseCase

from ..models.settlement_math import prorate


class TestProrate(BaseCase):
    def test_shares_sum_to_the_total(self):
        self.assertEqual(prorate(525.0, [1150.0, 575.0]), [350.0, 175.0])
        self.assertEqual(prorate(100.0, [1, 1, 1]), [33.34, 33.33, 33.33])
        self.assertEqual(sum(prorate(0.05, [3, 3, 3, 1])), 0.05)

    def test_largest_remainder_gets_the_cent(self):
        self.assertEqual(prorate(1.0, [1, 2]), [0.33, 0.67])

    def test_zero_and_negative_weights(self):
        self.assertEqual(prorate(10.0, [0, 5, 5]), [0.0, 5.0, 5.0])
        self.assertEqual(prorate(0.0, [0, 0]), [0.0, 0.0])
        with self.assertRaises(ValueError):
            prorate(1.0, [0, 0])
        shares = prorate(90.0, [100.0, -10.0])
        self.assertEqual(shares, [100.0, -10.0])
        self.assertAlmostEqual(sum(shares), 90.0)

    def test_digits(self):
        self.assertEqual(prorate(10, [1, 2], digits=0), [3.0, 7.0])
