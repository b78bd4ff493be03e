"""No silent wrong answers (issue 9 section 3): copies, frozen results, strict checks."""

import dataclasses

import numpy as np
import pytest

import deflation as dfl


def test_targets_copy_their_inputs_and_are_read_only():
    w = np.array([1.0, 0.5])
    T = dfl.orthogonal_tensor(w, 4)
    norm = T.sqnorm()
    w[0] = 3.0  # a caller's later change
    assert T.weights.tolist() == [1.0, 0.5] and T.sqnorm() == norm
    with pytest.raises(ValueError):
        T.weights[0] = 3.0
    U = np.eye(3)[:, :2]
    S = dfl.low_rank_tensor(w, U)
    U[0, 0] = 5.0
    assert S.basis[0, 0] == 1.0 and not S.basis.flags.writeable
    N = dfl.with_noise(dfl.orthogonal_tensor([1.0], 3), 0.1, seed=0)
    assert not N.noise.flags.writeable


def test_results_are_frozen_and_compare_by_identity():
    T = dfl.orthogonal_tensor([1.0], 3)
    tr = dfl.gradient_flow(dfl.small_init(2, 3, 1e-2, seed=0), T, 1.0, record=3)
    # identity semantics (eq=False): a copy with the very same fields is another result
    twin = dataclasses.replace(tr)
    assert twin is not tr and twin != tr and not (twin == tr)
    assert tr != dfl.gradient_flow(tr.W, T, 1.0, record=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        tr.reg = 1.0
    res = dfl.modified_gradient_flow(T, 2, seed=0, max_time=1.0, first_epoch=1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.stopped = "tol"
    D = dfl.tensor_deflation(T, seed=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        D.weights = None
    path = dfl.early.direction_flow(np.eye(3)[:1] + 0.1, T, 1.0, record=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        path.t = None


def test_concatenate_rejects_mismatched_lengths():
    T = dfl.orthogonal_tensor([1.0], 3)
    tr = dfl.gradient_flow(dfl.small_init(2, 3, 1e-2, seed=0), T, 1.0, record=3)
    assert len(dfl.concatenate([tr, tr], [0.0, 1.0])) == 6
    with pytest.raises(ValueError, match="2 parts, got 1 offsets"):
        dfl.concatenate([tr, tr], [0.0])
    other = dfl.gradient_flow(dfl.small_init(3, 3, 1e-2, seed=0), T, 1.0, record=3)
    with pytest.raises(ValueError, match="share m and r"):
        dfl.concatenate([tr, other], [0.0, 1.0])


def test_power_iteration_needs_an_iteration():
    T = dfl.orthogonal_tensor([1.0], 3)
    with pytest.raises(ValueError, match="max_iter must be >= 1, got 0"):
        dfl.power_iteration(T.contract, np.eye(3)[:1], max_iter=0)


def test_fitted_state_rejects_fractional_group_sizes():
    T = dfl.orthogonal_tensor([1.0, 0.5], 4)
    with pytest.raises(TypeError, match=r"1\.7"):
        dfl.phases.fitted_state(T, [1.7, 1])
    with pytest.raises(TypeError, match=r"1\.5"):
        dfl.theory.stability_spectrum([1.0], [1.5], 4)
    assert dfl.phases.fitted_state(T, [np.int64(2), 1]).shape == (3, 4)
