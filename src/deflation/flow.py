"""Gradient flow :math:`\\dot W = -\\nabla L(W)` and what it records (chapters 1-4).

:func:`gradient_flow` integrates the flow with the adaptive Dormand-Prince method of
:mod:`deflation.integrate` and returns a :class:`Trajectory`: the loss, the residual of
every ground-truth component, the norm of every model component and its correlation with
every :math:`u_k`, at the recorded times. The full path of ``W`` (memory
:math:`n \\cdot m \\cdot d`) is kept only when asked (``record_W=True``).

Small noise-free problems (at most ``deflation._compiled.COMPILED_MAX`` multiply-adds
per gradient, chapter 5's and most of chapter 6's) run the same gradient and whole
Dormand-Prince trial steps as compiled code (``deflation._compiled``, numba): the
numpy route's per-call overhead, not its arithmetic, was their cost. The two routes agree
to rounding; ``DEFLATION_COMPILED=0`` in the environment selects the numpy route.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from . import _checks
from ._compiled import small_flow
from ._kernels import ipow
from ._typing import ArrayLike
from .curvature import DENSE_LIMIT, _flow_jacobian, setup_cost
from .integrate import METHODS, RTOL_MIN, integrate
from .model import _descent, _state, _terms  # the model's own fast right-hand side
from .tensors import LowRankTensor

__all__ = ["Trajectory", "gradient_flow", "concatenate"]


@dataclass(frozen=True, eq=False)
class Trajectory:
    """A recorded run of gradient flow.

    Attributes
    ----------
    t : ndarray (n,)
        Recorded times.
    loss : ndarray (n,)
        The loss :math:`L(W(t))`, regularizer included.
    fit : ndarray (n,)
        Its fitting part :math:`\\tfrac12\\|T(W(t)) - T^*\\|_F^2`.
    residual : ndarray (n, r)
        :math:`a_k - \\langle T(W(t)), u_k^{\\otimes l}\\rangle`: how much of component k
        is still unfitted.
    norms : ndarray (n, m)
        :math:`\\|w_j(t)\\|`.
    correlations : ndarray (n, m, r)
        :math:`\\langle \\bar w_j(t), u_k\\rangle` (signed).
    W : ndarray (m, d)
        The final parameters.
    target : LowRankTensor
    reg : float
    degree : float
    n_eval : int
        Gradient evaluations used.
    n_steps, n_rejected : int
        Accepted and rejected integration steps.
    W_path : ndarray (n, m, d) or None
        Only with ``record_W=True``.
    n_jac : int
        Hessians formed (the implicit method's Jacobians).
    switches : tuple of (float, str)
        ``(t, method)`` each time an integration method took over (the first at the
        start): ``"dopri5"`` or ``"bdf"``.
    stationary_at : float or None
        Where the flow was found at rest (every row's relative rate below
        ``stationary_rate``) and the rest of the horizon was taken as constant.
    """

    t: np.ndarray
    loss: np.ndarray
    fit: np.ndarray
    residual: np.ndarray
    norms: np.ndarray
    correlations: np.ndarray
    W: np.ndarray
    target: LowRankTensor
    reg: float
    degree: float = 2.0
    n_eval: int = 0
    n_steps: int = 0
    n_rejected: int = 0
    W_path: np.ndarray | None = field(default=None, repr=False)
    n_jac: int = 0
    switches: tuple = ()
    stationary_at: float | None = None

    @property
    def weights_by_component(self) -> np.ndarray:
        """Fitted weight :math:`a_k - \\text{residual}_k` over time, shape (n, r)."""
        return self.target.weights - self.residual

    @property
    def alignment(self) -> np.ndarray:
        """:math:`\\max_k \\langle \\bar w_j, u_k\\rangle^2` over time, shape (n, m)."""
        return np.max(self.correlations**2, axis=2)

    def __len__(self) -> int:
        return self.t.size


class _Recorder:
    """Collects the diagnostics of a Trajectory at the record times.

    With the compiled route (``deflation._compiled``) it keeps the states and computes
    their diagnostics in one call per ``CHUNK`` states (a chapter-5 epoch records 40
    states; one call each cost about a third of a constant-epoch run), so that without
    ``record_W`` it never holds more than ``CHUNK`` states.
    """

    CHUNK = 256

    def __init__(self, target, reg, p, keep_W, compiled=None):
        self.target, self.reg, self.p, self.keep_W = target, reg, p, keep_W
        self.compiled = compiled
        self.t, self.loss, self.fit, self.res, self.norms, self.corr, self.W = ([] for _ in range(7))
        self.pending: list[np.ndarray] = []  # states not yet through the compiled kernel

    def __call__(self, t, W):
        self.t.append(t)
        if self.keep_W or self.compiled is not None:
            W = np.array(W)  # one copy, kept for the path and/or the compiled kernel
        if self.keep_W:
            self.W.append(W)
        if self.compiled is not None:
            self.pending.append(W)
            if len(self.pending) >= self.CHUNK:
                self._flush()
            return
        st = _state(W, self.target, self.p)
        self.fit.append(st.fit)
        self.loss.append(st.fit + 0.5 * self.reg * float(np.sum(W * W)))
        corr = st.wbar @ self.target.basis
        self.res.append(self.target.weights - st.c @ ipow(corr, self.target.order))
        self.norms.append(st.norms)
        self.corr.append(corr)

    def _flush(self):
        if not self.pending:
            return
        fit, sq, norms, corr, res = self.compiled.record_path(np.array(self.pending))
        self.fit.extend(fit)
        self.loss.extend(fit + 0.5 * self.reg * sq)
        self.res.extend(res)
        self.norms.extend(norms)
        self.corr.extend(corr)
        self.pending.clear()

    def trajectory(self, W_final, stats, degree) -> Trajectory:
        if self.compiled is not None:
            self._flush()
        m, r = W_final.shape[0], self.target.rank
        n = len(self.t)
        fit, loss = np.array(self.fit, dtype=float), np.array(self.loss, dtype=float)
        res = np.array(self.res, dtype=float).reshape(n, r)
        norms = np.array(self.norms, dtype=float).reshape(n, m)
        corr = np.array(self.corr, dtype=float).reshape(n, m, r)
        return Trajectory(
            t=np.array(self.t),
            loss=loss,
            fit=fit,
            residual=res,
            norms=norms,
            correlations=corr,
            W=W_final,
            target=self.target,
            reg=self.reg,
            degree=degree,
            n_eval=stats.n_eval,
            n_steps=stats.n_steps,
            n_rejected=stats.n_rejected,
            W_path=np.array(self.W) if self.keep_W else None,
            n_jac=stats.n_jac,
            switches=tuple(stats.switches),
            stationary_at=stats.stationary_at,
        )


def gradient_flow(
    W0: ArrayLike,
    target: LowRankTensor,
    t_end: float,
    *,
    reg: float = 0.0,
    degree: float = 2,
    rtol: float = 1e-7,
    atol: float = 0.0,
    record: int | ArrayLike = 200,
    record_W: bool = False,
    stop_fit: float | None = None,
    max_steps: int = 1_000_000,
    method: str = "auto",
    stationary_rate: float = 1e-12,
) -> Trajectory:
    """Integrate gradient flow :math:`\\dot W = -\\nabla L(W)` from ``W0`` up to ``t_end``.

    Parameters
    ----------
    W0 : array_like, shape (m, d)
        Initial parameters (for example :func:`deflation.small_init`).
    target : LowRankTensor
    t_end : float
        Final time, > 0.
    reg : float, default 0.0
        Regularization coefficient :math:`\\lambda \\ge 0`.
    degree : float, default 2
        Homogeneity degree of the model (2: :math:`w^{\\otimes l}/\\|w\\|^{l-2}`;
        ``order``: the plain model :math:`w^{\\otimes l}`).
    rtol : float, default 1e-7
        Relative tolerance per row (each component to the same relative accuracy);
        values below 100 float spacings (2.2e-14) are raised to that, with a warning. The
        default serves chapter 2's tiny rows; for large runs a looser one buys speed at
        little cost: at d = 100, m = 1000 (``make bench``) rtol 1e-5 needs 0.43 of the
        gradient evaluations of 1e-7 and moves the fit times by under 1e-5 relative
        (``tests/test_flow.py`` checks 1e-4 on a smaller problem); chapter 6's sweeps
        use 1e-5 and 1e-6. It bounds the error *per step*: what happens after a long
        plateau (an escape, a late fit of noise) amplifies it, since the implicit method
        takes long steps there. Chapter 5's plain flow A40, seed 181: its fifth fit
        time after a 500-unit stall is off by 2.6e-6 (relative) at rtol 1e-7; chapter 6's
        noisy loss curve, seed 101, ends 2.7% off at 1e-7 and within 1.8e-3 at 1e-8.
        Tighten rtol for such quantities (compare two tolerances).
    atol : float, default 0.0
        Absolute tolerance per row.
    record : int or array_like, default 200
        Number of evenly spaced record times in [0, t_end], or the times themselves.
    record_W : bool, default False
        Keep the whole path of ``W`` (memory ``n * m * d``).
    stop_fit : float, optional
        Stop as soon as :math:`\\tfrac12\\|T(W)-T^*\\|_F^2 \\le` ``stop_fit``; the
        crossing is located inside the integration step on its continuous extension
        (to about ``rtol``, not at the step's end), and the trajectory ends with a
        record there.
    max_steps : int, default 1_000_000
    method : {"auto", "dopri5", "bdf"}, default "auto"
        The integrator (:func:`deflation.integrate.integrate`). ``"auto"`` starts with
        the explicit Dormand-Prince method and switches to the implicit BDF method, with
        the Hessian in closed form (:mod:`deflation.curvature`), where a fitted component
        makes the flow stiff, and back where it stops being stiff; above
        ``m * d = 4000`` (the dense Hessian's limit) it stays explicit.
    stationary_rate : float, default 1e-12
        Once every component changes at a relative rate :math:`\\|\\nabla_{w_j} L\\| /
        \\|w_j\\|` at most this (zero components, which never move, excepted), the flow
        is at rest: the run ends there and the remaining records repeat the state
        (``Trajectory.stationary_at``), so a huge ``t_end`` costs nothing more. Below
        1e-12 per unit time a component changes by under 2e-9 of itself over the book's
        longest runs (t = 2000). 0 turns it off.

    Returns
    -------
    Trajectory
    """
    target = _checks.instance("target", target, LowRankTensor, "see orthogonal_tensor")
    W0 = _checks.weight_matrix(W0, target.d)
    t_end = _checks.positive_float("t_end", t_end)
    reg = _checks.positive_float("reg", reg, allow_zero=True)
    p = _checks.degree(degree, target.order)
    rtol = _checks.positive_float("rtol", rtol)
    if rtol < RTOL_MIN:
        # as scipy's solve_ivp: below 100 float spacings the error estimates are rounding
        # noise and the step would only shrink (rtol=1e-20 took 267,386 evaluations)
        warnings.warn(f"rtol={rtol!r} is below {RTOL_MIN:.3g} (100 float spacings); using "
                      f"{RTOL_MIN:.3g}", UserWarning, stacklevel=2)
        rtol = RTOL_MIN
    atol = _checks.positive_float("atol", atol, allow_zero=True)
    if stop_fit is not None:
        stop_fit = _checks.positive_float("stop_fit", stop_fit, allow_zero=True)
    max_steps = _checks.positive_int("max_steps", max_steps)
    stationary_rate = _checks.positive_float("stationary_rate", stationary_rate, allow_zero=True)
    record_W = _checks.boolean("record_W", record_W)
    times = _checks.record_times(record, t_end)
    l = target.order

    def rhs(W):
        norms, wbar, _, contraction, radial, fit = _terms(W, target, p)
        return _descent(W, norms, wbar, contraction, radial, l, p, reg), fit

    # small noise-free problems: the same gradient compiled (deflation._compiled)
    compiled = small_flow(target, p, reg, W0.shape[0])
    if compiled is not None:
        rhs = compiled

    # the fit is computed only where the stop condition asks for it (fit is a callable)
    stop = None if stop_fit is None else (lambda t, W, fit: fit() - stop_fit)
    recorder = _Recorder(target, reg, p, record_W, compiled)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    jac = None
    if method != "dopri5" and W0.size <= DENSE_LIMIT:
        def jac(W):
            return _flow_jacobian(W, target, p, reg)
    elif method == "bdf":
        raise ValueError(
            f"method='bdf' needs the dense Hessian, formed only up to m * d = {DENSE_LIMIT}; "
            f"got m * d = {W0.size}"
        )
    t, W, stats = integrate(
        rhs, W0, t_end, rtol=rtol, atol=atol, record_times=times,
        on_record=recorder, stop=stop, max_steps=max_steps, method=method, jac=jac,
        stationary_rate=stationary_rate, jac_cost=setup_cost(*W0.shape),
        rho_hint=l * float(np.max(target.weights)),
    )
    if not recorder.t or recorder.t[-1] < t:
        recorder(t, W)
    return recorder.trajectory(W, stats, p)


def concatenate(parts: list[Trajectory], offsets: ArrayLike) -> Trajectory:
    """Join trajectories run one after another (epochs), shifting each by its offset.

    Parameters
    ----------
    parts : list of Trajectory
        Same target, same number of components.
    offsets : sequence of float
        Start time of each part.

    Returns
    -------
    Trajectory
        Counters are summed; ``W`` is the last part's.
    """
    parts = list(parts)
    if not parts:
        raise ValueError("parts must contain at least one Trajectory")
    bad = [type(p).__name__ for p in parts if not isinstance(p, Trajectory)]
    if bad:
        raise TypeError(f"parts must all be Trajectory objects, got {bad}")
    offsets = _checks.finite_array("offsets", offsets, ndim=1)
    if offsets.size != len(parts):
        raise ValueError(
            f"offsets must have one entry per part: {len(parts)} parts, got {offsets.size} "
            "offsets"
        )
    shapes = {(p.norms.shape[1], p.target.rank) for p in parts}
    if len(shapes) != 1:
        raise ValueError(f"parts must share m and r, got (m, r) in {sorted(shapes)}")
    t = np.concatenate([p.t + off for p, off in zip(parts, offsets)])
    keep_W = all(p.W_path is not None for p in parts)
    last = parts[-1]
    return Trajectory(
        t=t,
        loss=np.concatenate([p.loss for p in parts]),
        fit=np.concatenate([p.fit for p in parts]),
        residual=np.concatenate([p.residual for p in parts]),
        norms=np.concatenate([p.norms for p in parts]),
        correlations=np.concatenate([p.correlations for p in parts]),
        W=last.W,
        target=last.target,
        reg=last.reg,
        degree=last.degree,
        n_eval=sum(p.n_eval for p in parts),
        n_steps=sum(p.n_steps for p in parts),
        n_rejected=sum(p.n_rejected for p in parts),
        W_path=np.concatenate([p.W_path for p in parts]) if keep_W else None,
        n_jac=sum(p.n_jac for p in parts),
        switches=tuple((t + off, name) for p, off in zip(parts, offsets) for t, name in p.switches),
        stationary_at=None if last.stationary_at is None else last.stationary_at + offsets[-1],
    )
