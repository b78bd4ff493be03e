"""The numba kernels of :mod:`deflation._compiled` (private; imports numba).

Module-level functions, so that numba's on-disk cache (``cache=True``) finds them again
in the next process (kernels built inside a function are closures, which it recompiles).
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["descent_fit", "dopri5_trial", "dopri5_dense", "record_path"]

njit = numba.njit(cache=True, nogil=True, error_model="numpy")
TINY = 5e-324  # as deflation._kernels.TINY

@njit
def ipow(x, n):
    out = x
    for _ in range(n - 1):
        out = out * x
    return out

@njit
def descent_fit(W, U, a, l, p, reg, sqnorm, out, norms, wbar, c, corr, con):
    """``out = -grad L(W)``; fills norms, wbar, c, corr (m x r); returns the fit."""
    m, d = W.shape
    r = U.shape[0]
    for i in range(m):
        s = 0.0
        for k in range(d):
            s += W[i, k] * W[i, k]
        n = math.sqrt(s)
        norms[i] = n
        q = TINY if n < TINY else n  # as np.maximum(n, TINY), NaN included
        for k in range(d):
            wbar[i, k] = W[i, k] / q
        c[i] = s if p == 2.0 else n**p
    acc = 0.0
    for i in range(m):
        for k in range(d):
            con[k] = 0.0
        star = 0.0
        for b in range(r):
            x = 0.0
            for k in range(d):
                x += wbar[i, k] * U[b, k]
            corr[i, b] = x
            xp = ipow(x, l - 1)
            star += xp * x * a[b]
            co = xp * a[b]
            for k in range(d):
                con[k] += co * U[b, k]
        for j in range(m):
            x = 0.0
            for k in range(d):
                x += wbar[i, k] * wbar[j, k]
            co = -ipow(x, l - 1) * c[j]
            for k in range(d):
                con[k] += co * wbar[j, k]
        rad = 0.0
        for k in range(d):
            rad += con[k] * wbar[i, k]
        acc += c[i] * (rad + star)
        n = norms[i]
        if p == 2.0:
            scale = l * n
            along = (2.0 - l) * rad
        else:
            scale = l * n ** (p - 1.0)
            along = (p - l) * rad * n ** (p - 2.0)
        along -= reg
        for k in range(d):
            out[i, k] = scale * con[k] + along * W[i, k]
    fit = 0.5 * (sqnorm - acc)
    return 0.0 if fit < 0.0 else fit  # rounding can make an exact fit negative; NaN stays

@njit
def dopri5_trial(y, f, h, AM, Bv, Ev, K, ystage, ynew, n_old, n_new, rtol, atol,
                 U, a, l, p, reg, sqnorm, norms, wbar, c, corr, con):
    """One trial step of Dormand-Prince from the flat state ``y`` (row-major m x d):
    fills K (7 x N), ystage (the last stage's argument), ynew, n_new; returns the
    error norm (max over rows of error / (atol + rtol max(n_old, n_new)), inf where
    not finite), the fit at ynew, and ||K6 - K5||^2, ||ynew - ystage||^2 (Hairer's
    stiffness estimate)."""
    m, d = wbar.shape
    N = y.size
    for idx in range(N):
        K[0, idx] = f[idx]
    for s in range(1, 6):
        for idx in range(N):
            acc = 0.0
            for j in range(s):
                acc += (h * AM[s, j]) * K[j, idx]
            ystage[idx] = y[idx] + acc
        descent_fit(ystage.reshape((m, d)), U, a, l, p, reg, sqnorm,
                    K[s].reshape((m, d)), norms, wbar, c, corr, con)
    for idx in range(N):
        acc = 0.0
        for j in range(6):
            acc += (h * Bv[j]) * K[j, idx]
        ynew[idx] = y[idx] + acc
    fit = descent_fit(ynew.reshape((m, d)), U, a, l, p, reg, sqnorm,
                      K[6].reshape((m, d)), norms, wbar, c, corr, con)
    en = 0.0
    for i in range(m):
        e2 = 0.0
        y2 = 0.0
        for k in range(d):
            idx = i * d + k
            acc = 0.0
            for j in range(7):
                acc += (h * Ev[j]) * K[j, idx]
            e2 += acc * acc
            y2 += ynew[idx] * ynew[idx]
        e = math.sqrt(e2)
        nn = math.sqrt(y2)
        n_new[i] = nn
        scale = rtol * (n_old[i] if n_old[i] > nn else nn) + atol
        if not math.isfinite(e) or not math.isfinite(nn):
            en = math.inf
        elif scale > 0.0:
            ratio = e / scale
            if ratio > en:
                en = ratio
        elif e > 0.0:
            en = math.inf
    num = 0.0
    den = 0.0
    for idx in range(N):
        dk = K[6, idx] - K[5, idx]
        dy = ynew[idx] - ystage[idx]
        num += dk * dk
        den += dy * dy
    return en, fit, num, den


@njit
def dopri5_dense(y_old, h, K, PT, x, out):
    """Dormand-Prince's continuous extension at fraction ``x`` of a step of size ``h``
    from ``y_old`` (flat): ``y_old + h sum_j b_j(x) K_j`` with ``b_j(x) = sum_p x^(p+1)
    PT[p, j]`` (the 4th-order dense output of Shampine), into ``out``."""
    b = np.zeros(K.shape[0])
    xp = x
    for p in range(PT.shape[0]):
        for j in range(K.shape[0]):
            b[j] += xp * PT[p, j]
        xp *= x
    for idx in range(y_old.size):
        acc = 0.0
        for j in range(K.shape[0]):
            acc += b[j] * K[j, idx]
        out[idx] = y_old[idx] + h * acc
    return out


@njit
def record_path(Ws, U, a, l, p, sqnorm, out, wbar, c, con, norms, corr, res, fits, sqs):
    """What a trajectory records at each state ``Ws[k]`` (n x m x d): fills norms[k],
    corr[k] (m x r), the residual ``res[k, b] = a_b - sum_i c_i corr[k, i, b]^l``, the fit
    ``fits[k]`` and ``sqs[k] = sum_ij Ws[k]_ij^2``."""
    n, m = norms.shape
    r = U.shape[0]
    for t in range(n):
        fits[t] = descent_fit(Ws[t], U, a, l, p, 0.0, sqnorm, out, norms[t], wbar, c,
                              corr[t], con)
        for b in range(r):
            acc = 0.0
            for i in range(m):
                acc += c[i] * ipow(corr[t, i, b], l)
            res[t, b] = a[b] - acc
        sq = 0.0
        for i in range(m):
            for k in range(Ws.shape[2]):
                sq += Ws[t, i, k] * Ws[t, i, k]
        sqs[t] = sq
