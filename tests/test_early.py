import numpy as np
import pytest

import deflation as dfl
from deflation import early, times


def _target():
    return dfl.orthogonal_tensor([1.0, 0.7, 0.4], 6)


def test_direction_flow_matches_gradient_flow_while_model_is_negligible():
    T = _target()
    W0 = dfl.small_init(20, 6, 1e-30, seed=3)
    tr = dfl.gradient_flow(W0, T, 15.0, record=31, rtol=1e-9)
    dp = early.direction_flow(W0, T, 15.0, record=31, rtol=1e-9)
    assert np.allclose(dp.t, tr.t)
    assert np.max(np.abs(dp.correlations - tr.correlations)) < 1e-6
    assert np.allclose(np.linalg.norm(dp.wbar, axis=1), 1.0)
    assert dp.v.shape == (31, 20, 3)


def test_direction_flow_single_direction_solves_the_blowup_ode():
    """r = 1: v = <x,u>^2 obeys v' = 8 a v^2 (1 - v) exactly; check at the half time."""
    a, v0 = 0.8, 0.05
    T = dfl.orthogonal_tensor([a], 4)
    x0 = np.array([[np.sqrt(v0), np.sqrt(1 - v0), 0.0, 0.0]])
    t_half = (1 / v0 - 2 + np.log((1 - v0) / v0)) / (8 * a)
    dp = early.direction_flow(x0, T, 2 * t_half, record=np.linspace(0, 2 * t_half, 4001))
    at = times.alignment_times(dp.t, dp.correlations, level=0.5)
    assert at[0] == pytest.approx(t_half, rel=1e-4)


def test_alignment_times_and_locked_direction_by_hand():
    t = np.array([0.0, 1.0, 2.0])
    C = np.zeros((3, 3, 2))
    C[:, 0, 1] = np.sqrt([0.1, 0.3, 0.7])  # crosses 0.5 at t = 1.5, locks at 0.7
    C[:, 1, 0] = np.sqrt([0.6, 0.9, 0.95])  # aligned from the start
    C[:, 2, 0] = np.sqrt([0.1, 0.1, 0.2])  # never
    at = times.alignment_times(t, C, level=0.5)
    assert at[0] == pytest.approx(1.5)
    assert at[1] == 0.0 and np.isnan(at[2])
    assert early.locked_direction(C, threshold=0.9**0.5).tolist() == [-1, 0, -1]
    assert early.locked_direction(C, threshold=0.6**0.5).tolist() == [1, 0, -1]


def test_escape_time_scalings():
    T = dfl.orthogonal_tensor([1.0, 0.5], 4)
    D = dfl.random_directions(3, 4, seed=0)
    t2 = [times.escape_time(s * D, T) for s in (1e-3, 1e-6)]
    # 2-homogeneous: three decades of delta_0 add 3 log(10) / (2 a_1) to the time
    assert t2[1] - t2[0] == pytest.approx(3 * np.log(10) / 2, rel=0.05)
    t4 = [times.escape_time(s * D, T, degree=4) for s in (1e-2, 1e-3)]
    assert t4[1] / t4[0] == pytest.approx(100, rel=0.05)
    assert np.isnan(times.escape_time(1e-6 * D, T, t_end=0.1))


def test_input_checks():
    T = _target()
    with pytest.raises(ValueError, match="X0"):
        early.direction_flow(np.zeros((2, 6)), T, 1.0)
    with pytest.raises(ValueError, match="t_end"):
        early.direction_flow(np.ones((2, 6)), T, -1.0)
    with pytest.raises(ValueError, match="X0"):
        early.direction_flow(np.ones((2, 5)), T, 1.0)
    with pytest.raises(ValueError, match="record"):
        early.direction_flow(np.ones((2, 6)), T, 1.0, record=[0.0, 2.0])
    with pytest.raises(ValueError, match="correlations"):
        times.alignment_times(np.arange(3.0), np.zeros((2, 1, 1)))
    with pytest.raises(ValueError, match="level"):
        times.alignment_times(np.arange(2.0), np.zeros((2, 1, 1)), level=1.5)
    with pytest.raises(ValueError, match="threshold"):
        early.locked_direction(np.zeros((2, 1, 1)), threshold=1.0)
    with pytest.raises(ValueError, match="frac"):
        times.escape_time(np.ones((1, 6)), T, frac=1.0)
    with pytest.raises(ValueError, match="degree"):
        times.escape_time(np.ones((1, 6)), T, degree=5)


def test_early_phase_plot_draws_one_line_per_component_per_panel():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from deflation import plotting

    T = _target()
    tr = dfl.gradient_flow(dfl.small_init(7, 6, 1e-8, seed=0), T, 10.0, record=20)
    ax1, ax2 = plotting.early_phase(tr)
    assert len(ax1.lines) == 7 and len(ax2.lines) == 7
    assert np.isclose(ax2.lines[0].get_ydata()[0], 1.0)
    with pytest.raises(ValueError, match="threshold"):
        plotting.early_phase(tr, threshold=1.0)
    plt.close("all")
