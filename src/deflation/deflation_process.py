"""The classical tensor deflation process (the paper's Algorithm 1; chapter 4).

Starting from :math:`T = 0`, repeat: find :math:`u_i = \\arg\\max_{\\|u\\|=1}
\\langle T^* - T, u^{\\otimes l}\\rangle` with a tensor power method from several random
starts, set :math:`a_i = \\langle T^* - T, u_i^{\\otimes l}\\rangle`, and subtract:
:math:`T \\leftarrow T + a_i u_i^{\\otimes l}` (Anandkumar et al. 2014). Using a power
method inside Algorithm 1 is the book's choice.

The power method is the shifted symmetric higher-order power method (SS-HOPM, Kolda &
Mayo 2011): :math:`x \\leftarrow (R(x^{l-1}, \\cdot) + \\alpha x) / \\|\\cdot\\|`. The
plain method (:math:`\\alpha = 0`) need not converge when the components are correlated:
on chapter 6's targets it cycles with period 2 and returns vectors that are not
eigenvectors. With :math:`\\alpha > \\beta(R) = (l-1)\\max_{\\|x\\|=1}
\\rho(R(x^{l-2}, \\cdot, \\cdot))`, :math:`R(x^l)` increases monotonically along the
iteration and the iterates converge to an eigenpair :math:`R(x^{l-1}, \\cdot) = \\mu x`
(Kolda & Mayo, Theorem 4.4). Since a contraction with unit vectors does not increase the
Frobenius norm, :math:`\\beta(R) \\le (l-1)\\|R\\|_F`, and the default shift is
:math:`\\alpha = (l-1)\\|R\\|_F` with the exact :math:`\\|R\\|_F` of the current residual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import _checks
from ._blas import with_blas_limit
from ._kernels import dense_contract, ipow
from ._typing import ArrayLike, SeedLike
from .tensors import LowRankTensor, random_directions

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
        Power iterations used by the start that was kept, for each component.
    residual_sqnorms : ndarray (n + 1,)
        :math:`\\|T^* - T\\|_F^2` before the first and after each deflation step.
    eigen_residuals : ndarray (n,)
        :math:`\\|R(v_i^{l-1}, \\cdot) - a_i v_i\\|` for each extracted pair, with
        :math:`R` the residual it was extracted from: 0 for an exact eigenpair.
    converged : ndarray of bool (n,)
        Whether the kept start stopped moving (by ``tol``) within ``max_iter``.
    shifts : ndarray (n,)
        The shift :math:`\\alpha` used for each component.
    """

    weights: np.ndarray
    vectors: np.ndarray
    iterations: np.ndarray
    residual_sqnorms: np.ndarray
    eigen_residuals: np.ndarray
    converged: np.ndarray
    shifts: np.ndarray


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
    return (lambda X: dense_contract(T, X)), T.shape[0], T.ndim, float(np.sum(T * T)), None


def _power_rows(contract, X0, max_iter, tol, shift):
    """(Shifted) power iteration from every row; converged rows are frozen.

    Returns X, values, per-row iterations, per-row converged flags.
    """
    X = np.array(X0, dtype=float)
    n = X.shape[0]
    iters = np.full(n, max_iter, dtype=int)
    done = np.zeros(n, dtype=bool)
    for it in range(1, max_iter + 1):
        act = ~done
        Xa = X[act]
        Y = contract(Xa)
        if shift:
            Y = Y + shift * Xa
        nrm = np.linalg.norm(Y, axis=1, keepdims=True)
        Y = np.divide(Y, nrm, out=Xa.copy(), where=nrm > 0)
        moved = np.linalg.norm(Y - Xa, axis=1)
        X[act] = Y
        now = np.flatnonzero(act)[moved <= tol]
        done[now] = True
        iters[now] = it
        if done.all():
            break
    values = np.einsum("ij,ij->i", contract(X), X)
    return X, values, iters, done


