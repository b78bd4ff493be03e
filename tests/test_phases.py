"""Tests of deflation.phases (chapters 3-4)."""

import numpy as np
import pytest

import deflation as dfl
from deflation import measures, phases, theory, times


def test_group_weights_sum_members_by_best_direction():
    T = dfl.orthogonal_tensor([1.0, 0.5], 3)
    W = np.array([[0.6, 0.1, 0.0], [-0.3, 0.0, 0.05], [0.0, 0.4, 0.1], [1e-4, 0.0, 1e-4]])
    norms = np.linalg.norm(W, axis=1)
    P = dfl.correlations(W, T)
    labels = measures.assign_groups(norms, P)
    assert labels.tolist() == [0, 0, 1, 0]
    assert measures.assign_groups(norms, P, min_weight=1e-6).tolist() == [0, 0, 1, -1]
    C = measures.group_weights(norms, P, min_weight=1e-6)
    assert np.allclose(C, [norms[0] ** 2 + norms[1] ** 2, norms[2] ** 2])
    # works on a (time, m, r) stack as well
    C2 = measures.group_weights(np.stack([norms, norms]), np.stack([P, P]))
    assert C2.shape == (2, 2)
    with pytest.raises(ValueError, match="correlations"):
        measures.group_weights(norms, P[:2])
    with pytest.raises(ValueError, match="min_weight"):
        measures.assign_groups(norms, P, min_weight=-1.0)


def test_crossing_times_interpolate_and_nan():
    t = np.linspace(0, 1, 11)
    y = np.stack([t, 0.5 * t], axis=1)
    out = times.crossing_times(t, y, [0.25, 0.9])
    assert out[0] == pytest.approx(0.25)
    assert np.isnan(out[1])
    with pytest.raises(ValueError, match="y must have shape"):
        times.crossing_times(t, y[:5], 0.5)
    with pytest.raises(ValueError, match="increasing"):
        times.crossing_times(t[::-1], y, 0.5)


def test_growth_rate_fit_recovers_the_logistic_rate():
    ap, rate = 0.9, 3.6
    t = np.linspace(0, 10, 401)
    C = ap * 1e-8 / (1e-8 + (ap - 1e-8) * np.exp(-rate * t))
    assert phases.growth_rate_fit(t, C, 1e-8, 1e-4) == pytest.approx(rate, rel=1e-3)
    with pytest.raises(ValueError, match="lo must be < hi"):
        phases.growth_rate_fit(t, C, 1e-3, 1e-4)
    with pytest.raises(ValueError, match="widen"):
        phases.growth_rate_fit(t, C, 10.0, 20.0)


def test_logistic_growth_and_fitted_weight_in_a_run():
    T = dfl.orthogonal_tensor([1.0, 0.5], 6)
    for reg in [0.0, 0.4]:
        tr = dfl.gradient_flow(dfl.small_init(8, 6, 1e-6, seed=0), T, 30.0, reg=reg, record=301)
        C = measures.group_weights(tr.norms, tr.correlations)
        rate = phases.growth_rate_fit(tr.t, C[:, 0], 1e-9, 1e-4)
        assert rate == pytest.approx(4 - 2 * reg, rel=1e-3)
        assert np.allclose(C[-1], dfl.theory.fitted_weight(T.weights, reg), atol=1e-3)


def test_norm_correlation_bound_holds_for_growing_components():
    T = dfl.orthogonal_tensor([1.0, 0.7, 0.4], 6, basis="random", seed=1)
    for reg in [0.0, 0.3]:
        tr = dfl.gradient_flow(dfl.small_init(10, 6, 0.05, seed=2), T, 20.0, reg=reg, record=101)
        c, mc, grow = phases.norm_correlation_samples(tr)
        assert c.shape == mc.shape == grow.shape == (101 * 10,)
        bound = theory.norm_correlation_bound(c, 1.0, reg)
        assert not np.any(grow & (mc < bound - 1e-9))
    m = phases.min_correlation_above(c, mc, [1e-3, 1e3])
    assert 0 < m[0] <= 1 and np.isnan(m[1])
    assert theory.norm_correlation_bound(0.0, 1.0) == 0.0
    assert theory.norm_correlation_bound(4.0, 1.0) == 1.0
    with pytest.raises(ValueError, match="a_max"):
        theory.norm_correlation_bound(0.1, 0.0)
    with pytest.raises(TypeError, match="traj"):
        phases.norm_correlation_samples("not a trajectory")


def test_fitted_state_is_stationary_with_the_fitted_weights():
    T = dfl.orthogonal_tensor([1.0, 0.6, 0.3], 4, basis="random", seed=3)
    for reg in [0.0, 0.2]:
        W = phases.fitted_state(T, [2, 0, 1], reg, fractions=[[0.25, 0.75], [], [1.0]])
        assert W.shape == (3, 4)
        assert np.max(np.abs(dfl.gradient(W, T, reg))) < 1e-12
        C = measures.group_weights(np.linalg.norm(W, axis=1), dfl.correlations(W, T))
        assert np.allclose(C, [1 - reg / 2, 0, 0.3 - reg / 2])
    with pytest.raises(ValueError, match="group_sizes"):
        phases.fitted_state(T, [1, 1], 0.0)
    with pytest.raises(ValueError, match="cannot be fitted"):
        phases.fitted_state(T, [1, 0, 1], 0.8)
    with pytest.raises(ValueError, match="fractions"):
        phases.fitted_state(T, [2, 0, 0], 0.0, fractions=[[0.5, 0.6], [], []])


