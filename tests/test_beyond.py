"""Tests of the chapter-6 measures, predictions, times and run functions, and their plots."""

import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy.integrate import solve_ivp

import deflation as dfl
from deflation import measures, plotting, theory, times
from deflation.experiments import ch6
from deflation.sweeps import _jsonable


def _exact_model(T, split=None):
    """Rows sqrt(a_k) u_k (component k split into `split[k]` equal rows)."""
    rows = []
    for k, (a, u) in enumerate(zip(T.weights, T.basis.T)):
        n = 1 if split is None else split[k]
        rows += [np.sqrt(a / n) * u] * n
    return np.array(rows)


# --- the recovery measure -----------------------------------------------------------


def test_exact_fit_of_a_correlated_target_has_zero_recovery_error():
    a = [1.0, 0.7, 0.5]
    rho = 0.4
    T = dfl.low_rank_tensor(a, dfl.correlated_directions(3, 6, rho, seed=0))
    W = _exact_model(T, split=[2, 1, 3])
    W[1] *= -1  # the sign of a row does not matter at even order
    assert dfl.fit_loss(W, T) < 1e-12
    rec = measures.recovery(W, T)
    assert np.allclose(rec.group_weight, a)
    assert np.allclose(rec.direction_angle, 0, atol=1e-7)
    assert np.allclose(rec.mean_angle, 0, atol=1e-7)
    assert rec.stray_weight == 0 and rec.bound < 1e-6
    assert np.all(rec.within(1e-6))
    # ... while the residual a_k - <T(W), u_k^4> is -rho^4 * sum of the other weights
    res = dfl.residuals(W, T)
    want = -(rho**4) * (np.sum(a) - np.array(a))
    assert np.allclose(res, want, atol=1e-10)


def test_odd_order_sign_flip_makes_a_stray_component():
    T = dfl.orthogonal_tensor([1.0, 0.5], 4, order=3)
    W = _exact_model(T)
    W[1] *= -1
    rec = measures.recovery(W, T)
    assert rec.group_weight[0] == pytest.approx(1.0)
    assert rec.group_weight[1] == 0 and np.isnan(rec.direction_angle[1])
    assert rec.stray_weight == pytest.approx(0.5)
    assert list(rec.within()) == [True, False]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bound_dominates_the_tensor_error(seed):
    rng = np.random.default_rng(seed)
    T = dfl.low_rank_tensor([1.0, 0.6, 0.3], dfl.correlated_directions(3, 5, 0.2, seed=rng))
    W = _exact_model(T, split=[2, 2, 1]) + 0.05 * rng.standard_normal((5, 5))
    W = np.vstack([W, 0.1 * rng.standard_normal((2, 5))])  # two stray rows
    rec = measures.recovery(W, T, threshold=0.8)
    err = np.linalg.norm(dfl.model_tensor(W) - T.dense())
    assert err <= rec.bound
    assert rec.stray_weight > 0


def test_deflation_recovery_and_negative_weights():
    T = dfl.orthogonal_tensor([1.0, 0.5, 0.25], 5, basis="random", seed=3)
    D = dfl.tensor_deflation(T, seed=0)
    rec = measures.deflation_recovery(D, T)
    assert np.allclose(rec.weight_error, 0, atol=1e-8)
    assert np.allclose(rec.direction_angle, 0, atol=1e-6)
    D.weights[2] = -0.1
    rec = measures.deflation_recovery(D, T)
    assert rec.group_weight[2] == 0 and rec.stray_weight == pytest.approx(0.1)


def test_recovery_path_and_group_fit_times_agree_with_residual_measures():
    T = dfl.orthogonal_tensor([1.0, 0.6, 0.3], 6)
    tr = dfl.gradient_flow(dfl.small_init(12, 6, 1e-4, seed=1), T, 60.0, record=600,
                           record_W=True)
    b, ang = measures.recovery_path(tr)
    rec = measures.recovery(tr.W, T)
    assert np.allclose(b[-1], rec.group_weight)
    assert np.allclose(ang[-1], rec.mean_angle, equal_nan=True)
    # orthogonal target: the group weight crosses 90% at the residual's fit time
    assert np.allclose(times.group_fit_times(tr), dfl.fit_times(tr), rtol=0.01)


