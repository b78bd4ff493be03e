"""Every "first time a curve crosses a level" of the book.

* The engine: :func:`first_indices` and :func:`first_crossings` (linear interpolation
  between the two records around the crossing), with a checked public front
  :func:`crossing_times`.
* Fit times: :func:`fit_times` (fitted weight reaches ``frac`` of
  :math:`a_k - \\lambda/2`), :func:`logit_fit_times` (the same, interpolated on the logit
  scale), :func:`group_fit_times` (group weight, any target).
* Early phase: :func:`alignment_times` (a component aligns with some :math:`u_k`) and
  :func:`escape_time` (the loss leaves the small initialization).
* :func:`plateau_match`: when gradient flow passes closest to the deflation process's
  first step.
"""

from __future__ import annotations

import math

import numpy as np

from . import _checks
from ._kernels import angle
from ._typing import ArrayLike
from .deflation_process import DeflationResult
from .flow import Trajectory, gradient_flow
from .measures import (
    _groups,  # the group rule, applied record by record
    recovery_path,
)
from .model import fit_loss
from .tensors import LowRankTensor

__all__ = [
    "first_indices",
    "first_crossings",
    "crossing_times",
    "fit_times",
    "logit_fit_times",
    "group_fit_times",
    "alignment_times",
    "escape_time",
    "plateau_match",
]


def first_indices(y: np.ndarray, levels: ArrayLike) -> np.ndarray:
    """Index of the first row at which each column of ``y`` (n, k) is >= its level.

    Returns an int array of shape (k,), -1 for a column that never gets there.
    """
    above = y >= levels
    return np.where(above.any(axis=0), np.argmax(above, axis=0), -1)


def first_crossings(t: np.ndarray, y: np.ndarray, levels: ArrayLike) -> np.ndarray:
    """First time each column of ``y`` (n, k) reaches its level, on the record ``t`` (n,).

    The shared engine of :func:`fit_times` and the chapters' other crossing times:
    linear interpolation between the two records around the crossing (where
    ``y[i-1] < level <= y[i]``, so the slope is never zero), ``t[0]`` if the first record
    is already there, NaN if no record is. Inputs are not checked: callers do.
    """
    levels = np.broadcast_to(levels, (y.shape[1],))
    out = np.full(y.shape[1], np.nan)
    for k, i in enumerate(first_indices(y, levels)):
        if i == 0:
            out[k] = t[0]
        elif i > 0:
            y0, y1 = y[i - 1, k], y[i, k]
            out[k] = t[i - 1] + (t[i] - t[i - 1]) * (levels[k] - y0) / (y1 - y0)
    return out


def crossing_times(t: ArrayLike, y: ArrayLike, levels: ArrayLike) -> np.ndarray:
    """First time each column of ``y`` reaches its level (linear interpolation).

    Parameters
    ----------
    t : array_like, shape (n,)
        Increasing times.
    y : array_like, shape (n, k)
        Curves (for example group weights).
    levels : float or array_like, shape (k,)

    Returns
    -------
    ndarray, shape (k,)
        The first time :math:`y_{\\cdot i}(t) \\ge` ``levels[i]``; NaN if never.
    """
    t = _checks.finite_array("t", t, ndim=1)
    y = _checks.finite_array("y", y)
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2 or y.shape[0] != t.size:
        raise ValueError(f"y must have shape (n, k) with n = len(t) = {t.size}, got {y.shape}")
    if np.any(np.diff(t) <= 0):
        raise ValueError("t must be strictly increasing")
    lev = np.broadcast_to(_checks.finite_array("levels", levels), (y.shape[1],))
    return first_crossings(t, y, lev)


