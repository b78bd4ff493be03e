r"""Integrators for gradient flows, with row-wise relative error control.

Why not :func:`scipy.integrate.solve_ivp`? The components of a small initialization have
norms near :math:`\delta_0` (chapter 2 studies rows of size 1e-30) while fitted
components have norms of order one, and a row's *direction* is what the early phase is
about. ``solve_ivp`` controls each coordinate with ``atol + rtol * |y|``: any
``atol > 0`` lets the 1e-30-scale rows go unchecked, and with ``atol = 0`` a single zero
coordinate makes its initial-step selection divide by zero (a NaN first step) and the
solver loop. Here the error of each row :math:`w_j` is measured relative to
:math:`\|w_j\|`, so every component's direction is followed to the same relative
accuracy whatever its size.

Two methods share that error control, and :func:`integrate` switches between them:

* **Dormand-Prince 5(4)** (``"dopri5"``), explicit: the classical pair with its
  4th-order continuous extension (the same tableau as scipy's ``RK45``; a test checks
  the coefficients and the trajectories against scipy's), with scipy's safeguards (the
  two-stage initial step of Hairer, Norsett & Wanner, II.4, no step growth right after
  a rejection, a minimum step of ten float spacings at ``t``) and the PI step-size
  controller of Hairer's DOPRI5 code (``BETA``). Cheap per step, but once a component of
  weight :math:`a_1` is fitted the flow is *stiff*: its Jacobian
  :math:`-\nabla^2 L` has an eigenvalue near :math:`-4a_1`, and no explicit method
  steps further than about :math:`3.3/(4a_1)` however slowly the solution moves.
* **BDF** (``"bdf"``), implicit: the variable-order (1-5) numerical differentiation
  formulas of Shampine & Reichelt (1997) in the quasi-constant step form of scipy's
  ``BDF``, with Newton iterations on :math:`(I - cJ)\,\Delta = \dots`. The Jacobian of a
  gradient flow is symmetric, so it is factored once as :math:`J = Q \Lambda Q^\top`
  and every solve, whatever :math:`c` (it changes with the step size), is two products
  with :math:`Q`. Its step is set by the accuracy asked for, not by stability.

``method="auto"`` (what :func:`deflation.gradient_flow` uses when it can form the
Jacobian) starts with Dormand-Prince and switches to BDF when the stiffness test of
Hairer's DOPRI5 code (the estimate :math:`h\lambda = h\|f(y_7) - f(y_6)\| / \|y_7 -
y_6\|` from the last two stages, above 3.25) has held for ``STIFF_STEPS`` steps in a
row; it switches back when BDF's step times the Jacobian's spectral radius has stayed
below ``NONSTIFF_HRHO`` for ``NONSTIFF_STEPS`` steps, as LSODA switches between its
methods. A ``stop`` condition is located on the active method's continuous extension
inside the step where it happens, not at the step's end.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._blas import with_blas_limit

__all__ = ["integrate", "dopri5", "IntegrationStats", "select_initial_step", "METHODS",
           "pi_alpha", "pi_factor"]

#: The methods of :func:`integrate`.
METHODS = ("auto", "dopri5", "bdf")

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
# controller; the step loop derives alpha). BETA = 0 would be the elementary rule
# err**(-1/5); BETA = 0.04 damps the oscillation of the step about the stability limit
# that makes the elementary rule reject about one step in seven once a fitted component
# makes the flow stiff.
BETA = 0.04

# Switching (method="auto"). Hairer's DOPRI5 flags a step as stiff when its estimate of
# h * |lambda| exceeds 3.25 (the stability boundary of the method is at about 3.3 on the
# negative real axis) and reports stiffness after 15 such steps; here the switch to BDF
# comes after STIFF_STEPS of them in a row (a long run's epochs each start afresh, so a
# shorter wait pays). BDF hands back when its step times the spectral radius of J has
# stayed below NONSTIFF_HRHO for NONSTIFF_STEPS steps: there Dormand-Prince is stable at
# the same step and cheaper per step.
STIFF_HLAMBDA = 3.25
STIFF_STEPS = 5
NONSTIFF_HRHO = 1.5
NONSTIFF_STEPS = 10
PRODUCTIVE_HRHO = 10.0
# A switch to BDF must save more than SWITCH_MARGIN times the Jacobian's cost plus
# BDF_START_COST (its first steps) on the rest of the run, in evaluations; the caller
# gives the Jacobian's cost (integrate's jac_cost). Without this rule a 20-unit stiff
# tail at m d = 500 (chapter 1's staircase) paid 1,300 evaluations' worth of Hessian
# and eigendecomposition to save 145.
SWITCH_MARGIN = 2.0
BDF_START_COST = 100.0
# A start is tested for stiffness only where the step accuracy allows exceeds
# STIFF_HLAMBDA / _RHO_FLOOR (below that only a spectral radius above _RHO_FLOOR could
# make it stiff, and Dormand-Prince's own test catches that a few steps later).
_RHO_FLOOR = 8.0

# BDF's local error is held to BDF_TOL_FACTOR times the tolerances asked for. Its steps
# on a plateau are long, and an escape from the plateau amplifies the local error: in
# chapter 5's plain flow A40, seed 181, the fifth fit time after a 500-unit stall came out
# 1.3e-5 off (relative) with the full rtol 1e-7 and 2.6e-6 with a tenth, against a
# rtol-1e-12 reference, at 7% more evaluations (Dormand-Prince: 6e-8, only because its
# stability limit forced steps far shorter than accuracy needed).
BDF_TOL_FACTOR = 0.1

# BDF (scipy's constants): orders 1-5, at most 4 Newton iterations per attempt.
BDF_MAX_ORDER = 5
NEWTON_MAXITER = 4
_EPS = np.finfo(float).eps

#: The smallest ``rtol`` accepted: 100 float spacings at 1 (scipy floors at 100 eps too);
#: below it the error estimates are rounding noise and the step only shrinks.
RTOL_MIN = 100 * _EPS


class IntegrationStats:
    """Counters of one integration.

    Attributes
    ----------
    n_steps, n_rejected : int
        Accepted and rejected steps (both methods).
    n_eval : int
        Right-hand side calls (gradient evaluations).
    n_jac : int
        Jacobian evaluations (BDF).
    n_factor : int
        Factorizations of a Jacobian (BDF).
    switches : list of (float, str)
        ``(t, method)`` each time a method took over, the first at ``t = 0``.
    stationary_at : float or None
        The time from which the state was taken as at rest (``stationary_rate``).
    """

    def __init__(self):
        self.n_steps = 0
        self.n_rejected = 0
        self.n_eval = 0
        self.n_jac = 0
        self.n_factor = 0
        self.switches: list[tuple[float, str]] = []
        self.stationary_at: float | None = None

    def __repr__(self):
        return (
            f"IntegrationStats(n_steps={self.n_steps}, n_rejected={self.n_rejected}, "
            f"n_eval={self.n_eval}, n_jac={self.n_jac}, n_factor={self.n_factor}, "
            f"switches={len(self.switches) - 1 if self.switches else 0})"
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
    return _ratio_max(e, scale)


def _ratio_max(e: np.ndarray, scale: np.ndarray) -> float:
    """max of ``e / scale``; a zero scale counts 0 if its ``e`` is 0, else infinity. Any
    non-finite ``e`` or ``scale`` (a trial step that overflowed) gives infinity, so such a
    step is rejected, as the compiled trial step (``deflation._compiled``) rejects it."""
    if np.minimum.reduce(scale) > 0 and np.maximum.reduce(scale) < math.inf:
        r = float(np.maximum.reduce(e / scale))  # a NaN in e propagates
        return r if r == r else math.inf
    if not (np.all(np.isfinite(scale)) and np.all(np.isfinite(e))):
        return math.inf
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


def select_initial_step(rhs, y0, f0, t_end, rtol, atol, stats, order=ORDER) -> float:
    r"""Two-stage initial step (Hairer, Norsett & Wanner, II.4; scipy's version), row-wise.

    With the row scale :math:`s_i = \text{atol} + \text{rtol}\,\|y_i\|`,
    :math:`d_0 = \text{rms}(\|y_i\|/s_i)`, :math:`d_1 = \text{rms}(\|f_i\|/s_i)`,
    a trial Euler step :math:`h_0 = 0.01 d_0/d_1` (1e-6 if either is tiny), then
    :math:`d_2 = \text{rms}(\|f(y_0 + h_0 f_0)_i - f_{0,i}\|/s_i)/h_0` and
    :math:`h_1 = (0.01/\max(d_1, d_2))^{1/(q+1)}` for a method whose error estimate has
    order :math:`q` (``order``); the step is :math:`\min(100 h_0, h_1, t_\text{end})`.
    Costs one evaluation of ``rhs``.
    """
    return _initial_step(rhs, y0, f0, t_end, rtol, atol, stats, order)[0]


def _initial_step(rhs, y0, f0, t_end, rtol, atol, stats, order):
    """:func:`select_initial_step`, and :math:`h_1` alone (the step accuracy allows, not
    capped by the trial step; infinite for a state at rest)."""
    scale = atol + rtol * _row_norms(y0)
    d0 = _scaled_rms(y0, scale)
    d1 = _scaled_rms(f0, scale)
    h0 = 1e-6 if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
    h0 = min(h0, t_end)
    f1 = rhs(y0 + h0 * f0)[0]
    stats.n_eval += 1
    d2 = _scaled_rms(f1 - f0, scale) / h0
    if not np.isfinite(d2):
        return h0, h0
    if d1 <= 1e-15 and d2 <= 1e-15:
        h1, h_acc = max(1e-6, h0 * 1e-3), math.inf
    else:
        h1 = h_acc = (0.01 / max(d1, d2)) ** (1 / (order + 1))
    return min(100 * h0, h1, t_end), h_acc


def _spectral_radius(J: np.ndarray, iters: int = 30) -> float:
    r""":math:`\max|\lambda(J)|` of a symmetric matrix by power iteration (an estimate
    from below, good to a few percent after 30 products; a switching heuristic)."""
    v = np.ones(J.shape[0]) + 0.1 * np.arange(J.shape[0]) / max(J.shape[0], 1)
    lam = 0.0
    for _ in range(iters):
        nv = float(np.linalg.norm(v))
        if nv == 0 or not math.isfinite(nv):
            return 0.0 if nv == 0 else math.inf
        v = J @ (v / nv)
        lam = float(np.linalg.norm(v))
    return lam


def pi_alpha() -> float:
    """The PI controller's exponent of the current error: :math:`1/5 - 0.75\\,\\beta`
    (Hairer's DOPRI5 code; ``BETA`` is read at call time)."""
    return 1 / (ORDER + 1) - 0.75 * BETA


def pi_factor(err: float, err_prev: float, alpha: float) -> float:
    """The factor of the next step after an accepted one with error norm ``err``:
    :math:`\\min(10, \\max(0.2,\\ 0.9\\, e^{-\\alpha} e_\\text{prev}^{\\beta}))`, and 10
    after an exact step (``err = 0``)."""
    if err == 0:
        return MAX_FACTOR
    return min(MAX_FACTOR, max(MIN_FACTOR, SAFETY * err**-alpha * err_prev**BETA))


def _check_budget(stepper):
    stats = stepper.stats
    if stats.n_steps + stats.n_rejected >= stepper.max_steps:
        raise RuntimeError(
            f"{stepper.name} exceeded max_steps={stepper.max_steps} at t={stepper.t:.6g} "
            f"of t_end={stepper.t_end:.6g}"
        )


# ---------------------------------------------------------------------------------------
# Dormand-Prince 5(4)


class _Dopri5:
    """One accepted Dormand-Prince step per :meth:`step`; state after it, dense output."""

    name = "dopri5"

    def __init__(self, rhs, t, y, f, aux, h, rtol, atol, stats):
        self.rhs, self.rtol, self.atol, self.stats = rhs, rtol, atol, stats
        self.max_steps, self.t_end = 1_000_000, math.inf  # set by the driver
        self.shape = y.shape
        self.t, self.y, self.f, self.aux, self.h = t, y, f, aux, h
        self.y_flat = y.ravel()
        self.n_y = _row_norms(y)
        self.K = np.empty((7, y.size))  # stages, flattened: combinations are products
        self.A_mat = np.zeros((6, 6))
        for s, a in enumerate(A):
            self.A_mat[s, : len(a)] = a
        self.PT = P.T.copy()
        self._xp = np.empty(4)
        self.rejected = False  # was the last trial rejected? (no growth right after)
        self.err_prev = 1e-4  # the PI controller's memory (Hairer's facold)
        self.alpha = pi_alpha()
        self.detect = False  # run the stiffness test (integrate sets it under "auto")
        self.h_lambda = 0.0
        self.stiff_count = 0  # consecutive steps flagged stiff (Hairer's iasti)
        self.nonstiff_count = 0
        self.Q = None
        self.history: list = []  # (t_old, y_old_flat, h, Q) of the last stiff steps
        # a compiled trial step where the right-hand side offers one (deflation._compiled)
        self.trial = getattr(rhs, "dopri5_trial", None)
        self.dense_fn = getattr(rhs, "dopri5_dense", None)  # and its continuous extension
        if self.trial is not None:
            self.y_stage = np.empty(y.size)
            self.stiff_sq = (0.0, 0.0)

    def step(self, t_end):
        """Take one accepted step towards ``t_end``; keep the old point for dense output."""
        stats, shape, K = self.stats, self.shape, self.K
        rtol, atol = self.rtol, self.atol
        alpha = self.alpha
        t, h, y_flat = self.t, self.h, self.y_flat
        while True:
            if stats.n_steps + stats.n_rejected >= self.max_steps:
                _check_budget(self)
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
            if self.trial is not None:
                y_new_flat, n_new = np.empty(y_flat.size), np.empty(shape[0])
                en, aux_new, num, den = self.trial(
                    y_flat, self.f.ravel(), h, self.A_mat, B, E, K, self.y_stage,
                    y_new_flat, self.n_y, n_new, rtol, atol)
                y_new, f_new = y_new_flat.reshape(shape), K[6].reshape(shape).copy()
                self.stiff_sq = (num, den)
            else:
                K[0] = self.f.ravel()
                hA = h * self.A_mat
                for s in range(1, 6):
                    y_stage = y_flat + hA[s, :s] @ K[:s]
                    K[s] = self.rhs(y_stage.reshape(shape))[0].ravel()
                y_new_flat = y_flat + (h * B) @ K[:6]
                y_new = y_new_flat.reshape(shape)
                f_new, aux_new = self.rhs(y_new)
                K[6] = f_new.ravel()
                n_new = _row_norms(y_new)
                en = _error_norm(((h * E) @ K).reshape(shape), self.n_y, n_new, rtol, atol)
            stats.n_eval += 6
            if not math.isfinite(en) or en >= 1.0:
                stats.n_rejected += 1
                shrink = SAFETY * en**-alpha if math.isfinite(en) else 0.0
                h *= max(MIN_FACTOR, shrink)
                self.rejected = True
                continue
            break
        factor = pi_factor(en, self.err_prev, alpha)
        self.err_prev = max(en, 1e-4)
        if self.rejected:
            factor = min(1.0, factor)
        self.rejected = False
        stats.n_steps += 1
        # Hairer's stiffness test: h |lambda| ~ h ||f(y7) - f(y6)|| / ||y7 - y6||, where
        # y6 (the last stage's argument, y_stage) and y7 = y_new are one stage apart. Only
        # when a switch can follow (detect), and, as in Hairer's code, every few steps
        # until a step is flagged, then at every step.
        if self.detect and (self.stiff_count or stats.n_steps % 4 == 0):
            if self.trial is not None:
                num, den = self.stiff_sq
            else:
                den = float(np.vecdot(y_new_flat - y_stage, y_new_flat - y_stage))
                num = float(np.vecdot(K[6] - K[5], K[6] - K[5])) if den > 0 else 0.0
            if den > 0:
                self.h_lambda = h * math.sqrt(num / den)
            else:
                self.h_lambda = 0.0
            if self.h_lambda > STIFF_HLAMBDA:
                self.stiff_count += 1
                self.nonstiff_count = 0
            else:
                self.nonstiff_count += 1
                if self.nonstiff_count >= 6:  # as Hairer: six calm steps reset the count
                    self.stiff_count = 0
        self.t_old, self.y_old_flat, self.h_used = t, y_flat, h
        self.Q = None
        if self.stiff_count:
            # keep the steps that lead up to a switch: BDF starts from their dense output
            self.history.append((t, y_flat, h, self.PT @ K))
            del self.history[:-BDF_MAX_ORDER - 1]
        else:
            self.history.clear()
        self.t, self.y, self.f, self.aux = t_new, y_new, f_new, aux_new
        self.y_flat, self.n_y = y_new_flat, n_new
        self.h = h * factor

    def current_aux(self) -> object:
        return self.aux

    def dense(self, x: float) -> np.ndarray:
        """The continuous extension at fraction ``x`` of the last step."""
        if self.dense_fn is not None:
            return self.dense_fn(self.y_old_flat, self.h_used, self.K, self.PT,
                                 float(x)).reshape(self.shape)
        if self.Q is None:
            self.Q = self.PT @ self.K  # (4, N)
            self.hQ = self.h_used * self.Q
        xp = self._xp  # the powers x, x^2, x^3, x^4 (a buffer: records are many)
        xp[0] = x
        xp[1] = x2 = x * x
        xp[2] = x2 * x
        xp[3] = x2 * x2
        # np.dot, not @: half the call overhead of matmul for a vector times a matrix
        return (self.y_old_flat + np.dot(xp, self.hQ)).reshape(self.shape)

    def wants_switch(self) -> bool:
        return self.stiff_count >= self.stiff_steps

    stiff_steps = STIFF_STEPS

    def back_values(self, h: float, k: int) -> np.ndarray | None:
        """y(t - j h) for j = 0..k from the stored steps' continuous extensions, or None
        if they do not reach back that far."""
        if not self.history or self.t - k * h < self.history[0][0] - 1e-12 * self.t:
            return None
        out = [self.y_flat]
        for j in range(1, k + 1):
            tau = self.t - j * h
            for t0, y0, hs, Q in reversed(self.history):
                if tau >= t0 - 1e-12 * max(1.0, abs(t0)):
                    x = min(max((tau - t0) / hs, 0.0), 1.0)
                    out.append(y0 + hs * (np.array([x, x * x, x**3, x**4]) @ Q))
                    break
            else:
                return None
        return np.array(out)


# ---------------------------------------------------------------------------------------
# BDF (NDF) with a symmetric Jacobian


def _compute_R(order, factor):
    """The matrix that changes the difference array for a new step (scipy's)."""
    I = np.arange(1, order + 1)[:, None]
    J = np.arange(1, order + 1)
    M = np.zeros((order + 1, order + 1))
    M[1:, 1:] = (I - 1 - factor * J) / I
    M[0] = 1
    return np.cumprod(M, axis=0)


def _change_D(D, order, factor):
    """Rescale the difference array ``D`` in place to the step ``factor * h``."""
    RU = _compute_R(order, factor) @ _compute_R(order, 1)
    D[: order + 1] = RU.T @ D[: order + 1]


_KAPPA = np.array([0, -0.1850, -1 / 9, -0.0823, -0.0415, 0])
_GAMMA = np.hstack((0, np.cumsum(1 / np.arange(1, BDF_MAX_ORDER + 1))))
_ALPHA = (1 - _KAPPA) * _GAMMA
_ERROR_CONST = _KAPPA * _GAMMA + 1 / np.arange(1, BDF_MAX_ORDER + 2)


class _SymmetricSolver:
    r"""Solves :math:`(I - cJ)x = b` for any ``c`` from one factorization
    :math:`J = Q\Lambda Q^\top` of a symmetric Jacobian."""

    def __init__(self, J: np.ndarray):
        lam, Q = np.linalg.eigh(0.5 * (J + J.T))
        self.lam, self.Q, self.QT = lam, Q, Q.T.copy()
        self.rho = float(np.max(np.abs(lam))) if lam.size else 0.0
        self._c: float | None = None
        self._inv = np.ones_like(lam)

    def solve(self, c: float, b: np.ndarray) -> np.ndarray:
        if c != self._c:
            self._c, self._inv = c, 1.0 / (1.0 - c * self.lam)
        return self.Q @ (self._inv * (self.QT @ b))


class _Bdf:
    """One accepted BDF step per :meth:`step` (scipy's ``BDF`` with row-wise error
    norms, a symmetric Jacobian factored once per evaluation, and dense output)."""

    name = "bdf"

    def __init__(self, rhs, jac, t, y, f, aux, h, rtol, atol, stats, J0=None):
        rtol, atol = BDF_TOL_FACTOR * rtol, BDF_TOL_FACTOR * atol
        self.rhs, self.jac, self.rtol, self.atol, self.stats = rhs, jac, rtol, atol, stats
        self.max_steps, self.t_end = 1_000_000, math.inf  # set by the driver
        self.shape = y.shape
        n = y.size
        self.t, self.y, self.aux = t, y, aux
        self.h = h
        self.order = 1
        self.n_equal_steps = 0
        self.D = np.zeros((BDF_MAX_ORDER + 3, n))
        self.D[0] = y.ravel()
        self.D[1] = f.ravel() * h
        self.newton_tol = max(10 * _EPS / rtol, min(0.03, rtol**0.5))
        if J0 is None:
            self._new_jacobian(y)
        else:
            self.solver = _SymmetricSolver(J0)
            self.stats.n_factor += 1
            self.current_jac = True
        self.calm = 0  # consecutive calm steps (see step)
        self.max_hrho = 0.0  # the largest h * rho of this BDF episode
        self.stiff_steps_before = STIFF_STEPS  # the switch test it came in by
        self.n_bdf_steps = 0

    def start_from(self, values: np.ndarray, h: float):
        """Restart at order ``len(values) - 1`` from back values ``y(t - j h)``."""
        k = values.shape[0] - 1
        self.D[:] = 0.0
        diffs = values
        self.D[0] = values[0]
        for j in range(1, k + 1):
            diffs = diffs[:-1] - diffs[1:]
            self.D[j] = diffs[0]
        self.order, self.h, self.n_equal_steps = k, h, 0

    def _new_jacobian(self, y):
        self.solver = _SymmetricSolver(np.asarray(self.jac(y), dtype=float))
        self.stats.n_jac += 1
        self.stats.n_factor += 1
        self.current_jac = True

    def _row_scale(self, y_flat):
        """``1 / (atol + rtol ||y_i||)**2`` per row, for :meth:`_norm` (None if a row has
        zero scale: then the exact rule of :func:`_ratio_max` is used)."""
        s = self.rtol * _row_norms(y_flat.reshape(self.shape))
        if self.atol:
            s += self.atol
        if np.minimum.reduce(s) > 0:
            return 1.0 / (s * s), s
        return None, s

    def _norm(self, x_flat, scale):
        """max over rows of ``||x_i|| / s_i`` (:func:`_ratio_max`); NaN or infinity where
        ``x`` is not finite (every caller rejects both)."""
        inv2, s = scale
        sq = np.vecdot(x_flat.reshape(self.shape), x_flat.reshape(self.shape))
        if inv2 is not None:
            return math.sqrt(float(np.maximum.reduce(sq * inv2)))
        return _ratio_max(np.sqrt(sq), s)

    def _newton(self, t_new, y_predict, c, psi, scale):
        """scipy's ``solve_bdf_system``: simplified Newton iterations."""
        d: np.ndarray | float = 0.0
        y = y_predict.copy()
        dy_norm_old = None
        converged = False
        k = 0
        for k in range(NEWTON_MAXITER):
            f = self.rhs(y.reshape(self.shape))[0].ravel()
            self.stats.n_eval += 1
            dy = self.solver.solve(c, c * f - psi - d)
            dy_norm = self._norm(dy, scale)
            if not math.isfinite(dy_norm):  # an overflow or a NaN in f: no convergence
                break
            rate = None if dy_norm_old is None else dy_norm / dy_norm_old
            if rate is not None and (
                rate >= 1 or rate ** (NEWTON_MAXITER - k) / (1 - rate) * dy_norm > self.newton_tol
            ):
                break
            y += dy
            d += dy
            if dy_norm == 0 or (rate is not None and rate / (1 - rate) * dy_norm < self.newton_tol):
                converged = True
                break
            dy_norm_old = dy_norm
        return converged, k + 1, y, d

    def step(self, t_end):
        t, D, stats = self.t, self.D, self.stats
        h = self.h
        order = self.order
        while True:
            _check_budget(self)
            min_step = _min_step(t)
            if h < min_step:
                raise RuntimeError(
                    f"bdf: step size {h:.3g} fell below the minimum {min_step:.3g} "
                    f"(ten float spacings) at t={t:.6g}; the problem is too stiff or "
                    f"singular for rtol={self.rtol:g}"
                )
            t_new = t + h
            if t_new >= t_end or t_end - t_new <= 1e-12 * t_end:
                t_new = t_end
                _change_D(D, order, (t_new - t) / h)
                self.n_equal_steps = 0
                h = t_new - t
            y_predict = D[: order + 1].sum(axis=0)
            scale = self._row_scale(y_predict)
            psi = (D[1 : order + 1].T @ _GAMMA[1 : order + 1]) / _ALPHA[order]
            c = h / _ALPHA[order]
            while True:
                converged, n_iter, y_new, d = self._newton(t_new, y_predict, c, psi, scale)
                if converged or self.current_jac:
                    break
                self._new_jacobian(y_predict.reshape(self.shape))
            if not converged:
                stats.n_rejected += 1
                h *= 0.5
                _change_D(D, order, 0.5)
                self.n_equal_steps = 0
                continue
            safety = 0.9 * (2 * NEWTON_MAXITER + 1) / (2 * NEWTON_MAXITER + n_iter)
            scale = self._row_scale(y_new)
            error_norm = self._norm(_ERROR_CONST[order] * d, scale)
            if not error_norm <= 1:  # NaN too
                stats.n_rejected += 1
                factor = max(MIN_FACTOR, safety * error_norm ** (-1 / (order + 1)))
                h *= factor
                _change_D(D, order, factor)
                self.n_equal_steps = 0
                continue
            break
        stats.n_steps += 1
        self.n_equal_steps += 1
        self.current_jac = False
        self.t_old, self.h_used = t, h
        self.t = t_new
        y_new_2d = y_new.reshape(self.shape)
        self.y = y_new_2d
        self.aux = None  # the stop condition's aux at y_new: computed on demand
        # the difference array (scipy's update)
        D[order + 2] = d - D[order + 1]
        D[order + 1] = d
        for i in reversed(range(order + 1)):
            D[i] += D[i + 1]
        # dense output over [t_old, t_new] before D is rescaled for the next step
        self._dense_D = D[: order + 1].copy()
        self._dense_order = order
        self._dense_h = h
        self.n_bdf_steps += 1
        # calm: BDF has left its start (order >= 3, so its step is set by accuracy, not
        # by the order ramp) and its step is well inside Dormand-Prince's stability limit
        hrho = h * self.solver.rho
        self.max_hrho = max(self.max_hrho, hrho)
        if order >= 3 and hrho < NONSTIFF_HRHO:
            self.calm += 1
        else:
            self.calm = 0
        if self.n_equal_steps < order + 1:
            self.h = h
            return
        if order > 1:
            error_m_norm = self._norm(_ERROR_CONST[order - 1] * D[order], scale)
        else:
            error_m_norm = np.inf
        if order < BDF_MAX_ORDER:
            error_p_norm = self._norm(_ERROR_CONST[order + 1] * D[order + 2], scale)
        else:
            error_p_norm = np.inf
        error_norms = np.array([error_m_norm, error_norm, error_p_norm])
        with np.errstate(divide="ignore"):
            factors = error_norms ** (-1 / np.arange(order, order + 3))
        order += int(np.argmax(factors)) - 1
        self.order = order
        factor = min(MAX_FACTOR, safety * float(np.max(factors)))
        self.h = h * factor
        _change_D(D, order, factor)
        self.n_equal_steps = 0

    def dense(self, x: float) -> np.ndarray:
        """The interpolating polynomial of the last step at fraction ``x`` of it."""
        order, h, D = self._dense_order, self._dense_h, self._dense_D
        t = self.t_old + x * h
        t_shift = self.t - h * np.arange(order)
        denom = h * (1 + np.arange(order))
        p = np.cumprod((t - t_shift) / denom)
        return (D[0] + p @ D[1:]).reshape(self.shape)

    def current_aux(self):
        if self.aux is None:
            f, self.aux = self.rhs(self.y)
            self.stats.n_eval += 1
            self._f = f
        return self.aux

    def current_f(self):
        self.current_aux()
        return self._f

    def wants_switch(self) -> bool:
        return self.calm >= NONSTIFF_STEPS


# ---------------------------------------------------------------------------------------
# The driver


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


@with_blas_limit
def integrate(
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
    method: str = "auto",
    jac: Callable[[np.ndarray], np.ndarray] | None = None,
    stationary_rate: float = 0.0,
    jac_cost: float = 0.0,
    rho_hint: float = math.inf,
) -> tuple[float, np.ndarray, IntegrationStats]:
    r"""Integrate the autonomous system :math:`y' = f(y)` from t = 0 to ``t_end``.

    Parameters
    ----------
    rhs : callable
        ``rhs(y) -> (f(y), aux)``; ``aux`` (for example the loss at ``y``) is passed to
        ``stop``. If it also has a method ``dopri5_trial`` (the compiled flows of
        ``deflation._compiled``), Dormand-Prince calls that for a whole trial step
        (stages, solution, error norm and stiffness estimate) instead of six calls of
        ``rhs``, and its ``dopri5_dense`` for the continuous extension; the step control
        around them is the same.
    y0 : ndarray, shape (m, d)
        Initial state; error is controlled row by row.
    t_end : float
    rtol, atol : float
        Row ``i`` is accepted when its error estimate is at most
        :math:`\text{atol} + \text{rtol}\,\|y_i\|` (``atol = 0``: purely relative, the
        reason this integrator exists; see the module docstring). ``rtol`` must be at
        least ``RTOL_MIN`` (100 float spacings; callers check it).
    record_times : ndarray
        Sorted times in [0, t_end] at which ``on_record(t, y(t))`` is called, using the
        active method's continuous extension between steps.
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
    method : {"auto", "dopri5", "bdf"}, default "auto"
        ``"auto"`` switches between the two as the module docstring says; it is
        ``"dopri5"`` when ``jac`` is None.
    jac : callable, optional
        ``jac(y) -> J``, the symmetric Jacobian :math:`\partial f/\partial y` as an
        ``(n, n)`` array in the row-major order of ``y`` (a gradient flow's
        :math:`-\nabla^2 L`). Needed by ``"bdf"``.
    jac_cost : float, default 0.0
        What one Jacobian and its factorization cost, in evaluations of ``rhs``; under
        ``"auto"`` a switch to BDF is made only where the explicit method, held at its
        stability limit, would spend more than ``SWITCH_MARGIN`` times that plus
        ``BDF_START_COST`` on the rest of the run (0: switch wherever it is stiff).
    rho_hint : float, default inf
        An estimate of the Jacobian's spectral radius once the flow is stiff (a gradient
        flow: the order times the largest weight); with ``jac_cost`` it decides whether
        a stiff-looking start is worth a Jacobian.
    stationary_rate : float, default 0.0
        If positive: once every row changes at a relative rate
        :math:`\|f_i\|/\|y_i\|` at most this (zero rows at rest count as at rest), the
        state is taken as at rest: the remaining records repeat it and ``t_end`` is
        returned at once (``stats.stationary_at`` says when). Checked after every step.

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
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if method == "bdf" and jac is None:
        raise ValueError("method='bdf' needs jac, the Jacobian of the right-hand side")
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
    auto = method == "auto" and jac is not None

    with np.errstate(over="ignore", invalid="ignore"):
        # a too-long trial step can overflow; its error estimate is then not finite and
        # the step is rejected, so the overflow is expected and harmless
        h, h_acc = _initial_step(rhs, y, f, t_end, rtol, atol, stats, ORDER)
        J0 = None
        if method == "bdf":
            pass
        elif (auto and jac is not None and h_acc * _RHO_FLOOR > STIFF_HLAMBDA
              and _pays(STIFF_HLAMBDA / max(rho_hint, 1e-300), t_end, jac_cost)):
            # A stiff start (a state at rest, or one whose only motion is slow): the step
            # accuracy allows is beyond Dormand-Prince's stability limit. Only then is the
            # Jacobian formed; a start with fast motion (small h_acc) begins explicitly.
            J0 = np.asarray(jac(y), dtype=float)
            stats.n_jac += 1
            if h_acc * _spectral_radius(J0) <= STIFF_HLAMBDA:
                J0 = None
        stepper: _Dopri5 | _Bdf
        if method == "bdf" or J0 is not None:
            h = select_initial_step(rhs, y, f, t_end, rtol, atol, stats, order=1)
            stepper = _Bdf(rhs, jac, t, y, f, aux, h, rtol, atol, stats, J0=J0)
        else:
            stepper = _Dopri5(rhs, t, y, f, aux, h, rtol, atol, stats)
            stepper.detect = auto
        stats.switches.append((0.0, stepper.name))
        stepper.max_steps, stepper.t_end = max_steps, t_end
        while stepper.t < t_end:
            stepper.step(t_end)
            t_old, t_new, h = stepper.t_old, stepper.t, stepper.h_used
            y_new = stepper.y
            stopped = False
            if stop is not None:
                s_new = stop(t_new, y_new, stepper.current_aux())
                if s_new <= 0:
                    stopped = True

                    def g(x, t_old=t_old, h=h, stepper=stepper):
                        yx = stepper.dense(x)
                        stats.n_eval += 1
                        return stop(t_old + x * h, yx, rhs(yx)[1])

                    x_stop = _locate(g, s_cur, s_new)
                    if x_stop < 1.0:
                        t_new = t_old + x_stop * h
                        y_new = stepper.dense(x_stop)
                s_cur = s_new
            while i_rec < rec.size and rec[i_rec] <= t_new:
                x = (rec[i_rec] - t_old) / h
                on_record(float(rec[i_rec]), stepper.dense(x))
                i_rec += 1
            if stopped:
                return t_new, y_new, stats
            if (stationary_rate and stepper.t < t_end
                    and (stats.n_steps % 8 == 0 or isinstance(stepper, _Bdf))
                    and _at_rest(stepper, stationary_rate)):
                # every row changes at a relative rate below stationary_rate: the state is
                # at rest, and the rest of the horizon repeats it
                stats.stationary_at = float(stepper.t)
                while i_rec < rec.size:
                    on_record(float(rec[i_rec]), stepper.y)
                    i_rec += 1
                return float(t_end), stepper.y, stats
            if auto and stepper.wants_switch() and stepper.t < t_end:
                if isinstance(stepper, _Bdf) or _pays(stepper.h_used, t_end - stepper.t,
                                                      jac_cost):
                    stepper = _switch(stepper, rhs, jac, rtol, atol, stats)
                    stepper.max_steps, stepper.t_end = max_steps, t_end
                else:
                    # not worth a Jacobian: the rest of the run is short, and gets shorter
                    stepper.stiff_steps = 1 << 62
        return stepper.t, stepper.y, stats


def _relative_rates(f: np.ndarray, y: np.ndarray) -> float:
    """max over nonzero rows of ``||f_i|| / ||y_i||`` (a zero row with f_i = 0 is at rest;
    one with f_i != 0 is not: infinity)."""
    nf, ny = _row_norms(f), _row_norms(y)
    return _ratio_max(nf, ny)


def _at_rest(stepper, rate: float) -> bool:
    """Whether every row of the current state moves at a relative rate below ``rate``.

    Dormand-Prince has f at the new point; BDF's backward difference D[1] / h estimates it
    for free, and only a candidate is confirmed with one evaluation of f."""
    if isinstance(stepper, _Dopri5):
        return _relative_rates(stepper.f, stepper.y) <= rate
    est = stepper.D[1].reshape(stepper.shape) / stepper.h_used
    if _relative_rates(est, stepper.y) > 10 * rate:
        return False
    return _relative_rates(stepper.current_f(), stepper.y) <= rate


def _pays(h_explicit: float, remaining: float, jac_cost: float) -> bool:
    """Whether BDF pays for its Jacobian on the rest of the run: Dormand-Prince at step
    ``h_explicit`` (its stability limit) would spend ``6 remaining / h_explicit``
    evaluations, against ``SWITCH_MARGIN * jac_cost + BDF_START_COST`` to start BDF."""
    return 6.0 * remaining / h_explicit > SWITCH_MARGIN * jac_cost + BDF_START_COST


def _switch(stepper, rhs, jac, rtol, atol, stats):
    """The other method, started at the current point."""
    t, y = stepper.t, stepper.y
    new: _Dopri5 | _Bdf
    if isinstance(stepper, _Dopri5):
        # BDF of order k from the last k steps of Dormand-Prince, at its step size (no
        # restart at order 1, whose first steps are tiny at a tight tolerance)
        h = stepper.h_used
        back = None
        for k in range(BDF_MAX_ORDER - 1, 0, -1):
            back = stepper.back_values(h, k)
            if back is not None:
                break
        new = _Bdf(rhs, jac, t, y, stepper.f, stepper.aux, h, rtol, atol, stats)
        new.stiff_steps_before = stepper.stiff_steps
        if back is not None:
            new.start_from(back, h)
        else:
            new.h = select_initial_step(rhs, y, stepper.f, math.inf, rtol, atol, stats, order=1)
            new.D[1] = stepper.f.ravel() * new.h
    else:
        f = stepper.current_f()
        h = min(stepper.h, 3.3 / stepper.solver.rho) if stepper.solver.rho > 0 else stepper.h
        new = _Dopri5(rhs, t, y, f, stepper.aux, h, rtol, atol, stats)
        new.detect = True
        # Back-off against switching to and fro: after a BDF episode that never stepped
        # well beyond Dormand-Prince's stability limit (h rho < PRODUCTIVE_HRHO), the next
        # switch to BDF waits twice as many stiff steps (at most 16 times STIFF_STEPS)
        if stepper.max_hrho < PRODUCTIVE_HRHO:
            new.stiff_steps = min(2 * stepper.stiff_steps_before, 16 * STIFF_STEPS)
    stats.switches.append((float(t), new.name))
    return new


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
    """:func:`integrate` with ``method="dopri5"`` (the explicit method only)."""
    return integrate(rhs, y0, t_end, rtol=rtol, atol=atol, record_times=record_times,
                     on_record=on_record, stop=stop, max_steps=max_steps, method="dopri5")
