"""Two checkouts of the package, timed back to back on chapter 5's runs (prints only).

    python benchmarks/ab_versions.py OLD_SRC NEW_SRC [ROUNDS]

``OLD_SRC`` and ``NEW_SRC`` are ``src`` directories of two checkouts (for example a
``git worktree`` of an older commit). Each round runs both, each in a fresh subprocess,
one after the other, so that a shared, noisy machine slows both alike; the figures are
medians over the rounds, in CPU time. Timed: setting A's plain flow on seed 100 to
t = 2000 (it misses a component, so it runs the whole budget, mostly in the stiff
regime) and the constant-epochs ablation on seed 100 (200 epochs).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys

RUN = r'''
import time, deflation as dfl
from deflation.experiments import ch5
cfg = ch5.table_configs()[0]
t = dfl.orthogonal_tensor(cfg["weights"], cfg["d"])
W0 = dfl.small_init(cfg["m"], cfg["d"], cfg["init_scale"], seed=100)
dfl.gradient_flow(W0, t, 5.0)
c0 = time.process_time()
tr = dfl.gradient_flow(W0, t, 2000.0, record=400, stop_fit=1e-6 * t.sqnorm())
c1 = time.process_time()
ch5.run_modified(ch5.ablation_configs()[3], 100)
c2 = time.process_time()
print(dfl.__version__, c1 - c0, tr.n_eval, tr.n_rejected, c2 - c1)
'''


def run(src: str) -> list:
    env = dict(os.environ, PYTHONPATH=src, OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", RUN], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    return [out[0]] + [float(x) for x in out[1:]]


def main():
    if len(sys.argv) not in (3, 4):
        raise SystemExit(__doc__)
    srcs = sys.argv[1:3]
    rounds = int(sys.argv[3]) if len(sys.argv) == 4 else 5
    rows = {s: [] for s in srcs}
    for _ in range(rounds):
        for s in srcs:
            rows[s].append(run(s))
    for s in srcs:
        r = rows[s]
        plain = statistics.median(x[1] for x in r)
        epochs = statistics.median(x[4] for x in r)
        print(f"{r[0][0]} ({s}): plain flow A seed 100 to t=2000 {plain:.3f} s CPU, "
              f"{r[0][2]:.0f} evaluations ({r[0][3]:.0f} rejected), "
              f"{plain / r[0][2] * 1e6:.1f} us per evaluation; constant-epochs "
              f"ablation seed 100 {epochs:.2f} s (medians of {rounds})")


if __name__ == "__main__":
    main()
