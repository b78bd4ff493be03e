"""The embedded Runge-Kutta integrator: safeguards, stop location, whole trajectories.

Reference: scipy.integrate.solve_ivp(method="DOP853", rtol=1e-12) through the public
scipy.integrate names. Every comparison states its relative tolerance.
"""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import deflation as dfl
from deflation import integrate, times


def _scipy_reference(W0, T, times, reg=0.0):
    """Dense reference trajectory of gradient flow at ``times`` (DOP853, rtol 1e-12)."""
    shape = W0.shape

    def f(t, y):
        return -dfl.gradient(y.reshape(shape), T, reg).ravel()

    sol = solve_ivp(f, (0.0, times[-1]), W0.ravel(), method="DOP853", rtol=1e-12,
                    atol=1e-300, t_eval=times)
    assert sol.success
    return sol.y.T.reshape((times.size,) + shape)


@pytest.mark.parametrize("reg", [0.0, 0.05])
def test_whole_trajectory_matches_scipy_dop853(reg):
    """Every recorded W(t) row to relative accuracy 1e-6 of its norm (rtol = 1e-10 here).

    The initialization is 1e-3 and the run goes through the escape and the fitting of
    all three components, so the comparison covers the small and the large regime.
    """
    T = dfl.orthogonal_tensor([1.0, 0.6, 0.3], 5)
    W0 = dfl.small_init(8, 5, 1e-3, seed=1)
    times = np.linspace(0.0, 40.0, 81)
    ref = _scipy_reference(W0, T, times, reg)
    tr = dfl.gradient_flow(W0, T, 40.0, reg=reg, rtol=1e-10, record=times, record_W=True)
    err = np.linalg.norm(tr.W_path - ref, axis=2) / np.linalg.norm(ref, axis=2)
    assert np.max(err) < 1e-6
    # the loss along the way too
    fit_ref = np.array([dfl.fit_loss(W, T) for W in ref])
    assert np.allclose(tr.fit, fit_ref, rtol=1e-6, atol=1e-12)


def test_tiny_rows_followed_to_relative_accuracy():
    """Rows of size 1e-30 keep their directions (where any atol > 0 would not)."""
    T = dfl.orthogonal_tensor([1.0, 0.5], 4)
    W0 = dfl.small_init(4, 4, 1e-30, seed=3)
    times = np.linspace(0.0, 2.0, 11)
    ref = _scipy_reference(W0, T, times)
    tr = dfl.gradient_flow(W0, T, 2.0, rtol=1e-10, record=times, record_W=True)
    err = np.linalg.norm(tr.W_path - ref, axis=2) / np.linalg.norm(ref, axis=2)
    assert np.max(err) < 1e-6


def test_zero_row_does_not_break_the_first_step():
    """A zero row (and zero coordinates) with atol = 0: finite first step, exact zero."""
    T = dfl.orthogonal_tensor([1.0, 0.5], 4)
    W0 = dfl.small_init(3, 4, 1e-2, seed=0)
    W0[1] = 0.0
    W0[0, 2] = 0.0
    tr = dfl.gradient_flow(W0, T, 5.0, record=3)
    assert np.all(np.isfinite(tr.W)) and np.all(tr.W[1] == 0.0)


def _clock_problem():
    """Row 0 is the clock (y0' = 1, no error); row 1 meets a sharp pulse at t = 1."""

    def rhs(y):
        c = y[0, 0]
        rate = 1.0 + 200.0 * np.exp(-(((c - 1.0) / 0.02) ** 2))
        return np.array([[1.0, 0.0], [-rate * y[1, 0], -y[1, 1]]]), None

    return rhs, np.array([[0.0, 0.0], [1.0, 1.0]])


