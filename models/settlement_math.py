"""Splitting an amount in proportion, as plain Python."""


def prorate(total, weights, digits=2):
    """``total`` split in proportion to ``weights``, each share rounded to
    ``digits`` and the shares summing exactly to ``total``: the cents rounding
    leaves go to the largest remainders. Zero weights get nothing; all-zero
    weights give all zeros (and ``total`` must then be zero)."""
    scale = 10**digits
    units = round(total * scale)
    weight_sum = sum(weights)
    if not weight_sum:
        if units:
            raise ValueError("Cannot split a non-zero total over zero weights.")
        return [0.0] * len(weights)
    exact = [units * weight / weight_sum for weight in weights]
    shares = [int(value // 1) for value in exact]
    left = units - sum(shares)
    by_remainder = sorted(
        range(len(weights)), key=lambda i: (exact[i] - shares[i], -i), reverse=True
    )
    for i in by_remainder[:left]:  # floors leave 0 <= left < len(weights)
        shares[i] += 1
    return [share / scale for share in shares]
