"""Parameter sweeps, parallel over seeds, cached on disk (chapters 5 and 6).

:func:`sweep` runs ``func(config, seed)`` for every configuration and seed, with joblib
on this machine or with Dask on a cluster (``client=``), and stores each result as a
small JSON file named by :func:`cache_key`, a hash of the run function's stable
``cache_name``, the package version (``deflation.__version__``), the configuration
and the seed. Moving a run function to another module keeps its records; a change of
the numerics bumps the version and so never reuses a stale record. An interrupted sweep
resumes where it stopped, and a rerun computes nothing twice.

Each cache file records what produced it, so any record can be recomputed and compared
(``make check-data``)::

    {"cache_name": "ch6.fit_times", "version": "0.2.0", "config": {...}, "seed": 3,
     "result": {...}}

On a cluster (see the README, "Running a sweep on a cluster")::

    from dask.distributed import Client
    client = Client("tcp://scheduler:8786")
    records = sweep(func, configs, seeds=range(100), cache_dir="/shared/cache",
                    client=client)

The cache directory must then be on storage that every worker can read and write.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from joblib import Parallel, delayed

from ._optional import require
from ._version import __version__

__all__ = ["sweep", "cache_key", "cache_name", "read_record"]


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, np.generic):
        return _jsonable(x.item())
    if isinstance(x, float) and not np.isfinite(x):
        return None if np.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def cache_name(func: Callable) -> str:
    """The stable name under which ``func``'s results are cached (its ``cache_name``).

    Raises
    ------
    ValueError
        If ``func`` has no non-empty string attribute ``cache_name``.
    """
    name = getattr(func, "cache_name", None)
    if not isinstance(name, str) or not name:
        raise ValueError(
            "func must have a non-empty string attribute cache_name (for example "
            f"'ch5.modified'), got {name!r} on {getattr(func, '__name__', func)!r}"
        )
    return name


def cache_key(func: Callable, config: dict, seed: int) -> str:
    """The cache file name of one run.

    Parameters
    ----------
    func : callable
        A run function with a ``cache_name`` attribute (:func:`cache_name`).
    config : dict
    seed : int

    Returns
    -------
    str
        The first 32 hex digits of a SHA-256 of ``func.cache_name``, the package version
        ``deflation.__version__``, the configuration and the seed. Where the function
        lives does not enter, so moving it keeps its cache.
    """
    payload = json.dumps(
        {"cache_name": cache_name(func), "version": __version__,
         "config": _jsonable(config), "seed": int(seed)},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def read_record(path: str | os.PathLike[str]) -> dict:
    """Read one cache file written by :func:`sweep`.

    Returns
    -------
    dict
        ``cache_name``, ``version``, ``config``, ``seed`` and ``result``.
    """
    data = json.loads(Path(path).read_text())
    missing = [k for k in ("cache_name", "version", "config", "seed", "result") if k not in data]
    if missing:
        raise ValueError(f"{path} is not a sweep record: it lacks the keys {missing}")
    return data


def _run_one(func, config, seed, path):
    """Compute one run (or read it from ``path``); returns the JSON-normalized result."""
    if path is not None and path.exists():
        return read_record(path)["result"]
    result = _jsonable(func(dict(config), int(seed)))
    if not isinstance(result, dict):
        raise TypeError(f"func must return a dict, got {type(result).__name__}")
    text = json.dumps(result)
    if path is not None:
        record = {"cache_name": cache_name(func), "version": __version__,
                  "config": _jsonable(config), "seed": int(seed), "result": result}
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(record, fh)
        os.replace(tmp, path)  # atomic: a half-written file is never read as a result
    return json.loads(text)  # the same values a later read of the cache gives


def _show_progress(progress, n_todo: int) -> bool:
    if progress is not None:
        return bool(progress)
    # automatic: only on an interactive terminal, never under pytest
    return n_todo > 1 and sys.stderr.isatty() and "PYTEST_CURRENT_TEST" not in os.environ


def sweep(
    func: Callable[[dict, int], dict],
    configs: Iterable[dict],
    *,
    seeds: Iterable[int] = (0,),
    cache_dir: str | os.PathLike[str] | None=None,
    n_jobs: int = 1,
    client: Any=None,
    progress: bool | None=None,
    desc: str | None = None,
) -> list[dict]:
    """Run ``func(config, seed)`` over configurations and seeds, in parallel, with a disk cache.

    Parameters
    ----------
    func : callable
        A module-level function ``func(config: dict, seed: int) -> dict`` returning
        JSON-serializable values (numpy scalars and arrays are converted), with a stable
        string attribute ``cache_name`` (needed when ``cache_dir`` is given). The book's
        run functions live in :mod:`deflation.experiments`.
    configs : iterable of dict
    seeds : iterable of int, default (0,)
    cache_dir : str or Path, optional
        Where to keep one JSON file per run. None: no cache.
    n_jobs : int, default 1
        joblib workers (-1: all cores). The backend is joblib's default or the one set by
        ``joblib.parallel_config``. Ignored when ``client`` is given.
    client : optional
        A ``distributed.Client``: run on this Dask cluster instead (``client.submit`` per run); every worker must
        be able to import ``func`` and reach ``cache_dir``.
    progress : bool, optional
        Show a tqdm progress bar (counts and ETA) over the runs to compute. Default:
        only when standard error is a terminal and not under pytest.
    desc : str, optional
        Label of the progress bar (default: ``func``'s cache name or name).

    Returns
    -------
    list of dict
        One record per (config, seed), in order: the config's items, ``"seed"``, and the
        result's items. The same values whether computed now, here or on a cluster, or
        read from the cache.
    """
    if not callable(func):
        raise TypeError(f"func must be callable, got {type(func).__name__}")
    configs = [dict(c) for c in configs]
    seeds = [int(s) for s in seeds]
    if not configs:
        raise ValueError("configs must contain at least one configuration")
    if not seeds or min(seeds) < 0:
        raise ValueError(f"seeds must be non-negative integers, got {seeds}")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0:
        raise ValueError(f"n_jobs must be a non-zero integer, got {n_jobs!r}")
    if client is not None and not (hasattr(client, "submit") and hasattr(client, "gather")):
        raise ValueError(f"client must be a distributed.Client, got {type(client).__name__}")
    root = None
    if cache_dir is not None:
        cache_name(func)  # fail early, before any work
        root = Path(cache_dir)
        root.mkdir(parents=True, exist_ok=True)
    jobs = []
    for c in configs:
        for s in seeds:
            path = None if root is None else root / f"{cache_key(func, c, s)}.json"
            jobs.append((c, s, path))
    todo = [i for i, (_, _, p) in enumerate(jobs) if p is None or not p.exists()]
    results: list = [None] * len(jobs)
    if todo:
        label = desc or getattr(func, "cache_name", getattr(func, "__name__", "sweep"))
        bar = None
        if _show_progress(progress, len(todo)):
            tqdm = require("tqdm.auto", "the progress bar of sweep(progress=True)").tqdm
            bar = tqdm(total=len(todo), desc=label, unit="run")
        try:
            if client is not None:
                as_completed = require("distributed", "sweep(client=...)").as_completed

                futures = {client.submit(_run_one, func, *jobs[i], pure=False): i for i in todo}
                for fut in as_completed(futures):
                    results[futures[fut]] = fut.result()
                    if bar is not None:
                        bar.update()
            else:
                out = Parallel(n_jobs=n_jobs, return_as="generator")(
                    delayed(_run_one)(func, *jobs[i]) for i in todo
                )
                for i, res in zip(todo, out):
                    results[i] = res
                    if bar is not None:
                        bar.update()
        finally:
            if bar is not None:
                bar.close()
    for i, (_, _, p) in enumerate(jobs):
        if results[i] is None:
            assert p is not None  # only a cached run has no fresh result
            results[i] = read_record(p)["result"]
    return [{**c, "seed": s, **r} for (c, s, _), r in zip(jobs, results)]
