"""Smoke test of the core at the declared dependency floors (make floors).

Run by `make floors` in a venv that has exactly the floor versions of pyproject.toml's
core dependencies (numpy, scipy, joblib, threadpoolctl) and nothing else of the book:
importing the package, a short gradient flow, the modified flow, the deflation process,
the direction flow, a fit time, a recovery measure and a tiny cached sweep must work.
It is a script, not a pytest module (the floor venv has no pytest), and exits non-zero
on the first failure.
"""

from __future__ import annotations

import importlib.metadata as md
import sys
import tempfile

import numpy as np

import deflation as dfl
from deflation import early, measures, times
from deflation.experiments import ch5

for dist in ("numpy", "scipy", "joblib", "threadpoolctl"):
    print(f"{dist}=={md.version(dist)}")

T = dfl.orthogonal_tensor([1.0, 0.5], 5)
W0 = dfl.small_init(6, 5, 1e-3, seed=0)
tr = dfl.gradient_flow(W0, T, 30.0, record=31)
assert np.all(np.isfinite(tr.loss)) and tr.fit[-1] < 1e-6, tr.fit[-1]
ft = dfl.fit_times(tr)
assert np.all(np.isfinite(ft)) and ft[0] < ft[1], ft
assert measures.recovered(tr).all()
res = dfl.modified_gradient_flow(T, 4, seed=1, max_time=200.0)
assert res.stopped == "tol", res.stopped
D = dfl.tensor_deflation(T, seed=0)
assert np.allclose(np.sort(D.weights), [0.5, 1.0], atol=1e-8), D.weights
path = early.direction_flow(dfl.random_directions(4, 5, seed=2), T, 1.0, record=5)
assert np.isfinite(times.alignment_times(path.t, path.correlations, level=0.5)).any()
with dfl.blas_threads(1):
    g = dfl.gradient(W0, T)
assert g.shape == W0.shape
with tempfile.TemporaryDirectory() as tmp:
    cfg = ch5.modified_config(4, 5, [1.0, 0.5], max_time=100.0)
    first = dfl.sweep(ch5.run_modified, [cfg], seeds=[0], cache_dir=tmp, n_jobs=2)
    again = dfl.sweep(ch5.run_modified, [cfg], seeds=[0], cache_dir=tmp)
    assert first == again and first[0]["success"], first
print("floors smoke test: all checks passed")
sys.exit(0)
