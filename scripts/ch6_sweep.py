"""Regenerate the cached sweeps of chapter 6 ("Beyond the theorem") into book/data/ch6/.

Usage (from the repository root, with the book's environment, e.g. ``.venv/bin/python``)::

    python scripts/ch6_sweep.py                  # every sweep, 2 workers
    python scripts/ch6_sweep.py --only scale     # one sweep
    python scripts/ch6_sweep.py --n-jobs 4
    python scripts/ch6_sweep.py --dask tcp://scheduler:8786 --cache-dir /shared/ch6

The plan and the run functions live in :mod:`deflation.experiments.ch6`
(:func:`~deflation.experiments.ch6.sweep_plan`); this script only runs them, with a
progress bar (counts and ETA) on a terminal. Each run is one JSON file named by
:func:`deflation.cache_key`; an interrupted sweep resumes where it stopped. With
``--dask`` the cache directory must be on storage that every worker can reach.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import deflation as dfl
from deflation import experiments
from deflation.experiments import ch6

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = ROOT / "book" / "data" / "ch6"


def run(names, cache_root: Path, n_jobs: int, client=None, progress=None) -> None:
    for name in names:
        folder = cache_root / name
        for func, configs, seeds in ch6.sweep_plan(name):
            start = time.perf_counter()
            dfl.sweep(func, configs, seeds=seeds, cache_dir=folder, n_jobs=n_jobs,
                      client=client, progress=progress, desc=f"{name} {func.cache_name}")
            print(f"{name:>10} | {func.cache_name}: {len(configs) * len(seeds)} runs, "
                  f"{time.perf_counter() - start:.0f} s", flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", choices=ch6.SWEEPS,
                        help="run only this sweep (repeatable)")
    experiments.add_runner_arguments(parser, default_jobs=2)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE,
                        help=f"cache root (default {DEFAULT_CACHE.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    n_jobs, client, progress = experiments.runner_options(args)
    if client is not None:
        print(f"dask cluster: {client}")
    start = time.perf_counter()
    run(args.only or list(ch6.SWEEPS), args.cache_dir, n_jobs, client, progress)
    print(f"all sweeps: {time.perf_counter() - start:.0f} s wall time", flush=True)


if __name__ == "__main__":
    main()
