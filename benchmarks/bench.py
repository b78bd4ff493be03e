"""Speed figures for the deflation package (prints; asserts nothing).

    python benchmarks/bench.py          # or: make bench (OPENBLAS_NUM_THREADS=1)
    python benchmarks/bench.py --quick  # skip the d = 100 runs and the sweeps

Unit: "the two products", the two m x m x d matrix products that the Gram route cannot
avoid (G = Wbar Wbar^T, then G^3 (c Wbar)), timed in the same run, interleaved with what
they are compared with, in CPU time of this process (the machine is shared and noisy;
ratios are the stable figures, medians over repeats). The BLAS-thread comparison is in
wall time, which is what contention costs.

1. Gradient at (d=20, m=200), (d=30, m=1000), (d=100, m=1000): one loss-and-gradient by
   the Gram route in units of the two products, and against the dense d^4 route.
2. BLAS threads: the gradient at d=20, m=200 with the default thread count (one per
   core, what a Jupyter kernel gets) and with one thread, idle and with a busy-loop
   process on the other core; and gradient_flow under a caller's default thread count
   (the package limits BLAS to one thread itself, deflation._blas).
3. Flow: the chapter-1 staircase (d = 10, m = 50) to t = 80 (as before), and the
   scale test d = 100, r = 10 (weights 1 .. 0.1), m = 1000, init 1e-6, to t = 60 at
   rtol 1e-5 (chapter 6's sweep tolerance) and 1e-7 (the default): wall time, gradient
   evaluations, and the run in units of the two products.
4. Small runs (chapter 5's size, d = 10, m = 12): one loss-and-gradient, and a plain flow
   that runs its whole budget t = 2000, per evaluation (what the chapter-5 sweep costs);
   then the compiled route of small flows against the numpy route (deflation._compiled):
   one gradient at sizes around the switch-over, three of chapter 5's runs, and the
   flows behind the chapters' widgets at their default settings.
5. Stiff plateaus (issue 20): the explicit method and the automatic switch to BDF on the
   same run, evaluations, CPU time and the accuracy of the fit times; a huge horizon.
6. Where the steps go (issue 20): for chapter 5's plan (seed 100 of every
   configuration) and the d = 100 run, the gradient evaluations of explicit steps held at
   the stability limit (Hairer's estimate h|lambda| >= 2.5 of the bound 3.3), of explicit
   steps set by accuracy, and of the implicit method (chapter 5 with the explicit method
   alone and with the automatic switch).
7. The sweeps (issue 20's targets, skipped with --quick): chapters 5 and 6 regenerated
   from scratch into temporary caches with 2 jobs, wall time.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

import deflation as dfl


def median_time(fn, repeat=7, number=None, clock=time.perf_counter):
    """Median seconds per call of ``fn`` over ``repeat`` batches of ``number`` calls."""
    if number is None:
        t0 = clock()
        fn()
        one = clock() - t0
        number = max(1, int(0.2 / max(one, 1e-6)))
    times = []
    for _ in range(repeat):
        t0 = clock()
        for _ in range(number):
            fn()
        times.append((clock() - t0) / number)
    return statistics.median(times)


# Ratios of single-threaded work are timed in CPU time of this process: on a shared
# machine the wall time also counts the time other processes hold the core.
CPU = time.process_time


def dense_loss_and_gradient(W, T_dense, reg=0.0):
    """Order-4 loss and gradient of the 2-homogeneous model through the dense d^4 tensor."""
    sq = np.einsum("ij,ij->i", W, W)
    norms = np.sqrt(sq)
    V = W / np.where(norms > 0, norms, 1.0)[:, None]
    T = np.einsum("j,ja,jb,jc,jd->abcd", sq, V, V, V, V, optimize=True)
    R = T_dense - T
    R3 = np.einsum("abcd,ja,jb,jc->jd", R, V, V, V, optimize=True)
    R4 = np.einsum("jd,jd->j", R3, V)
    g = -norms[:, None] * (4 * R3 - 2 * R4[:, None] * V) + reg * W
    return 0.5 * np.sum(R * R) + 0.5 * reg * np.sum(W * W), g


def _unit_data(d, m, seed=1):
    W = np.random.default_rng(seed).standard_normal((m, d)) / np.sqrt(d)
    Wbar = W / np.linalg.norm(W, axis=1, keepdims=True)
    G = Wbar @ Wbar.T
    return W, Wbar, G


def two_products_fn(d, m):
    """A callable doing the two m x m x d products once."""
    _, Wbar, G = _unit_data(d, m)

    def two_products():
        Wbar @ Wbar.T
        G @ Wbar

    return two_products


def interleaved_ratio(fn, ref, rounds=9):
    """Median over rounds of time(fn) / time(ref), the two timed back to back."""
    fn(), ref()  # warm up
    number = max(1, int(0.05 / max(median_time(ref, repeat=3, number=3, clock=CPU), 1e-6)))
    ratios, t_ref = [], []
    for _ in range(rounds):
        a = median_time(ref, repeat=1, number=number, clock=CPU)
        b = median_time(fn, repeat=1, number=number, clock=CPU)
        ratios.append(b / a)
        t_ref.append(a)
    return statistics.median(ratios), statistics.median(t_ref)


def bench_gradient(d, m, r=5, dense=True):
    target = dfl.orthogonal_tensor(np.linspace(1.0, 0.2, r), d, basis="random", seed=0)
    W, _, _ = _unit_data(d, m)
    fast = lambda: dfl.loss_and_gradient(W, target, 0.01)  # noqa: E731
    ratio, t_mm = interleaved_ratio(fast, two_products_fn(d, m))
    line = (f"gradient d={d:3d} m={m:5d}: {ratio * t_mm * 1e3:8.3f} ms = {ratio:4.2f} x the two "
            f"products ({t_mm * 1e3:.3f} ms)")
    if dense:
        T_dense = target.dense()
        slow = lambda: dense_loss_and_gradient(W, T_dense, 0.01)  # noqa: E731
        err = np.max(np.abs(fast()[1] - slow()[1])) / np.max(np.abs(slow()[1]))
        line += (f" | dense d^4 route x{median_time(slow, repeat=3) / median_time(fast):.0f}"
                 f" | rel. gradient diff {err:.1e}")
    print(line)


def bench_threads(d=20, m=200):
    """Default BLAS threads (one per core) vs one, idle and with one busy process."""
    from threadpoolctl import threadpool_limits

    target = dfl.orthogonal_tensor(np.linspace(1.0, 0.2, 5), d, basis="random", seed=0)
    W, _, _ = _unit_data(d, m)
    grad = lambda: dfl.loss_and_gradient(W, target, 0.01)  # noqa: E731
    W0 = dfl.small_init(m, d, 1e-3, seed=0)
    flow = lambda: dfl.gradient_flow(W0, target, 2.0, record=2)  # noqa: E731
    n_default = os.cpu_count() or 1

    def measure():
        out = {}
        for label, n in [("default", n_default), ("one", 1)]:
            with threadpool_limits(limits=n, user_api="blas"):
                out[label] = median_time(grad, repeat=9)
        with threadpool_limits(limits=n_default, user_api="blas"):
            out["flow"] = median_time(flow, repeat=5)
            out["n_eval"] = dfl.gradient_flow(W0, target, 2.0, record=2).n_eval
        return out

    idle = measure()
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        loaded = measure()
    finally:
        busy.kill()  # the busy loop started above, by its own handle
        busy.wait()
    for label, res in [("idle", idle), ("one busy process", loaded)]:
        print(
            f"BLAS threads, gradient d={d} m={m}, {label:16s}: default ({n_default} threads) "
            f"{res['default'] * 1e3:6.3f} ms, one thread {res['one'] * 1e3:6.3f} ms "
            f"(x{res['default'] / res['one']:.2f}); gradient_flow under a {n_default}-thread "
            f"caller: {res['flow'] / res['n_eval'] * 1e3:6.3f} ms per evaluation"
        )


def bench_flow(repeat=5):
    target = dfl.orthogonal_tensor([1.0, 0.8, 0.6, 0.4, 0.2], 10)
    W0 = dfl.small_init(50, 10, 1e-6, seed=0)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        traj = dfl.gradient_flow(W0, target, 80.0)
        times.append(time.perf_counter() - t0)
    fits = ", ".join(f"{x:.3g}" for x in dfl.fit_times(traj))
    print(
        f"flow d=10 m=50 t=80: median {statistics.median(times):.3f} s over {repeat} runs, "
        f"{traj.n_eval} gradient evaluations ({traj.n_steps} steps, {traj.n_rejected} rejected); "
        f"fit times {fits}"
    )


def bench_scale(rtol, repeat=3, d=100, m=1000, r=10, t_end=60.0):
    """The d = 100, m = 1000 run in units of the two products timed around each run."""
    target = dfl.orthogonal_tensor(np.linspace(1.0, 0.1, r), d)
    W0 = dfl.small_init(m, d, 1e-6, seed=0)
    two = two_products_fn(d, m)
    runs, units = [], []
    for _ in range(repeat):
        before = median_time(two, repeat=5, number=3, clock=CPU)
        t0 = CPU()
        traj = dfl.gradient_flow(W0, target, t_end, rtol=rtol, record=121)
        el = CPU() - t0
        after = median_time(two, repeat=5, number=3, clock=CPU)
        runs.append(el)
        units.append(el / statistics.median([before, after]))
    fits = ", ".join(f"{x:.4g}" for x in dfl.fit_times(traj))
    el, u = statistics.median(runs), statistics.median(units)
    print(
        f"flow d={d} r={r} m={m} t={t_end:g} rtol={rtol:g}: median {el:.2f} s (CPU) over {repeat} "
        f"runs = {u:.0f} x the two products; {traj.n_eval} gradient evaluations "
        f"({traj.n_steps} steps, {traj.n_rejected} rejected) -> {u / traj.n_eval:.2f} "
        f"products per evaluation; fit times {fits}"
    )


def bench_small_runs(repeat=5):
    """Chapter 5's runs are small (d = 10, m = 12): numpy's per-call overhead, not flops,
    sets their cost. Setting A's plain flow on seed 100 misses a component, so it runs
    the whole budget t = 2000 in the stiff regime after the first fits."""
    from deflation.experiments import ch5

    cfg = ch5.table_configs()[0]  # setting A
    target = dfl.orthogonal_tensor(cfg["weights"], cfg["d"])
    W0 = dfl.small_init(cfg["m"], cfg["d"], cfg["init_scale"], seed=100)
    W = dfl.small_init(cfg["m"], cfg["d"], 0.3, seed=1)
    grad = median_time(lambda: dfl.loss_and_gradient(W, target, 0.01), repeat=9, clock=CPU)
    run = lambda: dfl.gradient_flow(W0, target, 2000.0, record=400,  # noqa: E731
                                    stop_fit=1e-6 * target.sqnorm())
    el = median_time(run, repeat=repeat, number=1, clock=CPU)
    tr = run()
    print(f"small problem d=10 m=12: loss and gradient {grad * 1e6:.1f} us; plain flow of "
          f"setting A, seed 100, to t=2000: {el:.3f} s (CPU), {tr.n_eval} evaluations "
          f"({tr.n_steps} steps, {tr.n_rejected} rejected) -> {el / tr.n_eval * 1e6:.1f} us "
          f"per evaluation, integrator and records included")


def _route(compiled):
    """Select the compiled route of small flows (deflation._compiled) or the numpy one
    (``None``: put back what the environment had when the benchmark started)."""
    if compiled is None:
        if _ROUTE_BEFORE is None:
            os.environ.pop("DEFLATION_COMPILED", None)
        else:
            os.environ["DEFLATION_COMPILED"] = _ROUTE_BEFORE
    else:
        os.environ["DEFLATION_COMPILED"] = "1" if compiled else "0"


_ROUTE_BEFORE = os.environ.get("DEFLATION_COMPILED")


def _both_routes(fn, repeat):
    """``fn()`` by the numpy route and by the compiled route, interleaved ``repeat``
    times: median CPU seconds of each, and each route's last result."""
    times: dict = {False: [], True: []}
    results = {}
    for _ in range(repeat):
        for compiled in (False, True):
            _route(compiled)
            t0 = CPU()
            results[compiled] = fn()
            times[compiled].append(CPU() - t0)
    _route(None)
    return statistics.median(times[False]), statistics.median(times[True]), results