def fit_times(traj: Trajectory, frac: float=0.9) -> np.ndarray:
    """When each ground-truth component is fitted.

    Parameters
    ----------
    traj : Trajectory
    frac : float, default 0.9
        Component k counts as fitted once its fitted weight :math:`a_k -
        \\text{residual}_k` reaches ``frac`` times the weight a fitted group holds at rest,
        :math:`a_k - \\lambda/2` with the run's regularizer :math:`\\lambda` (chapter 3;
        :math:`a_k` when :math:`\\lambda = 0`). A component with
        :math:`a_k \\le \\lambda/2` is never fitted (NaN).

    Returns
    -------
    ndarray, shape (r,)
        The first such time for each component, interpolated linearly between recorded
        times; NaN where it never happens.
    """
    _checks.instance("traj", traj, Trajectory)
    _checks.orthogonal(traj.target, "traj.target",
                       why="fit_times reads a_k - residual_k; use group_fit_times otherwise")
    frac = _checks.fraction("frac", frac)
    goal = traj.target.weights - traj.reg / 2
    out = first_crossings(traj.t, traj.target.weights - traj.residual, frac * goal)
    return np.where(goal > 0, out, np.nan)


def logit_fit_times(traj: Trajectory, frac: float=0.9) -> np.ndarray:
    """Fit times of an orthogonal target, interpolated on the logit scale.

    Like :func:`fit_times` (first time the fitted fraction
    :math:`y_k = (a_k - \\text{residual}_k) / (a_k - \\lambda/2)` reaches ``frac``), but
    between the two recorded times around the crossing it interpolates
    :math:`\\log(y/(1-y))` linearly instead of :math:`y`. A logistic curve is a straight line on that scale, so a coarse
    record grid (expensive runs) still gives accurate times.

    Parameters
    ----------
    traj : Trajectory
    frac : float, default 0.9

    Returns
    -------
    ndarray (r,)
        NaN where the fraction is never reached.
    """
    _checks.instance("traj", traj, Trajectory)
    _checks.orthogonal(traj.target, "traj.target",
                       why="logit_fit_times reads a_k - residual_k; use group_fit_times "
                       "otherwise")
    frac = _checks.fraction("frac", frac)
    a = traj.target.weights
    goal = a - traj.reg / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        y = 1.0 - (traj.residual - traj.reg / 2) / goal
    out = np.full(a.size, np.nan)
    level = math.log(frac / (1 - frac))
    for k, i in enumerate(first_indices(y, frac)):
        if goal[k] <= 0:
            continue
        if i <= 0:
            out[k] = traj.t[0] if i == 0 else np.nan
            continue
        y0, y1 = y[i - 1, k], y[i, k]
        t0, t1 = traj.t[i - 1], traj.t[i]
        if 0 < y0 < 1 and 0 < y1 < 1:
            z0, z1 = math.log(y0 / (1 - y0)), math.log(y1 / (1 - y1))
            out[k] = t0 + (t1 - t0) * (level - z0) / (z1 - z0) if z1 != z0 else t1
        else:  # outside (0, 1): fall back to linear interpolation of y
            out[k] = t0 + (t1 - t0) * (frac - y0) / (y1 - y0)
    return out


def group_fit_times(traj: Trajectory, frac: float=0.9, *, threshold: float=0.9) -> np.ndarray:
    """When each ground-truth component is fitted, by group weight (any target).

    Parameters
    ----------
    traj : Trajectory
    frac : float, default 0.9
        Component k counts as fitted once its group weight :math:`b_k(t) \\ge`
        ``frac`` :math:`a_k` (the analogue of :func:`deflation.fit_times`, which uses the
        residual and needs an orthogonal target).
    threshold : float, default 0.9

    Returns
    -------
    ndarray (r,)
        First such recorded time, interpolated linearly; NaN if never.
    """
    frac = _checks.fraction("frac", frac)
    b, _ = recovery_path(traj, threshold=threshold)
    return first_crossings(traj.t, b, frac * traj.target.weights)


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


def alignment_times(t: ArrayLike, correlations: ArrayLike, *, level: float=0.5) -> np.ndarray:
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
    tt, C = _times_corr(t, correlations)
    level = _checks.fraction("level", level)
    return first_crossings(tt, np.max(C**2, axis=2), level)


