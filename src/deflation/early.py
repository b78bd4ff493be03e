"""Early-phase analyses: escape, alignment, and the direction flow (book chapters 1-2).

While the model tensor is negligible, :math:`T(W) \\approx 0`, the residual is
:math:`R \\approx T^*` and every component of the 2-homogeneous model moves on its own:
its direction follows the continuous-time tensor power method

.. math:: \\frac{d\\bar w}{dt} = 4 (I - \\bar w \\bar w^\\top)\\, T^*(\\bar w^{3}, \\cdot),

which does not involve the norm. This module integrates that
direction flow directly (cost :math:`O(n r d)` for ``n`` directions, instead of the
:math:`O(n^2 d)` of the full gradient), and measures, from any recorded run, when a
component locks onto. The times (alignment, escape) are in :mod:`deflation.times`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks
from ._typing import ArrayLike
from .integrate import dopri5
from .measures import assign_groups
from .tensors import LowRankTensor

__all__ = [
    "DirectionPath",
    "direction_flow",
    "locked_direction",
]


@dataclass(frozen=True, eq=False)
class DirectionPath:
    """Recorded solution of :func:`direction_flow`.

    Attributes
    ----------
    t : ndarray (n_t,)
        Recorded times.
    correlations : ndarray (n_t, n, r)
        :math:`\\langle \\bar w_j(t), u_k\\rangle`.
    wbar : ndarray (n, d)
        The final unit directions.
    """

    t: np.ndarray
    correlations: np.ndarray
    wbar: np.ndarray

    @property
    def v(self) -> np.ndarray:
        """Squared correlations :math:`v_{jk}(t) = \\langle \\bar w_j, u_k\\rangle^2`, (n_t, n, r)."""
        return self.correlations**2


def direction_flow(
    X0: ArrayLike, target: LowRankTensor, t_end: float, *, rtol: float=1e-8, record: int |
    ArrayLike=200,
) -> DirectionPath:
    """Integrate the early-phase direction flow (tensor power flow) of many directions.

    Each row follows :math:`\\dot x = 4 (I - x x^\\top) T^*(x^{l-1}, \\cdot)`
    (order 4; for order :math:`l` the factor is :math:`l`): the tangential part of
    gradient flow for the 2-homogeneous model when :math:`T(W) \\approx 0`. Rows do not
    interact. The rows are renormalized at every record, so the path stays on the sphere.

    Parameters
    ----------
    X0 : array_like, shape (n, d)
        Starting directions (nonzero rows; they are normalized).
    target : LowRankTensor
    t_end : float
        Final time, > 0.
    rtol : float, default 1e-8
        Relative tolerance per row of the Dormand-Prince integrator.
    record : int or array_like, default 200
        Number of evenly spaced record times in [0, t_end], or the increasing times.

    Returns
    -------
    DirectionPath
    """
    target = _checks.instance("target", target, LowRankTensor, "see orthogonal_tensor")
    X = _checks.weight_matrix(X0, target.d, name="X0")
    n = np.linalg.norm(X, axis=1)
    if np.any(n == 0):
        raise ValueError("X0 must have no zero row")
    X = X / n[:, None]
    t_end = _checks.positive_float("t_end", t_end)
    rtol = _checks.positive_float("rtol", rtol)
    times = _checks.record_times(record, t_end)
    l = target.order

    def rhs(Y):
        nrm = np.linalg.norm(Y, axis=1, keepdims=True)
        Y = Y / nrm
        G = target.contract(Y)
        return l * (G - np.vecdot(G, Y)[:, None] * Y), None

    rec_t, rec_c = [], []

    def on_record(t, Y):
        Y = Y / np.linalg.norm(Y, axis=1, keepdims=True)
        rec_t.append(t)
        rec_c.append(Y @ target.basis)

    _, Y, _ = dopri5(rhs, X, t_end, rtol=rtol, atol=0.0, record_times=times,
                     on_record=on_record)
    Y = Y / np.linalg.norm(Y, axis=1, keepdims=True)
    return DirectionPath(np.array(rec_t), np.array(rec_c), Y)


def locked_direction(correlations: ArrayLike, *, threshold: float=0.95, order: int=4) -> np.ndarray:
    """The ground-truth direction each component has locked onto at the last record.

    The group rule of :func:`deflation.measures.assign_groups` (correlation
    ``threshold``), applied to the last record.

    Parameters
    ----------
    correlations : array_like, shape (n_t, n, r)
        Signed :math:`\\langle \\bar w_j(t), u_k\\rangle` (``Trajectory.correlations``,
        ``DirectionPath.correlations``).
    threshold : float, default 0.95
        A component counts as locked when its aligned correlation at the last record
        exceeds ``threshold`` (a correlation, not its square: 0.95 is a squared
        correlation of about 0.9), in [0, 1).
    order : int, default 4
        Order of the target: at odd order only a positive correlation locks.

    Returns
    -------
    ndarray of int, shape (n,)
        :math:`\\arg\\max_k \\langle \\bar w_j, u_k\\rangle^2` at the last record (signed
        correlation at odd order), or -1 for a component that is not (yet) locked.
    """
    C = _checks.finite_array("correlations", correlations, ndim=3)
    if C.shape[0] < 1:
        raise ValueError(f"correlations must hold at least one record, got shape {C.shape}")
    last = C[-1]
    return assign_groups(np.ones(last.shape[0]), last, order=order, threshold=threshold)
