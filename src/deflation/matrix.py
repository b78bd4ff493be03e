"""The matrix analogue: greedy low-rank learning (chapter 4; Li, Luo & Lyu 2021).

Symmetric matrix factorization :math:`M(W) = W^\\top W = \\sum_j w_j w_j^\\top` fitted to
:math:`M^* = \\sum_k a_k u_k u_k^\\top` by gradient flow on
:math:`\\tfrac12\\|W^\\top W - M^*\\|_F^2`, whose gradient is
:math:`2 W (W^\\top W - M^*)`. From a small initialization it learns the eigen-directions
one at a time, in decreasing order of :math:`a_k`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks
from ._typing import ArrayLike, SeedLike
from .integrate import dopri5
from .tensors import small_init

__all__ = ["MatrixTrajectory", "matrix_factorization_flow"]


@dataclass(frozen=True, eq=False)
class MatrixTrajectory:
    """Recorded run of :func:`matrix_factorization_flow`.

    Attributes
    ----------
    t : ndarray (n,)
    loss : ndarray (n,)
        :math:`\\tfrac12\\|W^\\top W - M^*\\|_F^2`.
    residual : ndarray (n, r)
        :math:`a_k - u_k^\\top W^\\top W u_k`.
    weights : ndarray (r,)
    W : ndarray (m, d)
        Final parameters.
    n_eval : int
    """

    t: np.ndarray
    loss: np.ndarray
    residual: np.ndarray
    weights: np.ndarray
    W: np.ndarray
    n_eval: int


def matrix_factorization_flow(
    weights: ArrayLike, *, d: int, m: int, init_scale: float, t_end: float, seed: SeedLike=None,
    rtol: float=1e-7, record: int | ArrayLike=200,
) -> MatrixTrajectory:
    """Gradient flow on :math:`\\tfrac12\\|W^\\top W - M^*\\|_F^2` from a small random start.

    Every parameter after ``weights`` is keyword-only, so ``d`` and ``m`` cannot be
    swapped silently (where the package takes both positionally the order is ``(m, d)``,
    as in :func:`deflation.small_init`).

    Parameters
    ----------
    weights : array_like (r,)
        Positive eigenvalues :math:`a_k`, on :math:`u_k = e_k`.
    d : int
        Dimension, >= r.
    m : int
        Rows of ``W``.
    init_scale : float
        Norm of each initial row.
    t_end : float
    seed : int, Generator or None
    rtol : float, default 1e-7
    record : int or array_like, default 200

    Returns
    -------
    MatrixTrajectory
    """
    a = _checks.weights(weights)
    d = _checks.positive_int("d", d)
    if a.size > d:
        raise ValueError(f"the number of weights r={a.size} must be <= d={d}")
    m = _checks.positive_int("m", m)
    t_end = _checks.positive_float("t_end", t_end)
    rtol = _checks.positive_float("rtol", rtol)
    M = np.zeros((d, d))
    M[np.arange(a.size), np.arange(a.size)] = a
    W0 = small_init(m, d, init_scale, seed=seed)
    rec_t, rec_loss, rec_res = [], [], []

    def rhs(W):
        D = W.T @ W - M
        return -2.0 * W @ D, None

    def on_record(t, W):
        S = W.T @ W
        rec_t.append(t)
        rec_loss.append(0.5 * float(np.sum((S - M) ** 2)))
        rec_res.append(a - np.diag(S)[: a.size])

    _, W, stats = dopri5(
        rhs, W0, t_end, rtol=rtol, atol=0.0,
        record_times=_checks.record_times(record, t_end), on_record=on_record,
    )
    return MatrixTrajectory(
        np.array(rec_t), np.array(rec_loss), np.array(rec_res), a, W, stats.n_eval
    )
