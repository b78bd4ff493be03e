"""Measures read off a run: groups and recovery (rates: :mod:`deflation.rates`).

* One rule for "which ground-truth direction a model component belongs to"
  (:func:`assign_groups`), sign-aware at odd order, and what follows from it: the
  weight and size of each group (:func:`group_weights`, :func:`group_sizes`), the group
  directions (:func:`group_directions`) and the recovery measure of any target
  (:class:`Recovery`, :func:`recovery`, :func:`deflation_recovery`,
  :func:`recovery_path`).
* Recovery of an orthogonal target from the fitted weights (:func:`fitted_weights`,
  :func:`recovered`) and the relative error :func:`relative_error`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _checks
from ._kernels import split
from ._typing import ArrayLike, HasTrajectory
from .deflation_process import DeflationResult
from .flow import Trajectory
from .model import residuals
from .tensors import LowRankTensor
from .theory import fitted_weight

__all__ = [
    "assign_groups",
    "group_weights",
    "group_sizes",
    "group_directions",
    "Recovery",
    "recovery",
    "deflation_recovery",
    "recovery_path",
    "fitted_weights",
    "recovered",
    "relative_error",
]


# ---------------------------------------------------------------------------------------
# The one group-assignment rule


def _aligned(S, order: int) -> np.ndarray:
    """Aligned correlations: signed at odd order, absolute at even order, in [-1, 1]."""
    return np.clip(np.abs(S) if order % 2 == 0 else S, -1.0, 1.0)


def _assign(S, order: int, threshold: float, c=None, min_weight: float = 0.0):
    """The rule itself, unchecked: labels (...) and aligned correlations (..., r)."""
    A = _aligned(S, order)
    if A.shape[-1] == 0:
        return np.full(A.shape[:-1], -1, dtype=int), A
    best = np.argmax(A, axis=-1)
    top = np.take_along_axis(A, best[..., None], axis=-1)[..., 0]
    keep = top > threshold
    if c is not None:
        keep &= c >= min_weight
    return np.where(keep, best, -1), A


def assign_groups(
    norms: ArrayLike, correlations: ArrayLike, *, order: int=4, threshold: float=0.0,
    min_weight: float=0.0, degree: float=2,
) -> np.ndarray:
    """The ground-truth direction each model component belongs to (one rule, book-wide).

    Component j belongs to direction :math:`k = \\arg\\max_k s_{jk}` when
    :math:`s_{jk} >` ``threshold``, where :math:`s_{jk} = |\\langle \\bar w_j, u_k\\rangle|`
    at even order (there :math:`(-w)^{\\otimes l} = w^{\\otimes l}`) and the *signed*
    :math:`s_{jk} = \\langle \\bar w_j, u_k\\rangle` at odd order (a component flipped
    against :math:`u_k` contributes :math:`-\\|w_j\\|^p u_k^{\\otimes l}`: it does not fit
    :math:`u_k`, it works against it).

    Parameters
    ----------
    norms : array_like, shape (..., m)
        :math:`\\|w_j\\|` (for example ``traj.norms``).
    correlations : array_like, shape (..., m, r)
        Signed :math:`\\langle \\bar w_j, u_k\\rangle` (``traj.correlations``).
    order : int, default 4
        Order :math:`l` of the target.
    threshold : float, default 0.0
        Correlation threshold, in [0, 1). With 0 at even order every nonzero component
        not orthogonal to all :math:`u_k` belongs somewhere; at odd order a component
        with no positive correlation belongs nowhere.
    min_weight : float, default 0.0
        Components with weight :math:`c_j = \\|w_j\\|^p` below this belong nowhere.
    degree : float, default 2
        Homogeneity degree :math:`p`.

    Returns
    -------
    ndarray of int, shape (..., m)
        The direction index, or -1 for no group.
    """
    n, P = _norms_corr(norms, correlations)
    order = _checks.order(order)
    thr = _checks.threshold(threshold)
    min_weight = _checks.positive_float("min_weight", min_weight, allow_zero=True)
    p = _checks.degree(degree, order)
    labels, _ = _assign(P, order, thr, n**p, min_weight)
    return labels


def _norms_corr(norms, correlations):
    n = _checks.finite_array("norms", norms)
    P = _checks.finite_array("correlations", correlations)
    if P.ndim < 2 or n.shape != P.shape[:-1]:
        raise ValueError(
            "correlations must have shape norms.shape + (r,), got norms "
            f"{n.shape} and correlations {P.shape}"
        )
    if np.any(n < 0):
        raise ValueError("norms must be >= 0")
    return n, P


def group_weights(
    norms: ArrayLike, correlations: ArrayLike, *, order: int=4, threshold: float=0.0,
    min_weight: float=0.0, degree: float=2,
) -> np.ndarray:
    """Total weight of the components that belong to each ground-truth direction.

    Parameters
    ----------
    norms : array_like, shape (..., m)
    correlations : array_like, shape (..., m, r)
    order, threshold, min_weight, degree
        As in :func:`assign_groups`.

    Returns
    -------
    ndarray, shape (..., r)
        :math:`C_k = \\sum_{j \\in G_k} \\|w_j\\|^p`.
    """
    labels = assign_groups(norms, correlations, order=order, threshold=threshold,
                           min_weight=min_weight, degree=degree)
    n = np.asarray(norms, dtype=float)
    r = np.shape(correlations)[-1]
    onehot = labels[..., None] == np.arange(r)
    return np.sum(onehot * (n ** _checks.degree(degree, order))[..., None], axis=-2)


def _unpack(x, target, reg):
    """(W, target, reg) from a parameter matrix, a Trajectory or a ModifiedResult.

    A ModifiedResult is recognized by its ``trajectory`` attribute (a Trajectory), so
    this module need not import :mod:`deflation.modified`, which sits above it.
    """
    if isinstance(getattr(x, "trajectory", None), Trajectory):
        x = x.trajectory
    if isinstance(x, Trajectory):
        target = x.target if target is None else target
        reg = x.reg if reg is None else reg
        W = x.W
    else:
        if target is None:
            raise ValueError("target must be given when x is a parameter matrix")
        W = x
    target = _checks.instance("target", target, LowRankTensor, "see orthogonal_tensor")
    W = _checks.weight_matrix(W, target.d)
    reg = 0.0 if reg is None else _checks.positive_float("reg", reg, allow_zero=True)
    return W, target, reg


def group_sizes(
    x: ArrayLike | Trajectory | HasTrajectory, target: LowRankTensor | None = None, *,
    threshold: float=0.0, min_weight: float=0.0,
) -> np.ndarray:
    """How many components belong to each ground-truth direction (:func:`assign_groups`).

    Parameters
    ----------
    x : ndarray (m, d), Trajectory or ModifiedResult
        Parameters, or a run (its final parameters are used).
    target : LowRankTensor, optional
        Needed when ``x`` is a parameter matrix; defaults to the run's target.
    threshold : float, default 0.0
        Correlation threshold of :func:`assign_groups`.
    min_weight : float, default 0.0
        Only components with weight :math:`\\|w_j\\|^2 \\ge` ``min_weight`` count (for
        example :math:`\\delta_1^2`, the square of the re-initialization threshold).

    Returns
    -------
    ndarray of int, shape (r,)
    """
    W, target, _ = _unpack(x, target, None)
    thr = _checks.threshold(threshold)
    min_weight = _checks.positive_float("min_weight", min_weight, allow_zero=True)
    _, wbar, c = split(W, 2.0)  # directions and weights only: no Gram matrix needed
    labels, _ = _assign(wbar @ target.basis, target.order, thr, c, min_weight)
    return np.bincount(labels[labels >= 0], minlength=target.rank)


def group_directions(
    W: ArrayLike, target: LowRankTensor, *, threshold: float=0.9,
) -> list[np.ndarray | None]:
    """Weighted mean direction of each group (see :class:`Recovery`), signs aligned.

    Parameters
    ----------
    W : array_like, shape (m, d)
    target : LowRankTensor
    threshold : float, default 0.9
        Correlation threshold of :func:`assign_groups`.

    Returns
    -------
    list of ndarray (d,) or None
        For each k, :math:`x_k \\propto \\sum_{j\\in G_k} c_j\\, \\mathrm{sign}
        (\\langle \\bar w_j, u_k\\rangle)\\, \\bar w_j`, normalized; None for an empty group.
    """
    target = _checks.instance("target", target, LowRankTensor, "see orthogonal_tensor")
    W = _checks.weight_matrix(W, target.d)
    thr = _checks.threshold(threshold)
    _, wbar, c = split(W, 2.0)
    P = wbar @ target.basis
    labels, _ = _assign(P, target.order, thr)
    out: list[np.ndarray | None] = []
    for k in range(target.rank):
        sel = labels == k
        if not np.any(sel):
            out.append(None)
            continue
        x = np.sum((c[sel] * np.sign(P[sel, k]))[:, None] * wbar[sel], axis=0)
        out.append(x / np.linalg.norm(x))
    return out


# ---------------------------------------------------------------------------------------
# The recovery measure of any target


@dataclass(frozen=True, eq=False)
class Recovery:
    """How well a set of weighted directions recovers each ground-truth component.

    Every component :math:`(c_j, \\bar w_j)` joins the group :math:`G_k` that
    :func:`assign_groups` gives it (aligned correlation :math:`s_{jk}` above
    ``threshold``: signed at odd order, absolute at even order).

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
        :math:`\\sum_k (|b_k - a_k| + \\sqrt{l}\\, b_k \\theta_k) + \\text{stray}`, an upper bound
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

    def within(self, tol: float = 0.05) -> np.ndarray:
        """Components whose group is within ``tol`` of the truth: direction angle at most
        ``tol`` (radians) and relative weight error :math:`|b_k - a_k|/a_k` at most
        ``tol``; bool array of shape (r,).

        For an orthogonal target without noise, :func:`recovered` (the weight criterion
        of chapter 5) is the book's "recovered"; this is its analogue for any target.
        """
        tol = _checks.positive_float("tol", tol)
        ang = np.where(np.isfinite(self.direction_angle), self.direction_angle, np.inf)
        return (ang <= tol) & (np.abs(self.weight_error) <= tol)


