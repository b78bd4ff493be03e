"""Bad input gets a ValueError (wrong value) or TypeError (wrong type) naming the parameter."""

import numpy as np
import pytest

import deflation as dfl

T4 = dfl.orthogonal_tensor([1.0, 0.5], 4)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: dfl.orthogonal_tensor([1.0, -0.5], 4), "weights"),
        (lambda: dfl.orthogonal_tensor([1.0, 0.0], 4), "weights"),
        (lambda: dfl.orthogonal_tensor([], 4), "weights"),
        (lambda: dfl.orthogonal_tensor([1.0, np.nan], 4), "weights"),
        (lambda: dfl.orthogonal_tensor([1.0, 0.5, 0.2], 2), "r=3 must be <= d=2"),
        (lambda: dfl.orthogonal_tensor([1.0, 0.5], 3, basis=np.ones((3, 2))), "orthonormal"),
        (lambda: dfl.orthogonal_tensor([1.0, 0.5], 3, basis=np.eye(3)), "shape"),
        (lambda: dfl.orthogonal_tensor([1.0], 3, basis="qr"), "basis"),
        (lambda: dfl.orthogonal_tensor([1.0], 3, order=2), "order"),
        (lambda: dfl.orthogonal_tensor([1.0], 0), "d must be"),
        (lambda: dfl.small_init(0, 3, 1e-3), "m must be"),
        (lambda: dfl.small_init(2, 3, 0.0), "scale"),
        (lambda: dfl.small_init(2, 3, -1.0), "scale"),
        (lambda: dfl.small_init(2, 3, np.inf), "scale"),
        (lambda: dfl.small_init(2, 3, 1e-3, seed=-1), "seed"),
        (lambda: dfl.loss(np.full((2, 4), np.nan), T4), "W must contain only finite"),
        (lambda: dfl.loss(np.ones((2, 3)), T4), "W must have shape"),
        (lambda: dfl.loss(np.ones(4), T4), "W must be a 2-dimensional"),
        (lambda: dfl.gradient(np.ones((2, 4)), T4, reg=-1.0), "reg"),
        (lambda: dfl.gradient(np.ones((2, 4)), T4, degree=1.0), "degree"),
        (lambda: dfl.gradient_flow(np.ones((2, 4)), T4, 0.0), "t_end"),
        (lambda: dfl.gradient_flow(np.ones((2, 4)), T4, -1.0), "t_end"),
        (lambda: dfl.gradient_flow(np.ones((2, 4)), T4, 1.0, rtol=0.0), "rtol"),
        (lambda: dfl.gradient_flow(np.ones((2, 4)), T4, 1.0, record=1), "record"),
        (lambda: dfl.gradient_flow(np.ones((2, 4)), T4, 1.0, record=[0.5, 0.2]), "record"),
        (lambda: dfl.gradient_flow(np.ones((2, 4)), T4, 1.0, record=[0.0, 2.0]), "record"),
        (lambda: dfl.gradient_flow(np.zeros((0, 4)), T4, 1.0), "W must have at least"),
        (lambda: dfl.model_tensor(np.ones((2, 3)), order=2), "order"),
        (lambda: dfl.correlated_directions(3, 3, 0.2), "r \\+ 1 <= d"),
        (lambda: dfl.correlated_directions(3, 5, 1.0), "rho"),
        (lambda: dfl.with_noise(T4, -0.1), "sigma"),
        (lambda: dfl.low_rank_tensor([1.0, 0.5], np.ones((3, 3))), "vectors"),
        (lambda: dfl.low_rank_tensor([1.0, 0.5], np.zeros((3, 2))), "zero column"),
        (lambda: dfl.matrix_factorization_flow([1.0], d=2, m=2, init_scale=0.0, t_end=1.0), "scale"),
    ],
)
def test_value_errors(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: dfl.orthogonal_tensor([1.0], 3, order=3.5), "order must be an integer"),
        (lambda: dfl.orthogonal_tensor([1.0], 3.0), "d must be an integer"),
        (lambda: dfl.orthogonal_tensor("1.0", 3), "weights must be a numeric array"),
        (lambda: dfl.orthogonal_tensor([1.0 + 1j], 3), "weights must be real"),
        (lambda: dfl.gradient(np.ones((2, 4)), "T"), "target must be a LowRankTensor"),
        (lambda: dfl.gradient(np.ones((2, 4)) * 1j, T4), "W must be real"),
        (lambda: dfl.gradient([["a", "b", "c", "d"]], T4), "W must be a numeric array"),
        (lambda: dfl.gradient(np.ones((2, 4)), T4, reg="0"), "reg must be a real number"),
        (lambda: dfl.small_init(2, 3, 1e-3, seed=1.5), "seed must be"),
        (lambda: dfl.small_init(True, 3, 1e-3), "m must be an integer"),
        (lambda: dfl.gradient_flow(np.ones((2, 4)), T4, 1.0, record=2.0), "record must be"),
        (lambda: dfl.gradient_flow(np.ones((2, 4)), T4, 1.0, record_W=1), "record_W"),
        (lambda: dfl.fit_times("traj"), "traj must be a Trajectory"),
        (lambda: dfl.with_noise("T", 0.1), "target must be a LowRankTensor"),
        (lambda: dfl.power_iteration("f", np.eye(2)), "contract must be callable"),
        (lambda: dfl.blas_threads(1.0), "n must be a positive integer"),
    ],
)
def test_type_errors(call, name):
    with pytest.raises(TypeError, match=name):
        call()


def test_fit_times_checks():
    tr = dfl.gradient_flow(dfl.small_init(3, 4, 1e-2, seed=0), T4, 1.0)
    with pytest.raises(ValueError, match="frac"):
        dfl.fit_times(tr, frac=1.5)
    with pytest.raises(TypeError, match="traj"):
        dfl.fit_times("not a trajectory")


def test_positive_array_messages():
    with pytest.raises(ValueError, match=r"correlation must be in \(0, 1\], got 0\.0"):
        dfl.theory.blowup_time(0.0, 1.0)
    with pytest.raises(ValueError, match="weight must be > 0"):
        dfl.theory.blowup_time(0.5, [1.0, -2.0])
    with pytest.raises(ValueError, match=r"correlation must be in \(0, 1\], got 1.5"):
        dfl.theory.alignment_delay(1.5, 1.0)
