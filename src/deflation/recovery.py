"""Which components a run recovered, and the sweep runs of chapter 5.

Chapter 5 compares plain gradient flow with the modified gradient flow
(:func:`deflation.modified_gradient_flow`) over many seeds. This module holds the pieces
of that comparison:

* :func:`recovered` decides which ground-truth components a parameter matrix (or a run)
  has recovered: component :math:`k` counts as recovered when its fitted weight
  :math:`\\sum_j \\|w_j\\|^2 \\langle \\bar w_j, u_k\\rangle^4` is within a relative
  tolerance of its regularized optimum :math:`(a_k - \\lambda/2)_+`.
* :func:`modified_config` writes out a complete configuration (every parameter explicit,
  so the cache key of :func:`deflation.sweep` changes whenever a value does).
* :func:`run_modified` and :func:`run_plain` are module-level ``func(config, seed) -> dict``
  functions for :func:`deflation.sweep`; both start from the same initialization
  :func:`deflation.small_init` ``(m, d, init_scale, seed=seed)``.
* :func:`success_table` summarizes sweep records per configuration.
"""

from __future__ import annotations

import inspect

import numpy as np

from . import _checks
from .flow import Trajectory, fit_times, gradient_flow
from .model import _check_target, _split, residuals
from .modified import ModifiedResult, fit_floor, modified_gradient_flow
from .tensors import LowRankTensor, orthogonal_tensor, small_init

__all__ = [
    "fitted_weights",
    "recovered",
    "group_sizes",
    "modified_config",
    "run_modified",
    "run_plain",
    "success_table",
]

_MODIFIED_KEYS = (
    "init_scale",
    "reinit_threshold",
    "reg",
    "first_epoch",
    "epoch_growth",
    "max_time",
    "reinit",
)


def _unpack(x, target, reg):
    """(W, target, reg) from a parameter matrix, a Trajectory or a ModifiedResult."""
    if isinstance(x, ModifiedResult):
        x = x.trajectory
    if isinstance(x, Trajectory):
        target = x.target if target is None else target
        reg = x.reg if reg is None else reg
        W = x.W
    else:
        if target is None:
            raise ValueError("target must be given when x is a parameter matrix")
        W = x
    target = _check_target(target)
    W = _checks.weight_matrix(W, target.d)
    reg = 0.0 if reg is None else _checks.positive_float("reg", reg, allow_zero=True)
    return W, target, reg


def fitted_weights(x, target=None) -> np.ndarray:
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
        :math:`\\sum_j \\|w_j\\|^2 \\langle \\bar w_j, u_k\\rangle^4 = a_k -
        \\text{residual}_k`.
    """
    W, target, _ = _unpack(x, target, None)
    return target.weights - residuals(W, target)


def recovered(x, target=None, *, reg=None, tol=0.1) -> np.ndarray:
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
    """
    W, target, reg = _unpack(x, target, reg)
    tol = _checks.fraction("tol", tol)
    a = target.weights
    goal = np.maximum(a - reg / 2, 0.0)
    return np.abs(fitted_weights(W, target) - goal) <= tol * a


def group_sizes(x, target=None, *, threshold=0.0) -> np.ndarray:
    """How many components of norm above ``threshold`` point mostly along each u_k.

    Parameters
    ----------
    x : ndarray (m, d), Trajectory or ModifiedResult
    target : LowRankTensor, optional
    threshold : float, default 0.0
        Only components with :math:`\\|w_j\\| >` ``threshold`` are counted (e.g. the
        re-initialization threshold :math:`\\delta_1`).

    Returns
    -------
    ndarray of int, shape (r,)
        Component j is assigned to :math:`\\arg\\max_k \\langle \\bar w_j, u_k\\rangle^2`.
    """
    W, target, _ = _unpack(x, target, None)
    threshold = _checks.positive_float("threshold", threshold, allow_zero=True)
    norms, wbar, _ = _split(W, 2.0)  # directions and norms only: no Gram matrix needed
    best = np.argmax((wbar @ target.basis) ** 2, axis=1)
    big = norms > threshold
    return np.bincount(best[big], minlength=target.rank)


