import json

import numpy as np
import pytest

import deflation as dfl


def test_matrix_flow_learns_eigenvalues_in_order():
    mt = dfl.matrix_factorization_flow([1.0, 0.5, 0.25], d=6, m=6, init_scale=1e-4, t_end=80.0,
                                     seed=0, record=801)
    assert np.all(np.abs(mt.residual[-1]) < 1e-6)
    first = [mt.t[np.argmax(mt.residual[:, k] <= 0.1 * a)] for k, a in enumerate([1.0, 0.5, 0.25])]
    assert first[0] < first[1] < first[2]


def _square(config, seed):
    _square.calls += 1
    return {"value": config["x"] ** 2 + seed, "arr": np.arange(2)}


_square.calls = 0
_square.cache_name = "test.square"


def test_sweep_caches_and_resumes(tmp_path):
    configs = [{"x": 1}, {"x": 2}]
    recs = dfl.sweep(_square, configs, seeds=[0, 10], cache_dir=tmp_path)
    assert [r["value"] for r in recs] == [1, 11, 4, 14]
    assert recs[1] == {"x": 1, "seed": 10, "value": 11, "arr": [0, 1]}
    files = sorted(tmp_path.glob("*.json"))
    assert len(files) == 4
    calls = _square.calls
    files[0].unlink()  # an interrupted sweep: one result missing
    again = dfl.sweep(_square, configs, seeds=[0, 10], cache_dir=tmp_path)
    assert again == recs
    assert _square.calls == calls + 1  # only the missing run was computed
    record = json.loads(files[1].read_text())
    assert record["result"]["value"] in {1, 11, 4, 14}
    assert record["cache_name"] == "test.square" and record["version"] == dfl.__version__
    assert record["config"] in configs and record["seed"] in (0, 10)


def test_sweep_without_cache_and_bad_input():
    recs = dfl.sweep(_square, [{"x": 3}], seeds=[1])
    assert recs == [{"x": 3, "seed": 1, "value": 10, "arr": [0, 1]}]
    with pytest.raises(ValueError, match="configs"):
        dfl.sweep(_square, [])
    with pytest.raises(ValueError, match="seeds"):
        dfl.sweep(_square, [{"x": 1}], seeds=[-1])
    with pytest.raises(ValueError, match="n_jobs"):
        dfl.sweep(_square, [{"x": 1}], n_jobs=0)


def test_sweep_progress_bar_counts_runs(capsys, tmp_path):
    dfl.sweep(_square, [{"x": 1}, {"x": 2}], seeds=[0, 1], cache_dir=tmp_path, progress=True,
              desc="squares")
    err = capsys.readouterr().err
    assert "squares" in err and "4/4" in err
    # automatic: off under pytest (and when stderr is not a terminal)
    dfl.sweep(_square, [{"x": 3}], seeds=[0, 1])
    assert capsys.readouterr().err == ""


def test_sweep_needs_a_cache_name_to_cache(tmp_path):
    def anonymous(config, seed):
        return {"v": seed}

    with pytest.raises(ValueError, match="cache_name"):
        dfl.sweep(anonymous, [{}], cache_dir=tmp_path)
    assert dfl.sweep(anonymous, [{}], seeds=[4]) == [{"seed": 4, "v": 4}]
