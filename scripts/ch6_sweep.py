"""Regenerate the cached sweeps of chapter 6 ("Beyond the theorem") into book/data/ch6/.

Usage (from the repository root, with the book's environment, e.g. ``.venv/bin/python``)::

    python scripts/ch6_sweep.py                  # every sweep, 2 workers
    python scripts/ch6_sweep.py --only scale     # one sweep
    python scripts/ch6_sweep.py --n-jobs 4

Each run is one JSON file named by a hash of (function, configuration, seed), written
atomically by :func:`deflation.sweep`. An interrupted sweep resumes where it stopped and
a rerun computes nothing twice; delete a sweep's folder (or bump the run function's
``cache_version``) to recompute it. The configurations are defined once, in
:func:`deflation.beyond.sweep_plan`, and the chapter loads the cache with the same
:func:`deflation.sweep` calls, so it computes nothing when the cache is present.

Cost on 2 cores: 10 to 20 minutes in all (about 22 minutes on a heavily shared machine),
most of it the 12 runs at d = 100, m = 1000 (the gradient costs O(m^2 d); one such run
takes tens of seconds).

On a Dask cluster, the same sweep runs through joblib's dask backend (needs
``dask[distributed]``, which the book's environment does not install)::

    python scripts/ch6_sweep.py --dask tcp://scheduler:8786

The cache directory must then be on storage that every worker can write.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from pathlib import Path

import joblib

import deflation as dfl
from deflation import beyond

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = ROOT / "book" / "data" / "ch6"


def count_cached(func, configs, seeds, cache_dir: Path) -> int:
    """How many runs of one block already have a cache file."""
    return sum(
        (cache_dir / f"{dfl.cache_key(func, c, s)}.json").exists()
        for c in configs
        for s in seeds
    )


def run(names, cache_root: Path, n_jobs: int) -> None:
    for name in names:
        folder = cache_root / name
        for func, configs, seeds in beyond.sweep_plan(name):
            total = len(configs) * len(seeds)
            done = count_cached(func, configs, seeds, folder)
            print(f"{name:>10} | {func.__name__}: {total} runs, {done} cached, "
                  f"{total - done} to compute", flush=True)
            start = time.perf_counter()
            dfl.sweep(func, configs, seeds=seeds, cache_dir=folder, n_jobs=n_jobs)
            print(f"{name:>10} | done in {time.perf_counter() - start:.0f} s", flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", choices=beyond.SWEEPS,
                        help="run only this sweep (repeatable)")
    parser.add_argument("--n-jobs", type=int, default=2, help="joblib workers (default 2)")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE,
                        help=f"cache root (default {DEFAULT_CACHE.relative_to(ROOT)})")
    parser.add_argument("--dask", metavar="ADDRESS",
                        help="run on a Dask cluster through joblib's dask backend")
    args = parser.parse_args(argv)
    names = args.only or list(beyond.SWEEPS)
    if args.dask:
        from dask.distributed import Client  # optional dependency

        client = Client(args.dask)
        context = joblib.parallel_config(backend="dask")
        print(f"dask cluster: {client}")
        n_jobs = -1
    else:
        context = contextlib.nullcontext()
        n_jobs = args.n_jobs
    with context:
        run(names, args.cache_dir, n_jobs)


if __name__ == "__main__":
    main()
