"""Parameter sweeps, parallel over seeds, cached on disk (chapter 6).

:func:`sweep` runs ``func(config, seed)`` for every configuration and seed with joblib,
and stores each result as a small JSON file named by a hash of (function, configuration,
seed). An interrupted sweep resumes where it stopped, and a rerun computes nothing twice.

The same sweep runs on a Dask cluster through joblib's dask backend::

    from dask.distributed import Client
    import joblib
    client = Client("tcp://scheduler:8786")
    with joblib.parallel_config(backend="dask"):
        records = sweep(func, configs, seeds=range(100), cache_dir="cache")

(the cache directory must then be on storage that every worker can write).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
from joblib import Parallel, delayed

__all__ = ["sweep", "cache_key"]


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, float) and not np.isfinite(x):
        return None if np.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def cache_key(func: Callable, config: dict, seed: int) -> str:
    """The cache file name of one run: a SHA-256 of the function's name, the config and the seed."""
    name = f"{getattr(func, '__module__', '')}.{getattr(func, '__qualname__', repr(func))}"
    version = getattr(func, "cache_version", 0)
    payload = json.dumps(
        {"func": name, "version": version, "config": _jsonable(config), "seed": int(seed)},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _run_one(func, config, seed, path):
    if path is not None and path.exists():
        return json.loads(path.read_text())
    result = _jsonable(func(dict(config), int(seed)))
    if not isinstance(result, dict):
        raise ValueError(f"func must return a dict, got {type(result).__name__}")
    if path is not None:
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(result, fh)
        os.replace(tmp, path)  # atomic: a half-written file is never read as a result
    return result


def sweep(
    func: Callable[[dict, int], dict],
    configs: Iterable[dict],
    *,
    seeds: Iterable[int] = (0,),
    cache_dir=None,
    n_jobs: int = 1,
) -> list[dict]:
    """Run ``func(config, seed)`` over configurations and seeds, in parallel, with a disk cache.

    Parameters
    ----------
    func : callable
        A module-level function ``func(config: dict, seed: int) -> dict`` returning
        JSON-serializable values (numpy scalars and arrays are converted). Give it an
        attribute ``cache_version`` and bump it when its code changes, so that old results
        are not reused.
    configs : iterable of dict
    seeds : iterable of int, default (0,)
    cache_dir : str or Path, optional
        Where to keep one JSON file per run. None: no cache.
    n_jobs : int, default 1
        joblib workers (-1: all cores). The backend is joblib's default or the one set by
        ``joblib.parallel_config``.

    Returns
    -------
    list of dict
        One record per (config, seed), in order: the config's items, ``"seed"``, and the
        result's items.
    """
    if not callable(func):
        raise ValueError(f"func must be callable, got {type(func).__name__}")
    configs = [dict(c) for c in configs]
    seeds = [int(s) for s in seeds]
    if not configs:
        raise ValueError("configs must contain at least one configuration")
    if not seeds or min(seeds) < 0:
        raise ValueError(f"seeds must be non-negative integers, got {seeds}")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0:
        raise ValueError(f"n_jobs must be a non-zero integer, got {n_jobs!r}")
    root = None
    if cache_dir is not None:
        root = Path(cache_dir)
        root.mkdir(parents=True, exist_ok=True)
    jobs = []
    for c in configs:
        for s in seeds:
            path = None if root is None else root / f"{cache_key(func, c, s)}.json"
            jobs.append((c, s, path))
    if root is None:
        results = Parallel(n_jobs=n_jobs)(delayed(_run_one)(func, c, s, None) for c, s, _ in jobs)
    else:
        todo = [(c, s, p) for c, s, p in jobs if not p.exists()]
        if todo:
            Parallel(n_jobs=n_jobs)(delayed(_run_one)(func, c, s, p) for c, s, p in todo)
        results = [json.loads(p.read_text()) for _, _, p in jobs]
    return [{**c, "seed": s, **r} for (c, s, _), r in zip(jobs, results)]
