"""An adaptive Dormand-Prince 5(4) integrator with row-wise relative error control.

Why not :func:`scipy.integrate.solve_ivp`? The components of a small initialization have
norms near :math:`\\delta_0` (chapter 2 studies rows of size 1e-30) while fitted
components have norms of order one, and a row's *direction* is what the early phase is
about. ``solve_ivp`` controls each coordinate with ``atol + rtol * |y|``: any
``atol > 0`` lets the 1e-30-scale rows go unchecked, and with ``atol = 0`` a single zero
coordinate makes its initial-step selection divide by zero (a NaN first step) and the
solver loop. Here the error of each row :math:`w_j` is measured relative to
:math:`\\|w_j\\|`, so every component's direction is followed to the same relative
accuracy whatever its size. The method is the classical Dormand-Prince pair with its
4th-order continuous extension (the same tableau as scipy's ``RK45``; a test checks the
coefficients and the trajectories against scipy's), with scipy's safeguards: the
two-stage initial step of Hairer, Norsett & Wanner (II.4), no step growth right after a
rejection, and a minimum step of ten float spacings at ``t``; and the PI step-size
controller of Hairer's DOPRI5 code (``BETA``), which keeps the step steady where a
fitted component makes the flow stiff. A ``stop`` condition is located on the continuous
extension inside the step where it happens, not at the step's end.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._blas import with_blas_limit

__all__ = ["dopri5", "IntegrationStats", "select_initial_step"]

# Dormand & Prince (1980) tableau; dense output coefficients of Shampine (1986).
C = np.array([0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1])
A = [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
]
B = np.array([35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84])
E = np.array([-71 / 57600, 0, 71 / 16695, -71 / 1920, 17253 / 339200, -22 / 525, 1 / 40])
P = np.array(
    [
        [1, -8048581381 / 2820520608, 8663915743 / 2820520608, -12715105075 / 11282082432],
        [0, 0, 0, 0],
        [0, 131558114200 / 32700410799, -68118460800 / 10900136933, 87487479700 / 32700410799],
        [0, -1754552775 / 470086768, 14199869525 / 1410260304, -10690763975 / 1880347072],
        [0, 127303824393 / 49829197408, -318862633887 / 49829197408, 701980252875 / 199316789632],
        [0, -282668133 / 205662961, 2019193451 / 616988883, -1453857185 / 822651844],
        [0, 40617522 / 29380423, -110615467 / 29380423, 69997945 / 29380423],
    ]
)

SAFETY, MIN_FACTOR, MAX_FACTOR = 0.9, 0.2, 10.0
ORDER = 4  # of the error estimate
# Step-size control, as in Hairer's DOPRI5 (Hairer, Norsett & Wanner, I, II.4 and IV.2):
# h_new = h * SAFETY * err**-alpha * err_prev**BETA with alpha = 1/5 - 0.75 BETA (a PI
# controller; _steps derives alpha). BETA = 0 would be the elementary rule err**(-1/5);
# BETA = 0.04 damps the oscillation of the step about the stability limit that makes
# the elementary rule reject about one step in seven once a fitted component makes the
# flow stiff (chapter 5's long runs).
BETA = 0.04


class IntegrationStats:
    """Counters of one integration: accepted and rejected steps, right-hand side calls."""

    def __init__(self):
        self.n_steps = 0
        self.n_rejected = 0
        self.n_eval = 0

    def __repr__(self):
        return (
            f"IntegrationStats(n_steps={self.n_steps}, n_rejected={self.n_rejected}, "
            f"n_eval={self.n_eval})"
        )


def _row_norms(y: np.ndarray) -> np.ndarray:
    return np.sqrt(np.vecdot(y, y))


def _error_norm(err, n_old, n_new, rtol, atol) -> float:
    """max over rows of ``||err_i|| / (atol + rtol * max(n_old_i, n_new_i))`` (row norms
    ``n``); a row with zero scale counts 0 if its error is 0, else infinity."""
    e = _row_norms(err)
    if not e.size:
        return 0.0
    scale = np.maximum(n_old, n_new)
    scale *= rtol
    if atol:
        scale += atol
    if np.minimum.reduce(scale) > 0:
        return float(np.maximum.reduce(e / scale))
    ratio = np.divide(e, scale, out=np.zeros_like(e), where=scale > 0)
    ratio[(scale <= 0) & (e > 0)] = np.inf
    return float(np.max(ratio))


def _scaled_rms(v: np.ndarray, scale: np.ndarray) -> float:
    """RMS over rows of ``||v_i|| / scale_i`` (rows with zero scale count as 0)."""
    n = _row_norms(v)
    r = np.divide(n, scale, out=np.zeros_like(n), where=scale > 0)
    return float(np.sqrt(np.mean(r**2))) if r.size else 0.0


def _min_step(t: float) -> float:
    """Ten float spacings at ``t >= 0`` (scipy's ``10 * |nextafter(t, inf) - t|``)."""
    return 10.0 * math.ulp(t)


def select_initial_step(rhs, y0, f0, t_end, rtol, atol, stats) -> float:
    """Two-stage initial step (Hairer, Norsett & Wanner, II.4; scipy's version), row-wise.

    With the row scale :math:`s_i = \\text{atol} + \\text{rtol}\\,\\|y_i\\|`,
    :math:`d_0 = \\text{rms}(\\|y_i\\|/s_i)`, :math:`d_1 = \\text{rms}(\\|f_i\\|/s_i)`,
    a trial Euler step :math:`h_0 = 0.01 d_0/d_1` (1e-6 if either is tiny), then
    :math:`d_2 = \\text{rms}(\\|f(y_0 + h_0 f_0)_i - f_{0,i}\\|/s_i)/h_0` and
    :math:`h_1 = (0.01/\\max(d_1, d_2))^{1/5}`; the step is
    :math:`\\min(100 h_0, h_1, t_\\text{end})`. Costs one evaluation of ``rhs``.
    """
    scale = atol + rtol * _row_norms(y0)
    d0 = _scaled_rms(y0, scale)
    d1 = _scaled_rms(f0, scale)
    h0 = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
    h0 = min(h0, t_end)
    f1 = rhs(y0 + h0 * f0)[0]
    stats.n_eval += 1
    d2 = _scaled_rms(f1 - f0, scale) / h0
    if not np.isfinite(d2):
        return h0
    if d1 <= 1e-15 and d2 <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** (1 / (ORDER + 1))
    return min(100 * h0, h1, t_end)


@with_blas_limit
def dopri5(
    rhs: Callable[[np.ndarray], tuple[np.ndarray, object]],
    y0: np.ndarray,
    t_end: float,
    *,
    rtol: float,
    atol: float,
    record_times: np.ndarray,
    on_record: Callable[[float, np.ndarray], None],
    stop: Callable[[float, np.ndarray, object], float] | None = None,
    max_steps: int = 1_000_000,
) -> tuple[float, np.ndarray, IntegrationStats]:
    """Integrate the autonomous system :math:`y' = f(y)` from t = 0 to ``t_end``.

    Parameters
    ----------
    rhs : callable
        ``rhs(y) -> (f(y), aux)``; ``aux`` (for example the loss at ``y``) is passed to
        ``stop``.
    y0 : ndarray, shape (m, d)
        Initial state; error is controlled row by row.
    t_end : float
    rtol, atol : float
        Row ``i`` is accepted when :math:`\\|e_i\\| \\le \\text{atol} + \\text{rtol}
        \\max(\\|y_i^{old}\\|, \\|y_i^{new}\\|)` (``atol = 0``: purely relative, the
        reason this integrator exists; see the module docstring).
    record_times : ndarray
        Sorted times in [0, t_end] at which ``on_record(t, y(t))`` is called, using the
        4th-order continuous extension between steps.
    on_record : callable
    stop : callable, optional
        ``stop(t, y, aux) -> float``, a continuous function of the state; the
        integration ends where it first becomes ``<= 0``. It is evaluated after every
        accepted step; when it has changed sign in a step, the crossing is located on the
        continuous extension of that step (regula falsi, Illinois variant, to 1e-12 of
        the step; each trial costs one call of ``rhs`` for its ``aux``), and ``t`` and
        ``y`` returned are the first point found with ``stop <= 0``.
    max_steps : int
        A :class:`RuntimeError` is raised beyond this many steps (accepted + rejected).

    Returns
    -------
    t : float
        The time reached (``t_end``, or earlier if ``stop`` fired).
    y : ndarray
        The state at ``t``.
    stats : IntegrationStats

    Notes
    -----
    Runs with one BLAS thread unless ``DEFLATION_BLAS_THREADS`` says otherwise
    (``deflation._blas``): the right-hand sides are many small matrix products.

    Raises
    ------
    RuntimeError
        When the step falls below ten float spacings at ``t`` (the problem is too stiff
        or singular for the tolerance) or ``max_steps`` is exceeded.
    """
    stats = IntegrationStats()
    y = np.array(y0, dtype=float)
    t = 0.0
    f, aux = rhs(y)
    stats.n_eval += 1
    rec = np.asarray(record_times, dtype=float)
    i_rec = 0
    while i_rec < rec.size and rec[i_rec] <= 0.0:
        on_record(float(rec[i_rec]), y)
        i_rec += 1
    s_cur = None if stop is None else stop(t, y, aux)
    if s_cur is not None and s_cur <= 0:
        return t, y, stats

    with np.errstate(over="ignore", invalid="ignore"):
        # a too-long trial step can overflow; its error estimate is then not finite and
        # the step is rejected below, so the overflow is expected and harmless
        h = select_initial_step(rhs, y, f, t_end, rtol, atol, stats)
        return _steps(rhs, y, f, t, t_end, h, rtol, atol, rec, i_rec, on_record, stop,
                      s_cur, max_steps, stats)


def _dense(y_flat, h, Q, x, shape):
    """The continuous extension at fraction ``x`` of the step (Q = P^T K, shape (4, N))."""
    return (y_flat + h * (np.array([x, x * x, x**3, x**4]) @ Q)).reshape(shape)


def _locate(g, g_lo, g_hi, x_tol=1e-12, max_iter=100):
    """A root of ``g`` on [0, 1], given g(0) = ``g_lo`` > 0 >= g(1) = ``g_hi``.

    Regula falsi with the Illinois modification (superlinear, and the bracket always
    shrinks); returns the right end of the final bracket, where ``g <= 0``, so the
    located state has crossed.
    """
    lo, hi = 0.0, 1.0
    side = 0
    for _ in range(max_iter):
        if hi - lo <= x_tol:
            break
        x = hi - g_hi * (hi - lo) / (g_hi - g_lo)
        if not (lo < x < hi):
            x = 0.5 * (lo + hi)
        gx = g(x)
        if gx <= 0:
            hi, g_hi = x, gx
            if side == -1:
                g_lo *= 0.5
            side = -1
        else:
            lo, g_lo = x, gx
            if side == 1:
                g_hi *= 0.5
            side = 1
    return hi


def _steps(rhs, y, f, t, t_end, h, rtol, atol, rec, i_rec, on_record, stop, s_cur, max_steps,
           stats):
    """The step loop of :func:`dopri5` (see there)."""
    shape = y.shape
    K = np.empty((7, y.size))  # stages, flattened so combinations are matrix products
    A_mat = np.zeros((6, 6))
    for s, a in enumerate(A):
        A_mat[s, : len(a)] = a
    PT = P.T.copy()
    rejected = False  # was the last trial rejected? (then the next step may not grow)
    err_prev = 1e-4  # the PI controller's memory (Hairer's facold)
    alpha = 1 / (ORDER + 1) - 0.75 * BETA
    y_flat = y.ravel()
    n_y = _row_norms(y)
    while t < t_end:
        if stats.n_steps + stats.n_rejected >= max_steps:
            raise RuntimeError(
                f"dopri5 exceeded max_steps={max_steps} at t={t:.6g} of t_end={t_end:.6g}"
            )
        min_step = _min_step(t)
        if h < min_step:
            raise RuntimeError(
                f"dopri5: step size {h:.3g} fell below the minimum {min_step:.3g} "
                f"(ten float spacings) at t={t:.6g}; the problem is too stiff or "
                f"singular for rtol={rtol:g}"
            )
        if t + h >= t_end or t_end - (t + h) <= 1e-12 * t_end:
            h, t_new = t_end - t, t_end
        else:
            t_new = t + h
        K[0] = f.ravel()
        hA = h * A_mat
        for s in range(1, 6):
            K[s] = rhs((y_flat + hA[s, :s] @ K[:s]).reshape(shape))[0].ravel()
        y_new_flat = y_flat + (h * B) @ K[:6]
        y_new = y_new_flat.reshape(shape)
        f_new, aux_new = rhs(y_new)
        K[6] = f_new.ravel()
        stats.n_eval += 6
        n_new = _row_norms(y_new)
        en = _error_norm(((h * E) @ K).reshape(shape), n_y, n_new, rtol, atol)
        if not math.isfinite(en) or en >= 1.0:
            stats.n_rejected += 1
            shrink = SAFETY * en**-alpha if math.isfinite(en) else 0.0
            h *= max(MIN_FACTOR, shrink)
            rejected = True
            continue
        if en == 0:
            factor = MAX_FACTOR
        else:
            grow = SAFETY * en**-alpha * err_prev**BETA
            factor = min(MAX_FACTOR, max(MIN_FACTOR, grow))
        err_prev = max(en, 1e-4)
        if rejected:
            factor = min(1.0, factor)
        rejected = False
        stats.n_steps += 1
        Q = None
        stopped = False
        if stop is not None:
            s_new = stop(t_new, y_new, aux_new)
            if s_new <= 0:
                stopped = True
                Q = PT @ K  # (4, N): the continuous extension on [t, t + h]

                def g(x, t=t, y_flat=y_flat, h=h, Q=Q):
                    yx = _dense(y_flat, h, Q, x, shape)
                    stats.n_eval += 1
                    return stop(t + x * h, yx, rhs(yx)[1])

                x_stop = _locate(g, s_cur, s_new)
                if x_stop < 1.0:
                    t_new = t + x_stop * h
                    y_new = _dense(y_flat, h, Q, x_stop, shape)
            s_cur = s_new
        if i_rec < rec.size and rec[i_rec] <= t_new:
            if Q is None:
                Q = PT @ K
            while i_rec < rec.size and rec[i_rec] <= t_new:
                x = (rec[i_rec] - t) / h
                on_record(float(rec[i_rec]), _dense(y_flat, h, Q, x, shape))
                i_rec += 1
        if stopped:
            return t_new, y_new, stats
        t, y, f, y_flat, n_y = t_new, y_new, f_new, y_new_flat, n_new
        h *= factor
    return t, y, stats
