r"""Compiled right-hand side and Dormand-Prince trial step for small flows (private).

At chapter 5's size (d = 10, m = 12) one gradient is about 4,000 multiply-adds, which
take a microsecond or two, while the numpy route (:func:`deflation.model._terms`) makes
some twenty array calls at about 1 µs each: a flow there pays for numpy's per-call
overhead, not for arithmetic, and so does every integration step (six stages, each a few
more calls). This module compiles, with numba, the one-pass gradient of
:func:`deflation.model._terms` / :func:`deflation.model._descent` (the same formulas, in
loops) and a whole trial step of Dormand-Prince (six stages, the solution, the row-wise
error norm and the stiffness estimate). :func:`small_flow` returns it where it pays:

* a noise-free target (the dense noise keeps the numpy route) and at most
  ``COMPILED_MAX`` multiply-adds per gradient (``m (r + m) d``); beyond that BLAS's
  blocked products beat plain loops (``make bench`` prints both routes);
* numba importable (a pinned dependency; ``pip install numba``), and the environment
  variable ``DEFLATION_COMPILED`` not ``0`` (``DEFLATION_COMPILED=0`` selects the numpy
  route of this version, for comparisons; it is not bit for bit the 0.4.0 code, whose
  continuous extension rounded differently).

The two routes compute the same mathematics in different orders of summation, so they
agree to rounding (tests/test_compiled.py holds a gradient within 1e-12 relative per
row, and whole runs within 1e-6 at rtol 1e-9) but are not bit-identical; the cached
sweeps were made with this route (the version records it).
The kernels are compiled once per machine and cached next to this file (numba's
``cache=True``); a first run on a new machine compiles them in a few seconds.
"""

from __future__ import annotations

import os
import warnings

import numpy as np

__all__ = ["COMPILED_MAX", "ENV", "enabled", "small_flow"]

ENV = "DEFLATION_COMPILED"

#: Largest ``m * (r + m) * d`` (multiply-adds per gradient) given to the compiled kernel.
#: Measured on the book's machine (``make bench``, "compiled and numpy gradient"): the
#: compiled gradient is faster below about this size; above, numpy's BLAS products win.
COMPILED_MAX = 50_000

_KERNELS: tuple | bool | None = None  # the kernels of _compiled_kernels once imported


def enabled() -> bool:
    """Whether the compiled route is on (numba importable, ``DEFLATION_COMPILED`` not 0)."""
    raw = os.environ.get(ENV, "").strip() or "1"  # unset or empty: the default
    if raw not in ("0", "1"):
        raise ValueError(f"{ENV} must be 0 or 1, got {raw!r}")
    if raw == "0":
        return False
    return _kernels() is not None


def _kernels():
    global _KERNELS
    if _KERNELS is None:
        try:
            from . import _compiled_kernels as k
        except ImportError as exc:  # pragma: no cover - numba is a pinned dependency
            _KERNELS = False  # first: a warning raised as an error must not retry for ever
            warnings.warn(
                f"deflation: numba is not importable ({exc}); small flows use the numpy "
                "route, which agrees with the compiled one to rounding but not bit for bit "
                "(the cached sweeps were made with numba): pip install numba",
                RuntimeWarning, stacklevel=3)
        else:
            _KERNELS = (k.descent_fit, k.dopri5_trial, k.record_path, k.dopri5_dense)
    return _KERNELS or None


class _Fit:
    """The fit at a point, already computed (the numpy route's ``fit`` is a callable)."""

    __slots__ = ("value",)

    def __init__(self, value: float):
        self.value = value

    def __call__(self) -> float:
        return self.value


class SmallFlow:
    """``rhs(W) -> (-grad L(W), fit)`` through the compiled kernel, plus its trial step.

    Built by :func:`small_flow`; :class:`deflation.integrate._Dopri5` uses
    :meth:`dopri5_trial` when its right-hand side has it.
    """

    def __init__(self, target, p: float, reg: float, m: int):
        self.descent_fit, self.trial, self.record, self.dense = _kernels()
        self.U = np.ascontiguousarray(target.basis.T, dtype=float)
        self.a = np.ascontiguousarray(target.weights, dtype=float)
        self.l, self.p, self.reg = int(target.order), float(p), float(reg)
        self.sqnorm = float(target.sqnorm())
        d, r = self.U.shape[1], self.U.shape[0]
        self.norms, self.c = np.empty(m), np.empty(m)
        self.wbar, self.corr, self.con = np.empty((m, d)), np.empty((m, r)), np.empty(d)
        self.shape = (m, d)

    def _check(self, shape):
        # the kernels index the scratch buffers without bounds checks
        if tuple(shape) != self.shape:
            raise ValueError(f"W must have shape {self.shape} (this flow's m, d), got "
                             f"{tuple(shape)}")

    def __call__(self, W: np.ndarray):
        W = np.ascontiguousarray(W, dtype=float)
        self._check(W.shape)
        out = np.empty_like(W)
        fit = self.descent_fit(W, self.U, self.a, self.l, self.p, self.reg, self.sqnorm,
                               out, self.norms, self.wbar, self.c, self.corr, self.con)
        return out, _Fit(fit)

    def record_path(self, Ws: np.ndarray):
        """What a trajectory records at the states ``Ws`` (n x m x d), in one call:
        ``fit, sum of W**2`` (n each), ``norms`` (n x m), ``corr`` (n x m x r) and the
        residual (n x r)."""
        Ws = np.ascontiguousarray(Ws, dtype=float)
        self._check(Ws.shape[1:])
        n, m, d = Ws.shape
        r = self.a.size
        fits, sqs, norms = np.empty(n), np.empty(n), np.empty((n, m))
        corr, res = np.empty((n, m, r)), np.empty((n, r))
        self.record(Ws, self.U, self.a, self.l, self.p, self.sqnorm, np.empty((m, d)),
                    self.wbar, self.c, self.con, norms, corr, res, fits, sqs)
        return fits, sqs, norms, corr, res

    def dopri5_dense(self, y_old, h, K, PT, x):
        """The continuous extension of the last step at fraction ``x`` (a fresh flat
        array; ``_compiled_kernels.dopri5_dense``)."""
        return self.dense(y_old, h, K, PT, x, np.empty(y_old.size))

    def dopri5_trial(self, y, f, h, AM, Bv, Ev, K, ystage, ynew, n_old, n_new, rtol, atol):
        """One trial step (``_compiled_kernels.dopri5_trial``): ``(error norm, fit at
        ynew, ||K6 - K5||^2, ||ynew - ystage||^2)``, the fit as the rhs's ``aux``."""
        if y.size != self.shape[0] * self.shape[1]:
            self._check((y.size,))
        en, fit, num, den = self.trial(
            y, f, h, AM, Bv, Ev, K, ystage, ynew, n_old, n_new, rtol, atol, self.U, self.a,
            self.l, self.p, self.reg, self.sqnorm, self.norms, self.wbar, self.c, self.corr,
            self.con)
        return en, _Fit(fit), num, den


def small_flow(target, p: float, reg: float, m: int) -> SmallFlow | None:
    """The compiled right-hand side of gradient flow for ``m`` components, or None where
    the numpy route is used (dense noise, larger than ``COMPILED_MAX``, or off)."""
    if target.noise is not None:
        return None
    if m * (target.rank + m) * target.d > COMPILED_MAX or not enabled():
        return None
    return SmallFlow(target, p, reg, m)
