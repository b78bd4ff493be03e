"""Closed-form predictions of the book (all are the book's own).

Each function is derived in a chapter (with sympy) and checked there against the
simulation; the chapters say which. Order 4 unless an ``order`` argument is given.

* Early phase (chapter 2): while :math:`T(W) \\approx 0`, the squared correlations
  :math:`v_k = \\langle \\bar w, u_k\\rangle^2` follow
  :math:`\\dot v_k = 8 v_k (a_k v_k - \\sum_l a_l v_l^2)`; the ordering of the
  :math:`a_k v_k` never changes, so the winner is :math:`\\arg\\max_k a_k v_k(0)`; while
  :math:`v` is small, :math:`\\dot v \\approx 8 a v^2` blows up at
  :math:`t^* = 1/(8 a v(0))`.
* First-component phase (chapter 3): the weight :math:`c = \\|w\\|^2` of an aligned
  group follows the logistic equation :math:`\\dot c = 4c(a - \\lambda/2 - c)`.
* Fitted weight :math:`a_k - \\lambda/2`; rough fit time.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, special

from . import _checks

__all__ = [
    "early_phase_rhs",
    "predicted_winner",
    "blowup_time",
    "fitted_weight",
    "growth_rate",
    "logistic_time",
    "fit_time_estimate",
    "approx_max_alignment",
    "expected_max_alignment",
]


def early_phase_rhs(v, weights) -> np.ndarray:
    """Right-hand side of the reduced early-phase ODE (order 4).

    Parameters
    ----------
    v : array_like (..., r)
        Squared correlations :math:`v_k = \\langle \\bar w, u_k\\rangle^2`.
    weights : array_like (r,)

    Returns
    -------
    ndarray (..., r)
        :math:`8 v_k (a_k v_k - \\sum_l a_l v_l^2)`.
    """
    v = _checks.finite_array("v", v)
    a = _checks.finite_array("weights", weights, ndim=1)
    if v.shape[-1] != a.size:
        raise ValueError(f"v must have last dimension r={a.size}, got shape {v.shape}")
    return 8 * v * (a * v - np.sum(a * v * v, axis=-1, keepdims=True))


def predicted_winner(correlations, weights, *, order=4) -> np.ndarray:
    """The ground-truth direction each component locks onto in the early phase.

    Parameters
    ----------
    correlations : array_like (..., r)
        :math:`\\langle \\bar w_j(0), u_k\\rangle`.
    weights : array_like (r,)
    order : int, default 4

    Returns
    -------
    ndarray of int (...)
        :math:`\\arg\\max_k a_k \\langle \\bar w, u_k\\rangle^{l-2}` (for odd ``l`` only
        positive correlations count: a negative one moves toward 0).
    """
    P = _checks.finite_array("correlations", correlations)
    a = _checks.finite_array("weights", weights, ndim=1)
    order = _checks.order(order)
    score = a * P ** (order - 2)
    if order % 2 == 1:
        score = np.where(P > 0, score, -np.inf)
    return np.argmax(score, axis=-1)


def blowup_time(correlation, weight, *, order=4):
    """Blow-up time of :math:`\\dot p = l\\, a\\, p^{l-1}` from :math:`p(0)`.

    Parameters
    ----------
    correlation : float or array_like
        :math:`p(0) = \\langle \\bar w(0), u\\rangle > 0`.
    weight : float or array_like
        :math:`a > 0`.
    order : int, default 4

    Returns
    -------
    float or ndarray
        :math:`t^* = 1 / (l (l-2)\\, a\\, p(0)^{l-2})`; for order 4,
        :math:`1/(8 a v(0))` with :math:`v = p^2`.
    """
    p = _checks.positive_array("correlation", correlation)
    a = _checks.positive_array("weight", weight)
    order = _checks.order(order)
    out = 1.0 / (order * (order - 2) * a * p ** (order - 2))
    return float(out) if out.ndim == 0 else out


def fitted_weight(weight, reg=0.0):
    """The weight a fitted group holds at rest: :math:`\\max(a - \\lambda/2, 0)`."""
    a = _checks.finite_array("weight", weight)
    reg = _checks.positive_float("reg", reg, allow_zero=True)
    out = np.maximum(a - reg / 2, 0.0)
    return float(out) if out.ndim == 0 else out


def growth_rate(weight, reg=0.0):
    """Exponential growth rate of the norm of an aligned component: :math:`2a - \\lambda`.

    (Its weight :math:`c = \\|w\\|^2` grows at twice this rate.)
    """
    a = _checks.finite_array("weight", weight)
    reg = _checks.positive_float("reg", reg, allow_zero=True)
    out = 2 * a - reg
    return float(out) if out.ndim == 0 else out


def logistic_time(weight, c0, frac=0.9, reg=0.0) -> float:
    """Time for :math:`\\dot c = 4c(a' - c)`, :math:`a' = a - \\lambda/2`, to go from ``c0``
    to ``frac * a'``.

    Parameters
    ----------
    weight : float
        :math:`a > \\lambda/2`.
    c0 : float
        Starting weight, :math:`0 < c_0 <` ``frac`` :math:`a'` (for a component of norm
        :math:`\\delta`, :math:`c_0 = \\delta^2`).
    frac : float, default 0.9
    reg : float, default 0.0

    Returns
    -------
    float
        :math:`\\frac{1}{4a'} \\log\\frac{f (a' - c_0)}{(1-f) c_0}`.
    """
    a = _checks.positive_float("weight", weight)
    c0 = _checks.positive_float("c0", c0)
    frac = _checks.fraction("frac", frac)
    reg = _checks.positive_float("reg", reg, allow_zero=True)
    ap = a - reg / 2
    if ap <= 0:
        raise ValueError(f"weight must exceed reg/2={reg / 2!r}, got {a!r}")
    if c0 >= frac * ap:
        raise ValueError(f"c0 must be below frac * (weight - reg/2) = {frac * ap!r}, got {c0!r}")
    return math.log(frac * (ap - c0) / ((1 - frac) * c0)) / (4 * ap)


def fit_time_estimate(weight, d, m, init_scale, reg=0.0):
    """Rough time to fit a component of weight :math:`a` (order 4).

    .. math:: \\frac{d}{16\\, a \\log m} + \\frac{\\log(a/\\delta_0^2)}{4a - 2\\lambda}

    the early-phase blow-up time of the best of ``m`` random starts
    (:math:`v(0) \\approx 2\\log(m)/d`) plus the time for the weight to grow from
    :math:`\\delta_0^2` to :math:`a`.

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
    out = d / (16 * a * math.log(m)) + np.log(a / delta**2) / (4 * a - 2 * reg)
    return float(out) if out.ndim == 0 else out


def approx_max_alignment(m, d) -> float:
    """The approximation :math:`\\max_{j \\le m} v_j(0) \\approx 2 \\log(m) / d`."""
    m = _checks.positive_int("m", m, minimum=2)
    d = _checks.positive_int("d", d)
    return 2 * math.log(m) / d


def expected_max_alignment(m, d) -> float:
    """Exact :math:`E[\\max_{j \\le m} \\langle \\bar w_j, u\\rangle^2]` for uniform directions.

    Each :math:`v_j \\sim \\mathrm{Beta}(1/2, (d-1)/2)`, so
    :math:`E[\\max] = \\int_0^1 (1 - F(v)^m)\\, dv` with the Beta CDF :math:`F`.
    """
    m = _checks.positive_int("m", m)
    d = _checks.positive_int("d", d, minimum=2)
    cdf = lambda v: special.betainc(0.5, (d - 1) / 2, v)  # noqa: E731
    val, _ = integrate.quad(lambda v: 1 - cdf(v) ** m, 0, 1, limit=200, epsabs=1e-12)
    return float(val)