def modified_config(d, m, weights, **params) -> dict:
    """A complete sweep configuration for :func:`run_modified` / :func:`run_plain`.

    Parameters
    ----------
    d, m : int
    weights : sequence of float
        The :math:`a_k` of an orthogonal order-4 target in :math:`\\mathbb{R}^d` (standard basis).
    **params
        Any of ``init_scale, reinit_threshold, reg, first_epoch, epoch_growth, max_time,
        reinit`` (and ``setting``, a free-form name); the others take the current defaults
        of :func:`deflation.modified_gradient_flow`.

    Returns
    -------
    dict
        Every parameter written out, so that :func:`deflation.cache_key` changes when any
        value (or a default) changes.
    """
    d = _checks.positive_int("d", d)
    m = _checks.positive_int("m", m)
    w = _checks.finite_array("weights", weights, ndim=1)
    if w.size < 1 or w.size > d or np.any(w <= 0):
        raise ValueError(f"weights must be 1..d={d} positive numbers, got {list(w)}")
    unknown = set(params) - set(_MODIFIED_KEYS) - {"setting"}
    if unknown:
        raise ValueError(f"params has unknown keys {sorted(unknown)}")
    sig = inspect.signature(modified_gradient_flow).parameters
    cfg = {"d": d, "m": m, "weights": [float(x) for x in w]}
    for key in _MODIFIED_KEYS:
        cfg[key] = params.get(key, sig[key].default)
    if "setting" in params:
        cfg["setting"] = str(params["setting"])
    return cfg


def _target(config) -> LowRankTensor:
    return orthogonal_tensor(config["weights"], int(config["d"]))


def _summary(W, target, reg, fit) -> dict:
    rec = recovered(W, target, reg=reg)
    fittable = target.weights > reg / 2
    return {
        "recovered": rec.tolist(),
        "n_fittable": int(fittable.sum()),
        "n_recovered": int((rec & fittable).sum()),
        "success": bool(np.all(rec[fittable])),
        "rel_error": float(np.sqrt(2 * fit / target.sqnorm())),
        "excess_fit": float(max(fit - fit_floor(target, reg), 0.0)),
    }


def run_modified(config: dict, seed: int) -> dict:
    """One run of the modified gradient flow, for :func:`deflation.sweep`.

    Parameters
    ----------
    config : dict
        As made by :func:`modified_config` (``d, m, weights`` and the parameters of
        :func:`deflation.modified_gradient_flow`).
    seed : int

    Returns
    -------
    dict
        ``success`` (every component with :math:`a_k > \\lambda/2` recovered),
        ``recovered``, ``n_recovered``, ``n_fittable``, ``rel_error``
        (:math:`\\|T(W) - T^*\\|_F / \\|T^*\\|_F`), ``excess_fit`` (fitting loss above
        :func:`deflation.fit_floor`), ``stopped``, ``total_time``, ``n_epochs``,
        ``n_reinit`` (per epoch), ``fit_times``, ``group_sizes`` (components above
        :math:`\\delta_1` per direction, at the end).
    """
    if not isinstance(config, dict):
        raise ValueError(f"config must be a dict, got {type(config).__name__}")
    target = _target(config)
    kwargs = {k: config[k] for k in _MODIFIED_KEYS if k in config}
    res = modified_gradient_flow(target, int(config["m"]), seed=int(seed), **kwargs)
    out = _summary(res.W, target, res.trajectory.reg, res.trajectory.fit[-1])
    thr = kwargs.get(
        "reinit_threshold",
        inspect.signature(modified_gradient_flow).parameters["reinit_threshold"].default,
    )
    out.update(
        stopped=res.stopped,
        total_time=res.total_time,
        n_epochs=int(res.epoch_starts.size),
        n_reinit=res.n_reinit.tolist(),
        fit_times=res.fit_times.tolist(),
        group_sizes=group_sizes(res.W, target, threshold=thr).tolist(),
    )
    return out


