"""Beyond the theorem: non-orthogonal and noisy targets, order 3, and scale (chapter 6).

* A recovery measure that works for any target (:func:`recovery`,
  :func:`deflation_recovery`, :func:`recovery_path`). :attr:`Trajectory.residual
  <deflation.Trajectory>` is :math:`a_k - \\langle T(W), u_k^{\\otimes l}\\rangle`, which for
  non-orthogonal :math:`u_k` does not vanish at a perfect fit; instead every model component
  is assigned to the ground-truth direction it is aligned with, and the *group* of
  components aligned with :math:`u_k` is compared with :math:`a_k u_k^{\\otimes l}`.
* First-order predictions: the fixed point of a fitted group next to :math:`u_k` when the
  rest of the target perturbs it (:func:`first_order_fixed_point`), and the fit time of
  every component from the initial correlations (:func:`alignment_delay`,
  :func:`predicted_fit_times`).
* Module-level run functions for :func:`deflation.sweep` (:func:`run_fit_times`,
  :func:`run_correlated`, :func:`run_noisy`): each takes ``(config, seed)`` and returns a
  dict of JSON-friendly numbers, and carries a ``cache_version``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate

from . import _checks, theory
from .deflation_process import DeflationResult, tensor_deflation
from .flow import Trajectory, first_crossings, first_indices, gradient_flow
from .model import _check_target, _degree, _split
from .tensors import (
    LowRankTensor,
    correlated_directions,
    low_rank_tensor,
    orthogonal_tensor,
    small_init,
    with_noise,
)

__all__ = [
    "Recovery",
    "recovery",
    "deflation_recovery",
    "recovery_path",
    "group_fit_times",
    "group_directions",
    "plateau_match",
    "first_order_fixed_point",
    "alignment_delay",
    "predicted_fit_times",
    "logit_fit_times",
    "run_fit_times",
    "run_correlated",
    "run_noisy",
    "run_loss_curve",
    "sweep_plan",
    "SWEEPS",
]


# ---------------------------------------------------------------------------------------
# The recovery measure


@dataclass
class Recovery:
    """How well a set of weighted directions recovers each ground-truth component.

    Every component :math:`(c_j, \\bar w_j)` whose aligned correlation
    :math:`s_{jk}` reaches ``threshold`` for some k joins the group :math:`G_k` of the
    direction it is most aligned with. Here :math:`s_{jk} = \\langle \\bar w_j,
    u_k\\rangle` for odd order and :math:`|\\langle \\bar w_j, u_k\\rangle|` for even
    order, since then :math:`(-w)^{\\otimes l} = w^{\\otimes l}`.

    Attributes
    ----------
    group_weight : ndarray (r,)
        :math:`b_k = \\sum_{j \\in G_k} c_j`, the fitted weight of the group.
    direction_angle : ndarray (r,)
        Angle (radians) between :math:`u_k` and the group direction
        :math:`x_k \\propto \\sum_{j \\in G_k} c_j\\,\\mathrm{sign}(\\langle \\bar w_j,
        u_k\\rangle)\\,\\bar w_j`; NaN for an empty group.
    mean_angle : ndarray (r,)
        Weight-averaged angle of the members, :math:`\\theta_k = \\sum_{j\\in G_k} c_j
        \\arccos(s_{jk}) / b_k`: large when the group is spread out even if its direction
        is right; NaN for an empty group.
    best_correlation : ndarray (r,)
        :math:`\\max_j s_{jk}` over the components with :math:`c_j \\ge`
        ``min_weight`` (NaN if there are none).
    stray_weight : float
        Total weight of the components in no group.
    bound : float
        :math:`\\sum_k (|b_k - a_k| + l\\, b_k \\theta_k) + \\text{stray}`, an upper bound
        on :math:`\\|T(W) - \\sum_k a_k u_k^{\\otimes l}\\|_F` (an empty group counts
        :math:`a_k`).
    weights : ndarray (r,)
        The ground-truth weights :math:`a_k`.
    """

    group_weight: np.ndarray
    direction_angle: np.ndarray
    mean_angle: np.ndarray
    best_correlation: np.ndarray
    stray_weight: float
    bound: float
    weights: np.ndarray

    @property
    def weight_error(self) -> np.ndarray:
        """Relative weight error :math:`(b_k - a_k) / a_k`, shape (r,)."""
        return (self.group_weight - self.weights) / self.weights

    def recovered(self, tol=0.05) -> np.ndarray:
        """Components recovered to ``tol``: direction angle at most ``tol`` (radians)
        and relative weight error at most ``tol``; bool array of shape (r,)."""
        tol = _checks.positive_float("tol", tol)
        ang = np.where(np.isfinite(self.direction_angle), self.direction_angle, np.inf)
        return (ang <= tol) & (np.abs(self.weight_error) <= tol)


def _threshold(threshold) -> float:
    x = _checks.positive_float("threshold", threshold)
    if not x < 1:
        raise ValueError(f"threshold must be in (0, 1), got {x!r}")
    return x


def _aligned(S, order: int) -> np.ndarray:
    """Aligned correlations: signed for odd order, absolute for even order, in [-1, 1]."""
    return np.clip(np.abs(S) if order % 2 == 0 else S, -1.0, 1.0)


def _groups(c, S, target: LowRankTensor, threshold: float, V=None):
    """Group weights, mean angles (and, given the unit rows ``V``, direction angles)
    from weights ``c`` (n,) and signed correlations ``S`` (n, r)."""
    signs = np.sign(S)
    S = _aligned(S, target.order)
    r = target.rank
    b = np.zeros(r)
    ang = np.full(r, np.nan)
    phi = np.full(r, np.nan)
    if S.shape[0] == 0:
        return b, ang, phi, np.zeros(0, dtype=bool), S
    best = np.argmax(S, axis=1)
    member = S[np.arange(S.shape[0]), best] >= threshold
    for k in range(r):
        sel = member & (best == k)
        b[k] = float(np.sum(c[sel]))
        if b[k] > 0:
            ang[k] = float(np.sum(c[sel] * np.arccos(S[sel, k])) / b[k])
            if V is not None:
                x = (c[sel] * signs[sel, k]) @ V[sel]
                cos = float(x @ target.basis[:, k]) / float(np.linalg.norm(x))
                phi[k] = math.acos(min(1.0, max(-1.0, cos)))
    return b, ang, phi, member, S


def _recovery(c, V, target: LowRankTensor, threshold: float, min_weight: float) -> Recovery:
    """The recovery measure for weights ``c`` (n,) and unit rows ``V`` (n, d)."""
    a = target.weights
    b, ang, phi, member, S = _groups(c, V @ target.basis, target, threshold, V)
    big = c >= min_weight
    best_corr = np.max(S[big], axis=0) if np.any(big) else np.full(a.size, np.nan)
    stray = float(np.sum(c[~member]))
    terms = np.where(b > 0, np.abs(b - a) + target.order * b * np.nan_to_num(ang), a)
    return Recovery(b, phi, ang, best_corr, stray, float(np.sum(terms) + stray), a.copy())


def recovery(W, target, *, threshold=0.9, min_weight=1e-3, degree=2) -> Recovery:
    """The recovery measure of a model ``W`` (see :class:`Recovery`; chapter 6).

    Parameters
    ----------
    W : array_like, shape (m, d)
    target : LowRankTensor
        Its low-rank part :math:`\\sum_k a_k u_k^{\\otimes l}` is the ground truth (noise
        is ignored).
    threshold : float, default 0.9
        Minimal aligned correlation :math:`s_{jk}` for joining group k, in (0, 1).
        For the groups to be disjoint cones, pick it above
        :math:`\\cos(\\tfrac12 \\min_{k \\ne l} \\angle(u_k, u_l))`.
    min_weight : float, default 1e-3
        Components lighter than this do not count for ``best_correlation``.
    degree : float, default 2
        Homogeneity degree of the model (weights :math:`c_j = \\|w_j\\|^p`).

    Returns
    -------
    Recovery
    """
    target = _check_target(target)
    W = _checks.weight_matrix(W, target.d)
    thr = _threshold(threshold)
    min_weight = _checks.positive_float("min_weight", min_weight, allow_zero=True)
    _, wbar, c = _split(W, _degree(degree, target.order))
    return _recovery(c, wbar, target, thr, min_weight)


def deflation_recovery(result, target, *, threshold=0.9) -> Recovery:
    """The recovery measure of the output of :func:`deflation.tensor_deflation`.

    Parameters
    ----------
    result : DeflationResult
    target : LowRankTensor
    threshold : float, default 0.9

    Returns
    -------
    Recovery
        Negative recovered weights (possible on a noisy or non-orthogonal target) count
        with their absolute value as stray weight.
    """
    if not isinstance(result, DeflationResult):
        raise ValueError(f"result must be a DeflationResult, got {type(result).__name__}")
    target = _check_target(target)
    if result.vectors.shape[0] != target.d:
        raise ValueError(
            f"result has dimension {result.vectors.shape[0]}, target has d={target.d}"
        )
    thr = _threshold(threshold)
    c = np.asarray(result.weights, dtype=float)
    V = np.asarray(result.vectors, dtype=float).T
    neg = c < 0
    rec = _recovery(np.where(neg, 0.0, c), V, target, thr, 0.0)
    extra = float(np.sum(-c[neg]))
    rec.stray_weight += extra
    rec.bound += extra
    return rec


def recovery_path(traj, *, threshold=0.9):
    """Group weights and angles along a recorded trajectory (no stored ``W`` needed).

    Parameters
    ----------
    traj : Trajectory
    threshold : float, default 0.9

    Returns
    -------
    group_weight : ndarray (n, r)
        :math:`b_k(t)`.
    mean_angle : ndarray (n, r)
        :math:`\\theta_k(t)`, the members' mean angle (NaN while the group is empty).
    """
    if not isinstance(traj, Trajectory):
        raise ValueError(f"traj must be a Trajectory, got {type(traj).__name__}")
    thr = _threshold(threshold)
    c_all = traj.norms**traj.degree
    n, r = traj.t.size, traj.target.rank
    b = np.zeros((n, r))
    ang = np.full((n, r), np.nan)
    for i in range(n):
        b[i], ang[i], _, _, _ = _groups(c_all[i], traj.correlations[i], traj.target, thr)
    return b, ang


def group_fit_times(traj, frac=0.9, *, threshold=0.9) -> np.ndarray:
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


# ---------------------------------------------------------------------------------------
# First-order predictions


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
    (:func:`deflation.theory.predicted_winner`) is k, take the smallest
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
    win = theory.predicted_winner(P, a, order=target.order)
    out = np.full(a.size, np.nan)
    for k in range(a.size):
        sel = (win == k) & (P[:, k] > 0 if target.order % 2 else P[:, k] != 0)
        if not np.any(sel):
            continue
        p0 = np.minimum(np.abs(P[sel, k]), 1.0)
        grow = np.log(frac * (a[k] - c[sel]) / ((1 - frac) * c[sel])) / (4 * a[k])
        t_j = alignment_delay(p0, a[k], order=target.order) + grow
        # the group's weight is the sum of its members' weights: a soft minimum
        t_min = float(np.min(t_j))
        out[k] = t_min - math.log(float(np.sum(np.exp(-4 * a[k] * (t_j - t_min))))) / (4 * a[k])
    return out


def logit_fit_times(traj, frac=0.9) -> np.ndarray:
    """Fit times of an orthogonal target, interpolated on the logit scale.

    Like :func:`deflation.fit_times` (first time the fitted fraction
    :math:`y_k = 1 - \\text{residual}_k / a_k` reaches ``frac``), but between the two
    recorded times around the crossing it interpolates :math:`\\log(y/(1-y))` linearly
    instead of :math:`y`. A logistic curve is a straight line on that scale, so a coarse
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
    if not isinstance(traj, Trajectory):
        raise ValueError(f"traj must be a Trajectory, got {type(traj).__name__}")
    frac = _checks.fraction("frac", frac)
    a = traj.target.weights
    y = 1.0 - traj.residual / a
    out = np.full(a.size, np.nan)
    level = math.log(frac / (1 - frac))
    for k, i in enumerate(first_indices(y, frac)):
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


