import numpy as np
import pytest

import deflation as dfl
from deflation import measures
from deflation.experiments import ch5


def _fitted_W(weights, d, reg=0.0, extra=()):
    """One component per direction carrying the regularized optimum a_k - reg/2."""
    rows = [np.sqrt(a - reg / 2) * np.eye(d)[k] for k, a in enumerate(weights)]
    rows += list(extra)
    return np.array(rows)


def test_recovered_exact_optimum_and_missing_component():
    T = dfl.orthogonal_tensor([1.0, 0.5, 0.25], 5)
    W = _fitted_W([1.0, 0.5, 0.25], 5, reg=0.02)
    assert measures.recovered(W, T, reg=0.02).all()
    np.testing.assert_allclose(measures.fitted_weights(W, T), [0.99, 0.49, 0.24], atol=1e-12)
    # without the regularizer the goal is a_k: a 0.01 shortfall is within tol=0.1*a_k
    assert measures.recovered(W, T, reg=0.0).all()
    W2 = W.copy()
    W2[2] = 1e-3 * np.eye(5)[4]  # third component lost: a tiny row elsewhere
    assert measures.recovered(W2, T, reg=0.02).tolist() == [True, True, False]


def test_recovered_split_group_counts_as_one_fit():
    T = dfl.orthogonal_tensor([1.0, 0.5], 4)
    e = np.eye(4)
    W = np.array([np.sqrt(0.6) * e[0], np.sqrt(0.4) * e[0], np.sqrt(0.5) * e[1]])
    assert measures.recovered(W, T).all()
    assert measures.group_sizes(W, T).tolist() == [2, 1]
    assert measures.group_sizes(W, T, min_weight=0.65**2).tolist() == [1, 1]


def test_recovered_accepts_runs_and_uses_their_regularizer():
    T = dfl.orthogonal_tensor([1.0, 0.5], 4)
    res = dfl.modified_gradient_flow(T, 6, reg=0.02, max_time=200.0, seed=0)
    assert res.stopped == "tol"
    assert measures.recovered(res).all()
    assert measures.recovered(res.trajectory).all()
    np.testing.assert_allclose(measures.fitted_weights(res), [0.99, 0.49], atol=1e-3)


def test_recovered_input_checks():
    T = dfl.orthogonal_tensor([1.0], 3)
    with pytest.raises(ValueError, match="target"):
        measures.recovered(np.ones((2, 3)))
    with pytest.raises(ValueError, match="tol"):
        measures.recovered(np.ones((2, 3)), T, tol=1.5)
    with pytest.raises(ValueError, match="reg"):
        measures.recovered(np.ones((2, 3)), T, reg=-1.0)
    with pytest.raises(ValueError, match="W"):
        measures.recovered(np.ones((2, 4)), T)
    with pytest.raises(ValueError, match="threshold"):
        measures.group_sizes(np.ones((2, 3)), T, threshold=-1)


def test_modified_config_is_explicit_and_checked():
    cfg = ch5.modified_config(5, 6, [1.0, 0.5], reg=0.02, setting="x")
    for key in ("init_scale", "reinit_threshold", "reg", "first_epoch", "epoch_growth",
                "max_time", "reinit"):
        assert key in cfg
    assert cfg["reg"] == 0.02 and cfg["setting"] == "x" and cfg["weights"] == [1.0, 0.5]
    with pytest.raises(ValueError, match="params"):
        ch5.modified_config(5, 6, [1.0], gamma=1.0)
    with pytest.raises(ValueError, match="weights"):
        ch5.modified_config(5, 2, [1.0, 0.5, 0.2])
    with pytest.raises(ValueError, match="m"):
        ch5.modified_config(0, 6, [1.0])


def test_run_functions_share_the_initialization_and_report(tmp_path):
    cfg = ch5.modified_config(6, 5, [1.0, 0.5], max_time=150.0)
    a = ch5.run_modified(cfg, 3)
    b = ch5.run_plain(cfg, 3)
    for out in (a, b):
        assert out["success"] and out["n_recovered"] == 2 and out["stopped"] == "tol"
        assert 0 < out["total_time"] <= 150.0
    assert a["n_reinit"][0] == 6 and a["n_epochs"] == len(a["n_reinit"])
    # same seed, same start: the first recorded state of both runs is small_init
    W0 = dfl.small_init(6, 5, cfg["init_scale"], seed=3)
    res = dfl.modified_gradient_flow(dfl.orthogonal_tensor([1.0, 0.5], 5), 6, seed=3,
                                     max_time=1.0, first_epoch=1.0)
    np.testing.assert_allclose(res.trajectory.norms[0], np.linalg.norm(W0, axis=1))
    recs = dfl.sweep(ch5.run_modified, [cfg], seeds=[3], cache_dir=tmp_path)
    assert recs[0]["success"] and recs[0]["total_time"] == pytest.approx(a["total_time"])
    with pytest.raises(TypeError, match="config"):
        ch5.run_plain([1, 2], 0)