@pytest.mark.parametrize("reg", [0.0, 0.25])
def test_jacobian_spectrum_matches_the_prediction(reg):
    T = dfl.orthogonal_tensor([1.0, 0.7], 3, basis="random", seed=4)
    sizes = [2, 2]
    W = phases.fitted_state(T, sizes, reg, fractions=[[0.6, 0.4], [0.3, 0.7]])
    J = phases.flow_jacobian(W, T, reg)
    assert J.shape == (12, 12)
    ev = np.sort(np.linalg.eigvalsh(J))
    assert np.allclose(ev, theory.stability_spectrum(T.weights, sizes, 3, reg), atol=1e-5)


def test_jacobian_matches_a_dense_hessian_of_the_loss():
    """Independent check: finite differences of the loss itself (dense model tensor)."""
    T = dfl.orthogonal_tensor([1.0], 2)
    W = np.array([[0.8, 0.3]])
    Tdense = T.dense()

    def L(w):
        M = dfl.model_tensor(w.reshape(1, 2))
        return 0.5 * np.sum((M - Tdense) ** 2)

    h = 1e-4
    H = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            e_i, e_j = np.eye(2)[i] * h, np.eye(2)[j] * h
            w = W.ravel()
            H[i, j] = (L(w + e_i + e_j) - L(w + e_i - e_j) - L(w - e_i + e_j) + L(w - e_i - e_j)) / (4 * h * h)
    assert np.allclose(phases.flow_jacobian(W, T), -H, atol=1e-5)
    with pytest.raises(ValueError, match="zero row"):
        phases.flow_jacobian(np.zeros((1, 2)), T)


def test_jacobian_of_a_gradient_flow_is_symmetric():
    """The raw finite-difference Jacobian is minus a Hessian: symmetric to ~1e-8.

    It is not symmetrized by default, so this check can fail (a gradient with a wrong
    term that is not a gradient field would show up here)."""
    T = dfl.orthogonal_tensor([1.0, 0.6], 3, basis="random", seed=1)
    W = np.random.default_rng(0).standard_normal((3, 3))
    for reg in (0.0, 0.3):
        J = phases.flow_jacobian(W, T, reg)
        asym = np.max(np.abs(J - J.T)) / np.max(np.abs(J))
        assert asym < 1e-7
    Js = phases.flow_jacobian(W, T, 0.0, symmetrize=True)
    assert np.array_equal(Js, Js.T)


def test_stability_spectrum_counts():
    ev = theory.stability_spectrum([1.0, 0.5], [3, 0], 4, 0.0)
    assert ev.size == 12
    assert np.sum(ev == 0) == 2 + 3 * 2  # weight moves + relative rotations
    ev = theory.stability_spectrum([1.0, 0.5], [3, 1], 4, 0.2)
    assert np.sum(ev == 0) == 2
    assert np.sum(np.isclose(ev, -0.4)) == 6
    with pytest.raises(ValueError, match="group_sizes"):
        theory.stability_spectrum([1.0], [1, 1], 3)


def test_deflated_target_weights_and_dynamics():
    T = dfl.orthogonal_tensor([1.0, 0.6, 0.3], 5, basis="random", seed=6)
    D0 = phases.deflated_target(T, [0], 0.0)
    assert np.allclose(D0.weights, [0.6, 0.3])
    assert np.allclose(D0.basis, T.basis[:, 1:])
    D = phases.deflated_target(T, [0], 0.2)
    assert np.allclose(D.weights, [0.1, 0.6, 0.3])
    # the residual seen by a small component next to a fitted u_1 group is the deflated one
    Wf = phases.fitted_state(T, [2, 0, 0], 0.2)
    Ws = dfl.small_init(3, 5, 1e-4, seed=7)
    g_full = dfl.gradient(np.vstack([Wf, Ws]), T, 0.2)[2:]
    g_defl = dfl.gradient(Ws, D, 0.2)
    assert np.allclose(g_full, g_defl, rtol=1e-6, atol=1e-14)
    with pytest.raises(ValueError, match="fitted"):
        phases.deflated_target(T, [5])
    with pytest.raises(ValueError, match="nothing is left"):
        phases.deflated_target(dfl.orthogonal_tensor([1.0], 3), [0])


def test_fit_order_puts_nan_last():
    assert phases.fit_order([3.0, np.nan, 1.0, 2.0]).tolist() == [2, 3, 0, 1]
    with pytest.raises(ValueError, match="times"):
        phases.fit_order(np.zeros((2, 2)))


def test_plotting_helpers_of_chapters_3_and_4():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from deflation import plotting

    T = dfl.orthogonal_tensor([1.0, 0.5, 0.25], 5)
    tr = dfl.gradient_flow(dfl.small_init(8, 5, 1e-3, seed=0), T, 30.0, record=61)
    fig, axes = plt.subplots(1, 3)
    plotting.leading_components(tr, axes[:2], n=3, title="t")
    assert len(axes[0].lines) == 3 and len(axes[1].lines) == 3
    # one line per direction first: the three lines are on three different u_k
    best = np.argmax(np.abs(tr.correlations[-1]), axis=1)
    labels = [ln.get_label() for ln in axes[0].lines]
    assert len({lab.split("on ")[1] for lab in labels}) == 3
    assert best.size == 8
    c, mc, _ = phases.norm_correlation_samples(tr)
    plotting.norm_correlation_scatter(c, mc, axes[2], bound=lambda x: theory.norm_correlation_bound(x, 1.0))
    assert len(axes[2].lines) == 1
    with pytest.raises(ValueError, match="max_corr"):
        plotting.norm_correlation_scatter(c, mc[:3], axes[2])
    with pytest.raises(ValueError, match="n must be"):
        plotting.leading_components(tr, axes[:2], n=0)
    plt.close(fig)
