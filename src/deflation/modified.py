"""The modified gradient flow: epochs, re-initialization and a small regularizer (chapter 5).

Our concrete reading of the paper's modified flow (the inputs are
the paper's, the details are the book's): initialize every component with norm
:math:`\\delta_0` in a uniformly random direction; for epochs :math:`s = 0, 1, \\dots`,
re-draw every component whose norm is at most :math:`\\delta_1` (fresh random direction,
norm :math:`\\delta_0`), then run gradient flow with regularizer :math:`\\lambda` for
time :math:`t_s`, where :math:`t_{s+1} = (1 + \\gamma) t_s`; stop when the fitting loss
reaches the target accuracy :math:`\\varepsilon` or the time budget is spent. Large
components are never re-drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _checks
from ._typing import ArrayLike, SeedLike
from .flow import Trajectory, concatenate, gradient_flow
from .tensors import LowRankTensor, random_directions
from .theory import fit_floor
from .times import fit_times

__all__ = ["ModifiedResult", "modified_gradient_flow", "reinitialize"]

_MAX_EPOCHS = 100_000  # more epochs than this is a mistake in the arguments, not a plan


@dataclass(frozen=True, eq=False)
class ModifiedResult:
    """The outcome of :func:`modified_gradient_flow`.

    Attributes
    ----------
    trajectory : Trajectory
        The whole run, epochs joined (times are global).
    epoch_starts : ndarray (s,)
        Start time of each epoch.
    epoch_lengths : ndarray (s,)
        Planned length :math:`t_s` of each epoch (the last one may have been cut short).
    n_reinit : ndarray of int (s,)
        How many components each epoch's re-initialization re-drew (epoch 0: the
        initialization itself, all ``m``).
    fit_times : ndarray (r,)
        :func:`deflation.fit_times` of the trajectory (``frac=0.9``); NaN if never fitted.
    stopped : str
        ``"tol"`` if the fitting loss reached ``stop_fit``, else ``"max_time"``.
    stop_fit : float
        The accuracy target that was used.
    """

    trajectory: Trajectory
    epoch_starts: np.ndarray
    epoch_lengths: np.ndarray
    n_reinit: np.ndarray
    fit_times: np.ndarray
    stopped: str
    stop_fit: float

    @property
    def total_time(self) -> float:
        """The time at which the run ended."""
        return float(self.trajectory.t[-1])

    @property
    def W(self) -> np.ndarray:
        """The final parameters."""
        return self.trajectory.W


def reinitialize(
    W: ArrayLike, reinit_threshold: float, init_scale: float, *, seed: SeedLike=None,
) -> tuple[np.ndarray, np.ndarray]:
    """Re-draw every row of ``W`` whose norm is at most ``reinit_threshold``.

    Parameters
    ----------
    W : array_like, shape (m, d)
    reinit_threshold : float
        The re-initialization threshold :math:`\\delta_1` (a norm).
    init_scale : float
        Norm :math:`\\delta_0` of the re-drawn rows (uniform random directions).
    seed : int, Generator or None

    Returns
    -------
    W_new : ndarray, shape (m, d)
        A copy with the small rows replaced.
    redrawn : ndarray of bool, shape (m,)
    """
    W = _checks.weight_matrix(W)
    reinit_threshold = _checks.positive_float("reinit_threshold", reinit_threshold)
    init_scale = _checks.positive_float("init_scale", init_scale)
    rng = _checks.seed_or_rng(seed)
    small = np.linalg.norm(W, axis=1) <= reinit_threshold
    out = W.copy()
    n = int(small.sum())
    if n:
        out[small] = init_scale * random_directions(n, W.shape[1], seed=rng)
    return out, small


def modified_gradient_flow(
    target: LowRankTensor,
    m: int,
    *,
    init_scale: float = 1e-4,
    reinit_threshold: float = 0.1,
    reg: float = 0.01,
    first_epoch: float = 10.0,
    epoch_growth: float = 0.5,
    stop_fit: float | None = None,
    max_time: float = 2000.0,
    seed: SeedLike = None,
    reinit: bool = True,
    rtol: float = 1e-7,
    record_per_epoch: int = 40,
    method: str = "auto",
) -> ModifiedResult:
    """Run the modified gradient flow (module docstring) and log its events.

    Parameters
    ----------
    target : LowRankTensor
    m : int
        Number of components, >= 1.
    init_scale : float, default 1e-4
        :math:`\\delta_0`, the norm of a (re-)initialized component.
    reinit_threshold : float, default 0.1
        :math:`\\delta_1 \\ge \\delta_0`: components of norm at most this are re-drawn at
        the start of every epoch. Chapter 5 chose 0.1 (it was 1e-2): components that join
        an already-fitted group keep a weight share for ever (the regularizer keeps the
        ratios of the members' weights fixed), and a larger threshold frees the members
        with weight below :math:`\\delta_1^2`. Keep :math:`\\delta_1^2` below the
        smallest fitted weight :math:`a_k - \\lambda/2`, or that component is re-drawn at
        every epoch start. A threshold with :math:`\\delta_1^2 \\ge \\max_k a_k -
        \\lambda/2` is refused at even order: no component can then ever be kept (see
        Raises).
    reg : float, default 0.01
        :math:`\\lambda \\ge 0`. Components with :math:`a_k \\le \\lambda/2` are never
        fitted; the others are fitted to weight :math:`a_k - \\lambda/2`.
    first_epoch : float, default 10.0
        Length :math:`t_0 > 0` of the first epoch.
    epoch_growth : float, default 0.5
        :math:`\\gamma \\ge 0`: :math:`t_{s+1} = (1 + \\gamma)\\, t_s` (0: constant epochs).
    stop_fit : float, optional
        Target accuracy :math:`\\varepsilon` for the fitting loss
        :math:`\\tfrac12\\|T(W) - T^*\\|^2`. Default: :func:`deflation.theory.fit_floor` plus
        ``1e-6 * ||T*||^2``, i.e. every fittable component fitted.
    max_time : float, default 2000.0
        Time budget.
    seed : int, Generator or None
        Seeds the initialization and every re-initialization.
    reinit : bool, default True
        False turns re-initialization off (an ablation: plain gradient flow with the
        regularizer, in epochs).
    rtol : float, default 1e-7
        Integrator tolerance (see :func:`deflation.gradient_flow`).
    record_per_epoch : int, default 40
        Recorded points per epoch.
    method : {"auto", "dopri5", "bdf"}, default "auto"
        The integrator of every epoch (see :func:`deflation.gradient_flow`).

    Returns
    -------
    ModifiedResult

    Raises
    ------
    ValueError
        If the target is not orthogonal or has noise (the default accuracy
        :func:`deflation.theory.fit_floor` and the fit times assume an orthogonal,
        noise-free target), or if, at even order, :math:`\\delta_1^2 \\ge \\max_k a_k -
        \\lambda/2`. Why that threshold can never keep a component: with
        :math:`c = \\|w\\|^2` the flow gives :math:`\\dot c = 4c\\,(R(\\bar w^{l}) -
        \\lambda/2)` and :math:`R(\\bar w^l) = T^*(\\bar w^l) - \\sum_i c_i \\langle
        \\bar w_i, \\bar w\\rangle^l \\le \\max_k a_k - c` (at even order every term of
        the sum is >= 0 and the component's own term is :math:`c`; for an orthogonal
        target :math:`T^*(x^l) = \\sum_k a_k \\langle x, u_k\\rangle^l \\le \\max_k a_k`
        on the unit sphere). So :math:`\\dot c \\le 4c\\,(\\max_k a_k - \\lambda/2 - c)`:
        a component that starts below :math:`c^\\dagger = \\max_k a_k - \\lambda/2` stays
        strictly below it for ever, and every component is re-drawn (norm at most
        :math:`\\delta_1`) at every epoch start exactly when
        :math:`\\delta_1^2 \\ge c^\\dagger`. Below it, a lone component on
        :math:`u_1` grows logistically toward :math:`c^\\dagger` and passes
        :math:`\\delta_1^2`, so such thresholds are possible.
    """
    target = _checks.instance("target", target, LowRankTensor, "see orthogonal_tensor")
    _checks.orthogonal(target, why="the modified flow's default accuracy and fit times "
                       "assume it")
    m = _checks.positive_int("m", m)
    init_scale = _checks.positive_float("init_scale", init_scale)
    reinit_threshold = _checks.positive_float("reinit_threshold", reinit_threshold)
    if reinit_threshold < init_scale:
        raise ValueError(
            f"reinit_threshold must be >= init_scale={init_scale!r}, got {reinit_threshold!r}"
        )
    reg = _checks.positive_float("reg", reg, allow_zero=True)
    reinit = _checks.boolean("reinit", reinit)
    ceiling = float(np.max(target.weights)) - reg / 2  # no component's weight reaches it
    # delta_1^2 >= ceiling, compared without squaring (no overflow for a huge threshold)
    if reinit and target.order % 2 == 0 and (ceiling <= 0 or reinit_threshold >= math.sqrt(ceiling)):
        raise ValueError(
            f"reinit_threshold={reinit_threshold!r} re-draws every component for ever: "
            f"reinit_threshold**2 = {reinit_threshold:.6g}**2 must be < max(weights) - "
            f"reg/2 = {ceiling:.6g}, the weight that no component's weight reaches "
            "(docstring, Raises)"
        )
    first_epoch = _checks.positive_float("first_epoch", first_epoch)
    epoch_growth = _checks.positive_float("epoch_growth", epoch_growth, allow_zero=True)
    max_time = _checks.positive_float("max_time", max_time)
    if epoch_growth == 0:
        n_epochs = max_time / first_epoch
    else:
        n_epochs = math.log1p(max_time / first_epoch * epoch_growth) / math.log1p(epoch_growth)
    if n_epochs > _MAX_EPOCHS:
        raise ValueError(
            f"first_epoch={first_epoch!r} with epoch_growth={epoch_growth!r} needs about "
            f"{n_epochs:.3g} epochs to cover max_time={max_time!r} (at most {_MAX_EPOCHS}): "
            "choose a longer first epoch or a faster growth"
        )
    if stop_fit is None:
        stop_fit = fit_floor(target, reg) + 1e-6 * target.sqnorm()
    else:
        stop_fit = _checks.positive_float("stop_fit", stop_fit)
    record_per_epoch = _checks.positive_int("record_per_epoch", record_per_epoch, minimum=2)
    rtol = _checks.positive_float("rtol", rtol)
    rng = _checks.seed_or_rng(seed)

    W = init_scale * random_directions(m, target.d, seed=rng)
    parts: list[Trajectory] = []
    starts: list[float] = []
    lengths: list[float] = []
    counts: list[int] = []
    elapsed, length, stopped = 0.0, first_epoch, "max_time"
    while elapsed < max_time * (1 - 1e-12):
        if starts and reinit:
            W, redrawn = reinitialize(W, reinit_threshold, init_scale, seed=rng)
            counts.append(int(redrawn.sum()))
        else:
            counts.append(m if not starts else 0)
        run = min(length, max_time - elapsed)
        traj = gradient_flow(
            W, target, run, reg=reg, rtol=rtol, record=record_per_epoch, stop_fit=stop_fit,
            method=method,
        )
        parts.append(traj)
        starts.append(elapsed)
        lengths.append(length)
        W = traj.W
        elapsed += float(traj.t[-1])
        if traj.fit[-1] <= stop_fit:
            stopped = "tol"
            break
        length *= 1 + epoch_growth
    whole = concatenate(parts, starts)
    return ModifiedResult(
        trajectory=whole,
        epoch_starts=np.array(starts),
        epoch_lengths=np.array(lengths),
        n_reinit=np.array(counts, dtype=int),
        fit_times=fit_times(whole, 0.9),
        stopped=stopped,
        stop_fit=float(stop_fit),
    )