run_modified.cache_version = 1


def run_plain(config: dict, seed: int) -> dict:
    """One run of plain gradient flow (:math:`\\lambda = 0`), for :func:`deflation.sweep`.

    The same initialization as :func:`run_modified` with the same seed
    (:func:`deflation.small_init` ``(m, d, init_scale, seed=seed)``) and the same time
    budget ``max_time``; the run stops early once the fitting loss is at most
    ``1e-6 * ||T*||^2`` (the modified flow's default accuracy with :math:`\\lambda = 0`).
    Parameters of the modified flow other than ``init_scale`` and ``max_time`` are ignored.

    Returns
    -------
    dict
        ``success``, ``recovered``, ``n_recovered``, ``n_fittable``, ``rel_error``,
        ``excess_fit``, ``stopped``, ``total_time``, ``fit_times``, ``group_sizes``
        (components of norm above ``10 * init_scale`` per direction, at the end).
    """
    if not isinstance(config, dict):
        raise ValueError(f"config must be a dict, got {type(config).__name__}")
    target = _target(config)
    m, d = int(config["m"]), int(config["d"])
    sig = inspect.signature(modified_gradient_flow).parameters
    init_scale = config.get("init_scale", sig["init_scale"].default)
    max_time = config.get("max_time", sig["max_time"].default)
    tol = 1e-6 * target.sqnorm()
    traj = gradient_flow(
        small_init(m, d, init_scale, seed=int(seed)), target, max_time, record=400,
        stop_fit=tol,
    )
    out = _summary(traj.W, target, 0.0, traj.fit[-1])
    out.update(
        stopped="tol" if traj.fit[-1] <= tol else "max_time",
        total_time=float(traj.t[-1]),
        fit_times=fit_times(traj, 0.9).tolist(),
        group_sizes=group_sizes(traj.W, target, threshold=init_scale * 10).tolist(),
    )
    return out


run_plain.cache_version = 1


def success_table(records, keys=("setting",)) -> list[dict]:
    """Summarize sweep records per configuration.

    Parameters
    ----------
    records : list of dict
        The output of :func:`deflation.sweep` with :func:`run_modified` or
        :func:`run_plain`.
    keys : sequence of str, default ("setting",)
        Record keys that identify a row of the table.

    Returns
    -------
    list of dict
        One row per distinct value of ``keys`` (in order of appearance): the key values,
        ``n`` (runs), ``n_success``, ``rate``, ``median_time`` and ``max_time`` (of
        ``total_time``), ``median_error`` and ``max_error`` (of ``rel_error``), and
        ``failed_seeds``.
    """
    records = list(records)
    if not records:
        raise ValueError("records must not be empty")
    keys = tuple(keys)
    rows: dict = {}
    for rec in records:
        missing = [k for k in keys + ("success", "total_time", "rel_error", "seed") if k not in rec]
        if missing:
            raise ValueError(f"records must have the keys {missing}")
        ident = tuple(str(rec[k]) for k in keys)
        rows.setdefault(ident, []).append(rec)
    out = []
    for ident, recs in rows.items():
        ok = np.array([r["success"] for r in recs], dtype=bool)
        times = np.array([r["total_time"] for r in recs], dtype=float)
        errs = np.array([r["rel_error"] for r in recs], dtype=float)
        row = {k: recs[0][k] for k in keys}
        row.update(
            n=len(recs),
            n_success=int(ok.sum()),
            rate=float(ok.mean()),
            median_time=float(np.median(times)),
            max_time=float(np.max(times)),
            median_error=float(np.median(errs)),
            max_error=float(np.max(errs)),
            failed_seeds=[int(r["seed"]) for r, k in zip(recs, ok) if not k],
        )
        out.append(row)
    return out
