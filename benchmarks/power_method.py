"""Convergence of the power method inside the deflation process (issue 8, section 6).

    python benchmarks/power_method.py

On chapter 6's correlated targets (d = 10, weights 1, .7, .5, .35, pairwise correlation
rho; the draws of ``deflation.experiments.ch6.run_correlated``: one generator per seed
draws the directions, the initialization, then the restarts), for rho = 0.6, 0.7, 0.8
and seeds 0-15 (16 targets x 4 extracted pairs = 64 pairs per rho), it prints how many
pairs hit ``max_iter`` without converging and the largest eigen-residual
||R(v^{l-1}, .) - a v|| for the plain power method (shift 0, the method before SS-HOPM)
(before: the method of the package up to commit 9484298, the best of 10 starts kept
whether it converged or not; "hit" there means some start hit max_iter), the plain
method keeping the best converged start, and SS-HOPM with the default shift
(l - 1) ||R||_F (what ``tensor_deflation`` does now). Asserts nothing.
"""

from __future__ import annotations

import numpy as np

from deflation import tensor_deflation
from deflation._kernels import ipow  # the package's own kernel, to compare like with like
from deflation.tensors import (
    correlated_directions,
    low_rank_tensor,
    random_directions,
    small_init,
)

WEIGHTS = [1.0, 0.7, 0.5, 0.35]
D, M, SEEDS = 10, 20, range(16)


def old_deflation(T, rng, max_iter=1000):
    """The deflation process as it was before SS-HOPM (commit 9484298 and earlier).

    Plain power iteration from 10 starts, all iterated until every start stops moving;
    the start with the largest value is kept, converged or not. Returns an object with
    the same fields as the new result.
    """
    b, V, its, res, conv = [], [], [], [], []

    def contract(X):
        out = T.contract(X)
        for bi, v in zip(b, V):
            out = out - bi * ipow(X @ v, T.order - 1)[:, None] * v[None, :]
        return out

    for _ in range(T.rank):
        X = random_directions(10, T.d, seed=rng)
        for n_iter in range(1, max_iter + 1):  # the old loop: no row is frozen
            Y = contract(X)
            Y = Y / np.linalg.norm(Y, axis=1, keepdims=True)
            moved = np.max(np.linalg.norm(Y - X, axis=1))
            X = Y
            if moved <= 1e-13:
                break
        values = np.einsum("ij,ij->i", contract(X), X)
        k = int(np.argmax(values))
        x, mu = X[k], float(values[k])
        res.append(float(np.linalg.norm(contract(x[None])[0] - mu * x)))
        b.append(mu)
        V.append(x)
        its.append(n_iter)
        conv.append(n_iter < max_iter)

    class Out:
        iterations, eigen_residuals, converged = its, res, conv

    return Out


def pairs(rho, shift):
    """(iterations, eigen-residuals, converged flags) of every extracted pair."""
    it, res, conv = [], [], []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        U = correlated_directions(len(WEIGHTS), D, rho, seed=rng)
        T = low_rank_tensor(WEIGHTS, U)
        small_init(M, D, 1e-6, seed=rng)  # consumed as in run_correlated
        if shift == "old":
            out = old_deflation(T, rng)
        else:
            out = tensor_deflation(T, seed=rng, shift=shift)
        it += list(out.iterations)
        res += list(out.eigen_residuals)
        conv += list(out.converged)
    return np.array(it), np.array(res), np.array(conv)


def main():
    print("pairs that hit max_iter (of 64) and max eigen-residual, per rho")
    runs = [("before: plain, best of all starts", "old"),
            ("plain, best converged start", 0.0),
            ("SS-HOPM (auto shift)", "auto")]
    for label, shift in runs:
        cells = []
        for rho in (0.6, 0.7, 0.8):
            it, res, conv = pairs(rho, shift)
            cells.append(f"rho={rho}: {np.sum(~conv):2d}/{conv.size} hit, "
                         f"max resid {res.max():.1e}, median iters {np.median(it):.0f}")
            print(f"{label:34s} {cells[-1]}")


if __name__ == "__main__":
    main()