def bench_compiled(repeat=5):
    """The compiled route (deflation._compiled) against the numpy route: one gradient at
    sizes around the switch-over COMPILED_MAX (multiply-adds m (r + m) d), then whole
    runs of chapter 5 (seed 100: setting A's modified flow, its plain flow, and the
    constant-epoch ablation), each route timed in the same run, interleaved."""
    from deflation import _compiled
    from deflation.experiments import ch5
    from deflation.model import _descent, _terms

    for m, d, r in [(12, 10, 5), (20, 20, 5), (40, 10, 5), (50, 20, 5), (80, 20, 5)]:
        target = dfl.orthogonal_tensor(np.linspace(1.0, 0.2, r), d)
        W = dfl.small_init(m, d, 0.3, seed=0)
        flow = _compiled.SmallFlow(target, 2.0, 0.01, m)

        def numpy_route(W=W, target=target):
            norms, wbar, _, con, rad, _ = _terms(W, target, 2.0)
            return _descent(W, norms, wbar, con, rad, 4, 2.0, 0.01)

        ratio, t_np = interleaved_ratio(lambda W=W, flow=flow: flow(W), numpy_route)
        size = m * (m + r) * d
        print(f"compiled and numpy gradient m={m:3d} d={d:3d} r={r} ({size:6d} multiply-adds, "
              f"{'compiled' if size <= _compiled.COMPILED_MAX else 'numpy'} route used): "
              f"numpy {t_np * 1e6:6.1f} us, compiled {ratio * t_np * 1e6:6.1f} us "
              f"(x{1 / ratio:.2f})")
    setting_a = ch5.table_configs()[0]
    constant = [c for c in ch5.ablation_configs() if c["epoch_growth"] == 0.0][0]
    for name, run, cfg in [("modified flow, setting A", ch5.run_modified, setting_a),
                           ("plain flow, setting A", ch5.run_plain, setting_a),
                           ("constant epochs, setting A", ch5.run_modified, constant)]:
        a, b, recs = _both_routes(lambda run=run, cfg=cfg: run(cfg, 100), repeat)
        same = all(recs[True][k] == recs[False][k]
                   for k in ("success", "recovered", "n_recovered", "stopped")
                   if k in recs[True])
        print(f"chapter 5 run ({name}, seed 100): numpy route {a:.3f} s, compiled "
              f"{b:.3f} s (CPU, median of {repeat}) -> x{a / b:.1f}; same outcome: {same}")


