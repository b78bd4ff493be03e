"""Early-phase predictions (chapters 1 and 2): the reduced equation, the winner of a
random start, the blow-up time, the best of m starts, and how likely a direction is won
at all.

Part of :mod:`deflation.theory`, which re-exports every name here.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy import integrate, special

from .. import _checks
from .._typing import ArrayLike

__all__ = [
    "early_phase_rhs",
    "predicted_winner",
    "blowup_time",
    "approx_max_alignment",
    "expected_max_alignment",
    "win_probabilities",
    "miss_probability",
    "all_won_probability",
]


def early_phase_rhs(v: ArrayLike, weights: ArrayLike) -> np.ndarray:
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


def predicted_winner(correlations: ArrayLike, weights: ArrayLike, *, order: int=4) -> np.ndarray:
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


def blowup_time(correlation: ArrayLike, weight: ArrayLike, *, order: int=4) -> float | np.ndarray:
    """Blow-up time of :math:`\\dot p = l\\, a\\, p^{l-1}` from :math:`p(0)`.

    Parameters
    ----------
    correlation : float or array_like
        :math:`p(0) = \\langle \\bar w(0), u\\rangle \\in (0, 1]`.
    weight : float or array_like
        :math:`a > 0`.
    order : int, default 4

    Returns
    -------
    float or ndarray
        :math:`t^* = 1 / (l (l-2)\\, a\\, p(0)^{l-2})`; for order 4,
        :math:`1/(8 a v(0))` with :math:`v = p^2`.
    """
    p = _checks.positive_array("correlation", correlation, upper=1.0)
    a = _checks.positive_array("weight", weight)
    order = _checks.order(order)
    out = 1.0 / (order * (order - 2) * a * p ** (order - 2))
    return float(out) if out.ndim == 0 else out


def approx_max_alignment(m: int, d: int) -> float:
    """The approximation :math:`\\max_{j \\le m} v_j(0) \\approx 2 \\log(m) / d`."""
    m = _checks.positive_int("m", m, minimum=2)
    d = _checks.positive_int("d", d)
    return 2 * math.log(m) / d


def expected_max_alignment(m: int, d: int) -> float:
    """Exact :math:`E[\\max_{j \\le m} \\langle \\bar w_j, u\\rangle^2]` for uniform directions.

    Each :math:`v_j \\sim \\mathrm{Beta}(1/2, (d-1)/2)`, so
    :math:`E[\\max] = \\int_0^1 (1 - F(v)^m)\\, dv` with the Beta CDF :math:`F`.
    """
    m = _checks.positive_int("m", m)
    d = _checks.positive_int("d", d, minimum=2)
    cdf = lambda v: special.betainc(0.5, (d - 1) / 2, v)  # noqa: E731
    val, _ = integrate.quad(lambda v: 1 - cdf(v) ** m, 0, 1, limit=200, epsabs=1e-12)
    return float(val)


def _even_order_scores(weights, order):
    """Checked weights and the exponent-free scores :math:`b_k = a_k^{2/(l-2)}`."""
    a = _checks.positive_array("weights", weights)
    if a.ndim != 1:
        raise ValueError(f"weights must be a 1-d array, got shape {a.shape}")
    order = _checks.order(order)
    if order % 2:
        raise ValueError(f"order must be even (the odd-order rule counts signs), got {order}")
    return a ** (2.0 / (order - 2))


def win_probabilities(weights: ArrayLike, *, order: int=4) -> np.ndarray:
    """Probability :math:`\\pi_k` that one uniformly random direction is won by :math:`u_k`.

    Chapter 1. A component started in direction :math:`\\bar w` locks onto the winner
    :math:`\\arg\\max_l a_l |\\langle \\bar w, u_l\\rangle|^{l-2}` (chapter 2's rule,
    :func:`~deflation.theory.predicted_winner`). For :math:`\\bar w = g/\\|g\\|` with :math:`g` standard
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


def miss_probability(weights: ArrayLike, m: int, *, order: int=4) -> np.ndarray:
    """Probability that no component of ``m`` random starts wins :math:`u_k`.

    Chapter 1. The ``m`` initial directions are independent, and each is won by
    :math:`u_k` with probability :math:`\\pi_k` (:func:`~deflation.theory.win_probabilities`), so

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


def all_won_probability(weights: ArrayLike, m: int, *, order: int=4) -> float:
    """Probability that every :math:`u_k` is won by at least one of ``m`` random starts.

    Inclusion-exclusion over the set :math:`S` of missed directions, with the winners of
    the ``m`` starts independent with law :math:`\\pi` (:func:`~deflation.theory.win_probabilities`):

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