def _groups(c, S, target: LowRankTensor, threshold: float, V=None):
    """Group weights, mean angles (and, given the unit rows ``V``, direction angles)
    from weights ``c`` (n,) and signed correlations ``S`` (n, r)."""
    signs = np.sign(S)
    labels, S = _assign(S, target.order, threshold)
    r = target.rank
    b = np.zeros(r)
    ang = np.full(r, np.nan)
    phi = np.full(r, np.nan)
    for k in range(r):
        sel = labels == k
        b[k] = float(np.sum(c[sel]))
        if b[k] > 0:
            ang[k] = float(np.sum(c[sel] * np.arccos(S[sel, k])) / b[k])
            if V is not None:
                x = (c[sel] * signs[sel, k]) @ V[sel]
                cos = float(x @ target.basis[:, k]) / float(np.linalg.norm(x))
                phi[k] = math.acos(min(1.0, max(-1.0, cos)))
    return b, ang, phi, labels >= 0, S


def _recovery(c, V, target: LowRankTensor, threshold: float, min_weight: float,
              extra_stray: float = 0.0) -> Recovery:
    """The recovery measure for weights ``c`` (n,) and unit rows ``V`` (n, d)."""
    a = target.weights
    b, ang, phi, member, S = _groups(c, V @ target.basis, target, threshold, V)
    big = c >= min_weight
    best_corr = np.max(S[big], axis=0) if np.any(big) else np.full(a.size, np.nan)
    stray = float(np.sum(c[~member])) + extra_stray
    # ||u^l - v^l|| = sqrt(2 - 2 cos^l(theta)) <= sqrt(l) theta (chapter 6: sharp constant)
    spread = math.sqrt(target.order) * b * np.nan_to_num(ang)
    terms = np.where(b > 0, np.abs(b - a) + spread, a)
    return Recovery(b, phi, ang, best_corr, stray, float(np.sum(terms) + stray), a.copy())


