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


def test_record_path_matches_numpy_state():
    target = dfl.orthogonal_tensor([1.0, 0.6, 0.3], 6)
    Ws = np.array([dfl.small_init(9, 6, 0.2, seed=s) for s in range(3)])
    Ws[1, 4] = 0.0
    fit, sq, norms, corr, res = _compiled.small_flow(target, 2.0, 0.0, 9).record_path(Ws)
    for k, W in enumerate(Ws):
        st = dfl.model._state(W, target, 2.0)
        np.testing.assert_allclose(norms[k], st.norms, rtol=1e-14)
        np.testing.assert_allclose(corr[k], st.wbar @ target.basis, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(
            res[k], target.weights - st.c @ (st.wbar @ target.basis) ** 4, rtol=1e-12,
            atol=1e-15)
        assert fit[k] == pytest.approx(st.fit, rel=1e-12)
        assert sq[k] == pytest.approx(float(np.sum(W * W)), rel=1e-14)


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
    """A step so long that the stages overflow gives an infinite error norm (rejected, as
    in the numpy route), never a NaN that compares as acceptable."""
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
