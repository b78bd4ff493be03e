import numpy as np
import pytest

import deflation as dfl


def test_reinitialize_redraws_only_small_rows():
    W = np.vstack([np.eye(3)[:2], 1e-5 * np.ones((2, 3))])
    W2, redrawn = dfl.reinitialize(W, 1e-3, 1e-4, seed=0)
    assert redrawn.tolist() == [False, False, True, True]
    assert np.array_equal(W2[:2], W[:2])
    assert np.allclose(np.linalg.norm(W2[2:], axis=1), 1e-4)
    assert not np.allclose(W2[2:], W[2:])


def test_fit_floor():
    T = dfl.orthogonal_tensor([1.0, 0.05], 3)
    assert dfl.fit_floor(T, 0.2) == pytest.approx(0.5 * (0.1**2 + 0.05**2))
    assert dfl.fit_floor(T, 0.0) == 0.0


def test_modified_flow_events_are_consistent():
    T = dfl.orthogonal_tensor([1.0, 0.5, 0.25], 6)
    res = dfl.modified_gradient_flow(
        T, 8, init_scale=1e-4, reinit_threshold=1e-2, reg=0.01, first_epoch=5.0,
        epoch_growth=0.5, max_time=300.0, seed=0,
    )
    tr = res.trajectory
    s = res.epoch_starts.size
    assert res.epoch_lengths.size == s and res.n_reinit.size == s
    assert res.n_reinit[0] == 8
    assert np.allclose(res.epoch_lengths, 5.0 * 1.5 ** np.arange(s))
    assert np.allclose(np.diff(res.epoch_starts), res.epoch_lengths[:-1])
    assert np.all(np.diff(tr.t) >= 0)
    assert res.stopped == "tol"
    assert tr.fit[-1] <= res.stop_fit
    # every component with a_k > lambda/2 is fitted, to a_k - lambda/2
    assert np.all(np.isfinite(res.fit_times))
    assert np.allclose(tr.weights_by_component[-1], T.weights - 0.005, atol=2e-3)


def test_without_reinit_nothing_is_redrawn():
    T = dfl.orthogonal_tensor([1.0, 0.5], 4)
    res = dfl.modified_gradient_flow(T, 4, reinit=False, first_epoch=2.0, max_time=10.0, seed=1)
    assert res.n_reinit.tolist() == [4] + [0] * (res.n_reinit.size - 1)


def test_seed_makes_runs_reproducible():
    T = dfl.orthogonal_tensor([1.0, 0.5], 4)
    a = dfl.modified_gradient_flow(T, 4, first_epoch=2.0, max_time=20.0, seed=7)
    b = dfl.modified_gradient_flow(T, 4, first_epoch=2.0, max_time=20.0, seed=7)
    assert np.array_equal(a.W, b.W) and np.array_equal(a.n_reinit, b.n_reinit)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"init_scale": 0.0}, "init_scale"),
        ({"init_scale": 1e-2, "reinit_threshold": 1e-3}, "reinit_threshold"),
        ({"reg": -0.1}, "reg"),
        ({"first_epoch": 0.0}, "first_epoch"),
        ({"epoch_growth": -0.5}, "epoch_growth"),
        ({"max_time": float("inf")}, "max_time"),
        ({"stop_fit": 0.0}, "stop_fit"),
    ],
)
def test_bad_input(kwargs, name):
    T = dfl.orthogonal_tensor([1.0], 3)
    with pytest.raises(ValueError, match=name):
        dfl.modified_gradient_flow(T, 2, **kwargs)
    with pytest.raises(ValueError, match="m must be"):
        dfl.modified_gradient_flow(T, 0)
