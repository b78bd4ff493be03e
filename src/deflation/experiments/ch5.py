"""Chapter 5 (re-initialization): the sweep plan and its run functions.

The plan: the settings of the success-rate table (:data:`SETTINGS`), the ablations
(:data:`ABLATIONS`), one parameter varied at a time around the defaults (:data:`ROLES`),
a few extra settings (:data:`EXTRA`) and a sweep over the number of components
(:data:`M_VALUES`); :func:`all_sweeps` runs (or loads) them all.

Seeds: the defaults were chosen on the tuning seeds :data:`SEEDS` (0-19), which run the
one-at-a-time parameter study; every reported rate comes from held-out seeds, which chose
nothing: :data:`HELD_OUT_SEEDS` for the table and the ablations, :data:`M_SWEEP_SEEDS`
for the sweep over ``m``.
The run functions :func:`run_modified` and :func:`run_plain` are module-level
``func(config, seed) -> dict`` functions for :func:`deflation.sweep`, with the stable
cache names ``"ch5.modified"`` and ``"ch5.plain"``; both start from the same
initialization :func:`deflation.small_init` ``(m, d, init_scale, seed=seed)``.
``scripts/ch5_sweep.py`` is the command-line wrapper.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .. import _checks
from .._typing import ArrayLike
from ..flow import gradient_flow
from ..measures import group_sizes, recovered, relative_error
from ..modified import modified_gradient_flow
from ..sweeps import sweep
from ..tensors import LowRankTensor, orthogonal_tensor, small_init
from ..theory import fit_floor
from ..times import fit_times

__all__ = [
    "SEEDS",
    "HELD_OUT_SEEDS",
    "M_SWEEP_SEEDS",
    "M_VALUES",
    "WEIGHTS_A",
    "GEOMETRIC7",
    "SETTINGS",
    "ABLATIONS",
    "ABLATION_SETTINGS",
    "ROLES",
    "EXTRA",
    "modified_config",
    "run_modified",
    "run_plain",
    "success_table",
    "failure_mode",
    "FAILURE_MODES",
    "table_configs",
    "ablation_configs",
    "ablation_name",
    "role_configs",
    "extra_configs",
    "m_sweep_configs",
    "all_sweeps",
]

_MODIFIED_KEYS = (
    "init_scale",
    "reinit_threshold",
    "reg",
    "first_epoch",
    "epoch_growth",
    "max_time",
    "reinit",
    "method",
)


def modified_config(m: int, d: int, weights: ArrayLike, **params: Any) -> dict:
    """A complete sweep configuration for :func:`run_modified` / :func:`run_plain`.

    Parameters
    ----------
    m, d : int
        Number of components and dimension (count first, as everywhere in the package).
    weights : sequence of float
        The :math:`a_k` of an orthogonal order-4 target in :math:`\\mathbb{R}^d` (standard basis).
    **params
        Any of ``init_scale, reinit_threshold, reg, first_epoch, epoch_growth, max_time, method,
        reinit`` (and ``setting``, a free-form name); the others take the current defaults
        of :func:`deflation.modified_gradient_flow`.

    Returns
    -------
    dict
        Every parameter written out, so that :func:`deflation.cache_key` changes when any
        value (or a default) changes.
    """
    m = _checks.positive_int("m", m)
    d = _checks.positive_int("d", d)
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


def _outcome(W, target, reg, fit) -> dict:
    """What every chapter-5 run reports about its final parameters."""
    rec = recovered(W, target, reg=reg)
    fittable = target.weights > reg / 2
    return {
        "recovered": rec.tolist(),
        "n_fittable": int(fittable.sum()),
        "n_recovered": int((rec & fittable).sum()),
        "success": bool(np.all(rec[fittable])),
        "rel_error": relative_error(fit, target),
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
        raise TypeError(f"config must be a dict, got {type(config).__name__}")
    target = _target(config)
    kwargs = {k: config[k] for k in _MODIFIED_KEYS if k in config}
    res = modified_gradient_flow(target, int(config["m"]), seed=int(seed), **kwargs)
    out = _outcome(res.W, target, res.trajectory.reg, res.trajectory.fit[-1])
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
        group_sizes=group_sizes(res.W, target, min_weight=thr**2).tolist(),
    )
    return out


run_modified.cache_name = "ch5.modified"  # type: ignore[attr-defined]


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
        raise TypeError(f"config must be a dict, got {type(config).__name__}")
    target = _target(config)
    m, d = int(config["m"]), int(config["d"])
    sig = inspect.signature(modified_gradient_flow).parameters
    init_scale = config.get("init_scale", sig["init_scale"].default)
    max_time = config.get("max_time", sig["max_time"].default)
    tol = 1e-6 * target.sqnorm()
    traj = gradient_flow(
        small_init(m, d, init_scale, seed=int(seed)), target, max_time, record=400,
        stop_fit=tol, method=str(config.get("method", sig["method"].default)),
    )
    out = _outcome(traj.W, target, 0.0, traj.fit[-1])
    out.update(
        stopped="tol" if traj.fit[-1] <= tol else "max_time",
        total_time=float(traj.t[-1]),
        fit_times=fit_times(traj, 0.9).tolist(),
        group_sizes=group_sizes(traj.W, target, min_weight=(10 * init_scale) ** 2).tolist(),
    )
    return out


run_plain.cache_name = "ch5.plain"  # type: ignore[attr-defined]


#: The outcomes :func:`failure_mode` tells apart.
FAILURE_MODES = ("still fitting", "lock-up", "re-drawn", "stalled")


def failure_mode(record: dict[str, Any]) -> str | None:
    r"""How a run of :func:`run_modified` or :func:`run_plain` failed, read off its record.

    Parameters
    ----------
    record : dict
        A sweep record (result and configuration keys, as :func:`deflation.sweep` returns
        them): ``success``, ``recovered``, ``group_sizes``, ``weights``, ``reg`` (the
        modified flow's; plain flow runs at :math:`\lambda = 0`), and for the modified
        flow ``n_reinit`` and ``reinit``.

    Returns
    -------
    str or None
        None for a success. Otherwise, with *open* the fittable directions not
        recovered at the end and *large* the components above the size threshold of
        ``group_sizes`` (:math:`\delta_1` for the modified flow):

        * ``"still fitting"``: a large component sits on an open direction; the budget
          ran out while it was being fitted;
        * ``"lock-up"`` (modified flow): no open direction holds a large component and
          the re-draws have stopped (none at the last three epoch starts): every
          component is large and parked on a fitted direction;
        * ``"re-drawn"`` (modified flow): no open direction holds a large component
          although re-draws went on at the last epoch starts: the re-drawn components
          land on fitted directions, or are re-drawn again before they pass
          :math:`\delta_1`;
        * ``"stalled"`` (plain flow, or the modified flow without re-initialization):
          no open direction holds a large component.
    """
    if not isinstance(record, dict):
        raise TypeError(f"record must be a dict, got {type(record).__name__}")
    missing = [k for k in ("success", "recovered", "group_sizes", "weights") if k not in record]
    if missing:
        raise ValueError(f"record lacks the keys {missing}")
    if record["success"]:
        return None
    reg = float(record.get("reg", 0.0)) if "n_reinit" in record else 0.0
    fittable = np.asarray(record["weights"], dtype=float) > reg / 2
    open_ = fittable & ~np.asarray(record["recovered"], dtype=bool)
    if np.any(np.asarray(record["group_sizes"])[open_] > 0):
        return "still fitting"
    if "n_reinit" not in record or not record.get("reinit", True):
        return "stalled"
    return "re-drawn" if any(record["n_reinit"][-3:]) else "lock-up"


def success_table(
    records: Iterable[dict[str, Any]], keys: Sequence[str]=("setting",),
) -> list[dict]:
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
    for recs in rows.values():
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


# ---------------------------------------------------------------------------------------
# The plan

SEEDS = range(20)  # tuning seeds: every default was chosen on these
HELD_OUT_SEEDS = range(100, 200)  # chose nothing: every reported rate
M_SWEEP_SEEDS = range(100, 140)  # held out too: success rate against m

# Setting A's weights: the book's informal experiment (the paper's a_i are not known to
# the book; the paper's illustration also has five components).
WEIGHTS_A = [1.0, 0.5, 0.25, 0.12, 0.06]
GEOMETRIC7 = [1.0, 0.6, 0.36, 0.216, 0.13, 0.078, 0.047]

# (name, d, m, weights): the settings of the success-rate table.
SETTINGS = [
    ("A", 10, 12, WEIGHTS_A),  # the informal experiment described in chapter 5
    ("A40", 10, 40, WEIGHTS_A),
    ("C", 20, 20, WEIGHTS_A),
    ("D20", 10, 20, GEOMETRIC7),
    ("D", 10, 12, GEOMETRIC7),  # seven components, m = 12
    ("B", 10, 6, WEIGHTS_A),  # m close to r
]

# Ablations: one ingredient removed at a time.
ABLATIONS: dict[str, dict[str, Any]] = {
    "full": {},
    "no re-init": {"reinit": False},
    "lambda = 0": {"reg": 0.0},
    "constant epochs": {"epoch_growth": 0.0},
}
ABLATION_SETTINGS = ("A",)

# One parameter varied at a time around the defaults, on setting A (tuning seeds): the
# threshold that was changed, and the faster epoch growth that was not adopted.
ROLES = {
    "reinit_threshold": [0.01, 0.03, 0.1],
    "epoch_growth": [0.5, 1.0],
}


# Extra settings (setting name, changed parameters): none at present (few components,
# more of them: the sweep over m below; gamma = 1: ROLES).
EXTRA: list = []


# Success against the number of components m, setting A's target (d = 10, r = 5).
M_VALUES = (6, 8, 12, 16, 40)


def _setting(name):
    for s in SETTINGS:
        if s[0] == name:
            return s
    raise ValueError(f"unknown setting {name!r}")


def table_configs() -> list[dict[str, Any]]:
    return [modified_config(m, d, w, setting=n) for n, d, m, w in SETTINGS]


def ablation_configs() -> list[dict[str, Any]]:
    out = []
    for name in ABLATION_SETTINGS:
        _, d, m, w = _setting(name)
        for params in ABLATIONS.values():
            out.append(modified_config(m, d, w, setting=name, **params))
    return out


def ablation_name(rec: dict[str, Any]) -> str:
    """Which ablation a record of ``ablation_configs()`` belongs to."""
    for name, params in ABLATIONS.items():
        if params and all(rec[k] == v for k, v in params.items()):
            return name
    return "full"


def role_configs() -> list[dict[str, Any]]:
    _, d, m, w = _setting("A")
    out = []
    for key, values in ROLES.items():
        for v in values:
            cfg = modified_config(m, d, w, setting="A", **{key: v})
            if cfg not in out:  # the defaults appear once
                out.append(cfg)
    return out


def extra_configs() -> list[dict[str, Any]]:
    out = []
    for name, params in EXTRA:
        _, d, m, w = _setting(name)
        params = dict(params)
        m = params.pop("m", m)
        label = name if m == _setting(name)[2] else f"{name}{m}"
        out.append(modified_config(m, d, w, setting=label, **params))
    return out


def m_sweep_configs() -> list[dict[str, Any]]:
    """Setting A's target with ``m`` in :data:`M_VALUES` components, at the defaults.

    ``m = 6, 12, 40`` are the table's settings B, A and A40 (same configuration, so the
    same cached runs); the others are labelled ``"m8"``, ``"m10"``, ...
    """
    named = {mm: n for n, dd, mm, w in SETTINGS if dd == 10 and w == WEIGHTS_A}
    return [modified_config(m, 10, WEIGHTS_A, setting=named.get(m, f"m{m}"))
            for m in M_VALUES]


def all_sweeps(
    cache_dir: str | os.PathLike[str] | None, n_jobs: int=1, *, seeds: Iterable[int]=SEEDS,
    held_out: Iterable[int]=HELD_OUT_SEEDS, m_seeds: Iterable[int]=M_SWEEP_SEEDS, client:
    Any=None, progress: bool | None=None,
) -> dict[str, list[dict[str, Any]]]:
    """Run (or load) every sweep of the chapter.

    Parameters
    ----------
    cache_dir : str or Path
        The chapter's cache (``book/data/ch5``).
    n_jobs : int, default 1
    seeds : iterable of int, default :data:`SEEDS`
        Tuning seeds (0-19).
    held_out : iterable of int, default :data:`HELD_OUT_SEEDS`
        Held-out seeds of the table and the ablations.
    m_seeds : iterable of int, default :data:`M_SWEEP_SEEDS`
        Held-out seeds of the sweep over ``m``.
    client : optional
        A ``distributed.Client`` (see :func:`deflation.sweep`).
    progress : bool, optional
        See :func:`deflation.sweep`.

    Returns
    -------
    dict of list of dict
        Tuning seeds: ``"roles"``. Held-out seeds: ``"plain_held"``,
        ``"modified_held"`` (the table, plain flow and modified flow),
        ``"ablations_held"``, ``"m_sweep"``.
    """
    kw = dict(cache_dir=cache_dir, n_jobs=n_jobs, client=client, progress=progress)
    tune = dict(kw, seeds=seeds)
    held = dict(kw, seeds=held_out)
    out = {
        "modified_held": sweep(run_modified, table_configs(),
                               desc="ch5 modified, held out", **held),
        "plain_held": sweep(run_plain, table_configs(), desc="ch5 plain, held out",
                            **held),
        "m_sweep": sweep(run_modified, m_sweep_configs(), desc="ch5 m sweep",
                         **dict(kw, seeds=m_seeds)),
        "roles": sweep(run_modified, role_configs(), desc="ch5 roles", **tune),
        "ablations_held": sweep(run_modified, ablation_configs(),
                                desc="ch5 ablations, held out", **held),
    }
    return out