def test_group_directions_are_sign_aligned():
    T = dfl.orthogonal_tensor([1.0, 0.5], 3)
    W = np.array([[1.0, 0.05, 0], [-1.0, 0.05, 0], [0, 0.2, 0.0], [0, 0, 1e-3]])
    x0, x1 = measures.group_directions(W, T)
    assert x0 @ T.basis[:, 0] > 0.99 and x1 is not None
    W[2] = 0
    assert measures.group_directions(W, T)[1] is None


# --- first-order predictions ---------------------------------------------------------


@pytest.mark.parametrize("rho", [0.1, 0.2, 0.3])
def test_first_order_fixed_point_against_the_power_method(rho):
    a = [1.0, 0.7, 0.5, 0.35]
    T = dfl.low_rank_tensor(a, dfl.correlated_directions(4, 8, rho, seed=1))
    x, c = theory.first_order_fixed_point(T, 0)
    X, vals, _ = dfl.power_iteration(T.contract, T.basis[:, [0]].T.copy(), tol=1e-15)
    true = X[0]
    tilt = np.arccos(min(1, abs(true @ T.basis[:, 0])))
    err = np.arccos(min(1, abs(true @ x)))
    # first order: the relative error of the prediction is O(rho^2) (about 2 rho^2)
    assert err < 3 * rho**2 * tilt
    assert abs(c - vals[0]) < 2 * rho**2 * abs(vals[0] - a[0])


def test_first_order_fixed_point_with_noise_and_input_checks():
    T = dfl.with_noise(dfl.orthogonal_tensor([1.0, 0.5], 5), 0.05, seed=0)
    x, c = theory.first_order_fixed_point(T, 1)
    assert abs(np.linalg.norm(x) - 1) < 1e-12 and abs(c - 0.5) < 0.05
    for bad, error in ((-1, ValueError), (2, ValueError), (1.0, TypeError), (True, TypeError)):
        with pytest.raises(error, match="k must be"):
            theory.first_order_fixed_point(T, bad)


@pytest.mark.parametrize("order", [3, 4, 5])
def test_alignment_delay_matches_the_reduced_ode(order):
    """Integrate p' = l a p^{l-1} (1 - p^2), (log c)' = 4 a p^l up to p = 1 - 1e-9."""
    a, p0 = 0.7, 0.3
    l = order

    def rhs(t, y):
        p = y[0]
        return [l * a * p ** (l - 1) * (1 - p * p), 4 * a * p**l]

    ev = lambda t, y: y[0] - (1 - 1e-9)  # noqa: E731
    ev.terminal = True
    sol = solve_ivp(rhs, (0, 1e4), [p0, 0.0], events=ev, rtol=1e-11, atol=1e-13)
    t1, logc = sol.t_events[0][0], sol.y_events[0][0][1]
    D = t1 - logc / (4 * a)
    assert theory.alignment_delay(p0, a, order=order) == pytest.approx(D, rel=1e-5)


def test_alignment_delay_closed_forms_and_checks():
    p = np.array([0.1, 0.5, 1.0])
    d4 = theory.alignment_delay(p, 2.0, order=4)
    assert d4.shape == (3,) and d4[-1] == pytest.approx(0.0, abs=1e-15)
    assert np.all(np.diff(d4) < 0)
    for bad in (0.0, -0.2, 1.5):
        with pytest.raises(ValueError, match="correlation"):
            theory.alignment_delay(bad, 1.0)
    with pytest.raises(ValueError, match="weight"):
        theory.alignment_delay(0.5, 0.0)


@pytest.mark.parametrize("order", [3, 4])
def test_predicted_fit_times_within_three_percent(order):
    T = dfl.orthogonal_tensor([1.0, 0.6, 0.35], 10, order=order)
    W0 = dfl.small_init(30, 10, 1e-5, seed=4)
    tr = dfl.gradient_flow(W0, T, 60.0, rtol=1e-6, record=100)
    meas = times.logit_fit_times(tr)
    pred = theory.predicted_fit_times(W0, T)
    assert np.all(np.isfinite(meas)) and np.all(np.isfinite(pred))
    assert np.max(np.abs(pred / meas - 1)) < 0.03


