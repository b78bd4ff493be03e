"""The rate helpers every chapter prints with (Wilson score intervals)."""

import math

import pytest

from deflation import rates


@pytest.mark.parametrize(
    "k, n, lo, hi",
    [
        # Reference values of the Wilson score interval (z = 1.96), computed by hand
        # from (p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n).
        (19, 20, 0.7639, 0.9911),
        (0, 10, 0.0, 0.2775),
        (20, 20, 0.8389, 1.0),
        (38, 40, 0.8349, 0.9862),
        (50, 100, 0.4038, 0.5962),
    ],
)
def test_wilson_reference_values(k, n, lo, hi):
    got = rates.wilson_interval(k, n)
    assert got[0] == pytest.approx(lo, abs=1e-4)
    assert got[1] == pytest.approx(hi, abs=1e-4)


def test_wilson_is_symmetric_and_contains_the_estimate():
    for n in (1, 7, 40, 200):
        for k in range(n + 1):
            lo, hi = rates.wilson_interval(k, n)
            assert 0.0 <= lo <= k / n <= hi <= 1.0
            lo2, hi2 = rates.wilson_interval(n - k, n)
            assert math.isclose(lo, 1 - hi2, abs_tol=1e-12)
            assert math.isclose(hi, 1 - lo2, abs_tol=1e-12)


def test_wilson_narrows_with_n():
    widths = [rates.wilson_interval(n // 2, n) for n in (10, 100, 1000)]
    w = [hi - lo for lo, hi in widths]
    assert w[0] > w[1] > w[2]


def test_format_rate():
    assert rates.format_rate(38, 40) == "38/40 (95% CI 0.83-0.99)"
    assert rates.format_rate(20, 20) == "20/20 (95% CI 0.84-1.00)"


@pytest.mark.parametrize(
    "k, n, name",
    [(-1, 5, "k"), (6, 5, "k"), (1, 0, "n"), (1.5, 4, "k"), (2, 4.5, "n"), (True, 4, "k")],
)
def test_bad_counts_raise(k, n, name):
    with pytest.raises(ValueError, match=name):
        rates.wilson_interval(k, n)
