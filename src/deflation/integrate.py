"""An adaptive Dormand-Prince 5(4) integrator with row-wise relative error control.

Why not :func:`scipy.integrate.solve_ivp`? The components of a small initialization have
norms near :math:`\\delta_0` (1e-6 or less) while fitted components have norms of order
one. An elementwise absolute tolerance either ignores the tiny components (their
*directions* are what the early phase is about) or forces needlessly small steps. Here
the error of each row :math:`w_j` is measured relative to :math:`\\|w_j\\|`, so every
component's direction is followed to the same relative accuracy. The method is the
classical Dormand-Prince pair with its 4th-order continuous extension (the same tableau
as scipy's ``RK45``; a test checks the coefficients against scipy's).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["dopri5", "IntegrationStats"]

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
    return np.sqrt(np.einsum("...j,...j->...", y, y))


def _error_norm(err, y_old, y_new, rtol, atol) -> float:
    scale = atol + rtol * np.maximum(_row_norms(y_old), _row_norms(y_new))
    e = _row_norms(err)
    ratio = np.divide(e, scale, out=np.zeros_like(e), where=scale > 0)
    ratio[(scale <= 0) & (e > 0)] = np.inf
    return float(np.max(ratio)) if ratio.size else 0.0


def dopri5(
    rhs: Callable[[np.ndarray], tuple[np.ndarray, object]],
    y0: np.ndarray,
    t_end: float,
    *,
    rtol: float,
    atol: float,
    record_times: np.ndarray,
    on_record: Callable[[float, np.ndarray], None],
    stop: Callable[[float, np.ndarray, object], bool] | None = None,
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
        \\max(\\|y_i^{old}\\|, \\|y_i^{new}\\|)`.
    record_times : ndarray
        Sorted times in [0, t_end] at which ``on_record(t, y(t))`` is called, using the
        4th-order continuous extension between steps.
    on_record : callable
    stop : callable, optional
        ``stop(t, y, aux)`` is called after every accepted step; returning True ends the
        integration there.
    max_steps : int
        A :class:`RuntimeError` is raised beyond this many steps.

    Returns
    -------
    t : float
        The time reached (``t_end``, or earlier if ``stop`` fired).
    y : ndarray
        The state at ``t``.
    stats : IntegrationStats
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
    if stop is not None and stop(t, y, aux):
        return t, y, stats

    # initial step (Hairer, Norsett & Wanner, II.4, simplified with row scaling)
    scale = atol + rtol * _row_norms(y)
    d0 = _scaled_rms(y, scale)
    d1 = _scaled_rms(f, scale)
    h = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
    h = min(h, t_end)

    with np.errstate(over="ignore", invalid="ignore"):
        # a too-long trial step can overflow; its error estimate is then not finite and
        # the step is rejected below, so the overflow is expected and harmless
        return _steps(rhs, y, f, t, t_end, h, rtol, atol, rec, i_rec, on_record, stop,
                      max_steps, stats)


def _steps(rhs, y, f, t, t_end, h, rtol, atol, rec, i_rec, on_record, stop, max_steps, stats):
    """The step loop of :func:`dopri5` (see there)."""
    shape = y.shape
    K = np.empty((7, y.size))  # stages, flattened so combinations are matrix products
    A_rows = [np.array(a) for a in A]
    PT = P.T.copy()
    while t < t_end:
        if stats.n_steps + stats.n_rejected >= max_steps:
            raise RuntimeError(
                f"dopri5 exceeded max_steps={max_steps} at t={t:.6g} of t_end={t_end:.6g}"
            )
        h = min(h, t_end - t)
        K[0] = f.ravel()
        y_flat = y.ravel()
        for s in range(1, 6):
            dy = A_rows[s] @ K[:s]
            K[s] = rhs((y_flat + h * dy).reshape(shape))[0].ravel()
        y_new = (y_flat + h * (B @ K[:6])).reshape(shape)
        f_new, aux_new = rhs(y_new)
        K[6] = f_new.ravel()
        stats.n_eval += 6
        err = (h * (E @ K)).reshape(shape)
        en = _error_norm(err, y, y_new, rtol, atol)
        if not np.isfinite(en):
            if h < 1e-14 * max(1.0, t_end):
                raise RuntimeError(f"dopri5: step size underflow at t={t:.6g}")
            h *= MIN_FACTOR
            stats.n_rejected += 1
            continue
        if en <= 1.0:
            t_new = t + h if t_end - (t + h) > 1e-12 * t_end else t_end
            if i_rec < rec.size and rec[i_rec] <= t_new:
                Q = PT @ K  # (4, N): the continuous extension on [t, t + h]
                while i_rec < rec.size and rec[i_rec] <= t_new:
                    x = (rec[i_rec] - t) / h
                    powers = np.array([x, x * x, x**3, x**4])
                    on_record(float(rec[i_rec]), (y_flat + h * (powers @ Q)).reshape(shape))
                    i_rec += 1
            t, y, f = t_new, y_new, f_new
            stats.n_steps += 1
            factor = MAX_FACTOR if en == 0 else min(MAX_FACTOR, SAFETY * en ** -0.2)
            h *= factor
            if stop is not None and stop(t, y, aux_new):
                break
        else:
            stats.n_rejected += 1
            h *= max(MIN_FACTOR, SAFETY * en ** -0.2)
            if h < 1e-14 * max(1.0, t_end):
                raise RuntimeError(f"dopri5: step size underflow at t={t:.6g}")
    return t, y, stats


def _scaled_rms(v: np.ndarray, scale: np.ndarray) -> float:
    n = _row_norms(v)
    r = np.divide(n, scale, out=np.zeros_like(n), where=scale > 0)
    return float(np.sqrt(np.mean(r**2))) if r.size else 0.0