def bench_widgets(repeat=5):
    """The flows behind the chapters' widgets at their default settings (what one widget
    update computes before it draws), numpy route and compiled route interleaved, CPU."""
    from deflation import theory

    def staircase(m):  # chapter 1, explore_staircase (d = 10)
        target = dfl.orthogonal_tensor([1, .8, .6, .4, .2], 10)
        est = theory.fit_time_estimate(target.weights, d=10, m=m, init_scale=1e-6)
        return dfl.gradient_flow(dfl.small_init(m, 10, 1e-6, seed=0), target,
                                 1.6 * float(np.max(est)), record=200, rtol=1e-5)

    def early():  # chapter 2, explore_early
        a = np.array([1, .8, .6, .4, .2])
        t_end = 1.3 * float(theory.fit_time_estimate(a[0], d=10, m=10, init_scale=1e-6))
        return dfl.gradient_flow(dfl.small_init(10, 10, 1e-6, seed=0),
                                 dfl.orthogonal_tensor(a, 10), t_end, record=150, rtol=1e-5)

    def leading():  # chapter 3, run_leading
        return dfl.gradient_flow(dfl.small_init(10, 6, 1e-6, seed=0),
                                 dfl.orthogonal_tensor([1.0, 0.5, 0.25], 6), 30.0,
                                 record=101, rtol=1e-6)

    def schedule():  # chapter 5, show_schedule
        return dfl.modified_gradient_flow(
            dfl.orthogonal_tensor([1.0, 0.5, 0.25, 0.12, 0.06], 10), 12, max_time=800.0,
            seed=0, record_per_epoch=15, rtol=1e-6)

    def correlated():  # chapter 6, correlated_run
        rng = np.random.default_rng(0)
        T = dfl.low_rank_tensor([1.0, 0.7, 0.5, 0.35],
                                dfl.correlated_directions(4, 10, 0.6, seed=rng))
        return dfl.gradient_flow(dfl.small_init(20, 10, 1e-6, seed=rng), T, 60.0,
                                 rtol=1e-5, record=121)

    cases = [("chapter 1 staircase, m=50", lambda: staircase(50)),
             ("chapter 1 staircase, m=100", lambda: staircase(100)),
             ("chapter 2 early phase", early), ("chapter 3 leading components", leading),
             ("chapter 5 schedule", schedule), ("chapter 6 correlated", correlated)]
    for name, fn in cases:
        a, b, _ = _both_routes(fn, repeat)
        print(f"widget flow ({name}): numpy route {a * 1e3:.1f} ms, compiled {b * 1e3:.1f} ms "
              f"(CPU, median of {repeat}) -> x{a / b:.1f}")


