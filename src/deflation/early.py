"""Early-phase analyses: escape, alignment, and the direction flow (book chapters 1-2).

While the model tensor is negligible, :math:`T(W) \\approx 0`, the residual is
:math:`R \\approx T^*` and every component of the 2-homogeneous model moves on its own:
its direction follows the continuous-time tensor power method

.. math:: \\frac{d\\bar w}{dt} = 4 (I - \\bar w \\bar w^\\top)\\, T^*(\\bar w^{3}, \\cdot),

which does not involve the norm. This module integrates that
direction flow directly (cost :math:`O(n r d)` for ``n`` directions, instead of the
:math:`O(n^2 d)` of the full gradient), and measures, from any recorded run, when a
component aligns with a ground-truth direction, which direction it locks onto, and when
the loss first escapes from a small initialization.
"""

from __future__ import annotations

import numpy as np

from . import _checks
from .flow import first_crossings, gradient_flow
from .integrate import dopri5
from .model import _check_target, _degree, fit_loss

__all__ = [
    "DirectionPath",
    "direction_flow",
    "alignment_times",
    "locked_direction",
    "escape_time",
]


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

    def __init__(self, t, correlations, wbar):
        self.t = t
        self.correlations = correlations
        self.wbar = wbar

    @property
    def v(self) -> np.ndarray:
        """Squared correlations :math:`v_{jk}(t) = \\langle \\bar w_j, u_k\\rangle^2`, (n_t, n, r)."""
        return self.correlations**2


def direction_flow(X0, target, t_end, *, rtol=1e-8, record=200) -> DirectionPath:
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
    target = _check_target(target)
    X = _checks.weight_matrix(X0, target.d)
    n = np.linalg.norm(X, axis=1)
    if np.any(n == 0):
        raise ValueError("X0 must have no zero row")
    X = X / n[:, None]
    t_end = _checks.positive_float("t_end", t_end)
    rtol = _checks.positive_float("rtol", rtol)
    if isinstance(record, (int, np.integer)) and not isinstance(record, bool):
        times = np.linspace(0.0, t_end, _checks.positive_int("record", record, minimum=2))
    else:
        times = _checks.finite_array("record", record, ndim=1)
        if times.size == 0 or np.any(np.diff(times) <= 0) or times[0] < 0 or times[-1] > t_end:
            raise ValueError("record must be an int >= 2 or increasing times in [0, t_end]")
    l = target.order

    def rhs(Y):
        nrm = np.linalg.norm(Y, axis=1, keepdims=True)
        Y = Y / nrm
        G = target.contract(Y)
        return l * (G - np.einsum("ij,ij->i", G, Y)[:, None] * Y), None

    rec_t, rec_c = [], []

    def on_record(t, Y):
        Y = Y / np.linalg.norm(Y, axis=1, keepdims=True)
        rec_t.append(t)
        rec_c.append(Y @ target.basis)

    _, Y, _ = dopri5(rhs, X, t_end, rtol=rtol, atol=0.0, record_times=times,
                     on_record=on_record)
    Y = Y / np.linalg.norm(Y, axis=1, keepdims=True)
    return DirectionPath(np.array(rec_t), np.array(rec_c), Y)


def _times_corr(t, correlations):
    t = _checks.finite_array("t", t, ndim=1)
    C = _checks.finite_array("correlations", correlations, ndim=3)
    if C.shape[0] != t.size:
        raise ValueError(
            f"correlations must have one row per time: shape ({t.size}, n, r), got {C.shape}"
        )
    if t.size < 1 or np.any(np.diff(t) <= 0):
        raise ValueError("t must be a non-empty increasing array")
    return t, C


def alignment_times(t, correlations, *, level=0.5) -> np.ndarray:
    """When each component first aligns with some ground-truth direction.

    Parameters
    ----------
    t : array_like, shape (n_t,)
        Increasing record times (``Trajectory.t`` or ``DirectionPath.t``).
    correlations : array_like, shape (n_t, n, r)
        :math:`\\langle \\bar w_j(t), u_k\\rangle` (``Trajectory.correlations``).
    level : float, default 0.5
        Component j counts as aligned once :math:`\\max_k \\langle \\bar w_j, u_k\\rangle^2
        \\ge` ``level``.

    Returns
    -------
    ndarray, shape (n,)
        First such time for every component, interpolated linearly between records;
        NaN if it never happens within the record.
    """
    t, C = _times_corr(t, correlations)
    level = _checks.fraction("level", level)
    return first_crossings(t, np.max(C**2, axis=2), level)


def locked_direction(correlations, *, level=0.9) -> np.ndarray:
    """The ground-truth direction each component has locked onto at the last record.

    Parameters
    ----------
    correlations : array_like, shape (n_t, n, r)
    level : float, default 0.9
        A component counts as locked when its largest squared correlation at the last
        record is at least ``level``.

    Returns
    -------
    ndarray of int, shape (n,)
        :math:`\\arg\\max_k \\langle \\bar w_j, u_k\\rangle^2` at the last record, or -1 for
        a component that is not (yet) locked.
    """
    C = _checks.finite_array("correlations", correlations, ndim=3)
    level = _checks.fraction("level", level)
    last = C[-1] ** 2
    k = np.argmax(last, axis=1)
    return np.where(np.max(last, axis=1) >= level, k, -1)


def escape_time(W0, target, *, degree=2, frac=0.1, t_max=1e12, rtol=1e-6) -> float:
    """Time for gradient flow to leave the small initialization.

    The escape time is the first time the fitting loss
    :math:`\\tfrac12\\|T(W)-T^*\\|_F^2` has dropped by a fraction ``frac`` of its initial
    value (chapter 1). The run stops there (``stop_fit`` of
    :func:`deflation.gradient_flow`), so even very long escapes are cheap.

    Parameters
    ----------
    W0 : array_like, shape (m, d)
    target : LowRankTensor
    degree : float, default 2
        Homogeneity degree: 2 for the 2-homogeneous model, ``target.order`` for the plain
        model :math:`\\sum_j w_j^{\\otimes l}`.
    frac : float, default 0.1
        In (0, 1).
    t_max : float, default 1e12
        Give up (return NaN) after this time.
    rtol : float, default 1e-6

    Returns
    -------
    float
        The escape time, or NaN if the loss has not dropped by ``t_max``.
    """
    target = _check_target(target)
    W0 = _checks.weight_matrix(W0, target.d)
    p = _degree(degree, target.order)
    frac = _checks.fraction("frac", frac)
    t_max = _checks.positive_float("t_max", t_max)
    rtol = _checks.positive_float("rtol", rtol)
    level = (1 - frac) * fit_loss(W0, target, degree=p)
    tr = gradient_flow(W0, target, t_max, degree=p, rtol=rtol, record=2, stop_fit=level)
    return float(tr.t[-1]) if tr.fit[-1] <= level else float("nan")

