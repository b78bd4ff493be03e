import numpy as np
import pytest

import deflation as dfl


def _match(vectors, basis, order):
    """Max error between recovered and true directions (sign-free for even order)."""
    errs = []
    for k in range(basis.shape[1]):
        u = basis[:, k]
        v = vectors[:, k]
        if order % 2 == 0:
            errs.append(min(np.linalg.norm(v - u), np.linalg.norm(v + u)))
        else:
            errs.append(np.linalg.norm(v - u))
    return max(errs)


@pytest.mark.parametrize("order", [3, 4])
@pytest.mark.parametrize("seed", [0, 1])
def test_recovers_orthogonal_tensor(order, seed):
    T = dfl.orthogonal_tensor([1.0, 0.7, 0.45, 0.2, 0.05], 8, order=order, basis="random", seed=seed)
    res = dfl.tensor_deflation(T, n_restarts=10, seed=seed)
    assert np.allclose(res.weights, T.weights, atol=1e-6, rtol=0)
    assert _match(res.vectors, T.basis, order) < 1e-6
    assert res.residual_sqnorms[0] == pytest.approx(T.sqnorm())
    assert res.residual_sqnorms[-1] < 1e-12


def test_dense_input_gives_the_same_result():
    T = dfl.orthogonal_tensor([1.0, 0.5, 0.25], 5, basis="random", seed=3)
    a = dfl.tensor_deflation(T, seed=0)
    b = dfl.tensor_deflation(T.dense(), n_components=3, seed=0)
    assert np.allclose(a.weights, b.weights, atol=1e-10)
    assert _match(b.vectors, T.basis, 4) < 1e-6


def test_power_iteration_converges_to_a_component():
    T = dfl.orthogonal_tensor([1.0, 0.6], 4)
    X0 = dfl.random_directions(5, 4, seed=0)
    X, vals, _it = dfl.power_iteration(T.contract, X0)
    for x, v in zip(X, vals):
        k = np.argmax(np.abs(x))
        assert abs(abs(x[k]) - 1) < 1e-10
        assert v == pytest.approx(T.weights[k])


def test_bad_input():
    with pytest.raises(ValueError, match="n_components"):
        dfl.tensor_deflation(np.zeros((3, 3, 3)))
    with pytest.raises(ValueError, match="symmetric"):
        dfl.tensor_deflation(np.arange(27.0).reshape(3, 3, 3), n_components=1)
    with pytest.raises(ValueError, match="cubical"):
        dfl.tensor_deflation(np.zeros((3, 4, 3)), n_components=1)
    with pytest.raises(ValueError, match="n_restarts"):
        dfl.tensor_deflation(dfl.orthogonal_tensor([1.0], 3), n_restarts=0)


def _correlated_target(seed, rho=0.8):
    rng = np.random.default_rng(seed)
    U = dfl.correlated_directions(4, 10, rho, seed=rng)
    return dfl.low_rank_tensor([1.0, 0.7, 0.5, 0.35], U), rng


def test_ss_hopm_converges_where_the_plain_method_cycles():
    """Chapter 6's correlated targets (rho = 0.8, seeds 0-3): the plain power method
    (shift 0) leaves some pair unconverged with a large eigen-residual; SS-HOPM with the
    default shift converges on every pair to an eigenpair."""
    plain_bad = 0
    for seed in range(4):
        T, _ = _correlated_target(seed)
        plain = dfl.tensor_deflation(T, seed=seed, shift=0.0)
        plain_bad += int(np.sum(~plain.converged))
        res = dfl.tensor_deflation(T, seed=seed)
        assert res.converged.all()
        assert np.all(res.iterations < 1000)
        assert np.max(res.eigen_residuals) < 1e-10
        assert np.allclose(res.shifts[0], 3 * np.sqrt(T.sqnorm()))
        assert np.all(np.diff(res.residual_sqnorms) < 1e-12)
    assert plain_bad >= 1


def test_shifted_power_iteration_increases_the_value_monotonically():
    """Kolda & Mayo: with shift > (l-1)||T||_F, T(x^l) never decreases."""
    T, _ = _correlated_target(1)
    x = dfl.random_directions(6, 10, seed=2)
    alpha = 3 * np.sqrt(T.sqnorm())
    prev = np.einsum("ij,ij->i", T.contract(x), x)
    for _ in range(50):
        x, vals, _ = dfl.power_iteration(T.contract, x, max_iter=1, shift=alpha)
        assert np.all(vals >= prev - 1e-14)
        prev = vals


def test_eigen_residual_is_reported_and_small_on_orthogonal_targets():
    T = dfl.orthogonal_tensor([1.0, 0.5, 0.25], 6, basis="random", seed=4)
    res = dfl.tensor_deflation(T, seed=0)
    assert res.converged.all() and np.max(res.eigen_residuals) < 1e-10
    assert res.eigen_residuals.shape == res.iterations.shape == (3,)


def test_power_method_inputs():
    T = dfl.orthogonal_tensor([1.0], 3)
    with pytest.raises(ValueError, match="max_iter"):
        dfl.power_iteration(T.contract, np.eye(3)[:1], max_iter=0)
    with pytest.raises(ValueError, match="shift"):
        dfl.power_iteration(T.contract, np.eye(3)[:1], shift=-1.0)
    with pytest.raises(ValueError, match="shift"):
        dfl.tensor_deflation(T, shift="big")
    with pytest.raises(ValueError, match="max_iter"):
        dfl.tensor_deflation(T, max_iter=0)