def bench_stiff(repeat=3):
    """Issue 20's run: plain gradient flow in chapter 5's setting A (d = 10, m = 12,
    delta0 = 1e-4, lambda = 0.01), seed 100, to t = 2000, fit times recorded at 4001
    points; the explicit method against the automatic one in the same process, each at
    the default rtol, and both against the automatic method at rtol 1e-11."""
    target = dfl.orthogonal_tensor([1.0, 0.5, 0.25, 0.12, 0.06], 10)
    W0 = dfl.small_init(12, 10, 1e-4, seed=100)

    def run(method, rtol=1e-7):
        return dfl.gradient_flow(W0, target, 2000.0, reg=0.01, rtol=rtol, record=4001,
                                 method=method)

    ref = run("auto", 1e-11)
    ref_d = run("dopri5", 1e-11)
    ft_ref = dfl.fit_times(ref)
    out = {}
    for method in ("dopri5", "auto"):
        cpu = median_time(lambda m=method: run(m), repeat=repeat, number=1, clock=CPU)
        tr = run(method)
        ft = dfl.fit_times(tr)
        ok = np.isfinite(ft_ref)
        out[method] = tr.n_eval
        print(f"stiff run (setting A, seed 100, t=2000), {method:6s}: {tr.n_eval:6d} gradient "
              f"evaluations, {tr.n_jac} Hessians, {cpu:.3f} s (CPU); fit times within "
              f"{np.max(np.abs(ft[ok] / ft_ref[ok] - 1)):.1e} of the rtol-1e-11 run "
              f"(and {np.max(np.abs(ft[ok] / dfl.fit_times(ref_d)[ok] - 1)):.1e} of the "
              f"explicit one); final fit within {abs(tr.fit[-1] - ref.fit[-1]):.1e}")
    print(f"stiff run: evaluations auto / dopri5 = {out['auto'] / out['dopri5']:.3f}")