def escape_time(
    W0: ArrayLike, target: LowRankTensor, *, degree: float=2, frac: float=0.1, t_end:
    float=1e12, rtol: float=1e-6,
) -> float:
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
    t_end : float, default 1e12
        Give up (return NaN) after this time (the time limit, named as in
        :func:`deflation.gradient_flow`).
    rtol : float, default 1e-6

    Returns
    -------
    float
        The escape time, or NaN if the loss has not dropped by ``t_end``.
    """
    target = _checks.instance("target", target, LowRankTensor, "see orthogonal_tensor")
    W0 = _checks.weight_matrix(W0, target.d)
    p = _checks.degree(degree, target.order)
    frac = _checks.fraction("frac", frac)
    t_end = _checks.positive_float("t_end", t_end)
    rtol = _checks.positive_float("rtol", rtol)
    level = (1 - frac) * fit_loss(W0, target, degree=p)
    tr = gradient_flow(W0, target, t_end, degree=p, rtol=rtol, record=2, stop_fit=level)
    return float(tr.t[-1]) if tr.fit[-1] <= level else float("nan")


def plateau_match(
    traj: Trajectory, result: DeflationResult, *, threshold: float=0.9,
) -> dict[str, float]:
    r"""Closest approach of gradient flow to the deflation process's first step.

    On the first plateau, the window between the first two group fit times
    (:func:`group_fit_times`; up to the end of the run if only one group is fitted), take
    at every recorded time the heaviest component's direction :math:`x` and the weight
    :math:`b` of its group (:class:`~deflation.measures.Recovery`), and measure the distance between
    :math:`b\, x^{\otimes l}` and the deflation process's first term
    :math:`b_1 v_1^{\otimes l}`, relative to :math:`b_1`:

    .. math:: \frac{\|b\, x^{\otimes l} - b_1 v_1^{\otimes l}\|_F}{b_1}
              = \frac{\sqrt{b^2 + b_1^2 - 2 b b_1 \langle x, v_1\rangle^l}}{b_1}.

    Parameters
    ----------
    traj : Trajectory
        Recorded with ``record_W=True``.
    result : DeflationResult
        The deflation process on the same target.
    threshold : float, default 0.9

    Returns
    -------
    dict
        ``time`` of the closest approach, ``distance`` there, ``angle`` between
        :math:`x` and :math:`v_1` (up to sign at even order) and ``weight_error``
        :math:`b/b_1 - 1`; all NaN if no group is fitted.
    """
    _checks.instance("traj", traj, Trajectory)
    if traj.W_path is None:
        raise ValueError("traj must be a Trajectory recorded with record_W=True")
    _checks.instance("result", result, DeflationResult)
    T = traj.target
    if result.vectors.shape[0] != T.d:
        raise ValueError(f"result has dimension {result.vectors.shape[0]}, target has d={T.d}")
    thr = _checks.threshold(threshold)
    v, b1, l = result.vectors[:, 0], float(result.weights[0]), T.order
    nan = {"time": float("nan"), "distance": float("nan"), "angle": float("nan"),
           "weight_error": float("nan")}
    gft = np.sort(group_fit_times(traj, threshold=thr))
    if not np.isfinite(gft[0]) or b1 <= 0:
        return nan
    t_hi = gft[1] if gft.size > 1 and np.isfinite(gft[1]) else traj.t[-1]
    idx = np.nonzero((traj.t >= gft[0]) & (traj.t <= t_hi))[0]
    if idx.size == 0:  # the window falls between two records: take the nearest record
        idx = np.array([int(np.argmin(np.abs(traj.t - gft[0])))])
    c_all = traj.norms**traj.degree
    best = dict(nan, distance=float("inf"))
    for i in idx:
        b, _, _, _, S = _groups(c_all[i], traj.correlations[i], T, thr)
        j = int(np.argmax(c_all[i]))
        bj = float(b[int(np.argmax(S[j]))])
        W = traj.W_path[i]
        x = W[j] / np.linalg.norm(W[j])
        cos = float(x @ v)
        dist = math.sqrt(max(bj * bj + b1 * b1 - 2 * bj * b1 * cos**l, 0.0)) / b1
        if dist < best["distance"]:
            best = {"time": float(traj.t[i]), "distance": dist, "angle": angle(x, v),
                    "weight_error": bj / b1 - 1}
    return best
