import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import (
    central_difference_gradient,
    complex_step_gradient,
    dense_loss,
    dense_model,
)

import deflation as dfl


def _problem(order, seed, d=5, m=4, r=3, basis="random"):
    rng = np.random.default_rng(seed)
    a = np.sort(rng.uniform(0.2, 1.5, r))[::-1]
    T = dfl.orthogonal_tensor(a, d, order=order, basis=basis, seed=rng)
    W = rng.standard_normal((m, d)) * rng.uniform(0.1, 1.5, (m, 1))
    return T, W


@pytest.mark.parametrize("order", [3, 4])
@pytest.mark.parametrize("reg", [0.0, 0.3])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_loss_matches_dense_reference(order, reg, seed):
    T, W = _problem(order, seed)
    ref = dense_loss(W, T.dense(), reg)
    assert dfl.loss(W, T, reg) == pytest.approx(ref, rel=1e-9)


@pytest.mark.parametrize("order", [3, 4])
@pytest.mark.parametrize("reg", [0.0, 0.3])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_matches_complex_step_of_dense_loss(order, reg, seed):
    T, W = _problem(order, seed)
    ref = complex_step_gradient(W, T.dense(), reg)
    g = dfl.gradient(W, T, reg)
    assert np.max(np.abs(g - ref)) <= 1e-9 * np.max(np.abs(ref))


@pytest.mark.parametrize("order", [3, 4])
def test_gradient_matches_finite_differences(order):
    T, W = _problem(order, 7)
    ref = central_difference_gradient(W, T.dense(), 0.1)
    g = dfl.gradient(W, T, 0.1)
    assert np.max(np.abs(g - ref)) <= 1e-6 * np.max(np.abs(ref))


@pytest.mark.parametrize("order", [3, 4])
def test_plain_model_degree_equal_order(order):
    """degree = order gives the plain model sum_j w_j^(x)l."""
    T, W = _problem(order, 3)
    plain = sum(dense_model(w[None, :], order, degree=order) for w in W)
    direct = sum(np.multiply.outer(np.multiply.outer(w, w), w) if order == 3 else
                 np.multiply.outer(np.multiply.outer(np.multiply.outer(w, w), w), w) for w in W)
    assert np.allclose(plain, direct)
    assert np.allclose(dfl.model_tensor(W, order, degree=order), direct)
    ref = complex_step_gradient(W, T.dense(), 0.0, degree=order)
    g = dfl.gradient(W, T, degree=order)
    assert np.max(np.abs(g - ref)) <= 1e-9 * np.max(np.abs(ref))


def test_model_tensor_matches_reference():
    _, W = _problem(4, 4)
    assert np.allclose(dfl.model_tensor(W, 4), dense_model(W, 4), rtol=1e-12, atol=1e-12)


def test_non_orthogonal_and_noisy_targets_match_dense():
    rng = np.random.default_rng(5)
    U = dfl.correlated_directions(3, 6, 0.3, seed=rng)
    assert np.allclose(U.T @ U, 0.7 * np.eye(3) + 0.3)
    T = dfl.with_noise(dfl.low_rank_tensor([1.0, 0.7, 0.4], U), 0.2, seed=rng)
    assert np.linalg.norm(T.noise) == pytest.approx(0.2)
    assert T.sqnorm() == pytest.approx(np.sum(T.dense() ** 2), rel=1e-12)
    W = rng.standard_normal((4, 6))
    assert dfl.loss(W, T, 0.1) == pytest.approx(dense_loss(W, T.dense(), 0.1), rel=1e-9)
    ref = complex_step_gradient(W, T.dense(), 0.1)
    assert np.max(np.abs(dfl.gradient(W, T, 0.1) - ref)) <= 1e-9 * np.max(np.abs(ref))


def test_zero_rows_contribute_nothing_and_get_zero_gradient():
    T, W = _problem(4, 6)
    W0 = np.vstack([W, np.zeros((2, W.shape[1]))])
    assert dfl.loss(W0, T, 0.2) == pytest.approx(dfl.loss(W, T, 0.2), rel=1e-12)
    g = dfl.gradient(W0, T, 0.2)
    assert np.all(np.isfinite(g))
    assert np.all(g[-2:] == 0)
    assert np.allclose(g[:-2], dfl.gradient(W, T, 0.2))
    Z = np.zeros((3, W.shape[1]))
    assert dfl.loss(Z, T) == pytest.approx(0.5 * np.sum(T.weights**2))
    assert np.all(dfl.gradient(Z, T) == 0)


def test_residuals_and_correlations():
    T, W = _problem(4, 8)
    dense_R = T.dense() - dfl.model_tensor(W, 4)
    for k in range(T.rank):
        u = T.basis[:, k]
        want = np.einsum("abcd,a,b,c,d->", dense_R, u, u, u, u)
        assert dfl.residuals(W, T)[k] == pytest.approx(want, rel=1e-10, abs=1e-12)
    C = dfl.correlations(W, T)
    assert np.allclose(C, (W / np.linalg.norm(W, axis=1, keepdims=True)) @ T.basis)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), order=st.sampled_from([3, 4]), reg=st.sampled_from([0.0, 0.05]))
def test_rotation_invariance(seed, order, reg):
    """Rotating W and the basis together changes neither the loss nor the gradient's frame."""
    rng = np.random.default_rng(seed)
    T, W = _problem(order, rng, d=4, m=3, r=2)
    Q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    TQ = dfl.orthogonal_tensor(T.weights, 4, order=order, basis=Q @ T.basis)
    assert dfl.loss(W @ Q.T, TQ, reg) == pytest.approx(dfl.loss(W, T, reg), rel=1e-9, abs=1e-12)
    assert np.allclose(dfl.gradient(W @ Q.T, TQ, reg), dfl.gradient(W, T, reg) @ Q.T, atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_permutation_invariance(seed):
    rng = np.random.default_rng(seed)
    T, W = _problem(4, rng, d=4, m=5, r=2)
    perm = rng.permutation(W.shape[0])
    assert dfl.loss(W[perm], T, 0.1) == pytest.approx(dfl.loss(W, T, 0.1), rel=1e-12)
    assert np.allclose(dfl.gradient(W[perm], T, 0.1), dfl.gradient(W, T, 0.1)[perm])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), alpha=st.floats(0.1, 10.0), order=st.sampled_from([3, 4]))