def test_success_table_counts():
    recs = [
        {"setting": "a", "seed": 0, "success": True, "total_time": 1.0, "rel_error": 0.1},
        {"setting": "a", "seed": 1, "success": False, "total_time": 3.0, "rel_error": 0.3},
        {"setting": "b", "seed": 0, "success": True, "total_time": 2.0, "rel_error": 0.2},
    ]
    rows = ch5.success_table(recs)
    assert [r["setting"] for r in rows] == ["a", "b"]
    assert rows[0]["n_success"] == 1 and rows[0]["rate"] == 0.5
    assert rows[0]["failed_seeds"] == [1] and rows[0]["max_time"] == 3.0
    with pytest.raises(ValueError, match="records"):
        ch5.success_table([])
    with pytest.raises(ValueError, match="keys"):
        ch5.success_table([{"setting": "a"}])


def test_epoch_staircase_marks_epochs_and_reinit_events():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from deflation import plotting

    T = dfl.orthogonal_tensor([1.0, 0.3], 5)
    res = dfl.modified_gradient_flow(T, 6, first_epoch=3.0, max_time=30.0, seed=0)
    fig, ax = plt.subplots()
    plotting.epoch_staircase(res, ax, title="x")
    n_events = int(np.sum(res.n_reinit[1:] > 0))
    markers = [ln for ln in ax.lines if ln.get_marker() == "v"]
    assert len(markers) == n_events
    assert res.epoch_starts.size <= 20
    assert len(ax.texts) == n_events and ax.get_title() == "x"
    plt.close(fig)
    with pytest.raises(TypeError, match="result"):
        plotting.epoch_staircase(res.trajectory)


def test_failure_mode_tells_the_three_ways_a_run_fails_apart():
    base = {"weights": [1.0, 0.5, 0.06], "reg": 0.01, "reinit": True, "m": 6}
    ok = {**base, "success": True, "recovered": [True] * 3, "group_sizes": [2, 2, 2],
          "n_reinit": [6, 1, 0]}
    assert ch5.failure_mode(ok) is None
    fitting = {**ok, "success": False, "recovered": [True, True, False],
               "group_sizes": [3, 2, 1], "n_reinit": [6, 0, 0, 0]}
    assert ch5.failure_mode(fitting) == "still fitting"
    locked = {**fitting, "group_sizes": [4, 2, 0]}
    assert ch5.failure_mode(locked) == "lock-up"
    redrawn = {**locked, "n_reinit": [6, 1, 1, 0]}
    assert ch5.failure_mode(redrawn) == "re-drawn"
    assert ch5.failure_mode({**redrawn, "reinit": False}) == "stalled"
    plain = {k: v for k, v in locked.items() if k not in ("n_reinit", "reinit", "reg")}
    assert ch5.failure_mode(plain) == "stalled"
    # a weight below lambda / 2 is not fittable: its absence is no failure mode
    assert ch5.failure_mode({**locked, "weights": [1.0, 0.5, 0.004]}) == "lock-up"
    with pytest.raises(ValueError, match="lacks the keys"):
        ch5.failure_mode({"success": False})


def test_epoch_staircase_labels_are_legible_and_do_not_overlap():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from deflation import plotting

    # early epochs close together on a long time axis (seed 102 locks up: budget 2000),
    # and a run that stops at the target accuracy (seed 0)
    T = dfl.orthogonal_tensor([1.0, 0.5, 0.25, 0.12, 0.06], 10)
    for seed, max_time in ((102, 2000.0), (0, 1000.0)):
        res = dfl.modified_gradient_flow(T, 12, max_time=max_time, seed=seed,
                                         record_per_epoch=5)
        fig, ax = plt.subplots()
        plotting.epoch_staircase(res, ax)
        events = res.epoch_starts[1:][res.n_reinit[1:] > 0]
        xs = np.sort([t.xy[0] for t in ax.texts])
        assert 0 < xs.size < events.size  # some labels left out ...
        assert np.all(np.diff(xs) >= 0.06 * res.total_time)  # ... so none overlaps
        assert min(t.get_fontsize() for t in ax.texts) >= plotting.MIN_FONT_PT
        plt.close(fig)
