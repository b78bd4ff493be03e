"""Regenerate the cached sweeps of chapter 5 (book/ch5_reinit.ipynb) into book/data/ch5/.

    python scripts/ch5_sweep.py                      # n_jobs=1
    python scripts/ch5_sweep.py --jobs 2             # two worker processes
    python scripts/ch5_sweep.py --dask tcp://host:8786 --cache-dir /shared/ch5

The plan and the run functions live in :mod:`deflation.experiments.ch5`; this script
only runs them (with a progress bar on a terminal) and prints the success table. Each
run is one JSON file named by :func:`deflation.cache_key` (run function's cache name,
package version, configuration, seed), so a rerun computes nothing twice.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from deflation import experiments
from deflation.experiments import ch5
from deflation.rates import format_rate

CACHE = Path(__file__).resolve().parents[1] / "book" / "data" / "ch5"


def all_sweeps(n_jobs=1, cache_dir=CACHE, **kw):  # ALIAS: use deflation.experiments.ch5.all_sweeps
    """Run (or load) every sweep of the chapter from ``cache_dir`` (book/data/ch5)."""
    return ch5.all_sweeps(cache_dir, n_jobs, **kw)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    experiments.add_runner_arguments(parser)
    parser.add_argument("--cache-dir", type=Path, default=CACHE, help="cache directory")
    args = parser.parse_args(argv)
    n_jobs, client, progress = experiments.runner_options(args)
    start = time.perf_counter()
    res = ch5.all_sweeps(args.cache_dir, n_jobs, client=client, progress=progress)
    wall = time.perf_counter() - start
    for rec in res["ablations_held"]:
        rec["ablation"] = ch5.ablation_name(rec)
    keys = {"roles": tuple(ch5.ROLES),
            "plain_held": ("setting",), "modified_held": ("setting",),
            "ablations_held": ("setting", "ablation"), "m_sweep": ("setting", "m")}
    for name, recs in res.items():
        for row in ch5.success_table(recs, keys=keys[name]):
            ident = " ".join(f"{k}={row[k]}" for k in keys[name])
            print(f"{name:14s} {ident}: {format_rate(row['n_success'], row['n'])}, "
                  f"median time {row['median_time']:.3g}")
    n = len(list(args.cache_dir.glob("*.json")))
    print(f"{n} cached runs in {args.cache_dir}; wall time {wall:.0f} s")


if __name__ == "__main__":
    main()