def bench_horizon():
    """A huge horizon: the flow comes to rest (every component's relative rate below
    1e-12) and the run ends there."""
    target = dfl.orthogonal_tensor([1.0, 0.5, 0.25, 0.12, 0.06], 10)
    W0 = dfl.small_init(12, 10, 1e-4, seed=100)
    for t_end in (1e5, 1e300):
        t0 = CPU()
        tr = dfl.gradient_flow(W0, target, t_end, reg=0.01, record=11)
        print(f"horizon t_end={t_end:g}: {CPU() - t0:.2f} s (CPU), {tr.n_eval} evaluations, "
              f"at rest from t={tr.stationary_at:.4g}")


#: An explicit step whose stiffness estimate h|lambda| is at least this is counted as held
#: at the stability limit (Dormand-Prince's bound on the negative real axis is about 3.3;
#: its step controller keeps a stiff run oscillating between about 2.5 and 3.3).
LIMIT_HLAMBDA = 2.5


class StepCensus:
    """Counts, while active, the evaluations of explicit steps at the stability limit, of
    explicit steps set by accuracy, and of the implicit method (a benchmark's probe: it
    wraps the private steppers of deflation.integrate for the duration of a ``with``).

    The estimate of h|lambda| is Hairer's, from the last two stages of the accepted step:
    h ||f(y7) - f(y6)|| / ||y7 - y6||, with y7 - y6 = h sum_j (b_j - a_6j) k_j.
    """

    def __enter__(self):
        from deflation import integrate as I

        self.I = I
        self.limit = self.accuracy = self.implicit = 0
        self.hessians = 0
        b_minus_a = I.B - np.array(I.A[5] + [0.0])
        orig_explicit, orig_implicit = I._Dopri5.step, I._Bdf.step
        census = self

        def explicit(stepper, t_end):
            before = stepper.stats.n_eval
            orig_explicit(stepper, t_end)
            K, h = stepper.K, stepper.h_used
            dy = h * (b_minus_a @ K[:6])
            den = float(np.vecdot(dy, dy))
            hl = h * float(np.linalg.norm(K[6] - K[5])) / den**0.5 if den > 0 else 0.0
            spent = stepper.stats.n_eval - before
            if hl >= LIMIT_HLAMBDA:
                census.limit += spent
            else:
                census.accuracy += spent

        def implicit(stepper, t_end):
            before = stepper.stats.n_eval
            orig_implicit(stepper, t_end)
            census.implicit += stepper.stats.n_eval - before

        from deflation import flow

        orig_integrate = flow.integrate

        def integrate(*args, **kwargs):
            t, y, stats = orig_integrate(*args, **kwargs)
            census.hessians += stats.n_jac
            census.total += stats.n_eval
            return t, y, stats

        self.total = 0
        self.saved = (orig_explicit, orig_implicit, orig_integrate)
        I._Dopri5.step, I._Bdf.step, flow.integrate = explicit, implicit, integrate
        return self

    def __exit__(self, *exc):
        from deflation import flow

        self.I._Dopri5.step, self.I._Bdf.step, flow.integrate = self.saved

    def line(self) -> str:
        tot = self.total
        other = tot - self.limit - self.accuracy - self.implicit  # initial steps, stops
        pct = lambda x: 100.0 * x / max(tot, 1)  # noqa: E731
        return (f"{tot} evaluations: explicit steps at the stability limit {pct(self.limit):.0f}%, "
                f"explicit steps set by accuracy {pct(self.accuracy):.0f}%, implicit steps "
                f"{pct(self.implicit):.0f}%, outside steps {pct(other):.0f}% (start, "
                f"stops); {self.hessians} Hessians")