def recovery(
    W: ArrayLike, target: LowRankTensor, *, threshold: float=0.9, min_weight: float=1e-3,
    degree: float=2,
) -> Recovery:
    """The recovery measure of a model ``W`` (see :class:`Recovery`; chapter 6).

    Parameters
    ----------
    W : array_like, shape (m, d)
    target : LowRankTensor
        Its low-rank part :math:`\\sum_k a_k u_k^{\\otimes l}` is the ground truth (noise
        is ignored).
    threshold : float, default 0.9
        Correlation threshold of :func:`assign_groups`, in [0, 1).
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
    target = _checks.instance("target", target, LowRankTensor, "see orthogonal_tensor")
    W = _checks.weight_matrix(W, target.d)
    thr = _checks.threshold(threshold)
    min_weight = _checks.positive_float("min_weight", min_weight, allow_zero=True)
    _, wbar, c = split(W, _checks.degree(degree, target.order))
    return _recovery(c, wbar, target, thr, min_weight)


def deflation_recovery(
    result: DeflationResult, target: LowRankTensor, *, threshold: float=0.9,
) -> Recovery:
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
        raise TypeError(f"result must be a DeflationResult, got {type(result).__name__}")
    target = _checks.instance("target", target, LowRankTensor, "see orthogonal_tensor")
    if result.vectors.shape[0] != target.d:
        raise ValueError(
            f"result has dimension {result.vectors.shape[0]}, target has d={target.d}"
        )
    thr = _checks.threshold(threshold)
    c = np.asarray(result.weights, dtype=float)
    V = np.asarray(result.vectors, dtype=float).T
    neg = c < 0
    return _recovery(np.where(neg, 0.0, c), V, target, thr, 0.0,
                     extra_stray=float(np.sum(-c[neg])))


def recovery_path(traj: Trajectory, *, threshold: float=0.9) -> tuple[np.ndarray, np.ndarray]:
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
        raise TypeError(f"traj must be a Trajectory, got {type(traj).__name__}")
    thr = _checks.threshold(threshold)
    c_all = traj.norms**traj.degree
    r = traj.target.rank
    # _groups at every record at once: the members' weights per direction, (n, m, r)
    labels, A = _assign(traj.correlations, traj.target.order, thr)
    w = np.where(labels[..., None] == np.arange(r), c_all[..., None], 0.0)
    b = np.sum(w, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ang = np.where(b > 0, np.sum(w * np.arccos(A), axis=1) / b, np.nan)
    return b, ang


# ---------------------------------------------------------------------------------------
# Recovery of an orthogonal target


def fitted_weights(
    x: ArrayLike | Trajectory | HasTrajectory, target: LowRankTensor | None = None,
) -> np.ndarray:
    """The weight the model puts on each ground-truth direction.

    Parameters
    ----------
    x : ndarray (m, d), Trajectory or ModifiedResult
        Parameters, or a run (its final parameters are used).
    target : LowRankTensor, optional
        Needed when ``x`` is a parameter matrix; defaults to the run's target.

    Returns
    -------
    ndarray, shape (r,)
        :math:`\\sum_j \\|w_j\\|^2 \\langle \\bar w_j, u_k\\rangle^l = a_k -
        \\text{residual}_k` (at odd order a flipped component counts negatively).

    Raises
    ------
    ValueError
        If the target is not orthogonal: then the other directions' terms leak into
        this sum, and the exact model itself would not give :math:`a_k` (use
        :func:`recovery`, whose group weights work for any target).
    """
    W, target, _ = _unpack(x, target, None)
    if not target.is_orthogonal:
        _checks.orthogonal(target, why="fitted weights are projections on orthogonal u_k; "
                           "use recovery() for any target")
    return target.weights - residuals(W, target)


def recovered(
    x: ArrayLike | Trajectory | HasTrajectory, target: LowRankTensor | None = None, *, reg:
    float | None = None, tol: float=0.1,
) -> np.ndarray:
    """Which ground-truth components are recovered.

    Component :math:`k` is recovered when its fitted weight (:func:`fitted_weights`) is
    within ``tol * a_k`` of its regularized optimum :math:`(a_k - \\lambda/2)_+`
    (chapter 3: a fitted group carries weight :math:`a_k - \\lambda/2`).

    Parameters
    ----------
    x : ndarray (m, d), Trajectory or ModifiedResult
    target : LowRankTensor, optional
        Needed when ``x`` is a parameter matrix; defaults to the run's target.
    reg : float, optional
        :math:`\\lambda`; defaults to the run's regularizer (0 for a matrix).
    tol : float, default 0.1
        Relative tolerance, in (0, 1).

    Returns
    -------
    ndarray of bool, shape (r,)

    Raises
    ------
    ValueError
        If the target is not orthogonal or has noise: the optimum
        :math:`(a_k - \\lambda/2)_+` holds only for an orthogonal, noise-free target (for
        any other target use :meth:`Recovery.within` of :func:`recovery`).
    """
    W, target, reg = _unpack(x, target, reg)
    _checks.orthogonal(target, why="the optimum (a_k - reg/2)_+ assumes it; use "
                       "recovery(...).within() for any target")
    tol = _checks.fraction("tol", tol)
    a = target.weights
    goal = fitted_weight(a, reg)  # (a_k - reg/2)_+, the weight a fitted group holds
    return np.abs(fitted_weights(W, target) - goal) <= tol * a


def relative_error(fit: float, target: LowRankTensor) -> float:
    """:math:`\\|T(W) - T^*\\|_F / \\|T^*\\|_F` from the fitting loss ``fit``.

    Parameters
    ----------
    fit : float
        :math:`\\tfrac12 \\|T(W) - T^*\\|_F^2 \\ge 0` (for example ``traj.fit[-1]``).
    target : LowRankTensor

    Returns
    -------
    float
        :math:`\\sqrt{2\\,\\text{fit} / \\|T^*\\|_F^2}`.
    """
    target = _checks.instance("target", target, LowRankTensor, "see orthogonal_tensor")
    fit = float(_checks.finite_array("fit", fit, ndim=0))
    if fit < -1e-12 * target.sqnorm():
        raise ValueError(f"fit must be >= 0, got {fit!r}")
    return math.sqrt(2.0 * max(fit, 0.0) / target.sqnorm())
