"""Speed figures for the deflation package (prints; asserts nothing).

    python benchmarks/bench.py          # or: make bench

1. Gradient at (d=20, m=200) and (d=30, m=1000): time per loss-and-gradient by the Gram
   route, against (a) the dense route (the d^4 tensor with einsum) measured in the same
   run, and (b) the two m x m x d matrix products the Gram route cannot avoid.
2. Flow: the chapter-1 staircase (weights 1, .8, .6, .4, .2; d = 10; m = 50; init scale
   1e-6) to t = 80, with its number of gradient evaluations.

Times are medians over repeats; ratios are measured in the same run (the machine is
shared and noisy, ratios are the stable figures).
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

import deflation as dfl


def median_time(fn, repeat=7, number=None):
    """Median seconds per call of ``fn`` over ``repeat`` batches of ``number`` calls."""
    if number is None:
        t0 = time.perf_counter()
        fn()
        one = time.perf_counter() - t0
        number = max(1, int(0.2 / max(one, 1e-9)))
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return statistics.median(times)


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


def bench_gradient(d, m, r=5):
    target = dfl.orthogonal_tensor(np.linspace(1.0, 0.2, r), d, basis="random", seed=0)
    W = np.random.default_rng(1).standard_normal((m, d)) / np.sqrt(d)
    T_dense = target.dense()
    fast = lambda: dfl.loss_and_gradient(W, target, 0.01)  # noqa: E731
    dense = lambda: dense_loss_and_gradient(W, T_dense, 0.01)  # noqa: E731
    lf, gf = fast()
    ld, gd = dense()
    err = np.max(np.abs(gf - gd)) / np.max(np.abs(gd))
    Wbar = W / np.linalg.norm(W, axis=1, keepdims=True)
    G = Wbar @ Wbar.T

    def two_products():
        Wbar @ Wbar.T
        G @ Wbar

    t_fast = median_time(fast)
    t_dense = median_time(dense, repeat=3)
    t_mm = median_time(two_products)
    print(
        f"gradient d={d:3d} m={m:5d}: gram {t_fast * 1e3:8.3f} ms | dense {t_dense * 1e3:9.1f} ms "
        f"(x{t_dense / t_fast:7.1f}) | two m*m*d products {t_mm * 1e3:7.3f} ms "
        f"(gram/products = {t_fast / t_mm:4.2f}) | rel. gradient diff {err:.1e}"
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


def main():
    print(f"numpy {np.__version__}, python {sys.version.split()[0]}")
    bench_gradient(20, 200)
    bench_gradient(30, 1000)
    bench_flow()


if __name__ == "__main__":
    main()
