"""Crossing times (issue 9 section 1) and fit times with a regularizer (issue 8 section 7)."""

import numpy as np
import pytest

import deflation as dfl
from deflation import times


def test_fit_times_with_a_regularizer_use_the_fitted_weight():
    a, reg = np.array([1.0, 0.5, 0.2]), 0.1
    T = dfl.orthogonal_tensor(a, 5)
    tr = dfl.gradient_flow(dfl.small_init(8, 5, 1e-3, seed=1), T, 150.0, reg=reg,
                           record=600)
    fitted = tr.target.weights - tr.residual
    # the last component is recovered: it rests at a_k - reg/2 = 0.15 ...
    assert fitted[-1, 2] == pytest.approx(a[2] - reg / 2, rel=1e-3)
    # ... so it never reaches 0.9 a_k = 0.18, the level of the old definition,
    assert np.max(fitted[:, 2]) < 0.9 * a[2]
    # while fit_times uses 0.9 (a_k - reg/2) and finds every component
    ft = dfl.fit_times(tr)
    assert np.all(np.isfinite(ft)) and ft[0] < ft[1] < ft[2]
    level = 0.9 * (a - reg / 2)
    i = np.argmax(fitted >= level, axis=0)
    assert np.all((tr.t[i - 1] <= ft) & (ft <= tr.t[i]))
    lt = times.logit_fit_times(tr)
    assert lt == pytest.approx(ft, rel=0.02)


def test_fit_times_of_an_unfittable_component_are_nan():
    T = dfl.orthogonal_tensor([1.0, 0.05], 4)
    tr = dfl.gradient_flow(dfl.small_init(4, 4, 1e-3, seed=0), T, 30.0, reg=0.2, record=50)
    ft = dfl.fit_times(tr)
    assert np.isfinite(ft[0]) and np.isnan(ft[1])
    assert np.isnan(times.logit_fit_times(tr)[1])


def test_first_crossings_and_its_checked_front():
    t = np.array([0.0, 1.0, 2.0])
    y = np.array([[0.0, 5.0], [1.0, 5.0], [2.0, 5.0]])
    assert times.first_crossings(t, y, [1.5, 9.0])[0] == pytest.approx(1.5)
    assert np.isnan(times.first_crossings(t, y, [1.5, 9.0])[1])
    assert times.crossing_times(t, y, 0.5).tolist() == [0.5, 0.0]
    assert times.first_indices(y, [1.5, 5.0]).tolist() == [2, 0]
    with pytest.raises(ValueError, match="increasing"):
        times.crossing_times(t[::-1], y, 0.5)


def test_logit_fit_times_with_a_regularizer_and_an_unfittable_weight():
    """At lambda > 0 the goal is a_k - lambda/2: logit and linear interpolation of the
    fitted fraction agree on a fine record (to 1e-3 of the time); a weight equal to
    lambda/2 (goal 0) and one below it are never fitted: NaN, not a division by zero."""
    T = dfl.orthogonal_tensor([1.0, 0.6, 0.1, 0.05], 6)
    W0 = dfl.small_init(16, 6, 1e-4, seed=4)
    tr = dfl.gradient_flow(W0, T, 60.0, reg=0.2, record=1201)
    logit, linear = times.logit_fit_times(tr), dfl.fit_times(tr)
    assert np.all(np.isfinite(logit[:2])) and np.all(np.isnan(logit[2:]))
    np.testing.assert_allclose(logit[:2], linear[:2], rtol=1e-3)
    # a goal of a_k - lambda/2 (not a_k - lambda/3): the fitted fraction reaches 0.9 of it
    goal = T.weights[:2] - 0.1
    i = np.searchsorted(tr.t, logit[:2])
    fitted = T.weights[:2] - tr.residual[i, np.arange(2)]
    assert np.all(fitted >= 0.9 * goal - 1e-3) and np.all(fitted <= 0.92 * goal)


def test_crossing_times_needs_strictly_increasing_times_and_matching_shapes():
    y = np.array([[0.0], [0.5], [1.0]])
    np.testing.assert_allclose(times.crossing_times([0.0, 1.0, 2.0], y, 0.75), [1.5])
    with pytest.raises(ValueError, match="strictly increasing"):
        times.crossing_times([0.0, 1.0, 1.0], y, 0.75)
    with pytest.raises(ValueError):
        times.crossing_times([0.0, 1.0], y, 0.75)  # 2 times, 3 rows
    np.testing.assert_allclose(times.crossing_times([0.0, 1.0, 2.0], y.ravel(), 0.75),
                               [1.5])  # one curve may be given as a 1-d array
    with pytest.raises(ValueError):
        times.crossing_times([0.0, 1.0, 2.0], y[None], 0.75)  # but not as a 3-d one