def test_predicted_fit_times_checks():
    T = dfl.low_rank_tensor([1.0, 0.5], dfl.correlated_directions(2, 4, 0.3, seed=0))
    with pytest.raises(ValueError, match="orthogonal"):
        theory.predicted_fit_times(dfl.small_init(3, 4, 1e-3, seed=0), T)
    T = dfl.orthogonal_tensor([1.0, 0.5], 4)
    with pytest.raises(ValueError, match="W0"):
        theory.predicted_fit_times(np.ones((3, 4)), T)


def test_logit_fit_times_beat_linear_interpolation_on_a_coarse_grid():
    T = dfl.orthogonal_tensor([1.0, 0.5], 8)
    W0 = dfl.small_init(16, 8, 1e-6, seed=2)
    fine = dfl.fit_times(dfl.gradient_flow(W0, T, 40.0, record=4000))
    coarse = dfl.gradient_flow(W0, T, 40.0, record=60)
    err_logit = np.max(np.abs(times.logit_fit_times(coarse) - fine))
    err_lin = np.max(np.abs(dfl.fit_times(coarse) - fine))
    assert err_logit < 0.01 and err_logit < 0.2 * err_lin
    with pytest.raises(TypeError, match="traj"):
        times.logit_fit_times("not a trajectory")


def test_input_checks():
    T = dfl.orthogonal_tensor([1.0], 3)
    with pytest.raises(ValueError, match="threshold"):
        measures.recovery(np.ones((2, 3)), T, threshold=1.0)
    with pytest.raises(ValueError, match="W must"):
        measures.recovery(np.ones((2, 4)), T)
    with pytest.raises(TypeError, match="result"):
        measures.deflation_recovery("x", T)
    with pytest.raises(TypeError, match="traj"):
        measures.recovery_path(None)
    with pytest.raises(ValueError, match="frac"):
        times.group_fit_times(None, frac=1.5)


# --- run functions and the sweep plan ------------------------------------------------


def test_run_fit_times_record_is_json_friendly():
    cfg = {"d": 6, "m": 10, "weights": [1.0, 0.5], "init_scale": 1e-4, "t_end": 40.0}
    out = ch6.run_fit_times(cfg, 0)
    assert set(out) == {"fit_times", "predicted", "final_fit", "n_eval"}
    assert np.all(np.isfinite(out["fit_times"]))
    assert np.allclose(out["predicted"], out["fit_times"], rtol=0.05)
    json.dumps(_jsonable(out))


def test_run_correlated_at_rho_zero_is_exact():
    cfg = {"d": 6, "m": 10, "weights": [1.0, 0.6], "rho": 0.0, "init_scale": 1e-5,
           "checkpoints": [30.0, 60.0]}
    out = ch6.run_correlated(cfg, 1)
    assert len(out["gf_angle"]) == 2 and len(out["gf_rel_error"]) == 2
    assert out["gf_rel_error"][-1] < 1e-4
    assert out["plateau_angle"] < 1e-3 and out["first"] == 0
    defl = ch6.run_correlated_deflation(cfg, 1)
    assert defl["defl_rel_error"] < 1e-8 and all(defl["defl_converged"])


def test_correlated_target_is_fixed_per_configuration_and_the_seed_draws_the_start():
    """The seed draws only the initialization: the deflation records of two restart
    seeds agree (the process is deterministic up to its restarts), the flow's do not."""
    cfg = {"d": 6, "m": 8, "weights": [1.0, 0.6, 0.4], "rho": 0.5, "init_scale": 1e-5,
           "checkpoints": [20.0]}
    a, b = ch6.run_correlated_deflation(cfg, 1), ch6.run_correlated_deflation(cfg, 2)
    np.testing.assert_allclose(a["defl_weight_error"], b["defl_weight_error"], atol=1e-8)
    np.testing.assert_allclose(a["defl_angle"], b["defl_angle"], atol=1e-7)
    f1, f2 = ch6.run_correlated(cfg, 1), ch6.run_correlated(cfg, 2)
    assert not np.allclose(f1["gf_group_fit_times"], f2["gf_group_fit_times"], equal_nan=True)


def test_run_noisy_first_order_prediction():
    cfg = {"d": 5, "m": 10, "weights": [1.0, 0.6], "sigma": 0.05, "init_scale": 1e-5,
           "t_end": 50.0}
    out = ch6.run_noisy(cfg, 2)
    assert np.all(np.array(out["gf_to_pred"]) < 0.2 * np.array(out["pred_angle"]))
    assert np.all(np.array(out["defl_to_pred"]) < 0.2 * np.array(out["pred_angle"]))
    assert out["gf_fit"] < out["noise_fit"]


