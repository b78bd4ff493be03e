"""Analyses of the first-component phase and of deflation (book chapters 3 and 4).

Small pure functions over recorded trajectories and fitted states:

* the growth rate of a group's weight (:func:`growth_rate_fit`);
* the norm/correlation relationship (:func:`norm_correlation_samples`,
  :func:`min_correlation_above`);
* local stability of a fitted state: the fitted state itself (:func:`fitted_state`) and
  the linearization of the flow by finite differences (:func:`flow_jacobian`);
* the deflated target :math:`T^* - \\sum_{k \\in S} (a_k - \\lambda/2)\\, u_k^{\\otimes 4}`
  (:func:`deflated_target`) and the order in which components are fitted
  (:func:`fit_order`).

Order 4 and the 2-homogeneous model throughout, as in the chapters. Grouping components
by direction is :func:`deflation.measures.assign_groups`, crossing times are in
:mod:`deflation.times`, and the closed-form bound and spectrum in :mod:`deflation.theory`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from . import _checks
from ._typing import ArrayLike
from .flow import Trajectory
from .model import gradient
from .tensors import LowRankTensor, orthogonal_tensor

__all__ = [
    "growth_rate_fit",
    "norm_correlation_samples",
    "min_correlation_above",
    "fitted_state",
    "flow_jacobian",
    "deflated_target",
    "fit_order",
]


def growth_rate_fit(t: ArrayLike, c: ArrayLike, lo: float, hi: float) -> float:
    """Exponential growth rate of ``c`` while it lies between ``lo`` and ``hi``.

    Parameters
    ----------
    t : array_like, shape (n,)
    c : array_like, shape (n,)
        A positive curve, e.g. the weight of the group aligned with :math:`u_1`.
    lo, hi : float
        The window :math:`lo \\le c \\le hi` (0 < lo < hi), taken up to the first time
        ``c`` exceeds ``hi``.

    Returns
    -------
    float
        The least-squares slope of :math:`\\log c` against :math:`t` in the window
        (for a logistic curve with small ``hi``, the rate :math:`4a - 2\\lambda`).
    """
    t = _checks.finite_array("t", t, ndim=1)
    c = _checks.finite_array("c", c, ndim=1)
    if c.shape != t.shape:
        raise ValueError(f"c must have the shape of t {t.shape}, got {c.shape}")
    lo = _checks.positive_float("lo", lo)
    hi = _checks.positive_float("hi", hi)
    if not lo < hi:
        raise ValueError(f"lo must be < hi, got lo={lo!r}, hi={hi!r}")
    over = np.nonzero(c > hi)[0]
    end = over[0] if over.size else c.size
    sel = np.nonzero((c[:end] >= lo) & (c[:end] <= hi))[0]
    if sel.size < 3:
        raise ValueError("fewer than 3 samples of c lie in [lo, hi]; widen the window")
    return float(np.polyfit(t[sel], np.log(c[sel]), 1)[0])


def norm_correlation_samples(traj: Trajectory) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (weight, max correlation) pairs of a trajectory, over components and times.

    Parameters
    ----------
    traj : Trajectory

    Returns
    -------
    weights : ndarray, shape (n * m,)
        :math:`c_j(t) = \\|w_j(t)\\|^2`.
    max_corr : ndarray, shape (n * m,)
        :math:`\\max_k |\\langle \\bar w_j(t), u_k\\rangle|`.
    growing : ndarray of bool, shape (n * m,)
        Whether :math:`\\|w_j\\|` is non-decreasing at that record (forward difference;
        the last record copies the previous one).
    """
    _checks.instance("traj", traj, Trajectory)
    c = traj.norms**2
    mc = np.max(np.abs(traj.correlations), axis=2)
    grow = np.ones_like(c, dtype=bool)
    if c.shape[0] > 1:
        dc = np.diff(c, axis=0)
        grow[:-1] = dc >= 0
        grow[-1] = grow[-2]
    return c.ravel(), mc.ravel(), grow.ravel()


def min_correlation_above(
    weights: ArrayLike, max_corr: ArrayLike, thresholds: ArrayLike,
) -> np.ndarray:
    """The smallest max-correlation among samples whose weight is at least a threshold.

    Parameters
    ----------
    weights, max_corr : array_like, shape (n,)
        From :func:`norm_correlation_samples`.
    thresholds : array_like, shape (q,)

    Returns
    -------
    ndarray, shape (q,)
        :math:`\\min \\{\\text{max\\_corr}_i : \\text{weights}_i \\ge \\tau\\}`; NaN when
        no sample reaches :math:`\\tau`.
    """
    w = _checks.finite_array("weights", weights, ndim=1)
    mc = _checks.finite_array("max_corr", max_corr, ndim=1)
    if w.shape != mc.shape:
        raise ValueError(f"max_corr must have the shape of weights {w.shape}, got {mc.shape}")
    tau = _checks.finite_array("thresholds", thresholds, ndim=1)
    out = np.full(tau.size, np.nan)
    for i, th in enumerate(tau):
        sel = w >= th
        if np.any(sel):
            out[i] = float(np.min(mc[sel]))
    return out