def test_no_step_growth_right_after_a_rejection(monkeypatch):
    """Each trial's size is read off the clock row of its last stage; after a rejection
    the next accepted step may not be followed by a longer one."""
    rhs, y0 = _clock_problem()
    ends, norms = [], []
    real = integrate._error_norm

    def spy(err, n_old, n_new, rtol, atol):  # row norms; the clock row's norm is t
        en = real(err, n_old, n_new, rtol, atol)
        ends.append((n_old[0], n_new[0]))
        norms.append(en)
        return en

    monkeypatch.setattr(integrate, "_error_norm", spy)
    t, y, stats = integrate.dopri5(rhs, y0, 3.0, rtol=1e-9, atol=0.0,
                                   record_times=np.array([3.0]),
                                   on_record=lambda t, y: None)
    assert stats.n_rejected >= 1 and t == 3.0
    h = [b - a for a, b in ends]
    accepted = [en < 1 for en in norms]
    checked = 0
    for i in range(1, len(h) - 1):
        if not accepted[i - 1] and accepted[i] and ends[i + 1][1] < 3.0:
            assert h[i + 1] <= h[i] * (1 + 1e-12)
            checked += 1
    assert checked >= 1
    # the pulse integrates exactly: y1 = exp(-t - 200 * sqrt(pi) * 0.02)
    assert np.isclose(y[1, 0], np.exp(-3.0 - 200.0 * np.sqrt(np.pi) * 0.02), rtol=1e-6)


def test_initial_step_is_two_stage_and_finite_with_zero_coordinates():
    """Hairer's rule: for y' = -k y the first step is about (0.01 / d1)^(1/5) ... and
    costs one evaluation; a zero row or coordinate (atol = 0) leaves it finite."""
    stats = integrate.IntegrationStats()
    y0 = np.array([[1.0, -2.0, 0.0], [0.0, 0.0, 0.0]])
    rhs = lambda y: (-3.0 * y, None)  # noqa: E731
    h = integrate.select_initial_step(rhs, y0, rhs(y0)[0], 10.0, 1e-6, 0.0, stats)
    assert stats.n_eval == 1 and np.isfinite(h) and h > 0
    # d0 = d1/3 = sqrt(1/2) / 1e-6 (rms over two rows, one of zero scale)
    d1 = 3.0 * np.sqrt(0.5) / 1e-6
    h0 = 0.01 * (d1 / 3.0) / d1
    d2 = 3.0 * 3.0 * h0 * np.sqrt(0.5) / 1e-6 / h0
    assert np.isclose(h, min(100 * h0, (0.01 / max(d1, d2)) ** 0.2), rtol=1e-12)


def test_minimum_step_is_an_error_with_a_clear_message():
    """A blow-up in finite time (y' = y^2, y(0) = 1 reaches infinity at t = 1)."""
    with pytest.raises(RuntimeError, match="minimum"):
        integrate.dopri5(lambda y: (y * y, None), np.array([[1.0]]), 2.0, rtol=1e-8,
                         atol=0.0, record_times=np.array([2.0]),
                         on_record=lambda t, y: None)


def test_stop_is_located_inside_the_step():
    """y' = -y: stop where y = 0.5, i.e. at log 2, to 1e-9 (not at a step end)."""
    t, y, _stats = integrate.dopri5(
        lambda y: (-y, float(y[0, 0])), np.array([[1.0]]), 10.0, rtol=1e-10, atol=0.0,
        record_times=np.array([0.0]), on_record=lambda t, y: None,
        stop=lambda t, y, aux: aux - 0.5,
    )
    assert abs(t - np.log(2.0)) < 1e-9 * np.log(2.0)
    assert y[0, 0] <= 0.5 and abs(y[0, 0] - 0.5) < 1e-9


def test_stop_fit_time_matches_scipy_event():
    """The escape time (loss down by 10%) against a solve_ivp event at rtol 1e-12.

    Relative accuracy 1e-5 at the default rtol 1e-6 of escape_time; before the stop was
    located on the continuous extension it was late by 0.4-1.2% on these seeds.
    """

    T = dfl.orthogonal_tensor([1.0, 0.6, 0.3], 6)
    for seed in range(2):
        W0 = dfl.small_init(10, 6, 1e-4, seed=seed)
        level = 0.9 * dfl.fit_loss(W0, T)

        def f(t, y, W0=W0):
            return -dfl.gradient(y.reshape(W0.shape), T).ravel()

        def ev(t, y, W0=W0, level=level):
            return dfl.fit_loss(y.reshape(W0.shape), T) - level

        ev.terminal = True
        sol = solve_ivp(f, (0.0, 1e4), W0.ravel(), method="DOP853", rtol=1e-12,
                        atol=1e-300, events=ev)
        ref = sol.t_events[0][0]
        got = times.escape_time(W0, T)
        assert abs(got - ref) < 1e-5 * ref


