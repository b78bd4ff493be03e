"""Success rates as the book prints them: a count with its 95% Wilson score interval.

Every rate the book prints (a success rate, an accuracy, an "every seed" claim) is a
count ``k`` out of ``n`` held-out seeds, shown with its 95% Wilson score interval
(:func:`wilson_interval`, :func:`format_rate`), so a reader sees at once how much
``20/20`` is worth.
"""

from __future__ import annotations

import math

__all__ = ["wilson_interval", "format_rate"]


def _counts(k, n) -> tuple[int, int]:
    for name, value in (("k", k), ("n", n)):
        if isinstance(value, bool) or not float(value).is_integer():
            raise ValueError(f"{name} must be a whole number, got {value!r}")
    k, n = int(k), int(n)
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if not 0 <= k <= n:
        raise ValueError(f"k must lie in [0, n] = [0, {n}], got {k}")
    return k, n


def wilson_interval(k: int, n: int, *, z: float = 1.959963984540054) -> tuple[float, float]:
    """The Wilson score interval for a success probability after ``k`` successes in ``n``.

    Parameters
    ----------
    k : int
        Number of successes, ``0 <= k <= n``.
    n : int
        Number of independent trials (held-out seeds), ``n >= 1``.
    z : float, default 1.96
        Normal quantile; the default gives a 95% interval.

    Returns
    -------
    (lo, hi) : tuple of float
        The interval
        ``(p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)`` with ``p = k/n``,
        clipped to [0, 1]. Unlike the normal interval it is never empty at ``k = 0`` or
        ``k = n``: ``20/20`` gives about (0.84, 1).
    """
    k, n = _counts(k, n)
    if not (isinstance(z, (int, float)) and math.isfinite(z) and z > 0):
        raise ValueError(f"z must be a positive finite number, got {z!r}")
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return lo, hi


def format_rate(k: int, n: int) -> str:
    """``k/n`` with its 95% Wilson interval, as the book prints every rate.

    >>> format_rate(38, 40)
    '38/40 (95% CI 0.83-0.99)'
    """
    lo, hi = wilson_interval(k, n)
    return f"{int(k)}/{int(n)} (95% CI {lo:.2f}-{hi:.2f})"
