"""Check that the cached sweeps in book/data are still what the code computes (`make check-data`).

    python scripts/check_data.py                 # 6 records per sweep, seed 0
    python scripts/check_data.py --per-sweep 3 --seed 7 --data book/data

Every cache file written by :func:`deflation.sweep` records its run function's
``cache_name``, the package ``version``, the ``config`` and the ``seed``. For every sweep
(a folder under book/data and a cache name) this script draws a seeded random sample of
records, recomputes each with :func:`deflation.experiments.run_function` and compares it
with the cache: integers, booleans and strings exactly, floats to ``rtol`` (default
1e-9; the runs are deterministic with one BLAS thread, so they normally agree to the
last bit). Only the cheaper half of each sweep is sampled (by the cost proxy
``m**2 * d * t_end`` where the config has those keys), which keeps the whole check within
a few minutes. A file of another package version, or in the old format without the
recorded config, is reported as stale (regenerate it, see the README). Exit status 1 on
any mismatch or stale file. Prints the time taken.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

import deflation as dfl
from deflation.experiments import run_function
from deflation.sweeps import _run_one, read_record

ROOT = Path(__file__).resolve().parents[1]


def _cost(config: dict) -> float:
    m, d = config.get("m", 1), config.get("d", 1)
    t = config.get("t_end", config.get("max_time", 1.0))
    if isinstance(config.get("checkpoints"), list) and config["checkpoints"]:
        t = config["checkpoints"][-1]
    try:
        return float(m) ** 2 * float(d) * float(t)
    except (TypeError, ValueError):
        return 0.0


def compare(cached, fresh, rtol: float, path: str = "") -> list[str]:
    """The differences between two JSON values (empty list if they agree)."""
    if isinstance(cached, dict) and isinstance(fresh, dict):
        if set(cached) != set(fresh):
            return [f"{path}: keys {sorted(cached)} != {sorted(fresh)}"]
        return [x for k in cached for x in compare(cached[k], fresh[k], rtol, f"{path}.{k}")]
    if isinstance(cached, list) and isinstance(fresh, list):
        if len(cached) != len(fresh):
            return [f"{path}: length {len(cached)} != {len(fresh)}"]
        return [x for i, (a, b) in enumerate(zip(cached, fresh))
                for x in compare(a, b, rtol, f"{path}[{i}]")]
    if isinstance(cached, float) or isinstance(fresh, float):
        if isinstance(cached, bool) or isinstance(fresh, bool):
            return [] if cached == fresh else [f"{path}: {cached!r} != {fresh!r}"]
        if isinstance(cached, (int, float)) and isinstance(fresh, (int, float)):
            if math.isclose(cached, fresh, rel_tol=rtol, abs_tol=1e-300):
                return []
            return [f"{path}: cached {cached!r} != fresh {fresh!r}"]
    return [] if cached == fresh else [f"{path}: cached {cached!r} != fresh {fresh!r}"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "book" / "data")
    parser.add_argument("--per-sweep", type=int, default=6, help="records per sweep (6)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the draw (0)")
    parser.add_argument("--rtol", type=float, default=1e-9, help="float tolerance (1e-9)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    groups: dict = defaultdict(list)
    stale = []
    for path in sorted(args.data.rglob("*.json")):
        try:
            rec = read_record(path)
        except ValueError:  # not JSON, or the old format without the recorded config
            stale.append((path, "not a sweep record (old format, or not JSON)"))
            continue
        if rec["version"] != dfl.__version__:
            stale.append((path, f"version {rec['version']} != {dfl.__version__}"))
            continue
        groups[(path.parent.relative_to(args.data), rec["cache_name"])].append((path, rec))
    n_checked, failures = 0, []
    for (folder, name), recs in sorted(groups.items(), key=lambda kv: str(kv[0])):
        costs = np.array([_cost(r["config"]) for _, r in recs])
        cheap = [x for x, c in zip(recs, costs) if c <= np.median(costs)]
        pick = rng.choice(len(cheap), size=min(args.per_sweep, len(cheap)), replace=False)
        func = run_function(name)
        for i in sorted(pick):
            path, rec = cheap[i]
            t0 = time.perf_counter()
            fresh = _run_one(func, rec["config"], rec["seed"], None)  # as sweep() returns it
            diff = compare(rec["result"], fresh, args.rtol)
            n_checked += 1
            status = "ok" if not diff else "MISMATCH"
            print(f"{folder!s:>16} {name:<16} seed {rec['seed']:>3} {path.name[:12]} "
                  f"{time.perf_counter() - t0:6.1f} s  {status}", flush=True)
            failures += [f"{path}: {d}" for d in diff[:5]]
    n_total = sum(len(v) for v in groups.values())
    print(f"checked {n_checked} of {n_total} current records in {len(groups)} sweeps; "
          f"{len(failures)} differences; {len(stale)} stale files")
    for line in failures:
        print("  " + line)
    if stale:
        by_reason = defaultdict(int)
        for _, reason in stale:
            by_reason[reason] += 1
        for reason, n in by_reason.items():
            print(f"  stale: {n} files, {reason}; regenerate with scripts/ch5_sweep.py / "
                  "scripts/ch6_sweep.py")
    print(f"check-data took {time.perf_counter() - start:.1f} s")
    return 1 if failures or stale else 0


if __name__ == "__main__":
    sys.exit(main())
