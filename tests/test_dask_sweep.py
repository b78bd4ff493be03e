"""The sweep engine on Dask (issue 9 section 7): a LocalCluster with two worker processes
returns the same records as n_jobs=1, and the two share one cache in both directions."""

import json
import time

import pytest

import deflation as dfl
from deflation.experiments import ch6

distributed = pytest.importorskip("distributed")

CONFIGS = [
    {"d": 4, "m": 6, "weights": [1.0, 0.5], "init_scale": 1e-3, "t_end": 20.0, "record": 30},
    {"d": 5, "m": 6, "weights": [1.0, 0.6], "init_scale": 1e-3, "t_end": 20.0, "record": 30},
]
SEEDS = [0, 1, 2]


@pytest.fixture(scope="module")
def client():
    start = time.perf_counter()
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as c:
            yield c
    print(f"LocalCluster up and down in {time.perf_counter() - start:.1f} s")


def _files(folder):
    return {p.name: json.loads(p.read_text()) for p in folder.glob("*.json")}


def test_dask_records_equal_local_records_cache_included(client, tmp_path):
    func = ch6.run_fit_times
    fresh = dfl.sweep(func, CONFIGS, seeds=SEEDS)  # no cache, here
    # computed on Dask, then read by n_jobs=1
    a = tmp_path / "dask_first"
    on_dask = dfl.sweep(func, CONFIGS, seeds=SEEDS, cache_dir=a, client=client)
    assert on_dask == fresh
    assert len(_files(a)) == len(CONFIGS) * len(SEEDS)
    before = _files(a)
    assert dfl.sweep(func, CONFIGS, seeds=SEEDS, cache_dir=a, n_jobs=1) == fresh
    assert _files(a) == before  # read, not recomputed
    # computed with n_jobs=1, then read on Dask
    b = tmp_path / "local_first"
    assert dfl.sweep(func, CONFIGS, seeds=SEEDS, cache_dir=b, n_jobs=1) == fresh
    assert _files(b) == before  # the same files, byte for byte in content
    assert dfl.sweep(func, CONFIGS, seeds=SEEDS, cache_dir=b, client=client) == fresh


def test_joblib_dask_backend_gives_the_same_records(client, tmp_path):
    joblib = pytest.importorskip("joblib")
    fresh = dfl.sweep(ch6.run_fit_times, CONFIGS[:1], seeds=SEEDS)
    with joblib.parallel_config(backend="dask"):
        out = dfl.sweep(ch6.run_fit_times, CONFIGS[:1], seeds=SEEDS, cache_dir=tmp_path,
                        n_jobs=-1)
    assert out == fresh


def test_bad_client_is_refused():
    with pytest.raises(ValueError, match="client"):
        dfl.sweep(ch6.run_fit_times, CONFIGS, client="tcp://nowhere:8786")