def fitted_state(
    target: LowRankTensor, group_sizes: Sequence[int], reg: float=0.0, *, fractions:
    Sequence[ArrayLike] | None=None,
) -> np.ndarray:
    """A fitted state: ``group_sizes[k]`` components exactly on :math:`u_k`.

    Parameters
    ----------
    target : LowRankTensor
        Orthogonal, order 4.
    group_sizes : sequence of int, length r
        Components per direction (0 leaves :math:`u_k` unfitted).
    reg : float, default 0.0
        :math:`\\lambda`; every fitted group holds total weight :math:`a_k - \\lambda/2`
        (requires :math:`a_k > \\lambda/2` for fitted k).
    fractions : sequence of array_like, optional
        ``fractions[k]`` splits the group's weight among its members (positive, summing
        to 1). Default: equal shares.

    Returns
    -------
    ndarray, shape (sum(group_sizes), d)
        Rows :math:`\\sqrt{f_j (a_k - \\lambda/2)}\\, u_k`, group by group.
    """
    target = _checks.instance("target", target, LowRankTensor, "see orthogonal_tensor")
    _checks.orthogonal(target, why="a fitted state puts a_k - reg/2 on each u_k")
    reg = _checks.positive_float("reg", reg, allow_zero=True)
    sizes = [_checks.positive_int(f"group_sizes[{k}]", s, minimum=0)
             for k, s in enumerate(np.ravel(np.asarray(group_sizes, dtype=object)))]
    if len(sizes) != target.rank or sum(sizes) < 1:
        raise ValueError(
            f"group_sizes must be {target.rank} non-negative integers with a positive sum, "
            f"got {list(group_sizes)}"
        )
    rows = []
    for k, n in enumerate(sizes):
        if n == 0:
            continue
        ap = target.weights[k] - reg / 2
        if ap <= 0:
            raise ValueError(f"group {k} cannot be fitted: a_k={target.weights[k]} <= reg/2")
        f = np.full(n, 1.0 / n) if fractions is None else _checks.finite_array(
            "fractions", fractions[k], ndim=1)
        if f.size != n or np.any(f <= 0) or abs(f.sum() - 1) > 1e-9:
            raise ValueError(f"fractions[{k}] must be {n} positive numbers summing to 1")
        for fj in f:
            rows.append(np.sqrt(fj * ap) * target.basis[:, k])
    return np.array(rows)


def flow_jacobian(
    W: ArrayLike, target: LowRankTensor, reg: float=0.0, *, eps: float=1e-6, symmetrize:
    bool=False,
) -> np.ndarray:
    """Jacobian of the flow :math:`\\dot W = -\\nabla L(W)` by central differences.

    Parameters
    ----------
    W : array_like, shape (m, d)
        A point with no zero row (the flow is not differentiable at :math:`w_j = 0`).
    target : LowRankTensor
    reg : float, default 0.0
    eps : float, default 1e-6
        Finite-difference step.
    symmetrize : bool, default False
        Return :math:`(J + J^\\top)/2`. Off by default, so that a caller can test the
        symmetry itself: the flow is a gradient flow, so :math:`J` is minus the Hessian
        and symmetric up to the finite-difference error (chapter 3).

    Returns
    -------
    ndarray, shape (m * d, m * d)
        :math:`J = -\\nabla^2 L(W)` (row-major flattening of ``W``), column ``i`` the
        central difference of :math:`-\\nabla L` along coordinate ``i``; raw unless
        ``symmetrize``.
    """
    target = _checks.instance("target", target, LowRankTensor, "see orthogonal_tensor")
    W = _checks.weight_matrix(W, target.d)
    reg = _checks.positive_float("reg", reg, allow_zero=True)
    eps = _checks.positive_float("eps", eps)
    if np.any(np.linalg.norm(W, axis=1) == 0):
        raise ValueError("W must have no zero row (the flow is not differentiable there)")
    n = W.size
    J = np.empty((n, n))
    flat = W.ravel()
    for i in range(n):
        e = np.zeros(n)
        e[i] = eps
        gp = gradient((flat + e).reshape(W.shape), target, reg)
        gm = gradient((flat - e).reshape(W.shape), target, reg)
        J[:, i] = -(gp - gm).ravel() / (2 * eps)
    return 0.5 * (J + J.T) if symmetrize else J


def deflated_target(target: LowRankTensor, fitted: Iterable[int], reg: float=0.0) -> LowRankTensor:
    """The residual that the rest of the flow sees once some components are fitted.

    Parameters
    ----------
    target : LowRankTensor
        Orthogonal.
    fitted : sequence of int
        Indices k of the fitted components.
    reg : float, default 0.0
        :math:`\\lambda`.

    Returns
    -------
    LowRankTensor
        :math:`T^* - \\sum_{k \\in S} (a_k - \\lambda/2)\\, u_k^{\\otimes l}`: the weight of
        a fitted :math:`u_k` becomes :math:`\\lambda/2` (and :math:`u_k` is dropped when
        :math:`\\lambda = 0`); the others keep :math:`a_k`.
    """
    target = _checks.instance("target", target, LowRankTensor, "see orthogonal_tensor")
    _checks.orthogonal(target, why="the deflated weights a_k - reg/2 assume it")
    reg = _checks.positive_float("reg", reg, allow_zero=True)
    S = sorted({int(k) for k in fitted})
    if any(k < 0 or k >= target.rank for k in S):
        raise ValueError(f"fitted must hold indices in [0, {target.rank}), got {list(fitted)}")
    a = target.weights.copy()
    if any(a[k] <= reg / 2 for k in S):
        raise ValueError("a fitted component must have a_k > reg/2")
    a[S] = reg / 2
    keep = np.nonzero(a > 0)[0]
    if keep.size == 0:
        raise ValueError("nothing is left to fit: every component is fitted and reg = 0")
    return orthogonal_tensor(a[keep], target.d, order=target.order, basis=target.basis[:, keep])


def fit_order(times: ArrayLike) -> np.ndarray:
    """Indices of the components in the order they were fitted (never-fitted last).

    Parameters
    ----------
    times : array_like, shape (r,)
        Fit times, NaN for never.

    Returns
    -------
    ndarray of int, shape (r,)
    """
    t = _checks.finite_array("times", times, ndim=1, allow_nan=True)
    return np.argsort(np.where(np.isnan(t), np.inf, t), kind="stable")