def test_two_homogeneity(seed, alpha, order):
    """T(alpha W) = alpha^2 T(W), so the gradient of the fit scales like alpha."""
    rng = np.random.default_rng(seed)
    _, W = _problem(order, rng, d=4, m=3, r=2)
    assert np.allclose(dfl.model_tensor(alpha * W, order), alpha**2 * dfl.model_tensor(W, order))
    # at the zero target, grad L(alpha W) = alpha^3 grad L(W) (loss is quartic in alpha)
    T0 = dfl.orthogonal_tensor([1e-300], 4, order=order)
    g1, g2 = dfl.gradient(W, T0), dfl.gradient(alpha * W, T0)
    assert np.allclose(g2, alpha**3 * g1, rtol=1e-9)


def test_radial_and_tangential_split():
    """d||w||/dt = ||w|| (2 R(wbar^4) - lambda); d wbar/dt = 4 (I - wbar wbar^T) R(wbar^3)."""
    T, W = _problem(4, 9)
    reg = 0.2
    st_ = dfl.state(W, T)
    flow = -dfl.gradient(W, T, reg)
    for i, w in enumerate(W):
        r = np.linalg.norm(w)
        wb = w / r
        assert wb @ flow[i] == pytest.approx(r * (2 * st_.radial[i] - reg), rel=1e-10)
        tangential = (flow[i] - (wb @ flow[i]) * wb) / r
        want = 4 * (st_.contraction[i] - st_.radial[i] * wb)
        assert np.allclose(tangential, want, atol=1e-12)


@pytest.mark.parametrize("order", [3, 4])
def test_blocked_gram_route_matches_dense_for_large_m(order):
    """m above the block threshold takes the blocked route; it must agree with the dense one."""
    rng = np.random.default_rng(11)
    T = dfl.orthogonal_tensor([1.0, 0.6, 0.3], 4, order=order, basis="random", seed=rng)
    W = rng.standard_normal((300, 4)) * 0.1
    W[5] = 0.0  # a zero row inside a block
    assert dfl.loss(W, T, 0.2) == pytest.approx(dense_loss(W, T.dense(), 0.2), rel=1e-9)
    ref = complex_step_gradient(W[:40], T.dense(), 0.2)  # sanity on a small slice
    assert np.allclose(dfl.gradient(W[:40], T, 0.2), ref, rtol=1e-9, atol=1e-12)
    # blocked (m = 300) and unblocked (each row alone against the rest) agree exactly enough
    from deflation._kernels import split as _split
    from deflation.model import _model_contraction
    _, wbar, c = _split(W, 2.0)
    full = (wbar @ wbar.T) ** (order - 1) @ (c[:, None] * wbar)
    assert np.allclose(_model_contraction(wbar, c, order), full, rtol=1e-12, atol=1e-14)


def test_blocked_symmetric_gram_route_equals_the_plain_formula():
    """m > 2 * _BLOCK takes the blocked route that forms only half of G: same result."""
    from deflation._kernels import ipow
    from deflation.model import _BLOCK, _model_contraction

    rng = np.random.default_rng(5)
    for m, l in [(2 * _BLOCK + 1, 4), (3 * _BLOCK + 17, 3), (5 * _BLOCK, 4)]:
        W = rng.standard_normal((m, 7))
        wbar = W / np.linalg.norm(W, axis=1, keepdims=True)
        c = rng.uniform(0.1, 2.0, m)
        plain = ipow(wbar @ wbar.T, l - 1) @ (c[:, None] * wbar)
        assert np.allclose(_model_contraction(wbar, c, l), plain, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("m", [30, 200, 300])
def test_both_routes_with_a_noisy_target_match_dense(m):
    """m <= 150: one pass over the r + m rank-one terms of the residual (noise added
    apart); m > 150: the blocked Gram route. Loss, gradient, radial term and the fit that
    gradient flow computes only on demand, all against the dense tensor (rel. 1e-9)."""
    from deflation.model import _terms

    rng = np.random.default_rng(8)
    U = dfl.correlated_directions(3, 5, 0.3, seed=rng)
    T = dfl.with_noise(dfl.low_rank_tensor([1.0, 0.7, 0.4], U), 0.2, seed=rng)
    W = rng.standard_normal((m, 5)) * 0.3
    W[3] = 0.0  # a zero row
    D = T.dense()
    assert dfl.loss(W, T, 0.1) == pytest.approx(dense_loss(W, D, 0.1), rel=1e-9)
    _, wbar, _, contraction, radial, fit = _terms(W, T, 2.0)
    R = D - dense_model(W, 4)
    want = np.einsum("abcd,ia,ib,ic->id", R, wbar, wbar, wbar)
    assert np.allclose(contraction, want, rtol=1e-9, atol=1e-12)
    assert np.allclose(radial, np.einsum("id,id->i", want, wbar), rtol=1e-9, atol=1e-12)
    assert fit() == pytest.approx(0.5 * np.sum(R**2), rel=1e-9)
    assert dfl.fit_loss(W, T) == fit()
    full = dfl.gradient(W, T, 0.1)
    assert np.all(np.isfinite(full)) and np.all(full[3] == 0.0)  # a zero row stays put
