"""The one group-assignment rule (issue 9 section 2) and the measures built on it."""

import numpy as np
import pytest

import deflation as dfl
from deflation import measures


def _flipped(order):
    """Target a = (1, 0.5) at the given order; W fits u1 and has one component on -u2."""
    T = dfl.orthogonal_tensor([1.0, 0.5], 4, order=order)
    e = np.eye(4)
    W = np.array([e[0], -np.sqrt(0.5) * e[1]])
    return T, W


def test_assign_groups_flipped_component_at_odd_order_belongs_nowhere():
    T, W = _flipped(3)
    norms = np.linalg.norm(W, axis=1)
    corr = dfl.correlations(W, T)
    assert measures.assign_groups(norms, corr, order=3).tolist() == [0, -1]
    # group weights, group sizes and both recovery measures agree: u2 is not fitted
    assert measures.group_weights(norms, corr, order=3).tolist() == [1.0, 0.0]
    assert measures.group_sizes(W, T).tolist() == [1, 0]
    assert measures.recovered(W, T).tolist() == [True, False]
    rec = measures.recovery(W, T)
    assert rec.within().tolist() == [True, False]
    assert rec.group_weight.tolist() == [1.0, 0.0] and rec.stray_weight == pytest.approx(0.5)
    # the flipped component works against u2: the fit loss is 0.5, not 0
    assert dfl.fit_loss(W, T) == pytest.approx(0.5)
    assert measures.fitted_weights(W, T) == pytest.approx([1.0, -0.5])


def test_assign_groups_flipped_component_at_even_order_counts():
    T, W = _flipped(4)
    norms = np.linalg.norm(W, axis=1)
    corr = dfl.correlations(W, T)
    assert measures.assign_groups(norms, corr, order=4).tolist() == [0, 1]
    assert measures.group_weights(norms, corr, order=4) == pytest.approx([1.0, 0.5])
    assert measures.group_sizes(W, T).tolist() == [1, 1]
    assert measures.recovered(W, T).tolist() == [True, True]
    assert measures.recovery(W, T).within().tolist() == [True, True]
    assert dfl.fit_loss(W, T) == pytest.approx(0.0, abs=1e-12)


def test_every_former_rule_calls_assign_groups():
    T, W = _flipped(3)
    corr = dfl.correlations(W, T)
    norms = np.linalg.norm(W, axis=1)
    # locked_direction and group_directions use it too
    assert dfl.early.locked_direction(corr[None], order=3).tolist() == [0, -1]
    dirs = measures.group_directions(W, T)
    assert dirs[1] is None and dirs[0] == pytest.approx(np.eye(4)[0])
    # thresholds and weights filter
    assert measures.assign_groups(norms, corr, order=3, min_weight=2.0).tolist() == [-1, -1]
    tilt = np.array([[np.sqrt(0.5), np.sqrt(0.5), 0, 0]])
    c = dfl.correlations(tilt, T)
    assert measures.assign_groups([1.0], c, order=3, threshold=0.8).tolist() == [-1]
    assert measures.assign_groups([1.0], c, order=3, threshold=0.5).tolist() == [0]


def test_assign_groups_checks_its_input():
    with pytest.raises(ValueError, match="threshold"):
        measures.assign_groups([1.0], [[0.5]], threshold=1.0)
    with pytest.raises(ValueError, match="correlations"):
        measures.assign_groups([1.0, 2.0], [[0.5]])
    with pytest.raises(ValueError, match="order"):
        measures.assign_groups([1.0], [[0.5]], order=2)
    with pytest.raises(ValueError, match="fit"):
        measures.relative_error(-1.0, dfl.orthogonal_tensor([1.0], 2))
