"""Predictions for the modified flow (chapter 5): the counting bound on the members that
can sit above the re-initialization threshold at lock-up.

Part of :mod:`deflation.theory`, which re-exports every name here.
"""

from __future__ import annotations

import numpy as np

from .. import _checks
from .._typing import ArrayLike

__all__ = [
    "lockup_count_bound",
    "lockup_components_needed",
]


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


def lockup_count_bound(weights: ArrayLike, reinit_threshold: float, reg: float=0.0) -> float:
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


def lockup_components_needed(weights: ArrayLike, reg: float=0.0) -> float:
    """How many components the counting bound asks for at the largest usable threshold.

    The threshold must keep the smallest fitted group: :math:`\\delta_1^2 < a_r -
    \\lambda/2` (:math:`a_r` the smallest :math:`a_k > \\lambda/2`), or that group's
    single member would be re-drawn at every epoch start. Hence
    :math:`N(\\delta_1) > N^* =` :math:`\\sum_k (a_k - \\lambda/2) / (a_r - \\lambda/2)`
    (:func:`~deflation.theory.lockup_count_bound`), and excluding a lock-up by counting needs
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
