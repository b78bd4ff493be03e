"""Predictions beyond the orthogonal case (chapter 6): the first-order fixed point of a
group on a perturbed target, and the fit time of every component from the initial
correlations.

Part of :mod:`deflation.theory`, which re-exports every name here.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate

from .. import _checks
from .._kernels import split
from .._typing import ArrayLike
from ..tensors import LowRankTensor
from .early import predicted_winner
from .growth import logistic_time

__all__ = [
    "first_order_fixed_point",
    "alignment_delay",
    "predicted_fit_times",
]


def first_order_fixed_point(target: LowRankTensor, k: int) -> tuple[np.ndarray, float]:
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
    target = _checks.instance("target", target, LowRankTensor, "see orthogonal_tensor")
    k = _checks.positive_int("k", k, minimum=0)
    if not k < target.rank:
        raise ValueError(f"k must be an integer in [0, {target.rank}), got {k!r}")
    u = target.basis[:, k]
    a = float(target.weights[k])
    Eu = target.contract(u[None, :])[0] - a * u  # E(u^{l-1}, .)
    x = u + (Eu - (Eu @ u) * u) / a
    return x / np.linalg.norm(x), a + float(Eu @ u)


def alignment_delay(
    correlation: ArrayLike, weight: ArrayLike, *, order: int=4,
) -> float | np.ndarray:
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


def predicted_fit_times(W0: ArrayLike, target: LowRankTensor, frac: float=0.9) -> np.ndarray:
    """Fit time of every component of an orthogonal target, predicted from ``W0`` (chapter 6).

    For each k, over the components j whose early-phase winner
    (:func:`~deflation.theory.predicted_winner`) is k, take the smallest
    :math:`D(p_{jk}) + \\frac{1}{4a_k}\\log\\frac{f (a_k - c_j)}{(1-f) c_j}` with
    :math:`D` from :func:`~deflation.theory.alignment_delay`, :math:`c_j = \\|w_j(0)\\|^2` and
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
    target = _checks.instance("target", target, LowRankTensor, "see orthogonal_tensor")
    _checks.orthogonal(target, why="the predictions assume it")
    W0 = _checks.weight_matrix(W0, target.d)
    frac = _checks.fraction("frac", frac)
    _, wbar, c = split(W0, 2.0)
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