def test_stop_fit_record_ends_at_the_level():
    T = dfl.orthogonal_tensor([1.0, 0.5], 4)
    tr = dfl.gradient_flow(dfl.small_init(6, 4, 1e-3, seed=0), T, 100.0, stop_fit=0.05)
    assert tr.fit[-1] <= 0.05 and tr.fit[-1] > 0.05 * (1 - 1e-9)
    assert np.all(np.diff(tr.t) > 0)


def _blas_threads_inside_dopri5():
    from threadpoolctl import threadpool_info

    seen = []

    def rhs(y):
        seen.append(max(i["num_threads"] for i in threadpool_info()
                        if i["user_api"] == "blas"))
        return -y, None

    integrate.dopri5(rhs, np.ones((1, 2)), 0.1, rtol=1e-6, atol=0.0,
                     record_times=np.array([0.1]), on_record=lambda t, y: None)
    return set(seen)


def test_integration_runs_with_one_blas_thread_by_default(monkeypatch):
    from threadpoolctl import threadpool_limits

    monkeypatch.delenv("DEFLATION_BLAS_THREADS", raising=False)
    with threadpool_limits(limits=2, user_api="blas"):
        assert _blas_threads_inside_dopri5() == {1}
        monkeypatch.setenv("DEFLATION_BLAS_THREADS", "default")
        assert _blas_threads_inside_dopri5() == {2}  # left as the caller set it
        monkeypatch.setenv("DEFLATION_BLAS_THREADS", "zero")
        with pytest.raises(ValueError, match="DEFLATION_BLAS_THREADS"):
            _blas_threads_inside_dopri5()


def test_pi_controller_keeps_the_step_steady_at_the_stability_limit(monkeypatch):
    """y' = -5 (y - 1) from y = 2 to t = 1000: after the transient the step is limited by
    stability (about 3.3 / 5), not by accuracy, as in chapter 5's long runs once a
    component is fitted. Hairer's PI control (BETA = 0.04) rejects almost no step there
    (observed 1 of 1550); the elementary rule (BETA = 0) rejects about one in six
    (observed 254), so the check can fail."""

    def run():
        return integrate.dopri5(lambda y: (-5.0 * (y - 1.0), None), np.array([[2.0]]),
                                1000.0, rtol=1e-7, atol=0.0, record_times=np.array([1000.0]),
                                on_record=lambda t, y: None)

    t, y, stats = run()
    assert t == 1000.0 and abs(y[0, 0] - 1.0) <= 1e-6
    assert stats.n_rejected <= 0.01 * stats.n_steps
    monkeypatch.setattr(integrate, "BETA", 0.0)
    _, _, elementary = run()
    assert elementary.n_rejected >= 0.1 * elementary.n_steps


# ---------------------------------------------------------------------------------------
# The stiff method (BDF) and the automatic switch (issue 20)


def _radau_reference(W0, T, times, reg):
    """scipy's Radau IIA at rtol 1e-12 with the closed-form Jacobian: a stiff reference.

    atol 1e-16: every coordinate of these runs stays above about 1e-5, so this is tighter
    than rtol on each (atol 1e-300 costs Radau 30,000 steps and 50 s here)."""
    shape = W0.shape

    def f(t, y):
        return -dfl.gradient(y.reshape(shape), T, reg).ravel()

    def jac(t, y):
        return -dfl.hessian(y.reshape(shape), T, reg)

    sol = solve_ivp(f, (0.0, times[-1]), W0.ravel(), method="Radau", jac=jac, rtol=1e-12,
                    atol=1e-16, t_eval=times)
    assert sol.success
    return sol.y.T.reshape((times.size,) + shape)


_PLATEAU = {}


