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
* Fitted weight :math:`a_k - \\lambda/2`, the fitting loss of the regularized optimum
  (:func:`fit_floor`); rough fit time; the norm/correlation bound and the stability
  spectrum of a fitted state (chapter 3).
* Beyond the theorem (chapter 6): the first-order fixed point of a group on a perturbed
  target (:func:`first_order_fixed_point`) and the fit time of every component from the
  initial correlations (:func:`alignment_delay`, :func:`predicted_fit_times`).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy import integrate, special

from . import _checks
from .model import _check_target, _split

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
    "fit_floor",
    "norm_correlation_bound",
    "stability_spectrum",
    "first_order_fixed_point",
    "alignment_delay",
    "predicted_fit_times",
    "lockup_count_bound",
    "lockup_components_needed",
    "win_probabilities",
    "miss_probability",
    "all_won_probability",
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


def logistic_time(weight, c0, frac=0.9, reg=0.0):
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


def fit_time_estimate(weight, d, m, init_scale, reg=0.0):
    """Estimated time to fit a component of weight :math:`a` (order 4): a heuristic.

    .. math:: \\frac{d}{16\\, a \\log m}
        + \\frac{\\log\\big((a - \\lambda/2)/\\delta_0^2\\big)}{4a - 2\\lambda}

    the early-phase blow-up time of the best of ``m`` random starts
    (:math:`v(0) \\approx 2\\log(m)/d`) plus the time for the weight to grow at rate
    :math:`4a - 2\\lambda` from :math:`\\delta_0^2` to its fitted value
    :math:`a - \\lambda/2`. It is an estimate (chapter 4 checks it at
    :math:`\\lambda = 0` and :math:`\\lambda > 0`), not a bound.

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


def fit_floor(target, reg) -> float:
    """The fitting loss of the regularized optimum of an orthogonal target.

    Each component with :math:`a_k > \\lambda/2` is fitted to weight
    :math:`a_k - \\lambda/2`, the others not at all, so
    :math:`\\tfrac12\\|T - T^*\\|^2 = \\tfrac12 \\sum_k \\min(a_k, \\lambda/2)^2`.
    """
    target = _check_target(target)
    reg = _checks.positive_float("reg", reg, allow_zero=True)
    return 0.5 * float(np.sum(np.minimum(target.weights, reg / 2) ** 2))


def norm_correlation_bound(weight, a_max, reg=0.0):
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


def stability_spectrum(weights, group_sizes, d, reg=0.0) -> np.ndarray:
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


def first_order_fixed_point(target, k):
    """First-order fixed point of a fitted group next to :math:`u_k`.

    Write :math:`T^* = a_k u_k^{\\otimes l} + E` (E: the other components and the noise).
    A single group at rest, the top eigenvector found by the first step of the deflation
    process, and (when every other component is fitted exactly) the group of a fitted
    gradient-flow state all satisfy, to first order in E,

    .. math:: x_k \\approx u_k + \\frac{(I - u_k u_k^\\top)\\, E(u_k^{l-1}, \\cdot)}{a_k},
              \\qquad c_k \\approx a_k + E(u_k^{l}).

    Parameters
    ----------
    target : LowRankTensor
    k : int
        Index of the component, ``0 <= k < r``.

    Returns
    -------
    direction : ndarray (d,)
        :math:`x_k`, normalized.
    weight : float
        :math:`c_k`.
    """
    target = _check_target(target)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k < target.rank:
        raise ValueError(f"k must be an integer in [0, {target.rank}), got {k!r}")
    u = target.basis[:, k]
    a = float(target.weights[k])
    Eu = target.contract(u[None, :])[0] - a * u  # E(u^{l-1}, .)
    x = u + (Eu - (Eu @ u) * u) / a
    return x / np.linalg.norm(x), a + float(Eu @ u)


def alignment_delay(correlation, weight, *, order=4):
    """Time for one direction to align with :math:`u` minus the norm it gains meanwhile.

    With :math:`p = \\langle \\bar w, u\\rangle` following
    :math:`\\dot p = l a p^{l-1}(1 - p^2)` and the weight :math:`c = \\|w\\|^2` following
    :math:`\\dot c = 4 a p^l c`, the time to reach weight :math:`c_1` is
    :math:`D + \\log(c_1/c_0)/(4a)` as :math:`p \\to 1`, with

    .. math:: D = \\frac{1}{l a}\\int_{p_0}^1 \\frac{1 - p^l}{p^{l-1}(1-p^2)}\\,dp,

    for order 4 :math:`D = \\frac{1}{8a}\\big(\\tfrac{1}{v_0} - 1 - \\log v_0\\big)`
    (:math:`v_0 = p_0^2`), for order 3
    :math:`D = \\frac{1}{3a}\\big(\\tfrac{1}{p_0} - 1 + \\log\\tfrac{2}{1+p_0}\\big)`.

    Parameters
    ----------
    correlation : float or array_like
        :math:`p_0 \\in (0, 1]`.
    weight : float or array_like
        :math:`a > 0`.
    order : int, default 4

    Returns
    -------
    float or ndarray
    """
    p = _checks.positive_array("correlation", correlation, upper=1.0)
    a = _checks.positive_array("weight", weight)
    order = _checks.order(order)
    if order == 4:
        v = p * p
        out = (1 / v - 1 - np.log(v)) / (8 * a)
    elif order == 3:
        out = (1 / p - 1 + np.log(2 / (1 + p))) / (3 * a)
    else:
        l = order
        f = lambda q: (1 - q**l) / (q ** (l - 1) * (1 - q * q)) if q < 1 else l / 2.0  # noqa: E731
        flat = np.array([integrate.quad(f, x, 1.0, limit=200)[0] for x in np.ravel(p)])
        out = flat.reshape(p.shape) / (l * a)
    out = np.asarray(out, dtype=float)
    return float(out) if out.ndim == 0 else out


def predicted_fit_times(W0, target, frac=0.9) -> np.ndarray:
    """Fit time of every component of an orthogonal target, predicted from ``W0`` (chapter 6).

    For each k, over the components j whose early-phase winner
    (:func:`predicted_winner`) is k, take the smallest
    :math:`D(p_{jk}) + \\frac{1}{4a_k}\\log\\frac{f (a_k - c_j)}{(1-f) c_j}` with
    :math:`D` from :func:`alignment_delay`, :math:`c_j = \\|w_j(0)\\|^2` and
    :math:`f` = ``frac``: alignment, then logistic growth to :math:`f a_k`
    (no regularizer).

    Parameters
    ----------
    W0 : array_like, shape (m, d)
        The initialization (norms well below :math:`\\sqrt{f a_k}`).
    target : LowRankTensor
        Orthogonal, without noise.
    frac : float, default 0.9

    Returns
    -------
    ndarray (r,)
        NaN for a component that no initial direction is predicted to win.
    """
    target = _check_target(target)
    if not target.is_orthogonal or target.noise is not None:
        raise ValueError("target must be orthogonal and noiseless")
    W0 = _checks.weight_matrix(W0, target.d)
    frac = _checks.fraction("frac", frac)
    _, wbar, c = _split(W0, 2.0)
    a = target.weights
    if np.any(c <= 0) or np.any(c >= frac * np.min(a)):
        raise ValueError("W0 must have nonzero rows of weight below frac * min(weights)")
    P = wbar @ target.basis
    win = predicted_winner(P, a, order=target.order)
    out = np.full(a.size, np.nan)
    for k in range(a.size):
        sel = (win == k) & (P[:, k] > 0 if target.order % 2 else P[:, k] != 0)
        if not np.any(sel):
            continue
        p0 = np.minimum(np.abs(P[sel, k]), 1.0)
        grow = logistic_time(a[k], c[sel], frac)
        t_j = alignment_delay(p0, a[k], order=target.order) + grow
        # the group's weight is the sum of its members' weights: a soft minimum
        t_min = float(np.min(t_j))
        out[k] = t_min - math.log(float(np.sum(np.exp(-4 * a[k] * (t_j - t_min))))) / (4 * a[k])
    return out


def _fittable_excess(weights, reg):
    a = _checks.positive_array("weights", weights)
    if a.ndim != 1 or a.size < 1:
        raise ValueError(f"weights must be a non-empty 1-d array, got shape {a.shape}")
    reg = _checks.positive_float("reg", reg, allow_zero=True)
    excess = a - reg / 2
    excess = excess[excess > 0]
    if excess.size == 0:
        raise ValueError(f"weights must have an entry above reg/2={reg / 2!r}")
    return excess


def lockup_count_bound(weights, reinit_threshold, reg=0.0) -> float:
    """The counting bound of chapter 5: at most this many members can lock up.

    At a lock-up of the modified gradient flow no component is re-drawn any more: every
    component has norm above :math:`\\delta_1`, i.e. weight :math:`c_j > \\delta_1^2`,
    and sits in a group on a fitted direction. The groups together carry
    :math:`\\sum_k (a_k - \\lambda/2)` over the fitted components, at most the sum over
    all :math:`a_k > \\lambda/2`, so fewer than

    .. math::

        N(\\delta_1) = \\frac{1}{\\delta_1^2}
        \\sum_{k:\\, a_k > \\lambda/2} (a_k - \\lambda/2)

    members fit above the threshold. With :math:`m \\ge N(\\delta_1)` components a
    lock-up is impossible: some component is always re-drawn. (The book's derivation,
    for the book's reading of the modified flow; not a bound from the paper.)

    Parameters
    ----------
    weights : array_like (r,)
        The :math:`a_k > 0`.
    reinit_threshold : float
        :math:`\\delta_1 > 0`.
    reg : float, default 0.0
        :math:`\\lambda \\ge 0`; components with :math:`a_k \\le \\lambda/2` carry
        no weight at rest and do not count.

    Returns
    -------
    float
        :math:`N(\\delta_1)`.
    """
    excess = _fittable_excess(weights, reg)
    delta1 = _checks.positive_float("reinit_threshold", reinit_threshold)
    return float(np.sum(excess) / delta1**2)


def lockup_components_needed(weights, reg=0.0) -> float:
    """How many components the counting bound asks for at the largest usable threshold.

    The threshold must keep the smallest fitted group: :math:`\\delta_1^2 < a_r -
    \\lambda/2` (:math:`a_r` the smallest :math:`a_k > \\lambda/2`), or that group's
    single member would be re-drawn at every epoch start. Hence
    :math:`N(\\delta_1) > N^* =` :math:`\\sum_k (a_k - \\lambda/2) / (a_r - \\lambda/2)`
    (:func:`lockup_count_bound`), and excluding a lock-up by counting needs
    :math:`m \\gtrsim N^*` (about 35 for the weights (1, 0.5, 0.25, 0.12, 0.06) and
    :math:`\\lambda = 0.01`; chapter 5).

    Parameters
    ----------
    weights : array_like (r,)
    reg : float, default 0.0

    Returns
    -------
    float
        :math:`N^*`.
    """
    excess = _fittable_excess(weights, reg)
    return float(np.sum(excess) / np.min(excess))


def _even_order_scores(weights, order):
    """Checked weights and the exponent-free scores :math:`b_k = a_k^{2/(l-2)}`."""
    a = _checks.positive_array("weights", weights)
    if a.ndim != 1:
        raise ValueError(f"weights must be a 1-d array, got shape {a.shape}")
    order = _checks.order(order)
    if order % 2:
        raise ValueError(f"order must be even (the odd-order rule counts signs), got {order}")
    return a ** (2.0 / (order - 2))


def win_probabilities(weights, *, order=4) -> np.ndarray:
    """Probability :math:`\\pi_k` that one uniformly random direction is won by :math:`u_k`.

    Chapter 1. A component started in direction :math:`\\bar w` locks onto the winner
    :math:`\\arg\\max_l a_l |\\langle \\bar w, u_l\\rangle|^{l-2}` (chapter 2's rule,
    :func:`predicted_winner`). For :math:`\\bar w = g/\\|g\\|` with :math:`g` standard
    Gaussian, the norm cancels from the comparison, so with :math:`b_l = a_l^{2/(l-2)}`

    .. math:: \\pi_k = P\\big(b_k g_k^2 > b_l g_l^2 \\ \\forall l \\ne k\\big)
              = 2\\int_0^\\infty \\varphi(x)\\prod_{l\\ne k}
                \\Big(2\\Phi\\big(x\\sqrt{b_k/b_l}\\big) - 1\\Big)\\,dx,

    a one-dimensional integral evaluated by quadrature (exact up to about 1e-10). It
    does not depend on the dimension :math:`d \\ge r`.

    Parameters
    ----------
    weights : array_like (r,)
        :math:`a_1, \\dots, a_r > 0` (any order; ties allowed).
    order : int, default 4
        An even tensor order :math:`l \\ge 4`.

    Returns
    -------
    ndarray (r,)
        :math:`\\pi_1, \\dots, \\pi_r`; they sum to 1.

    Raises
    ------
    ValueError
        If a weight is not positive or ``order`` is odd or below 4.
    """
    b = _even_order_scores(weights, order)
    out = np.empty(b.size)
    for k in range(b.size):
        ratio = np.sqrt(b[k] / np.delete(b, k))

        def integrand(x, ratio=ratio):
            return 2 * math.exp(-x * x / 2) / math.sqrt(2 * math.pi) * float(
                np.prod(special.erf(x * ratio / math.sqrt(2))))

        out[k], _ = integrate.quad(integrand, 0, np.inf, limit=200, epsabs=1e-13)
    return out


def miss_probability(weights, m, *, order=4) -> np.ndarray:
    """Probability that no component of ``m`` random starts wins :math:`u_k`.

    Chapter 1. The ``m`` initial directions are independent, and each is won by
    :math:`u_k` with probability :math:`\\pi_k` (:func:`win_probabilities`), so

    .. math:: P(\\text{no component wins } u_k) = (1 - \\pi_k)^m .

    Such a direction is not fitted by plain gradient flow from a small initialization
    in the book's runs (chapter 1); chapter 5's re-initialization fixes it.

    Parameters
    ----------
    weights : array_like (r,)
        :math:`a_k > 0`.
    m : int
        Number of components, >= 1.
    order : int, default 4
        An even tensor order.

    Returns
    -------
    ndarray (r,)
        The miss probability of every :math:`u_k`; independent of :math:`d \\ge r`.
    """
    m = _checks.positive_int("m", m)
    return (1.0 - win_probabilities(weights, order=order)) ** m


def all_won_probability(weights, m, *, order=4) -> float:
    """Probability that every :math:`u_k` is won by at least one of ``m`` random starts.

    Inclusion-exclusion over the set :math:`S` of missed directions, with the winners of
    the ``m`` starts independent with law :math:`\\pi` (:func:`win_probabilities`):

    .. math:: P(\\text{all won}) = \\sum_{S \\subseteq [r]} (-1)^{|S|}
              \\Big(1 - \\sum_{k \\in S} \\pi_k\\Big)^m .

    Parameters
    ----------
    weights : array_like (r,)
        :math:`a_k > 0`; ``r <= 20`` (the sum has :math:`2^r` terms).
    m : int
        Number of components, >= 1.
    order : int, default 4

    Returns
    -------
    float
    """
    m = _checks.positive_int("m", m)
    pi = win_probabilities(weights, order=order)
    if pi.size > 20:
        raise ValueError(f"weights must have at most 20 entries, got {pi.size}")
    total = 0.0
    for size in range(pi.size + 1):
        for S in itertools.combinations(range(pi.size), size):
            total += (-1) ** size * max(1.0 - float(np.sum(pi[list(S)])), 0.0) ** m
    return float(min(max(total, 0.0), 1.0))