def ch5_plan():
    """Chapter 5's plan as (run function, configuration, number of distinct runs), each
    configuration once, with the runs the sweep computes for it (a configuration that
    two sweeps share is cached once)."""
    from deflation.experiments import ch5

    blocks = [
        (ch5.run_modified, ch5.table_configs(), ch5.HELD_OUT_SEEDS),
        (ch5.run_plain, ch5.table_configs(), ch5.HELD_OUT_SEEDS),
        (ch5.run_modified, ch5.m_sweep_configs(), ch5.M_SWEEP_SEEDS),
        (ch5.run_modified, ch5.role_configs(), ch5.SEEDS),
        (ch5.run_modified, ch5.ablation_configs(), ch5.HELD_OUT_SEEDS),
    ]
    seen: dict = {}
    for fn, configs, seeds in blocks:
        for cfg in configs:
            # the sweep's cache identity (deflation.cache_key): run function, whole config
            key = (fn.cache_name, json.dumps(cfg, sort_keys=True))
            entry = seen.setdefault(key, [fn, cfg, set()])
            entry[2].update(seeds)
    return [(fn, cfg, len(seeds)) for fn, cfg, seeds in seen.values()]


def bench_where_steps_go(big=True):
    """Issue 20's premise, measured: which steps the long runs pay for."""
    plan = ch5_plan()
    n_runs = sum(n for _, _, n in plan)
    for method in ("dopri5", "auto"):
        with StepCensus() as census:
            for fn, cfg, _ in plan:
                fn(dict(cfg, method=method), 100)
        print(f"chapter 5's plan ({n_runs} runs), seed 100 of each of its {len(plan)} "
              f"configurations, method={method}: {census.line()}")
    from deflation.experiments import ch6

    sample = [(func, cfg, len(seeds)) for name in ch6.SWEEPS
              for func, configs, seeds in ch6.sweep_plan(name) for cfg in configs
              if big or cfg.get("m", 0) * cfg.get("d", 0) < 100_000]
    with StepCensus() as census:
        for fn, cfg, _ in sample:
            fn(cfg, 100)
    print(f"chapter 6's plan{'' if big else ' without its m d = 1e5 runs'}, seed 100 of "
          f"each of its {len(sample)} configurations, method=auto: {census.line()}")
    if big:
        target = dfl.orthogonal_tensor(np.linspace(1.0, 0.1, 10), 100)
        W0 = dfl.small_init(1000, 100, 1e-6, seed=0)
        with StepCensus() as census:
            dfl.gradient_flow(W0, target, 60.0, record=121)
        print(f"flow d=100 r=10 m=1000 t=60 rtol=1e-07: {census.line()}")


