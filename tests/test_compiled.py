"""The compiled route of small flows (deflation._compiled) against the numpy route.

Tolerances: one gradient agrees row by row to 1e-12 relative (the two routes sum in
different orders; the largest difference seen over these cases is a few 1e-15); whole
runs agree to what the integrator's own tolerance allows (fit times and final state
to 1e-6 relative at rtol 1e-9: per-step rounding differences are amplified only as
much as integration errors are).
"""

from __future__ import annotations

import numpy as np
import pytest

import deflation as dfl
from deflation import _compiled
from deflation.model import _descent, _terms


def _numpy_rhs(W, target, p, reg):
    norms, wbar, _, contraction, radial, fit = _terms(W, target, p)
    return _descent(W, norms, wbar, contraction, radial, target.order, p, reg), fit()


def _cases():
    rng = np.random.default_rng(20)
    for case in range(60):
        l = int(rng.choice([3, 4, 5]))
        d = int(rng.integers(2, 12))
        r = int(rng.integers(1, d + 1))
        m = int(rng.integers(1, 25))
        p = float(rng.choice([2.0, float(l), 2.5]))
        reg = float(rng.choice([0.0, 0.01]))
        target = dfl.orthogonal_tensor(rng.uniform(0.1, 1.0, r), d, order=l,
                                       basis="random", seed=case)
        # rows from 1e-30 (chapter 2's scale) to order one, and a zero row now and then
        W = rng.standard_normal((m, d)) * 10.0 ** rng.uniform(-30, 0, size=(m, 1))
        if case % 5 == 0:
            W[0] = 0.0
        yield target, W, p, reg


@pytest.mark.parametrize("target,W,p,reg", list(_cases()))
def test_gradient_and_fit_match_numpy_route(target, W, p, reg):
    flow = _compiled.small_flow(target, p, reg, W.shape[0])
    assert flow is not None
    f_c, fit_c = flow(W)
    f_n, fit_n = _numpy_rhs(W, target, p, reg)
    scale = np.maximum(np.linalg.norm(f_n, axis=1), 1e-300)
    assert np.all(np.linalg.norm(f_c - f_n, axis=1) <= 1e-12 * scale)
    assert fit_c() == pytest.approx(fit_n, rel=1e-12, abs=1e-15)
    assert np.all(f_c[np.linalg.norm(W, axis=1) == 0] == 0)  # a zero row stays at rest


