import numpy as np
import pytest
from scipy.integrate import solve_ivp

import deflation as dfl
from deflation import theory


def test_winner_is_invariant_along_the_reduced_ode():
    rng = np.random.default_rng(0)
    a = np.array([1.0, 0.8, 0.6, 0.4])
    for _ in range(20):
        v0 = rng.dirichlet(np.ones(6))[:4]
        sol = solve_ivp(lambda t, v: theory.early_phase_rhs(v, a), (0, 60), v0, rtol=1e-10, atol=1e-14)
        vT = sol.y[:, -1]
        assert np.argmax(vT) == np.argmax(a * v0) == theory.predicted_winner(np.sqrt(v0), a)
        assert vT.max() > 0.99


def test_blowup_time_solves_the_leading_order_equation():
    a, v0 = 0.7, 0.01
    t_star = theory.blowup_time(np.sqrt(v0), a)
    assert t_star == pytest.approx(1 / (8 * a * v0))
    # exact solution of v' = 8 a v^2 is v0 / (1 - 8 a v0 t)
    sol = solve_ivp(lambda t, v: 8 * a * v**2, (0, 0.99 * t_star), [v0], rtol=1e-11, atol=1e-14)
    assert sol.y[0, -1] == pytest.approx(v0 / (1 - 0.99), rel=1e-6)
    assert theory.blowup_time(0.1, 1.0, order=3) == pytest.approx(1 / (3 * 1 * 1.0 * 0.1))


def test_logistic_time_matches_the_flow_of_an_aligned_component():
    """A component started exactly on u_1 follows dc/dt = 4c(a - lambda/2 - c)."""
    T = dfl.orthogonal_tensor([0.8], 3)
    delta = 1e-3
    for reg in [0.0, 0.2]:
        W0 = np.array([[delta, 0.0, 0.0]])
        tr = dfl.gradient_flow(W0, T, 40.0, reg=reg, record=4001)
        c = tr.norms[:, 0] ** 2
        frac = 0.9
        target = theory.fitted_weight(0.8, reg)
        t_meas = np.interp(frac * target, c, tr.t)
        assert t_meas == pytest.approx(theory.logistic_time(0.8, delta**2, frac, reg), rel=1e-3)
        assert c[-1] == pytest.approx(target, rel=1e-6)
        assert theory.growth_rate(0.8, reg) == pytest.approx(1.6 - reg)


def test_expected_max_alignment_against_monte_carlo():
    rng = np.random.default_rng(1)
    m, d = 30, 12
    X = dfl.random_directions(m * 4000, d, seed=rng).reshape(4000, m, d)
    mc = np.mean(np.max(X[:, :, 0] ** 2, axis=1))
    assert theory.expected_max_alignment(m, d) == pytest.approx(mc, rel=0.02)
    assert theory.approx_max_alignment(m, d) == pytest.approx(2 * np.log(m) / d)


def test_fit_time_estimate_formula_and_errors():
    est = theory.fit_time_estimate(0.5, d=10, m=50, init_scale=1e-6)
    assert est == pytest.approx(10 / (16 * 0.5 * np.log(50)) + np.log(0.5 / 1e-12) / 2.0)
    # With a regularizer the weight grows at rate 4a - 2 reg to its fitted value a - reg/2.
    est_reg = theory.fit_time_estimate(0.5, d=10, m=50, init_scale=1e-6, reg=0.2)
    assert est_reg == pytest.approx(
        10 / (16 * 0.5 * np.log(50)) + np.log(0.4 / 1e-12) / (2.0 - 0.4)
    )
    with pytest.raises(ValueError, match="weight"):
        theory.fit_time_estimate(0.05, d=10, m=50, init_scale=1e-6, reg=0.2)
    with pytest.raises(ValueError, match="m must be"):
        theory.fit_time_estimate(0.5, d=10, m=1, init_scale=1e-6)
    with pytest.raises(ValueError, match="correlation"):
        theory.blowup_time(0.0, 1.0)
    with pytest.raises(ValueError, match="c0"):
        theory.logistic_time(1.0, 0.95)
