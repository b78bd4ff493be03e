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
  (:func:`~deflation.theory.fit_floor`); rough fit time; the norm/correlation bound and the stability
  spectrum of a fitted state (chapter 3).
* Beyond the theorem (chapter 6): the first-order fixed point of a group on a perturbed
  target (:func:`~deflation.theory.first_order_fixed_point`) and the fit time of every component from the
  initial correlations (:func:`~deflation.theory.alignment_delay`, :func:`~deflation.theory.predicted_fit_times`).
"""

from __future__ import annotations

from .early import (
    all_won_probability,
    approx_max_alignment,
    blowup_time,
    early_phase_rhs,
    expected_max_alignment,
    miss_probability,
    predicted_winner,
    win_probabilities,
)
from .growth import (
    fit_floor,
    fit_time_estimate,
    fitted_weight,
    growth_rate,
    logistic_time,
    norm_correlation_bound,
    stability_spectrum,
)
from .perturbed import alignment_delay, first_order_fixed_point, predicted_fit_times
from .reinit import lockup_components_needed, lockup_count_bound

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
