"""The classical tensor deflation process (the paper's Algorithm 1; chapter 4).

Starting from :math:`T = 0`, repeat: find :math:`u_i = \\arg\\max_{\\|u\\|=1}
\\langle T^* - T, u^{\\otimes l}\\rangle` with the tensor power method
:math:`u \\leftarrow (T^*-T)(u^{l-1}, \\cdot) / \\|\\cdot\\|` from several random starts, set
:math:`a_i = \\langle T^* - T, u_i^{\\otimes l}\\rangle`, and subtract:
:math:`T \\leftarrow T + a_i u_i^{\\otimes l}` (Anandkumar et al. 2014).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks
from .tensors import LowRankTensor, _dense_contract, ipow, random_directions

__all__ = ["DeflationResult", "tensor_deflation", "power_iteration"]


@dataclass(frozen=True, eq=False)
class DeflationResult:
    """Output of :func:`tensor_deflation`.

    Attributes
    ----------
    weights : ndarray (n,)
        Recovered weights, in the order found.
    vectors : ndarray (d, n)
        Recovered unit directions as columns.
    iterations : ndarray of int (n,)
        Power iterations used for each component.
    residual_sqnorms : ndarray (n + 1,)
        :math:`\\|T^* - T\\|_F^2` before the first and after each deflation step.
    """

    weights: np.ndarray
    vectors: np.ndarray
    iterations: np.ndarray
    residual_sqnorms: np.ndarray


def _contractor(target):
    """Return (contract(X) -> rows T*(x^{l-1}, .), d, order, sqnorm, default rank)."""
    if isinstance(target, LowRankTensor):
        return target.contract, target.d, target.order, target.sqnorm(), target.rank
    T = _checks.finite_array("target", target)
    if T.ndim < 3 or len(set(T.shape)) != 1:
        raise ValueError(
            f"target must be a LowRankTensor or a cubical array of order >= 3, got shape {T.shape}"
        )
    perm = (1, 0) + tuple(range(2, T.ndim))
    if not (np.allclose(T, np.transpose(T, perm), atol=1e-10)
            and np.allclose(T, np.moveaxis(T, 0, -1), atol=1e-10)):
        raise ValueError("target must be a symmetric tensor")
    return (lambda X: _dense_contract(T, X)), T.shape[0], T.ndim, float(np.sum(T * T)), None


def power_iteration(contract, X0, order, *, max_iter=1000, tol=1e-13):
    """Run the tensor power method from every row of ``X0`` at once.

    Parameters
    ----------
    contract : callable
        ``contract(X)`` returns the rows :math:`T(x_i^{l-1}, \\cdot)`.
    X0 : ndarray (n, d)
        Unit starting vectors.
    order : int
    max_iter : int, default 1000
    tol : float, default 1e-13
        Stop when no row moves by more than ``tol``.

    Returns
    -------
    X : ndarray (n, d)
        The final unit vectors.
    values : ndarray (n,)
        :math:`T(x_i^{l})`.
    n_iter : int
    """
    max_iter = _checks.positive_int("max_iter", max_iter)
    X = X0
    for it in range(1, max_iter + 1):
        Y = contract(X)
        n = np.linalg.norm(Y, axis=1, keepdims=True)
        Y = np.divide(Y, n, out=X.copy(), where=n > 0)
        moved = np.max(np.linalg.norm(Y - X, axis=1))
        X = Y
        if moved <= tol:
            break
    values = np.einsum("ij,ij->i", contract(X), X)
    return X, values, it


def tensor_deflation(
    target, *, n_components=None, n_restarts=10, max_iter=1000, tol=1e-13, seed=None
) -> DeflationResult:
    """The classical tensor deflation process (module docstring).

    Parameters
    ----------
    target : LowRankTensor or ndarray of shape (d,) * l
        The tensor to decompose; a dense array must be symmetric.
    n_components : int, optional
        How many components to extract. Default: the rank of a LowRankTensor; required
        for a dense array.
    n_restarts : int, default 10
        Random starts of the power method per component; the start reaching the largest
        :math:`(T^*-T)(u^l)` wins.
    max_iter : int, default 1000
    tol : float, default 1e-13
    seed : int, Generator or None

    Returns
    -------
    DeflationResult
    """
    contract, d, order, sqnorm, rank = _contractor(target)
    if n_components is None:
        if rank is None:
            raise ValueError("n_components is required when target is a dense array")
        n_components = rank
    n_components = _checks.positive_int("n_components", n_components)
    if n_components > d:
        raise ValueError(f"n_components must be <= d={d}, got {n_components}")
    n_restarts = _checks.positive_int("n_restarts", n_restarts)
    max_iter = _checks.positive_int("max_iter", max_iter)
    tol = _checks.positive_float("tol", tol)
    rng = _checks.seed_or_rng(seed)

    weights, vectors, iters = [], [], []

    def residual_contract(X):
        out = contract(X)
        for b, v in zip(weights, vectors):
            out = out - b * ipow(X @ v, order - 1)[:, None] * v[None, :]
        return out

    def residual_sqnorm():
        # ||T* - sum b_i v_i^l||^2 = ||T*||^2 - 2 sum b_i T*(v_i^l) + sum b_i b_j <v_i,v_j>^l
        if not weights:
            return sqnorm
        V = np.array(vectors)
        b = np.array(weights)
        cross = np.einsum("ij,ij->i", contract(V), V)
        return float(sqnorm - 2 * b @ cross + b @ ipow(V @ V.T, order) @ b)

    sq = [residual_sqnorm()]
    for _ in range(n_components):
        X0 = random_directions(n_restarts, d, seed=rng)
        X, values, it = power_iteration(residual_contract, X0, order, max_iter=max_iter, tol=tol)
        best = int(np.argmax(values))
        weights.append(float(values[best]))
        vectors.append(X[best])
        iters.append(it)
        sq.append(max(residual_sqnorm(), 0.0))
    return DeflationResult(
        weights=np.array(weights),
        vectors=np.array(vectors).T,
        iterations=np.array(iters, dtype=int),
        residual_sqnorms=np.array(sq),
    )