@with_blas_limit
def power_iteration(
    contract: Callable[[np.ndarray], np.ndarray], X0: ArrayLike, *, max_iter: int=1000, tol:
    float=1e-13, shift: float=0.0,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Run the (shifted) tensor power method from every row of ``X0`` at once.

    :math:`x \\leftarrow (T(x^{l-1}, \\cdot) + \\alpha x)/\\|\\cdot\\|`; ``shift = 0``
    is the plain method, a shift above :math:`(l-1)\\|T\\|_F` is SS-HOPM with
    guaranteed monotone convergence (module docstring). The order :math:`l` is whatever
    ``contract`` implements.

    Parameters
    ----------
    contract : callable
        ``contract(X)`` returns the rows :math:`T(x_i^{l-1}, \\cdot)`, an array of the
        shape of ``X`` (for example ``target.contract`` of a
        :class:`~deflation.tensors.LowRankTensor`).
    X0 : array_like (n, d)
        Unit starting vectors (rows of norm 1, to 1e-8).
    max_iter : int, default 1000
        At least 1.
    tol : float, default 1e-13
        A row stops (and is frozen) once it moves by at most ``tol`` in one iteration.
    shift : float, default 0.0
        The shift :math:`\\alpha \\ge 0`.

    Returns
    -------
    X : ndarray (n, d)
        The final unit vectors.
    values : ndarray (n,)
        :math:`T(x_i^{l})`.
    n_iter : int
        Iterations until the last row stopped (``max_iter`` if one never did).
    """
    if not callable(contract):
        raise TypeError(f"contract must be callable, got {type(contract).__name__}")
    X = _checks.weight_matrix(X0, name="X0")
    err = float(np.max(np.abs(np.linalg.norm(X, axis=1) - 1.0)))
    if err > 1e-8:
        raise ValueError(f"X0 must have unit rows, got max | ||x_i|| - 1 | = {err:.3g}")
    max_iter = _checks.positive_int("max_iter", max_iter)
    tol = _checks.positive_float("tol", tol)
    shift = _checks.positive_float("shift", shift, allow_zero=True)
    if shift > _checks.MAX_WEIGHT:
        raise ValueError(f"shift must be at most {_checks.MAX_WEIGHT:g}, got {shift!r}")
    Y = np.asarray(contract(X[:1]))
    if Y.shape != (1, X.shape[1]):
        raise ValueError(
            f"contract must map an (n, d) array to an (n, d) array, got shape {Y.shape} "
            f"for shape {(1, X.shape[1])}"
        )
    X, values, iters, _ = _power_rows(contract, X, max_iter, tol, shift)
    return X, values, int(iters.max())


@with_blas_limit
def tensor_deflation(
    target: LowRankTensor | ArrayLike,
    *,
    n_components: int | None=None,
    n_restarts: int=10,
    max_iter: int=1000,
    tol: float=1e-13,
    shift: float | str="auto",
    seed: SeedLike=None,
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
        Random starts of the power method per component. Among the starts that
        converged the one reaching the largest :math:`(T^*-T)(u^l)` is kept (among all
        starts if none converged; its ``converged`` flag is then False).
    max_iter : int, default 1000
        Power iterations per start, at least 1.
    tol : float, default 1e-13
        A start has converged once it moves by at most ``tol`` in one iteration.
    shift : "auto" or float, default "auto"
        The SS-HOPM shift :math:`\\alpha`. ``"auto"``: :math:`(l-1)\\|R\\|_F` for the
        current residual :math:`R`, which guarantees monotone convergence; ``0.0``: the
        plain power method (which can cycle on correlated targets).
    seed : int, Generator or None

    Returns
    -------
    DeflationResult
        With, per extracted pair, the iterations, the eigen-residual
        :math:`\\|R(v^{l-1}, \\cdot) - a v\\|` and a converged flag.
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
    if not (isinstance(shift, str) and shift == "auto"):
        if isinstance(shift, str):
            raise ValueError(f"shift must be 'auto' or a number >= 0, got {shift!r}")
        shift = _checks.positive_float("shift", shift, allow_zero=True)
        if shift > _checks.MAX_WEIGHT:
            raise ValueError(f"shift must be at most {_checks.MAX_WEIGHT:g}, got {shift!r}")
    rng = _checks.seed_or_rng(seed)

    weights: list[float] = []
    vectors: list[np.ndarray] = []
    iters: list[int] = []
    eig_res: list[float] = []
    conv: list[bool] = []
    shifts: list[float] = []

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
        alpha = (order - 1) * np.sqrt(sq[-1]) if shift == "auto" else shift
        X0 = random_directions(n_restarts, d, seed=rng)
        X, values, it, done = _power_rows(residual_contract, X0, max_iter, tol, alpha)
        pool = np.flatnonzero(done) if done.any() else np.arange(n_restarts)
        best = int(pool[np.argmax(values[pool])])
        x, mu = X[best], float(values[best])
        eig_res.append(float(np.linalg.norm(residual_contract(x[None, :])[0] - mu * x)))
        weights.append(mu)
        vectors.append(x)
        iters.append(int(it[best]))
        conv.append(bool(done[best]))
        shifts.append(float(alpha))
        sq.append(max(residual_sqnorm(), 0.0))
    return DeflationResult(
        weights=np.array(weights),
        vectors=np.array(vectors).T,
        iterations=np.array(iters, dtype=int),
        residual_sqnorms=np.array(sq),
        eigen_residuals=np.array(eig_res),
        converged=np.array(conv, dtype=bool),
        shifts=np.array(shifts),
    )
