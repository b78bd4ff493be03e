"""Growth and fit predictions (chapters 3 and 4): the logistic law of an aligned group,
the fitted weight, the fit-time estimate, the regularized optimum's loss, the
norm/correlation bound and the stability spectrum of a fitted state.

Part of :mod:`deflation.theory`, which re-exports every name here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .. import _checks
from .._typing import ArrayLike
from ..tensors import LowRankTensor

__all__ = [
    "fitted_weight",
    "growth_rate",
    "logistic_time",
    "fit_time_estimate",
    "fit_floor",
    "norm_correlation_bound",
    "stability_spectrum",
]


def fitted_weight(weight: ArrayLike, reg: float=0.0) -> float | np.ndarray:
    """The weight a fitted group holds at rest: :math:`\\max(a - \\lambda/2, 0)`."""
    a = _checks.finite_array("weight", weight)
    reg = _checks.positive_float("reg", reg, allow_zero=True)
    out = np.maximum(a - reg / 2, 0.0)
    return float(out) if out.ndim == 0 else out


def growth_rate(weight: ArrayLike, reg: float=0.0) -> float | np.ndarray:
    """Exponential growth rate of the norm of an aligned component: :math:`2a - \\lambda`.

    (Its weight :math:`c = \\|w\\|^2` grows at twice this rate.)
    """
    a = _checks.finite_array("weight", weight)
    reg = _checks.positive_float("reg", reg, allow_zero=True)
    out = 2 * a - reg
    return float(out) if out.ndim == 0 else out


def logistic_time(
    weight: float, c0: ArrayLike, frac: float=0.9, reg: float=0.0,
) -> float | np.ndarray:
    """Time for :math:`\\dot c = 4c(a' - c)`, :math:`a' = a - \\lambda/2`, to go from ``c0``
    to ``frac * a'``.

    Parameters
    ----------
    weight : float
        :math:`a > \\lambda/2`.
    c0 : float or array_like
        Starting weight, :math:`0 < c_0 <` ``frac`` :math:`a'` (for a component of norm
        :math:`\\delta`, :math:`c_0 = \\delta^2`).
    frac : float, default 0.9
    reg : float, default 0.0

    Returns
    -------
    float or ndarray
        :math:`\\frac{1}{4a'} \\log\\frac{f (a' - c_0)}{(1-f) c_0}`, one per ``c0``.
    """
    a = _checks.positive_float("weight", weight)
    c = _checks.positive_array("c0", c0)
    frac = _checks.fraction("frac", frac)
    reg = _checks.positive_float("reg", reg, allow_zero=True)
    ap = a - reg / 2
    if ap <= 0:
        raise ValueError(f"weight must exceed reg/2={reg / 2!r}, got {a!r}")
    if np.any(c >= frac * ap):
        raise ValueError(
            f"c0 must be below frac * (weight - reg/2) = {frac * ap!r}, got {float(np.max(c))!r}"
        )
    out = np.log(frac * (ap - c) / ((1 - frac) * c)) / (4 * ap)
    return float(out) if out.ndim == 0 else out


def fit_time_estimate(
    weight: ArrayLike, *, d: int, m: int, init_scale: float, reg: float=0.0,
) -> float | np.ndarray:
    """Estimated time to fit a component of weight :math:`a` (order 4): a heuristic.

    .. math:: \\frac{d}{16\\, a \\log m}
        + \\frac{\\log\\big((a - \\lambda/2)/\\delta_0^2\\big)}{4a - 2\\lambda}

    the early-phase blow-up time of the best of ``m`` random starts
    (:math:`v(0) \\approx 2\\log(m)/d`) plus the time for the weight to grow at rate
    :math:`4a - 2\\lambda` from :math:`\\delta_0^2` to its fitted value
    :math:`a - \\lambda/2`. It is an estimate (chapter 4 checks it at
    :math:`\\lambda = 0` and :math:`\\lambda > 0`), not a bound. Every parameter after
    ``weight`` is keyword-only, so ``d`` and ``m`` cannot be swapped silently.

    Parameters
    ----------
    weight : float or array_like
        :math:`a > \\lambda/2`.
    d : int
    m : int
        >= 2.
    init_scale : float
        :math:`\\delta_0`.
    reg : float, default 0.0

    Returns
    -------
    float or ndarray
    """
    a = _checks.finite_array("weight", weight)
    d = _checks.positive_int("d", d)
    m = _checks.positive_int("m", m, minimum=2)
    delta = _checks.positive_float("init_scale", init_scale)
    reg = _checks.positive_float("reg", reg, allow_zero=True)
    if np.any(a <= reg / 2):
        raise ValueError(f"weight must exceed reg/2={reg / 2!r}")
    fitted = a - reg / 2
    out = d / (16 * a * math.log(m)) + np.log(fitted / delta**2) / (4 * a - 2 * reg)
    return float(out) if out.ndim == 0 else out


def fit_floor(target: LowRankTensor, reg: float) -> float:
    """The fitting loss of the regularized optimum of an orthogonal target.

    Each component with :math:`a_k > \\lambda/2` is fitted to weight
    :math:`a_k - \\lambda/2`, the others not at all, so
    :math:`\\tfrac12\\|T - T^*\\|^2 = \\tfrac12 \\sum_k \\min(a_k, \\lambda/2)^2`.
    """
    target = _checks.instance("target", target, LowRankTensor, "see orthogonal_tensor")
    _checks.orthogonal(target, why="the regularized optimum fits each u_k on its own")
    reg = _checks.positive_float("reg", reg, allow_zero=True)
    return 0.5 * float(np.sum(np.minimum(target.weights, reg / 2) ** 2))


def norm_correlation_bound(weight: ArrayLike, a_max: float, reg: float=0.0) -> float | np.ndarray:
    """Lower bound on the max correlation of a component whose norm is not decreasing.

    Parameters
    ----------
    weight : float or array_like
        :math:`c = \\|w\\|^2 \\ge 0`.
    a_max : float
        The largest ground-truth weight :math:`a_1 > 0`.
    reg : float, default 0.0
        :math:`\\lambda`.

    Returns
    -------
    float or ndarray
        :math:`\\min\\big(1, \\sqrt{(c + \\lambda/2)/a_1}\\big)` (chapter 3,
        the norm/correlation proposition).
    """
    c = _checks.finite_array("weight", weight)
    if np.any(c < 0):
        raise ValueError("weight must be >= 0")
    a_max = _checks.positive_float("a_max", a_max)
    reg = _checks.positive_float("reg", reg, allow_zero=True)
    out = np.minimum(1.0, np.sqrt((c + reg / 2) / a_max))
    return float(out) if out.ndim == 0 else out


def stability_spectrum(
    weights: ArrayLike, group_sizes: Sequence[int], d: int, reg: float=0.0,
) -> np.ndarray:
    """Predicted eigenvalues of the flow's Jacobian at a fitted state (chapter 3).

    For each fitted direction :math:`k` with :math:`n_k \\ge 1` members (order 4):
    :math:`-(4a_k - 2\\lambda)` once (the group's total weight), 0 with multiplicity
    :math:`n_k - 1` (moving weight inside the group), :math:`-4a_k` with multiplicity
    :math:`d - 1` (turning the group as a whole) and :math:`-2\\lambda` with
    multiplicity :math:`(d-1)(n_k-1)` (turning members against each other).

    Parameters
    ----------
    weights : array_like, shape (r,)
    group_sizes : sequence of int, length r
    d : int
    reg : float, default 0.0

    Returns
    -------
    ndarray, shape (d * sum(group_sizes),)
        Sorted increasingly.
    """
    a = _checks.finite_array("weights", weights, ndim=1)
    d = _checks.positive_int("d", d)
    reg = _checks.positive_float("reg", reg, allow_zero=True)
    sizes = [_checks.positive_int(f"group_sizes[{k}]", s, minimum=0)
             for k, s in enumerate(np.ravel(np.asarray(group_sizes, dtype=object)))]
    if len(sizes) != a.size:
        raise ValueError(f"group_sizes must be {a.size} non-negative integers, got {group_sizes}")
    ev = []
    for ak, n in zip(a, sizes):
        if n == 0:
            continue
        ev += [-(4 * ak - 2 * reg)] + [0.0] * (n - 1)
        ev += [-4 * ak] * (d - 1) + [-2 * reg] * ((d - 1) * (n - 1))
    return np.sort(np.array(ev))