def plateau_match(traj, result, *, threshold=0.9):
    r"""Closest approach of gradient flow to the deflation process's first step.

    On the first plateau, the window between the first two group fit times
    (:func:`group_fit_times`; up to the end of the run if only one group is fitted), take
    at every recorded time the heaviest component's direction :math:`x` and the weight
    :math:`b` of its group (:class:`Recovery`), and measure the distance between
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
    if not isinstance(traj, Trajectory) or traj.W_path is None:
        raise ValueError("traj must be a Trajectory recorded with record_W=True")
    if not isinstance(result, DeflationResult):
        raise ValueError(f"result must be a DeflationResult, got {type(result).__name__}")
    T = traj.target
    if result.vectors.shape[0] != T.d:
        raise ValueError(f"result has dimension {result.vectors.shape[0]}, target has d={T.d}")
    thr = _threshold(threshold)
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
            best = {"time": float(traj.t[i]), "distance": dist, "angle": _angle(x, v),
                    "weight_error": bj / b1 - 1}
    return best


# ---------------------------------------------------------------------------------------
# Run functions for deflation.sweep (module level, so joblib can pickle them)


def run_fit_times(config, seed) -> dict:
    """One gradient-flow run on an orthogonal target: measured and predicted fit times.

    Parameters
    ----------
    config : dict
        ``d``, ``m``, ``weights`` (list), ``init_scale`` (:math:`\\delta_0`), ``t_end``;
        optional ``order`` (4), ``rtol`` (1e-6), ``record`` (100), ``frac`` (0.9).
        The flow stops early once the fitting loss is below
        :math:`(10^{-4} \\min_k a_k)^2`.
        The target is :math:`\\sum_k a_k e_k^{\\otimes l}` (no loss of generality: the
        initialization is rotation invariant).
    seed : int
        Seeds the initialization :func:`deflation.small_init`.

    Returns
    -------
    dict
        ``fit_times`` (:func:`logit_fit_times`) and ``predicted``
        (:func:`predicted_fit_times`), lists with NaN where a component is not fitted by
        ``t_end`` or no initial direction is predicted to win it;
        ``final_fit`` (the fitting loss at the end), ``n_eval``.
    """
    cfg = dict(config)
    d, m = int(cfg["d"]), int(cfg["m"])
    order = int(cfg.get("order", 4))
    frac = float(cfg.get("frac", 0.9))
    T = orthogonal_tensor(cfg["weights"], d, order=order)
    W0 = small_init(m, d, float(cfg["init_scale"]), seed=seed)
    a_min = float(np.min(T.weights))
    tr = gradient_flow(
        W0, T, float(cfg["t_end"]), rtol=float(cfg.get("rtol", 1e-6)),
        record=int(cfg.get("record", 100)), stop_fit=(1e-4 * a_min) ** 2,
    )
    return {
        "fit_times": logit_fit_times(tr, frac),
        "predicted": predicted_fit_times(W0, T, frac),
        "final_fit": float(tr.fit[-1]),
        "n_eval": int(tr.n_eval),
    }


run_fit_times.cache_version = 1


def _summary(rec: Recovery, prefix: str) -> dict:
    return {
        f"{prefix}_angle": rec.direction_angle,
        f"{prefix}_weight_error": rec.weight_error,
        f"{prefix}_stray": rec.stray_weight,
    }


def _relative_error(fit: float, target: LowRankTensor) -> float:
    """:math:`\\|T(W) - T^*\\|_F / \\|T^*\\|_F` from the fitting loss."""
    return math.sqrt(2.0 * max(fit, 0.0) / target.sqnorm())


def run_correlated(config, seed) -> dict:
    """Gradient flow and the deflation process on a target with correlated components.

    Parameters
    ----------
    config : dict
        ``d``, ``m``, ``weights``, ``rho`` (pairwise correlation of the :math:`u_k`),
        ``init_scale``, ``checkpoints`` (increasing times at which the flow is
        measured; the last one is the end); optional ``rtol`` (1e-6), ``threshold``
        (0.9), ``order`` (4).
    seed : int
        One generator seeded with it draws, in this order, the directions
        (:func:`deflation.correlated_directions`), the initialization and the
        deflation process's restarts.

    Returns
    -------
    dict
        ``gf_angle``, ``gf_weight_error`` (lists of per-component lists, one per
        checkpoint), ``gf_stray`` and ``gf_rel_error`` (one per checkpoint); ``defl_angle``,
        ``defl_weight_error``, ``defl_stray``, ``defl_rel_error`` for the deflation process;
        ``gf_group_fit_times`` (:func:`group_fit_times`); ``plateau_time``,
        ``plateau_distance``, ``plateau_angle`` and ``plateau_weight_error``
        (:func:`plateau_match`), and ``first``, the component fitted first.
    """
    cfg = dict(config)
    rng = np.random.default_rng(seed)
    a = np.asarray(cfg["weights"], dtype=float)
    U = correlated_directions(int(cfg["d"]), a.size, float(cfg["rho"]), seed=rng)
    T = low_rank_tensor(a, U, order=int(cfg.get("order", 4)))
    thr = float(cfg.get("threshold", 0.9))
    W0 = small_init(int(cfg["m"]), T.d, float(cfg["init_scale"]), seed=rng)
    D = tensor_deflation(T, seed=rng)
    checks = [float(x) for x in cfg["checkpoints"]]
    t_end = checks[-1]
    grid = np.union1d(np.linspace(0.0, min(t_end, 100.0), 401), checks)
    tr = gradient_flow(W0, T, t_end, rtol=float(cfg.get("rtol", 1e-6)), record=grid,
                       record_W=True)
    gft = group_fit_times(tr, threshold=thr)
    out = {"gf_angle": [], "gf_weight_error": [], "gf_stray": [], "gf_rel_error": []}
    for tc in checks:
        i = int(np.argmin(np.abs(tr.t - tc)))
        rec = recovery(tr.W_path[i], T, threshold=thr)
        out["gf_angle"].append(rec.direction_angle)
        out["gf_weight_error"].append(rec.weight_error)
        out["gf_stray"].append(rec.stray_weight)
        out["gf_rel_error"].append(_relative_error(float(tr.fit[i]), T))
    drec = deflation_recovery(D, T, threshold=thr)
    out.update(_summary(drec, "defl"))
    out["defl_rel_error"] = math.sqrt(float(D.residual_sqnorms[-1]) / T.sqnorm())
    out["gf_group_fit_times"] = gft
    match = plateau_match(tr, D, threshold=thr)
    out["plateau_time"] = match["time"]
    out["plateau_distance"] = match["distance"]
    out["plateau_angle"] = match["angle"]
    out["plateau_weight_error"] = match["weight_error"]
    out["first"] = int(np.nanargmin(gft)) if np.any(np.isfinite(gft)) else -1
    return out


run_correlated.cache_version = 3


def run_noisy(config, seed) -> dict:
    """Gradient flow and the deflation process on an orthogonal target plus noise.

    Parameters
    ----------
    config : dict
        ``d``, ``m``, ``weights``, ``sigma`` (Frobenius norm of the noise),
        ``init_scale``, ``t_end``; optional ``rtol`` (1e-6), ``order`` (4),
        ``threshold`` (0.9).
    seed : int
        One generator seeded with it draws, in this order, the noise
        (:func:`deflation.with_noise`), the initialization and the deflation process's
        restarts.

    Returns
    -------
    dict
        ``gf_*`` and ``defl_*`` recovery summaries at ``t_end``; ``pred_angle``, the
        angle of :func:`first_order_fixed_point` to :math:`u_k`; ``gf_to_pred`` and
        ``defl_to_pred``, the angles between the recovered group directions and the
        first-order prediction; ``pred_weight_error``, the predicted relative weight
        error; ``gf_fit``, the final fitting loss, and ``noise_fit``
        (:math:`\\tfrac12\\sigma^2`, the fitting loss of :math:`T(W) = \\sum_k a_k
        u_k^{\\otimes l}`).
    """
    cfg = dict(config)
    rng = np.random.default_rng(seed)
    base = orthogonal_tensor(cfg["weights"], int(cfg["d"]), order=int(cfg.get("order", 4)))
    T = with_noise(base, float(cfg["sigma"]), seed=rng)
    thr = float(cfg.get("threshold", 0.9))
    W0 = small_init(int(cfg["m"]), T.d, float(cfg["init_scale"]), seed=rng)
    D = tensor_deflation(T, seed=rng)
    tr = gradient_flow(W0, T, float(cfg["t_end"]), rtol=float(cfg.get("rtol", 1e-6)),
                       record=50)
    r = T.rank
    pred = [first_order_fixed_point(T, k) for k in range(r)]
    gf_dirs = group_directions(tr.W, T, threshold=thr)
    V = D.vectors.T * np.sqrt(np.abs(D.weights))[:, None]
    defl_dirs = group_directions(V, T, threshold=thr)
    return {
        **_summary(recovery(tr.W, T, threshold=thr), "gf"),
        **_summary(deflation_recovery(D, T, threshold=thr), "defl"),
        "pred_angle": [_angle(x, T.basis[:, k]) for k, (x, _) in enumerate(pred)],
        "pred_weight_error": [(c - a) / a for (_, c), a in zip(pred, T.weights)],
        "gf_to_pred": [_angle(x, y) for x, (y, _) in zip(gf_dirs, pred)],
        "defl_to_pred": [_angle(x, y) for x, (y, _) in zip(defl_dirs, pred)],
        "gf_fit": float(tr.fit[-1]),
        "noise_fit": 0.5 * float(cfg["sigma"]) ** 2,
    }


run_noisy.cache_version = 1


def run_loss_curve(config, seed) -> dict:
    """A long gradient-flow run on a noisy orthogonal target: the loss curve.

    Parameters
    ----------
    config : dict
        ``d``, ``m``, ``weights``, ``sigma``, ``init_scale``, ``t_end``; optional
        ``rtol`` (1e-5), ``n_record`` (120: record times spaced geometrically from
        ``t_end / 1000`` to ``t_end``), ``order`` (4).
    seed : int
        Draws the noise, then the initialization (as :func:`run_noisy`).

    Returns
    -------
    dict
        ``t``, ``fit`` (fitting loss) and ``n_large`` (components of weight
        :math:`\\ge 10^{-3}`) at the record times; ``deflation_fit``, the fitting loss
        of the rank-r deflation process on the same target; ``noise_fit``
        (:math:`\\tfrac12\\sigma^2`).
    """
    cfg = dict(config)
    rng = np.random.default_rng(seed)
    base = orthogonal_tensor(cfg["weights"], int(cfg["d"]), order=int(cfg.get("order", 4)))
    T = with_noise(base, float(cfg["sigma"]), seed=rng)
    W0 = small_init(int(cfg["m"]), T.d, float(cfg["init_scale"]), seed=rng)
    t_end = float(cfg["t_end"])
    times = np.geomspace(t_end / 1000, t_end, int(cfg.get("n_record", 120)))
    tr = gradient_flow(W0, T, t_end, rtol=float(cfg.get("rtol", 1e-5)), record=times)
    D = tensor_deflation(T, seed=rng)
    return {
        "t": tr.t,
        "fit": tr.fit,
        "n_large": np.sum(tr.norms**2 >= 1e-3, axis=1),
        "deflation_fit": 0.5 * float(D.residual_sqnorms[-1]),
        "noise_fit": 0.5 * float(cfg["sigma"]) ** 2,
    }


run_loss_curve.cache_version = 1


def _angle(x, y) -> float:
    """Angle between unit vectors up to sign (NaN if ``x`` is None)."""
    if x is None:
        return float("nan")
    return math.acos(min(1.0, abs(float(x @ y))))


def group_directions(W, target, *, threshold=0.9):
    """Weighted mean direction of each group (see :class:`Recovery`), signs aligned.

    Parameters
    ----------
    W : array_like, shape (m, d)
    target : LowRankTensor
    threshold : float, default 0.9

    Returns
    -------
    list of ndarray (d,) or None
        For each k, :math:`x_k \\propto \\sum_{j\\in G_k} c_j\\, \\mathrm{sign}
        (\\langle \\bar w_j, u_k\\rangle)\\, \\bar w_j`, normalized; None for an empty group.
    """
    target = _check_target(target)
    W = _checks.weight_matrix(W, target.d)
    thr = _threshold(threshold)
    _, wbar, c = _split(W, 2.0)
    P = wbar @ target.basis
    S = _aligned(P, target.order)
    best = np.argmax(S, axis=1)
    top = S[np.arange(S.shape[0]), best]
    out = []
    for k in range(target.rank):
        sel = (top >= thr) & (best == k)
        if not np.any(sel):
            out.append(None)
            continue
        x = np.sum((c[sel] * np.sign(P[sel, k]))[:, None] * wbar[sel], axis=0)
        out.append(x / np.linalg.norm(x))
    return out


# ---------------------------------------------------------------------------------------
# The chapter's sweeps (scripts/ch6_sweep.py runs them; the chapter loads their cache)

SCALE_WEIGHTS = [1.0, 0.6, 0.35, 0.2]
INIT_SCALES = [1e-2, 1e-4, 1e-6, 1e-8]


def sweep_plan(name):
    """The blocks of one of the chapter's sweeps: ``(func, configs, seeds)`` triples.

    Parameters
    ----------
    name : {"scale", "order3", "correlated", "noisy"}
        ``"scale"``: fit times on an orthogonal order-4 target (weights
        ``SCALE_WEIGHTS``) for :math:`(d, m)` from (10, 20) to (100, 1000) and
        :math:`\\delta_0` in ``INIT_SCALES``; 20 seeds up to m = 100, 10 seeds at
        m = 300, 3 seeds at m = 1000 (a run there costs about a hundred times more).
        ``"order3"``: the same at order 3 for two small sizes. ``"correlated"``:
        :func:`run_correlated` for pairwise correlations 0 to 0.8. ``"noisy"``:
        :func:`run_noisy` for noise norms 0 to 0.4, and three long runs of
        :func:`run_loss_curve`.

    Returns
    -------
    list of (callable, list of dict, list of int)
        Pass each block to :func:`deflation.sweep` with the same ``cache_dir``.
    """
    def scale(d, m, order=4, record=100):
        return [
            {"d": d, "m": m, "weights": SCALE_WEIGHTS, "init_scale": s, "t_end": 80.0,
             "rtol": 1e-5, "record": record, "order": order}
            for s in INIT_SCALES
        ]

    if name == "scale":
        small = [c for d, m in [(10, 20), (10, 100), (30, 100), (100, 100)] for c in scale(d, m)]
        return [
            (run_fit_times, small, list(range(20))),
            (run_fit_times, scale(100, 300), list(range(10))),
            (run_fit_times, scale(100, 1000), list(range(3))),
        ]
    if name == "order3":
        cfgs = [c for d, m in [(10, 20), (30, 100)] for c in scale(d, m, order=3)]
        return [(run_fit_times, cfgs, list(range(20)))]
    if name == "correlated":
        cfgs = [
            {"d": 10, "m": 20, "weights": [1.0, 0.7, 0.5, 0.35], "rho": rho,
             "init_scale": 1e-6, "checkpoints": [50.0, 150.0, 500.0], "rtol": 1e-6}
            for rho in [0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8]
        ]
        return [(run_correlated, cfgs, list(range(16)))]
    if name == "noisy":
        cfgs = [
            {"d": 8, "m": 20, "weights": [1.0, 0.7, 0.5, 0.35], "sigma": sigma,
             "init_scale": 1e-6, "t_end": 60.0, "rtol": 1e-6}
            for sigma in [0.0, 0.05, 0.1, 0.2, 0.4]
        ]
        long = [{"d": 8, "m": 20, "weights": [1.0, 0.7, 0.5, 0.35], "sigma": 0.2,
                 "init_scale": 1e-6, "t_end": 2000.0, "rtol": 1e-5}]
        return [(run_noisy, cfgs, list(range(20))), (run_loss_curve, long, [0, 1, 2])]
    raise ValueError(
        f"name must be one of 'scale', 'order3', 'correlated', 'noisy', got {name!r}"
    )


SWEEPS = ("scale", "order3", "correlated", "noisy")