def bench_sweeps(jobs=2):
    """Chapters 5 and 6 regenerated from scratch (temporary caches), wall time."""
    import tempfile

    from deflation.experiments import ch5, ch6

    def ch6_all(tmp, n_jobs):
        for name in ch6.SWEEPS:
            for func, configs, seeds in ch6.sweep_plan(name):
                dfl.sweep(func, configs, seeds=seeds, cache_dir=os.path.join(tmp, name),
                          n_jobs=n_jobs, progress=False)

    runs = (("chapter 5", lambda tmp, n: ch5.all_sweeps(tmp, n, progress=False)),
            ("chapter 6", ch6_all))
    for name, run in runs:
        with tempfile.TemporaryDirectory() as tmp:
            load = os.getloadavg()[0]
            t0 = time.perf_counter()
            run(tmp, jobs)
            wall = time.perf_counter() - t0
            n = sum(len(files) for _, _, files in os.walk(tmp))
        print(f"{name}'s sweeps from scratch, {jobs} jobs: {wall:.0f} s wall, {n} runs "
              f"(load average {load:.2f} before)")


def main():
    quick = "--quick" in sys.argv[1:]
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
    bench_gradient(20, 200)
    bench_gradient(30, 1000)
    bench_gradient(100, 1000, r=10, dense=False)
    bench_threads()
    bench_flow()
    bench_small_runs()
    bench_compiled()
    bench_widgets()
    bench_stiff()
    bench_horizon()
    bench_where_steps_go(big=not quick)
    if not quick:
        bench_scale(1e-5)
        bench_scale(1e-7)
        bench_sweeps()


if __name__ == "__main__":
    main()
