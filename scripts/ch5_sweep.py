"""Regenerate the cached sweeps of chapter 5 (book/ch5_reinit.ipynb).

    python scripts/ch5_sweep.py            # n_jobs=1
    python scripts/ch5_sweep.py --jobs 2   # two worker processes

Every run is one call of :func:`deflation.recovery.run_modified` or
:func:`deflation.recovery.run_plain` for one (configuration, seed), stored by
:func:`deflation.sweep` as one small JSON file in ``book/data/ch5/`` named by a hash of
the function, the configuration and the seed. The chapter makes the same ``dfl.sweep``
calls (through :func:`all_sweeps`), so with the cache present it computes nothing, and
without it (or after a change of configuration) it recomputes what is missing.
Delete ``book/data/ch5/`` to recompute everything.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import deflation as dfl
from deflation import recovery as rc

CACHE = Path(__file__).resolve().parents[1] / "book" / "data" / "ch5"
SEEDS = range(20)

PAPER_WEIGHTS = [1.0, 0.5, 0.25, 0.12, 0.06]
GEOMETRIC7 = [1.0, 0.6, 0.36, 0.216, 0.13, 0.078, 0.047]

# (name, d, m, weights): the settings of the success-rate table.
SETTINGS = [
    ("A", 10, 12, PAPER_WEIGHTS),  # the informal experiment described in chapter 5
    ("A40", 10, 40, PAPER_WEIGHTS),
    ("C", 20, 20, PAPER_WEIGHTS),
    ("D20", 10, 20, GEOMETRIC7),
    ("D", 10, 12, GEOMETRIC7),  # seven components, m = 12
    ("B", 10, 6, PAPER_WEIGHTS),  # m close to r
]

# Ablations: one ingredient removed at a time.
ABLATIONS = {
    "full": {},
    "no re-init": {"reinit": False},
    "lambda = 0": {"reg": 0.0},
    "constant epochs": {"epoch_growth": 0.0},
}
ABLATION_SETTINGS = ("A", "D20")

# One parameter varied at a time around the defaults, on setting A.
ROLES = {
    "reinit_threshold": [0.01, 0.03, 0.1, 0.2],
    "init_scale": [1e-6, 1e-4, 1e-2],
    "epoch_growth": [0.0, 0.25, 0.5, 1.0],
    "reg": [0.0, 0.01, 0.03],
    "first_epoch": [2.0, 10.0, 50.0],
}


# Few components (settings B and D): a larger threshold, or more components.
EXTRA = [
    ("B", {"reinit_threshold": 0.2}),
    ("B", {"m": 8}),
    ("D", {"reinit_threshold": 0.2}),
]
# Faster epochs (gamma = 1) in every setting of the table.
EXTRA += [(name, {"epoch_growth": 1.0}) for name, *_ in SETTINGS]


def _setting(name):
    for s in SETTINGS:
        if s[0] == name:
            return s
    raise ValueError(f"unknown setting {name!r}")


def table_configs():
    return [rc.modified_config(d, m, w, setting=n) for n, d, m, w in SETTINGS]


def ablation_configs():
    out = []
    for name in ABLATION_SETTINGS:
        _, d, m, w = _setting(name)
        for params in ABLATIONS.values():
            out.append(rc.modified_config(d, m, w, setting=name, **params))
    return out


def ablation_name(rec):
    """Which ablation a record of :func:`ablation_configs` belongs to."""
    for name, params in ABLATIONS.items():
        if params and all(rec[k] == v for k, v in params.items()):
            return name
    return "full"


def role_configs():
    _, d, m, w = _setting("A")
    out = []
    for key, values in ROLES.items():
        for v in values:
            cfg = rc.modified_config(d, m, w, setting="A", **{key: v})
            if cfg not in out:  # the defaults appear once
                out.append(cfg)
    return out


def extra_configs():
    out = []
    for name, params in EXTRA:
        _, d, m, w = _setting(name)
        params = dict(params)
        m = params.pop("m", m)
        label = name if m == _setting(name)[2] else f"{name}{m}"
        out.append(rc.modified_config(d, m, w, setting=label, **params))
    return out


def all_sweeps(n_jobs=1, cache_dir=CACHE):
    """Run (or load) every sweep of the chapter; returns a dict of record lists."""
    kw = dict(seeds=SEEDS, cache_dir=cache_dir, n_jobs=n_jobs)
    return {
        "plain": dfl.sweep(rc.run_plain, table_configs(), **kw),
        "modified": dfl.sweep(rc.run_modified, table_configs(), **kw),
        "ablations": dfl.sweep(rc.run_modified, ablation_configs(), **kw),
        "roles": dfl.sweep(rc.run_modified, role_configs(), **kw),
        "extra": dfl.sweep(rc.run_modified, extra_configs(), **kw),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1, help="joblib workers (default 1)")
    args = parser.parse_args()
    res = all_sweeps(n_jobs=args.jobs)
    for rec in res["ablations"]:
        rec["ablation"] = ablation_name(rec)
    for name, recs in res.items():
        keys = {"plain": ("setting",), "modified": ("setting",),
                "ablations": ("setting", "ablation"), "roles": tuple(ROLES),
                "extra": ("setting", "m", "reinit_threshold", "epoch_growth")}[name]
        for row in rc.success_table(recs, keys=keys):
            ident = " ".join(f"{k}={row[k]}" for k in keys)
            print(f"{name:10s} {ident}: {row['n_success']}/{row['n']} "
                  f"median time {row['median_time']:.3g}")
    n = len(list(CACHE.glob("*.json")))
    print(f"{n} cached runs in {CACHE}")


if __name__ == "__main__":
    main()