@pytest.mark.parametrize("order,p", [(4, 2.0), (3, 3.0), (4, 2.5)])
def test_record_path_matches_numpy_state(order, p):
    target = dfl.orthogonal_tensor([1.0, 0.6, 0.3], 6, order=order)
    Ws = np.array([dfl.small_init(9, 6, 0.2, seed=s) for s in range(3)])
    Ws[1, 4] = 0.0
    fit, sq, norms, corr, res = _compiled.small_flow(target, p, 0.0, 9).record_path(Ws)
    for k, W in enumerate(Ws):
        st = dfl.model._state(W, target, p)
        np.testing.assert_allclose(norms[k], st.norms, rtol=1e-14)
        np.testing.assert_allclose(corr[k], st.wbar @ target.basis, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(
            res[k], target.weights - st.c @ (st.wbar @ target.basis) ** order, rtol=1e-12,
            atol=1e-15)
        assert fit[k] == pytest.approx(st.fit, rel=1e-12)
        assert sq[k] == pytest.approx(float(np.sum(W * W)), rel=1e-14)


def test_fit_near_an_exact_fit_and_at_a_blown_up_state():
    """The fit is clamped at 0 where rounding makes an exact fit negative, as the numpy
    route does, and a NaN state gives a NaN fit (not 0, which would fire a stop_fit)."""
    target = dfl.orthogonal_tensor([1.0, 0.5], 5)
    W = np.zeros((3, 5))
    W[0, 0], W[1, 1] = 1.0, np.sqrt(0.5)  # the exact fit
    flow = _compiled.small_flow(target, 2.0, 0.0, 3)
    assert 0.0 <= flow(W)[1]() <= 1e-15
    assert flow(W)[1]() == pytest.approx(_numpy_rhs(W, target, 2.0, 0.0)[1], abs=1e-15)
    W[2, 0] = np.nan
    with np.errstate(invalid="ignore"):
        assert np.isnan(flow(W)[1]()) and np.isnan(_numpy_rhs(W, target, 2.0, 0.0)[1])


def test_a_flow_refuses_another_shape():
    flow = _compiled.small_flow(dfl.orthogonal_tensor([1.0], 4), 2.0, 0.0, 3)
    with pytest.raises(ValueError, match=r"W must have shape \(3, 4\)"):
        flow(np.ones((5, 4)))
    with pytest.raises(ValueError, match=r"W must have shape \(3, 4\)"):
        flow.record_path(np.ones((2, 3, 5)))


def test_routing():
    target = dfl.orthogonal_tensor([1.0, 0.5], 10)
    assert isinstance(_compiled.small_flow(target, 2.0, 0.0, 12), _compiled.SmallFlow)
    # above COMPILED_MAX multiply-adds per gradient, and with dense noise: numpy route
    big = int(np.sqrt(_compiled.COMPILED_MAX / 10)) + 1
    assert _compiled.small_flow(target, 2.0, 0.0, big) is None
    noisy = dfl.with_noise(target, 0.01, seed=0)
    assert _compiled.small_flow(noisy, 2.0, 0.0, 12) is None


def test_environment_switch(monkeypatch):
    target = dfl.orthogonal_tensor([1.0, 0.5], 10)
    monkeypatch.setenv(_compiled.ENV, "0")
    assert _compiled.small_flow(target, 2.0, 0.0, 12) is None
    monkeypatch.setenv(_compiled.ENV, "")  # empty, as unset: the default
    assert _compiled.enabled()
    monkeypatch.setenv(_compiled.ENV, "yes")
    with pytest.raises(ValueError, match="DEFLATION_COMPILED must be 0 or 1, got 'yes'"):
        _compiled.enabled()


def _flow(monkeypatch, route, W0, target, t_end, **kw):
    monkeypatch.setenv(_compiled.ENV, route)
    return dfl.gradient_flow(W0, target, t_end, **kw)


@pytest.mark.parametrize("method", ["dopri5", "auto"])
def test_flow_matches_numpy_route(monkeypatch, method):
    """Chapter 1's staircase (m d = 500 would take numpy; here m = 20, d = 10) to t = 60,
    through fits and, under "auto", the stiff tail that switches to BDF."""
    target = dfl.orthogonal_tensor([1.0, 0.7, 0.45, 0.25], 10)
    W0 = dfl.small_init(20, 10, 1e-4, seed=1)
    kw = dict(reg=0.01, rtol=1e-9, record=121, method=method)
    c = _flow(monkeypatch, "1", W0, target, 60.0, **kw)
    n = _flow(monkeypatch, "0", W0, target, 60.0, **kw)
    np.testing.assert_allclose(dfl.fit_times(c), dfl.fit_times(n), rtol=1e-6)
    np.testing.assert_allclose(c.W, n.W, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(c.fit, n.fit, rtol=1e-6, atol=1e-12)
    assert [s[1] for s in c.switches] == [s[1] for s in n.switches]
    assert abs(c.n_eval - n.n_eval) <= 0.02 * n.n_eval


@pytest.mark.parametrize("order,p,reg", [(4, 2.0, 0.01), (3, 3.0, 0.0), (4, 2.5, 0.02)])
def test_every_recorded_field_matches_numpy_route(monkeypatch, order, p, reg):
    """Both routes, every Trajectory field, with record_W and a stop_fit that ends the
    run early, at rtol 1e-9."""
    target = dfl.orthogonal_tensor([1.0, 0.6, 0.3], 7, order=order)
    W0 = dfl.small_init(10, 7, 0.05, seed=4)
    floor = dfl.theory.fit_floor(target, reg) if order % 2 == 0 else 0.0
    kw = dict(reg=reg, degree=p, rtol=1e-9, record=301, record_W=True,
              stop_fit=floor + 0.05 * target.sqnorm())
    c = _flow(monkeypatch, "1", W0, target, 200.0, **kw)
    n = _flow(monkeypatch, "0", W0, target, 200.0, **kw)
    assert c.t.size == n.t.size and c.t[-1] < 200.0  # stopped early, same records
    np.testing.assert_allclose(c.t, n.t, rtol=1e-7)
    for name in ("loss", "fit", "residual", "norms", "correlations", "W_path"):
        a, b = getattr(c, name), getattr(n, name)
        assert a.shape == b.shape and a.dtype == b.dtype == np.float64, name
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9, err_msg=name)


def test_records_are_computed_in_chunks(monkeypatch):
    """More records than the recorder's chunk: the same trajectory whatever the chunk."""
    target = dfl.orthogonal_tensor([1.0, 0.5], 6)
    W0 = dfl.small_init(8, 6, 1e-3, seed=0)
    whole = dfl.gradient_flow(W0, target, 30.0, record=601)
    from deflation import flow as flow_module

    monkeypatch.setattr(flow_module._Recorder, "CHUNK", 7)
    chunked = dfl.gradient_flow(W0, target, 30.0, record=601)
    for name in ("loss", "fit", "residual", "norms", "correlations"):
        np.testing.assert_array_equal(getattr(chunked, name), getattr(whole, name))


def test_tiny_rows_keep_their_relative_accuracy(monkeypatch):
    """Chapter 2's regime: rows of size 1e-30 are followed to rtol relative to themselves."""
    target = dfl.orthogonal_tensor([1.0, 0.5], 8)
    W0 = dfl.small_init(6, 8, 1e-30, seed=2)
    W0[5] = 0.0  # a zero row: its error scale is zero and its error is zero
    kw = dict(rtol=1e-10, record=11, method="dopri5")
    c = _flow(monkeypatch, "1", W0, target, 5.0, **kw)
    n = _flow(monkeypatch, "0", W0, target, 5.0, **kw)
    rel = np.linalg.norm(c.W - n.W, axis=1) / np.maximum(np.linalg.norm(n.W, axis=1), 1e-300)
    assert np.all(rel[:5] < 1e-8)
    assert np.all(c.W[5] == 0)
    # the rows grow at most like exp(l a_1 t) = exp(20) ~ 5e8 by t = 5: still tiny
    assert np.all(np.linalg.norm(c.W[:5], axis=1) < 1e-20)


def test_flows_take_the_compiled_trial_step(monkeypatch):
    """gradient_flow hands a small problem to the compiled trial step (not only its rhs)."""
    calls = []
    original = _compiled.SmallFlow.dopri5_trial

    def counting(self, *args):
        calls.append(args[2])  # the step size
        return original(self, *args)

    monkeypatch.setattr(_compiled.SmallFlow, "dopri5_trial", counting)
    target = dfl.orthogonal_tensor([1.0, 0.5], 6)
    tr = dfl.gradient_flow(dfl.small_init(8, 6, 1e-3, seed=0), target, 20.0, method="dopri5")
    assert len(calls) == tr.n_steps + tr.n_rejected


def test_a_non_finite_trial_step_is_rejected():
    """A step so long that the stages overflow gives an infinite error norm (rejected),
    never a NaN that compares as acceptable; the numpy route's error norm too."""
    from deflation import integrate as I

    target = dfl.orthogonal_tensor([1.0, 0.5], 6)
    W = dfl.small_init(8, 6, 0.5, seed=0)
    flow = _compiled.small_flow(target, 2.0, 0.0, 8)
    f, _ = flow(W)
    A = np.zeros((6, 6))
    for s, a in enumerate(I.A):
        A[s, : len(a)] = a
    y = W.ravel().copy()
    with np.errstate(over="ignore", invalid="ignore"):
        en = flow.dopri5_trial(
            y, f.ravel(), 1e200, A, I.B, I.E, np.empty((7, y.size)), np.empty(y.size),
            np.empty(y.size), np.linalg.norm(W, axis=1), np.empty(8), 1e-7, 0.0)[0]
    assert en == np.inf


def test_without_numba_the_numpy_route_is_used_with_a_warning(monkeypatch):
    import sys

    monkeypatch.setattr(_compiled, "_KERNELS", None)
    monkeypatch.setitem(sys.modules, "deflation._compiled_kernels", None)  # import fails
    monkeypatch.delattr(dfl, "_compiled_kernels", raising=False)  # (from-import looks here)
    target = dfl.orthogonal_tensor([1.0, 0.5], 6)
    with pytest.warns(RuntimeWarning, match="numba is not importable"):
        assert _compiled.small_flow(target, 2.0, 0.0, 8) is None
    tr = dfl.gradient_flow(dfl.small_init(8, 6, 1e-3, seed=0), target, 10.0)
    assert tr.n_steps > 0


@pytest.mark.parametrize("e,scale", [
    ([np.nan, np.nan], [np.nan, np.nan]),  # every row blown up
    ([1e-9, np.nan], [1.0, 2.0]),  # one error NaN, scales fine
    ([1e-9, 1.0], [1.0, np.inf]),  # a row norm overflowed
    ([0.0, np.nan], [1.0, 0.0]),  # a NaN error on a zero-scale row
    ([np.inf, 0.0], [1.0, 1.0]),
])
def test_numpy_error_norm_rejects_non_finite_values(e, scale):
    from deflation.integrate import _ratio_max

    assert _ratio_max(np.array(e), np.array(scale)) == np.inf


def test_numpy_route_rejects_an_overflowing_step(monkeypatch):
    """The numpy route's Dormand-Prince step, from a first step far too long: the trials
    that overflow are rejected and the run ends finite."""
    from deflation import integrate as I

    target = dfl.orthogonal_tensor([1.0, 0.5], 6)
    W0 = dfl.small_init(8, 6, 0.5, seed=0)
    monkeypatch.setenv(_compiled.ENV, "0")
    monkeypatch.setattr(I, "_initial_step", lambda *a, **k: (1e200, 1e200))
    with np.errstate(over="ignore", invalid="ignore"):
        tr = dfl.gradient_flow(W0, target, 5.0, method="dopri5")
    assert tr.n_rejected > 0 and np.all(np.isfinite(tr.W)) and np.isfinite(tr.fit[-1])


def test_continuous_extension_matches_numpy_formula_and_ends_at_the_step():
    """The compiled continuous extension equals the numpy formula to rounding, and at
    x = 1 it is the step's end y_old + h sum_j B_j K_j (Dormand-Prince's dense output)."""
    from deflation import integrate as I

    rng = np.random.default_rng(5)
    flow = _compiled.small_flow(dfl.orthogonal_tensor([1.0], 4), 2.0, 0.0, 3)
    PT = I.P.T.copy()
    y_old, K, h = rng.standard_normal(12), rng.standard_normal((7, 12)), 0.37
    for x in (0.0, 0.25, 0.6, 1.0):
        ref = y_old + h * (np.array([x, x**2, x**3, x**4]) @ (PT @ K))
        np.testing.assert_allclose(flow.dopri5_dense(y_old, h, K, PT, x), ref, rtol=1e-13,
                                   atol=1e-15)
    end = y_old + h * (I.B @ K[:6])
    np.testing.assert_allclose(flow.dopri5_dense(y_old, h, K, PT, 1.0), end, rtol=1e-13,
                               atol=1e-15)
