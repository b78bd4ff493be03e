"""The counting bound of chapter 5 (deflation.theory.lockup_count_bound and
lockup_components_needed), checked against its formula and against locked-up runs."""

import numpy as np
import pytest

from deflation import theory

A = [1.0, 0.5, 0.25, 0.12, 0.06]  # setting A of chapter 5


def test_count_bound_formula():
    # sum(a_k - lambda/2) / delta_1^2 = (1.93 - 5 * 0.005) / 0.01
    assert theory.lockup_count_bound(A, 0.1, reg=0.01) == pytest.approx(190.5)
    assert theory.lockup_count_bound(A, 0.1) == pytest.approx(193.0)


def test_components_needed_setting_a():
    # sum(a_k - lambda/2) / (a_r - lambda/2) = 1.905 / 0.055, "about 35"
    n = theory.lockup_components_needed(A, reg=0.01)
    assert n == pytest.approx(1.905 / 0.055)
    assert 34 < n < 35


def test_needed_is_bound_at_largest_threshold():
    # N(delta_1) decreases to N* as delta_1^2 increases to a_r - lambda/2
    reg = 0.01
    top = np.sqrt(A[-1] - reg / 2)
    n_star = theory.lockup_components_needed(A, reg)
    below = [theory.lockup_count_bound(A, f * top, reg) for f in (0.5, 0.9, 0.999)]
    assert all(b > n_star for b in below)
    assert np.all(np.diff(below) < 0)
    assert theory.lockup_count_bound(A, top, reg) == pytest.approx(n_star)


def test_unfittable_components_do_not_count():
    # a_k <= lambda/2 is never fitted: it adds nothing, and a_r is the smallest fittable
    w = [1.0, 0.5, 0.004]
    assert theory.lockup_count_bound(w, 0.1, reg=0.01) == pytest.approx(
        (0.995 + 0.495) / 0.01)
    assert theory.lockup_components_needed(w, reg=0.01) == pytest.approx(1.49 / 0.495)


@pytest.mark.parametrize("seed", [36, 38])
def test_locked_up_runs_respect_the_bound(seed):
    # setting A, seeds 36 and 38 lock up at the defaults: every member is above
    # delta_1, the members carry exactly the fitted weights, and they are fewer than N.
    import deflation as dfl

    T = dfl.orthogonal_tensor(A, 10)
    res = dfl.modified_gradient_flow(T, 12, seed=seed, max_time=400.0)
    norms = np.linalg.norm(res.W, axis=1)
    if res.stopped == "tol":
        pytest.skip("this seed no longer locks up with the current numerics")
    assert res.n_reinit[-1] == 0 and np.all(norms > 0.1)
    rec = dfl.measures.recovered(res)
    carried = np.sum(norms**2)
    assert carried == pytest.approx(np.sum(np.array(A)[rec] - 0.005), rel=1e-3)
    assert norms.size < theory.lockup_count_bound(A, 0.1, reg=0.01)


@pytest.mark.parametrize(
    "args",
    [([], 0.1), ([1.0, -0.5], 0.1), ([1.0], 0.0), ([1.0], -0.1), ([0.004], 0.1)],
)
def test_bad_inputs(args):
    weights, delta1 = args
    with pytest.raises(ValueError):
        theory.lockup_count_bound(weights, delta1, reg=0.01)


def test_plan_seeds_and_m_sweep():
    # tuning and held-out seeds are disjoint; the sweep over m reuses the table's runs
    from deflation.experiments import ch5 as E

    assert not set(E.SEEDS) & set(E.HELD_OUT_SEEDS)
    assert not set(E.SEEDS) & set(E.M_SWEEP_SEEDS)
    assert len(E.HELD_OUT_SEEDS) >= 100
    table = E.table_configs()
    shared = [c["setting"] for c in E.m_sweep_configs() if c in table]
    assert shared == ["B", "A", "A40"]
    assert [c["m"] for c in E.m_sweep_configs()] == list(E.M_VALUES)