def _plateau_case():
    """A flow that fits its three components by t ~ 15 and then rests on the fitted state
    to t = 80 (stiff from t ~ 5: a fitted weight near 1 gives the Jacobian eigenvalue
    -4), with its Radau reference (computed once)."""
    if not _PLATEAU:
        T = dfl.orthogonal_tensor([1.0, 0.6, 0.3], 4)
        W0 = dfl.small_init(5, 4, 1e-3, seed=1)
        times = np.linspace(0.0, 80.0, 17)
        _PLATEAU.update(T=T, W0=W0, times=times, ref=_radau_reference(W0, T, times, 0.05))
    return _PLATEAU


@pytest.mark.parametrize("method", ["bdf", "auto"])
def test_stiff_methods_match_radau_through_a_long_stiff_plateau(method):
    """Every recorded row to relative accuracy 1e-6 of its norm, at rtol 1e-10, against
    Radau IIA at rtol 1e-12."""
    case = _plateau_case()
    T, W0, times, ref = case["T"], case["W0"], case["times"], case["ref"]
    tr = dfl.gradient_flow(W0, T, 80.0, reg=0.05, rtol=1e-10, record=times, record_W=True,
                           method=method, stationary_rate=0.0)
    err = np.linalg.norm(tr.W_path - ref, axis=2) / np.linalg.norm(ref, axis=2)
    assert np.max(err) < 1e-6
    assert tr.n_jac >= 1
    if method == "auto":
        assert [name for _, name in tr.switches][:2] == ["dopri5", "bdf"]


