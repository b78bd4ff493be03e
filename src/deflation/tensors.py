"""Target tensors and initializations (book chapter 1).

The target of the book is a symmetric low-rank tensor

.. math:: T^* = \\sum_{k=1}^r a_k\\, u_k^{\\otimes l} \\;(+\\; \\text{noise}),

usually with orthonormal directions :math:`u_k` (an *orthogonal* tensor). It is stored by
its weights and directions, never as the :math:`d^l` array, except on request
(:meth:`LowRankTensor.dense`) for small ``d``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from . import _checks
from ._kernels import DENSE_LIMIT, dense_contract, ipow, outer_power
from ._typing import ArrayLike, SeedLike

__all__ = [
    "LowRankTensor",
    "orthogonal_tensor",
    "low_rank_tensor",
    "correlated_directions",
    "with_noise",
    "random_directions",
    "small_init",
    "symmetrize",
]

@dataclass(frozen=True, eq=False)
class LowRankTensor:
    """A symmetric tensor :math:`\\sum_k a_k u_k^{\\otimes l}`, plus optional dense noise.

    Build it with :func:`orthogonal_tensor`, :func:`low_rank_tensor` or
    :func:`with_noise` rather than directly: those check the input. The arrays are
    private read-only copies of the inputs.

    Attributes
    ----------
    weights : ndarray, shape (r,)
        The positive weights :math:`a_k`, in the order given.
    basis : ndarray, shape (d, r)
        Unit-norm directions :math:`u_k` as columns (orthonormal for an orthogonal
        tensor).
    order : int
        The order :math:`l \\ge 3`.
    noise : ndarray of shape (d,)*order, or None
        A dense symmetric tensor added to the low-rank part (see :func:`with_noise`).
    """

    weights: np.ndarray
    basis: np.ndarray
    order: int = 4
    noise: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        # Private read-only copies: a caller's later ``w[0] = 3`` cannot change the target
        # (nor leave the cached norm stale), and nobody can write into it in place.
        for name in ("weights", "basis", "noise"):
            value = getattr(self, name)
            if value is not None:
                arr = np.array(value, dtype=float)
                arr.flags.writeable = False
                object.__setattr__(self, name, arr)

    @property
    def d(self) -> int:
        """The dimension :math:`d`."""
        return self.basis.shape[0]

    @property
    def rank(self) -> int:
        """The number of components :math:`r`."""
        return self.weights.shape[0]

    @property
    def is_orthogonal(self) -> bool:
        """Whether the directions are orthonormal (to 1e-10)."""
        gram = self.basis.T @ self.basis
        return bool(np.allclose(gram, np.eye(self.rank), atol=1e-10))

    @property
    def orthogonality_error(self) -> float:
        r""":math:`\max_{k,l} |\langle u_k, u_l\rangle - \delta_{kl}|` (0 for an orthogonal target)."""
        return float(np.max(np.abs(self.basis.T @ self.basis - np.eye(self.rank))))

    def dense(self) -> np.ndarray:
        """The full array of shape ``(d,) * order`` (for small ``d`` only).

        Returns
        -------
        ndarray
            :math:`\\sum_k a_k u_k^{\\otimes l}` plus the noise, if any.
        """
        if self.d**self.order > DENSE_LIMIT:
            raise ValueError(
                f"dense() would build {self.d}**{self.order} entries; d={self.d} is too "
                "large for a dense tensor"
            )
        out = np.zeros((self.d,) * self.order)
        for a, u in zip(self.weights, self.basis.T):
            out += a * outer_power(u, self.order)
        if self.noise is not None:
            out += self.noise
        return out

    def contract(self, X: np.ndarray) -> np.ndarray:
        """Contract the tensor with each row ``x`` of ``X`` in all but one mode.

        Parameters
        ----------
        X : ndarray, shape (n, d)

        Returns
        -------
        ndarray, shape (n, d)
            Row i is :math:`T(x_i, \\dots, x_i, \\cdot) = \\sum_k a_k
            \\langle x_i, u_k\\rangle^{l-1} u_k` (+ the noise's contraction).
        """
        P = X @ self.basis
        out = (ipow(P, self.order - 1) * self.weights) @ self.basis.T
        if self.noise is not None:
            out = out + dense_contract(self.noise, X)
        return out

    def sqnorm(self) -> float:
        """The squared Frobenius norm :math:`\\|T^*\\|_F^2`, without the dense array."""
        return self._sqnorm

    @cached_property
    def _sqnorm(self) -> float:
        G = self.basis.T @ self.basis
        val = float(self.weights @ ipow(G, self.order) @ self.weights)
        if self.noise is not None:
            low = np.zeros_like(self.noise)
            for a, u in zip(self.weights, self.basis.T):
                low += a * outer_power(u, self.order)
            val += 2.0 * float(np.sum(low * self.noise)) + float(np.sum(self.noise**2))
        return val


def symmetrize(T: np.ndarray) -> np.ndarray:
    """Average a cubical array over all permutations of its modes.

    Parameters
    ----------
    T : array_like, shape (d,) * l
        A cubical array of order 2 to 8, with finite entries.

    Returns
    -------
    ndarray, shape (d,) * l
    """
    T = _checks.finite_array("T", T)
    if not 2 <= T.ndim <= 8 or len(set(T.shape)) != 1:
        raise ValueError(f"T must be a cubical array of order 2 to 8, got shape {T.shape}")
    perms = list(itertools.permutations(range(T.ndim)))
    out = np.zeros_like(T)
    for p in perms:
        out += np.transpose(T, p)
    return out / len(perms)


def orthogonal_tensor(
    weights: ArrayLike, d: int, *, order: int=4, basis: str | ArrayLike="standard", seed:
    SeedLike=None,
) -> LowRankTensor:
    """The orthogonal target :math:`T^* = \\sum_{k=1}^r a_k u_k^{\\otimes l}`.

    Parameters
    ----------
    weights : array_like, shape (r,)
        Positive weights :math:`a_k`. They are kept in the order given (the book lists
        them in decreasing order).
    d : int
        Dimension, ``d >= r``.
    order : int, default 4
        Tensor order :math:`l \\ge 3`.
    basis : {"standard", "random"} or array_like of shape (d, r), default "standard"
        ``"standard"`` uses :math:`u_k = e_k`; ``"random"`` a Haar-random orthonormal
        frame drawn with ``seed``; an array must have orthonormal columns (to 1e-8).
    seed : int, Generator or None
        Used only by ``basis="random"``.

    Returns
    -------
    LowRankTensor
    """
    a = _checks.weights(weights)
    d = _checks.positive_int("d", d)
    order = _checks.order(order)
    r = a.size
    if r > d:
        raise ValueError(f"the number of weights r={r} must be <= d={d}")
    if isinstance(basis, str):
        if basis == "standard":
            U = np.eye(d)[:, :r]
        elif basis == "random":
            rng = _checks.seed_or_rng(seed)
            Q, R = np.linalg.qr(rng.standard_normal((d, d)))
            U = (Q * np.sign(np.diag(R)))[:, :r]
        else:
            raise ValueError(f"basis must be 'standard', 'random' or an array, got {basis!r}")
    else:
        U = _checks.finite_array("basis", basis, ndim=2)
        if U.shape != (d, r):
            raise ValueError(f"basis must have shape (d, r) = ({d}, {r}), got {U.shape}")
        err = np.max(np.abs(U.T @ U - np.eye(r)))
        if err > 1e-8:
            raise ValueError(
                f"basis must have orthonormal columns; max |U^T U - I| = {err:.3g}"
            )
        U = U.copy()
    return LowRankTensor(a, U, order)


def low_rank_tensor(weights: ArrayLike, vectors: ArrayLike, *, order: int=4) -> LowRankTensor:
    """A symmetric low-rank target with unit (not necessarily orthogonal) directions.

    Parameters
    ----------
    weights : array_like, shape (r,)
        Positive weights.
    vectors : array_like, shape (d, r)
        Directions as columns; each is normalized to unit length (a zero column is an
        error).
    order : int, default 4

    Returns
    -------
    LowRankTensor
    """
    a = _checks.weights(weights)
    order = _checks.order(order)
    V = _checks.finite_array("vectors", vectors, ndim=2)
    if V.shape[1] != a.size:
        raise ValueError(
            f"vectors must have one column per weight: shape (d, {a.size}), got {V.shape}"
        )
    norms = np.linalg.norm(V, axis=0)
    if np.any(norms == 0):
        raise ValueError("vectors must have no zero column")
    return LowRankTensor(a, V / norms, order)


def correlated_directions(r: int, d: int, rho: float, *, seed: SeedLike=None) -> np.ndarray:
    """Unit vectors with equal pairwise inner products ``rho`` (chapter 6).

    :math:`u_k = \\sqrt{1-\\rho}\\, q_k + \\sqrt{\\rho}\\, q_0` with orthonormal
    :math:`q_0, \\dots, q_r` drawn at random, so :math:`\\langle u_k, u_l\\rangle = \\rho`.

    Parameters
    ----------
    r, d : int
        Number of vectors and dimension (count first, as everywhere in the package);
        requires ``r + 1 <= d`` when ``rho > 0``.
    rho : float
        Pairwise correlation in [0, 1).
    seed : int, Generator or None

    Returns
    -------
    ndarray, shape (d, r)
    """
    r = _checks.positive_int("r", r)
    d = _checks.positive_int("d", d)
    rho = _checks.positive_float("rho", rho, allow_zero=True)
    if rho >= 1:
        raise ValueError(f"rho must be < 1, got {rho}")
    need = r + 1 if rho > 0 else r
    if need > d:
        raise ValueError(f"need r + 1 <= d for correlated directions, got r={r}, d={d}")
    rng = _checks.seed_or_rng(seed)
    Q, R = np.linalg.qr(rng.standard_normal((d, d)))
    Q = Q * np.sign(np.diag(R))
    return math.sqrt(1 - rho) * Q[:, 1 : r + 1] + math.sqrt(rho) * Q[:, [0]]


def with_noise(target: LowRankTensor, sigma: float, *, seed: SeedLike=None) -> LowRankTensor:
    """Add a random symmetric Gaussian tensor of Frobenius norm ``sigma`` (chapter 6).

    Parameters
    ----------
    target : LowRankTensor
        Must have no noise yet, and ``d ** order`` small enough for a dense array.
    sigma : float
        Frobenius norm of the noise, >= 0.
    seed : int, Generator or None

    Returns
    -------
    LowRankTensor
        Same weights and directions, with ``noise`` set.
    """
    _checks.instance("target", target, LowRankTensor)
    if target.noise is not None:
        raise ValueError("target already has noise")
    sigma = _checks.positive_float("sigma", sigma, allow_zero=True)
    if target.d**target.order > DENSE_LIMIT:
        raise ValueError(f"d={target.d} is too large for a dense noise tensor")
    rng = _checks.seed_or_rng(seed)
    N = symmetrize(rng.standard_normal((target.d,) * target.order))
    N *= sigma / np.linalg.norm(N)
    return LowRankTensor(target.weights, target.basis, target.order, N)


def random_directions(m: int, d: int, *, seed: SeedLike=None) -> np.ndarray:
    """``m`` independent directions, uniform on the unit sphere of :math:`\\mathbb{R}^d`.

    Parameters
    ----------
    m, d : int
    seed : int, Generator or None

    Returns
    -------
    ndarray, shape (m, d), rows of unit norm
    """
    m = _checks.positive_int("m", m)
    d = _checks.positive_int("d", d)
    rng = _checks.seed_or_rng(seed)
    X = rng.standard_normal((m, d))
    n = np.linalg.norm(X, axis=1, keepdims=True)
    while np.any(n == 0):  # probability zero, but never divide by zero
        bad = (n == 0).ravel()
        X[bad] = rng.standard_normal((int(bad.sum()), d))
        n = np.linalg.norm(X, axis=1, keepdims=True)
    return X / n


def small_init(m: int, d: int, init_scale: float, *, seed: SeedLike=None) -> np.ndarray:
    """The small initialization: ``m`` rows of norm ``init_scale`` in uniform random directions.

    Parameters
    ----------
    m : int
        Number of components, >= 1.
    d : int
        Dimension, >= 1.
    init_scale : float
        The initialization scale :math:`\\delta_0 > 0` (the norm of every row).
    seed : int, Generator or None

    Returns
    -------
    ndarray, shape (m, d)
    """
    init_scale = _checks.positive_float("init_scale", init_scale)
    return init_scale * random_directions(m, d, seed=seed)