def test_run_loss_curve_plateau_at_the_deflation_fit():
    cfg = {"d": 4, "m": 6, "weights": [1.0, 0.5], "sigma": 0.1, "init_scale": 1e-4,
           "t_end": 40.0, "n_record": 30}
    out = ch6.run_loss_curve(cfg, 0)
    assert len(out["t"]) == len(out["fit"]) == len(out["n_large"]) == 30
    assert out["t"][-1] == pytest.approx(40.0)
    assert out["fit"][0] > out["fit"][-1]
    # after the staircase the flow sits at (or, fitting noise, below) the deflation's loss
    assert out["fit"][-1] <= out["deflation_fit"] * (1 + 1e-3)
    assert out["noise_fit"] == pytest.approx(0.005)


def test_plateau_match_finds_the_deflation_step_and_checks_input():
    T = dfl.low_rank_tensor([1.0, 0.5], dfl.correlated_directions(2, 6, 0.5, seed=0))
    D = dfl.tensor_deflation(T, seed=0)
    tr = dfl.gradient_flow(dfl.small_init(8, 6, 1e-6, seed=1), T, 40.0, record=401,
                           record_W=True)
    match = times.plateau_match(tr, D)
    gft = np.sort(times.group_fit_times(tr))
    assert gft[0] <= match["time"] <= gft[1]
    assert match["distance"] < 1e-2 and match["angle"] < 1e-2
    assert abs(match["weight_error"]) < 1e-2
    # the flow then leaves v_1 for u_1
    tilt = np.arccos(abs(D.vectors[:, 0] @ T.basis[:, 0]))
    assert measures.recovery(tr.W, T).direction_angle[0] < 0.5 * tilt
    with pytest.raises(ValueError, match="record_W"):
        times.plateau_match(dfl.gradient_flow(tr.W, T, 1.0, record=3), D)
    with pytest.raises(TypeError, match="result"):
        times.plateau_match(tr, "D")


def test_sweep_plan_blocks_and_cache(tmp_path):
    for name in ch6.SWEEPS:
        for func, configs, seeds in ch6.sweep_plan(name):
            assert callable(func) and configs and seeds
            keys = {dfl.cache_key(func, c, s) for c in configs for s in seeds}
            assert len(keys) == len(configs) * len(seeds)
    with pytest.raises(ValueError, match="name"):
        ch6.sweep_plan("nope")
    cfg = [{"d": 5, "m": 8, "weights": [1.0, 0.5], "init_scale": 1e-3, "t_end": 30.0}]
    first = dfl.sweep(ch6.run_fit_times, cfg, seeds=[0, 1], cache_dir=tmp_path)
    again = dfl.sweep(ch6.run_fit_times, cfg, seeds=[0, 1], cache_dir=tmp_path)
    assert first == again and len(list(tmp_path.glob("*.json"))) == 2


# --- plotting ------------------------------------------------------------------------


def test_chapter6_plots():
    plotting.use_style()
    T = dfl.low_rank_tensor([1.0, 0.5], dfl.correlated_directions(2, 5, 0.3, seed=0))
    tr = dfl.gradient_flow(dfl.small_init(6, 5, 1e-3, seed=0), T, 40.0, record=50)
    fig, axes = plt.subplots(1, 3)
    plotting.group_staircase(tr, axes[0])
    assert len(axes[0].lines) == 2
    ys = axes[0].lines[0].get_ydata()
    assert ys[0] == 0 and ys[-1] > 0.95
    plotting.predicted_vs_measured([[1.0, 2.0], [3.0, np.nan]], [[1.1, 2.1], [2.9, 4.0]],
                                   axes[1], labels=["a", "b"])
    assert len(axes[1].lines) == 3
    plotting.fit_time_scaling([1e-2, 1e-4], [1.0, 0.5], [[3.0, 6.0], [5.0, 10.0]], axes[2])
    assert len(axes[2].lines) == 4
    with pytest.raises(ValueError, match="times"):
        plotting.fit_time_scaling([1e-2], [1.0, 0.5], [[1.0]], axes[2])
    with pytest.raises(ValueError, match="same shape"):
        plotting.predicted_vs_measured([[1.0]], [[1.0, 2.0]], axes[1])
    plt.close(fig)