def _stiff_linear(K, d=4, seed=0):
    """y' = -A y for rows y_i in R^d, A symmetric with eigenvalues 1 .. K (log-spaced):
    the exact solution is Q exp(-Lambda t) Q^T y0."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    lam = np.geomspace(1.0, K, d)
    A = (Q * lam) @ Q.T
    y0 = rng.standard_normal((3, d))

    def exact(t):
        return y0 @ ((Q * np.exp(-lam * t)) @ Q.T)

    n = y0.size
    J = -np.kron(np.eye(3), A)  # row-major flattening of y (3, d)
    return (lambda y: (-(y @ A), None)), (lambda y: J), y0, exact, n


@pytest.mark.parametrize("K", [1e2, 1e4])
def test_bdf_on_a_stiff_linear_problem_is_accurate(K):
    rhs, jac, y0, exact, _ = _stiff_linear(K)
    times = np.linspace(0.0, 8.0, 9)
    got = []
    integrate.integrate(rhs, y0, 8.0, rtol=1e-8, atol=0.0, record_times=times,
                        on_record=lambda t, y: got.append(np.array(y)), method="bdf", jac=jac)
    ref = np.array([exact(t) for t in times])
    err = np.linalg.norm(np.array(got) - ref, axis=2) / np.linalg.norm(ref, axis=2)
    assert np.max(err) < 1e-5  # BDF holds its local error to a tenth of rtol


def test_evaluations_grow_at_most_like_the_square_root_of_the_stiffness():
    """From K = 10 to K = 1e5 the explicit method's evaluations grow like K (its step is
    held at the stability limit 3.3 / K); the automatic method's must grow at most like
    sqrt(K) (observed: hardly at all, since BDF's step is set by accuracy)."""
    counts = {}
    for K in [1e1, 1e3, 1e5]:
        rhs, jac, y0, _, _ = _stiff_linear(K)
        for method in ["auto", "dopri5"]:
            if method == "dopri5" and K > 1e3:
                continue
            _, _, st = integrate.integrate(rhs, y0, 8.0, rtol=1e-7, atol=0.0,
                                           record_times=np.array([8.0]),
                                           on_record=lambda t, y: None, method=method,
                                           jac=jac)
            counts[method, K] = st.n_eval
    assert counts["auto", 1e5] <= counts["auto", 1e1] * np.sqrt(1e4)
    assert counts["auto", 1e5] <= 3 * counts["auto", 1e1]
    # the explicit method, for contrast: about linear in K (observed x24 for K x100)
    assert counts["dopri5", 1e3] >= 10 * counts["dopri5", 1e1]


def test_error_scale_is_the_larger_of_the_two_row_norms():
    """A row that grows from 1e-3 to 1 in a step is judged against the larger norm."""
    err = np.array([[1e-8, 0.0]])
    en = integrate._error_norm(err, np.array([1e-3]), np.array([1.0]), 1e-7, 0.0)
    assert en == pytest.approx(0.1)
    en = integrate._error_norm(err, np.array([1.0]), np.array([1e-3]), 1e-7, 0.0)
    assert en == pytest.approx(0.1)


def test_a_huge_horizon_ends_once_the_flow_is_at_rest():
    """t_end = 1e300: every component at rest (relative rate below 1e-12) well before;
    the run ends there and the last record repeats the state."""
    T = dfl.orthogonal_tensor([1.0, 0.5, 0.25], 6)
    W0 = dfl.small_init(6, 6, 1e-3, seed=2)
    tr = dfl.gradient_flow(W0, T, 1e300, reg=0.02, record=5)
    assert tr.stationary_at is not None and tr.stationary_at < 1e6
    assert tr.t[-1] == 1e300 and tr.n_eval < 20_000
    g = dfl.gradient(tr.W, T, 0.02)
    norms = np.linalg.norm(tr.W, axis=1)
    assert np.all(np.linalg.norm(g, axis=1) <= 1e-12 * norms + 1e-300)


def test_rtol_below_100_float_spacings_is_raised_with_a_warning():
    T = dfl.orthogonal_tensor([1.0], 3)
    W0 = dfl.small_init(2, 3, 1e-2, seed=0)
    with pytest.warns(UserWarning, match="rtol=1e-20 is below"):
        tr = dfl.gradient_flow(W0, T, 1.0, rtol=1e-20, record=2)
    assert tr.n_eval < 5_000


@pytest.mark.parametrize("kwargs, match", [
    ({"method": "rk4"}, "method must be one of"),
])
def test_bad_method(kwargs, match):
    T = dfl.orthogonal_tensor([1.0], 3)
    with pytest.raises(ValueError, match=match):
        dfl.gradient_flow(dfl.small_init(2, 3, 1e-2, seed=0), T, 1.0, **kwargs)


def test_pi_controller_formula_is_hairers():
    """alpha = 1/5 - 0.75 beta (Hairer's DOPRI5), factor = 0.9 err^-alpha err_prev^beta
    clipped to [0.2, 10]: with beta = 0.04, err = 0.5 and err_prev = 0.01,
    0.9 * 0.5**-0.17 * 0.01**0.04 = 0.8422..., and the clipping at both ends."""
    assert integrate.pi_alpha() == pytest.approx(0.17, abs=1e-15)
    assert integrate.pi_factor(0.5, 0.01, integrate.pi_alpha()) == pytest.approx(
        0.9 * 0.5**-0.17 * 0.01**0.04, rel=1e-14)
    assert integrate.pi_factor(0.5, 0.01, 0.17) == pytest.approx(0.84220, abs=1e-5)
    assert integrate.pi_factor(1e-12, 1.0, 0.17) == 10.0
    assert integrate.pi_factor(0.99, 1e-4, 0.17) == 0.9 * 0.99**-0.17 * 1e-4**0.04
    assert integrate.pi_factor(0.0, 0.5, 0.17) == 10.0
    assert integrate.pi_factor(1e6, 1.0, 0.17) == 0.2


def test_a_stop_is_located_inside_its_step_to_the_tolerance():
    """The stop condition is located on the continuous extension to 1e-12 of the step,
    not at the step's end: the fitting loss at the returned point is the level to 1e-9
    (relative), while the step's own end lies well below it (checked here by stepping
    past the crossing with the stop off)."""
    T = dfl.orthogonal_tensor([1.0, 0.5], 4)
    W0 = dfl.small_init(6, 4, 1e-3, seed=0)
    level = 0.3
    tr = dfl.gradient_flow(W0, T, 100.0, stop_fit=level, record=2)
    assert abs(tr.fit[-1] - level) <= 1e-9 * level
    free = dfl.gradient_flow(W0, T, tr.t[-1] + 1.0, record=[tr.t[-1], tr.t[-1] + 1.0])
    assert free.fit[0] == pytest.approx(level, rel=1e-6)  # same point, run without a stop
    g = lambda x: 0.25 - x  # noqa: E731 - positive, then a root at 0.25 of [0, 1]
    assert integrate._locate(g, g(0.0), g(1.0)) == pytest.approx(0.25, abs=1e-12)
