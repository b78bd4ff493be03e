"""The closed-form Hessian against central differences of the gradient.

Tolerance: 1e-7 of the largest entry (central differences with step 1e-6 are good to
about 1e-10 here; the closed form agrees to rounding when it is right, and a wrong sign
or a missing term shows at the 1e-2 level).
"""

import numpy as np
import pytest

import deflation as dfl
from deflation import curvature as H


def _central(W, T, reg, degree, eps=1e-6):
    n = W.size
    out = np.empty((n, n))
    for i in range(n):
        e = np.zeros(n)
        e[i] = eps
        gp = dfl.gradient((W.ravel() + e).reshape(W.shape), T, reg, degree=degree)
        gm = dfl.gradient((W.ravel() - e).reshape(W.shape), T, reg, degree=degree)
        out[:, i] = (gp - gm).ravel() / (2 * eps)
    return out


CASES = [
    # order, degree, reg, noise
    (4, 2, 0.0, False),
    (4, 2, 0.1, False),
    (4, 4, 0.05, False),
    (4, 3, 0.02, False),
    (3, 2, 0.0, False),
    (3, 3, 0.1, False),
    (5, 2, 0.03, False),
    (4, 2, 0.0, True),
    (3, 2, 0.1, True),
]


@pytest.mark.parametrize("order, degree, reg, noise", CASES)
def test_hessian_matches_central_differences(order, degree, reg, noise):
    T = dfl.orthogonal_tensor([1.0, 0.6, 0.3], 5, order=order)
    if noise:
        T = dfl.with_noise(T, 0.1, seed=1)
    W = np.random.default_rng(order * 10 + degree).standard_normal((4, 5))
    Hs = dfl.hessian(W, T, reg, degree=degree)
    ref = _central(W, T, reg, degree)
    scale = np.max(np.abs(ref))
    assert np.max(np.abs(Hs - ref)) <= 1e-7 * scale
    assert np.max(np.abs(Hs - Hs.T)) <= 1e-12 * scale


def test_hessian_of_a_fitted_component_has_the_stiff_eigenvalues():
    """At the fitted state w = sqrt(a - lambda/2) u of one component the flow's Jacobian
    -H has the eigenvalue -(4a - 2 lambda) along w and -4a across it (d - 1 times): the
    spectral radius 4a that makes long runs stiff."""
    a, lam = 0.8, 0.1
    T = dfl.orthogonal_tensor([a], 3)
    W = np.array([[np.sqrt(a - lam / 2), 0.0, 0.0]])
    ev = np.linalg.eigvalsh(dfl.hessian(W, T, lam))
    assert ev == pytest.approx([4 * a - 2 * lam, 4 * a, 4 * a], rel=1e-12)


def test_zero_row_block_is_the_regularizer():
    T = dfl.orthogonal_tensor([1.0, 0.5], 4)
    W = dfl.small_init(3, 4, 0.3, seed=0)
    W[1] = 0.0
    Hs = dfl.hessian(W, T, 0.2)
    assert np.array_equal(Hs[4:8, 4:8], 0.2 * np.eye(4))
    assert not np.any(Hs[4:8, :4]) and not np.any(Hs[:4, 4:8])


def test_hessian_refuses_a_matrix_too_large_to_form():
    T = dfl.orthogonal_tensor([1.0], 100)
    W = dfl.small_init(41, 100, 1e-3, seed=0)
    with pytest.raises(ValueError, match="m \\* d = 4100"):
        dfl.hessian(W, T)
    assert H.DENSE_LIMIT == 4000
