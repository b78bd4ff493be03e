"""The over-parametrized model, its loss and its gradient (book chapter 1).

The model with ``m`` components :math:`W = (w_1, \\dots, w_m)` is

.. math:: T(W) = \\sum_{j=1}^m \\frac{w_j^{\\otimes l}}{\\|w_j\\|^{l-p}}
          = \\sum_j \\|w_j\\|^p\\, \\bar w_j^{\\otimes l},

with homogeneity degree ``p = 2`` by default (the 2-homogeneous model of the book) and
``p = l`` for the plain model :math:`\\sum_j w_j^{\\otimes l}`. The loss is

.. math:: L(W) = \\tfrac12 \\|T(W) - T^*\\|_F^2 + \\tfrac{\\lambda}{2} \\|W\\|_F^2 .

Everything is computed from the Gram matrices :math:`G = \\bar W \\bar W^\\top` and
:math:`P = \\bar W U` in :math:`O(m^2 d + m r d)` operations, without the
:math:`d^l` tensor. With :math:`c_j = \\|w_j\\|^p` and the residual
:math:`R = T^* - T(W)`,

.. math::
   R(\\bar w_i^{l-1}, \\cdot) = T^*(\\bar w_i^{l-1}, \\cdot)
       - \\sum_j c_j G_{ij}^{l-1} \\bar w_j,

.. math::
   \\nabla_{w_i} L = -\\|w_i\\|^{p-1}\\big[l\\, R(\\bar w_i^{l-1}, \\cdot)
       + (p-l)\\, R(\\bar w_i^{l})\\, \\bar w_i\\big] + \\lambda w_i .

A zero row contributes nothing to :math:`T(W)` (the limit of its term) and has gradient
:math:`\\lambda \\cdot 0 = 0`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np

from . import _checks
from ._blas import limit_blas_threads
from ._kernels import DENSE_LIMIT, dense_contract, ipow, outer_power, split
from ._typing import ArrayLike
from .tensors import LowRankTensor

__all__ = [
    "State",
    "state",
    "loss",
    "gradient",
    "loss_and_gradient",
    "fit_loss",
    "residuals",
    "model_tensor",
    "correlations",
]


@dataclass(frozen=True)
class State:
    """The quantities of one point W that the loss, the gradient and the diagnostics share.

    Attributes
    ----------
    norms : ndarray (m,)
        :math:`\\|w_j\\|`.
    wbar : ndarray (m, d)
        Unit directions :math:`\\bar w_j` (zero for a zero row).
    c : ndarray (m,)
        Weights :math:`c_j = \\|w_j\\|^p`.
    contraction : ndarray (m, d)
        :math:`R(\\bar w_i^{l-1}, \\cdot)`.
    radial : ndarray (m,)
        :math:`R(\\bar w_i^{l})`.
    fit : float
        :math:`\\tfrac12\\|T(W) - T^*\\|_F^2`.
    """

    norms: np.ndarray
    wbar: np.ndarray
    c: np.ndarray
    contraction: np.ndarray
    radial: np.ndarray
    fit: float


def state(W: ArrayLike, target: LowRankTensor, *, degree: float=2) -> State:
    """All shared quantities at ``W`` (see :class:`State`), by the Gram route.

    Parameters
    ----------
    W : array_like, shape (m, d)
    target : LowRankTensor
    degree : float, default 2
        Homogeneity degree :math:`p`, in ``[2, order]``.

    Returns
    -------
    State
    """
    target = _checks.instance("target", target, LowRankTensor, "see orthogonal_tensor")
    W = _checks.weight_matrix(W, target.d)
    p = _checks.degree(degree, target.order)
    with _threads(W, target), _checks.no_overflow("W", W):
        return _state(W, target, p)


# Above this much work, m (m + r) d, OpenBLAS threads the Gram products, and on a busy
# machine its threads wait for each other: one busy process on the other core made a
# gradient at d = 20, m = 400 50x slower with 2 threads than with 1 (README, "Speed and
# threads"). Below it the limiter's cost (6-22 us) is not worth paying.
_THREAD_WORK = 500_000


def _threads(W: np.ndarray, target: LowRankTensor) -> contextlib.AbstractContextManager:
    """The BLAS thread limit of the public model functions, where it pays."""
    if W.shape[0] * (W.shape[0] + target.rank) * W.shape[1] >= _THREAD_WORK:
        return limit_blas_threads()
    return contextlib.nullcontext()


_BLOCK = 128  # rows of the Gram matrix formed at once when m is large
# Up to this many components the residual's contraction is one pass (see _terms); above
# it the m x (r + m) temporaries outgrow the cache and the blocked route is faster
# (d = 20: 121 us at m = 150 in one pass, 531 us at m = 200; `make bench`).
_ONE_PASS_MAX = 150


def _model_contraction(wbar: np.ndarray, c: np.ndarray, l: int) -> np.ndarray:
    """Rows :math:`T(W)(\\bar w_i^{l-1}, \\cdot) = \\sum_j c_j G_{ij}^{l-1} \\bar w_j` (m > 150).

    The m x d factor is scaled by c (cheaper than scaling the m x m one). The Gram matrix
    is formed ``_BLOCK`` rows at a time, so that each block stays in cache while it is
    raised to the power l - 1 and multiplied (at m = 1000 this halves the time, which is
    otherwise limited by memory traffic), and only the blocks on and right of the
    diagonal are formed: :math:`G` is symmetric, so block (I, J) serves rows I (times
    :math:`c\\bar W` rows J) and, transposed, rows J. That is half the flops of the
    first of the two m x m x d products; the result is the same sum in another order
    (equal to the plain formula to rounding, ~1e-15 relative).
    """
    cw = c[:, None] * wbar
    m = wbar.shape[0]
    out = np.zeros_like(wbar)
    for s in range(0, m, _BLOCK):
        e = s + _BLOCK
        Gb = ipow(wbar[s:e] @ wbar[s:].T, l - 1)  # rows s:e, columns s:m
        out[s:e] += Gb @ cw[s:]
        if e < m:
            out[e:] += Gb[:, e - s :].T @ cw[s:e]
    return out


def _terms(W: np.ndarray, target: LowRankTensor, p: float):
    """What the gradient needs at ``W``, and the fitting loss there on demand.

    The residual :math:`R = T^* - T(W) = \\sum_b \\gamma_b v_b^{\\otimes l}` is itself
    a sum of :math:`r + m` rank-one terms (:math:`v = u_k`, :math:`\\gamma = a_k`, and
    :math:`v = \\bar w_j`, :math:`\\gamma = -c_j`), plus the target's dense noise if it
    has one. For :math:`m \\le 150` (``_ONE_PASS_MAX``) its contraction is one pass:
    :math:`X = \\bar W V^\\top`, then :math:`(X^{l-1} \\gamma) V` (few, larger array
    operations: at small sizes the cost is the number of numpy calls). Larger ``m`` use
    the blocked symmetric Gram route of :func:`_model_contraction` for the model's part.

    Returns
    -------
    norms, wbar, c : ndarray
        :math:`\\|w_j\\|`, :math:`\\bar w_j`, :math:`c_j = \\|w_j\\|^p` (see ``_kernels.split``).
    contraction : ndarray (m, d)
        :math:`R(\\bar w_i^{l-1}, \\cdot)`.
    radial : ndarray (m,)
        :math:`R(\\bar w_i^{l})`.
    fit : callable
        ``fit()`` is :math:`\\tfrac12\\|T(W) - T^*\\|_F^2`, computed when called (an
        integrator needs it only at the end of a step, not at every stage):
        :math:`\\|T(W)\\|^2 - 2\\langle T(W), T^*\\rangle
        = \\sum_i c_i\\,[T(W)(\\bar w_i^l) - 2T^*(\\bar w_i^l)]
        = -\\sum_i c_i\\,[R(\\bar w_i^l) + T^*(\\bar w_i^l)]`, in :math:`O(m(r + d))`.
    """
    l = target.order
    norms, wbar, c = split(W, p)
    if wbar.shape[0] <= _ONE_PASS_MAX:
        r = target.rank
        V = np.concatenate((target.basis.T, wbar))
        X = wbar @ V.T  # (m, r + m): correlations with the u_k, then the Gram matrix
        Xp = ipow(X, l - 1)
        contraction = (Xp * np.concatenate((target.weights, -c))) @ V

        noise = None if target.noise is None else dense_contract(target.noise, wbar)
        if noise is not None:
            contraction += noise

        def star_l() -> np.ndarray:  # T*(wbar_i^l): the low-rank part, then the noise's
            low = (Xp[:, :r] * X[:, :r]) @ target.weights
            return low if noise is None else low + np.vecdot(noise, wbar)
    else:
        star = target.contract(wbar)  # noise included
        contraction = star - _model_contraction(wbar, c, l)

        def star_l() -> np.ndarray:
            return np.vecdot(star, wbar)
    radial = np.vecdot(contraction, wbar)

    def fit() -> float:
        value = 0.5 * (target.sqnorm() - float(c @ (radial + star_l())))
        return max(value, 0.0)  # rounding can make an exact fit a tiny negative number

    return norms, wbar, c, contraction, radial, fit


def _state(W: np.ndarray, target: LowRankTensor, p: float) -> State:
    norms, wbar, c, contraction, radial, fit = _terms(W, target, p)
    return State(norms, wbar, c, contraction, radial, fit())


def _descent(W, norms, wbar, contraction, radial, l: int, p: float, reg: float):
    """:math:`-\\nabla L(W)`, the right-hand side of gradient flow (module docstring).

    With :math:`\\|w_i\\|^{p-1}\\bar w_i = \\|w_i\\|^{p-2} w_i` the radial and the
    regularization terms are one multiple of :math:`w_i`:
    :math:`l\\,\\|w_i\\|^{p-1} R(\\bar w_i^{l-1}, \\cdot)
    + [(p - l)\\,\\|w_i\\|^{p-2} R(\\bar w_i^l) - \\lambda]\\, w_i`.
    """
    if p == 2:
        out = (l * norms)[:, None] * contraction
        along = (p - l) * radial
    else:
        out = (l * norms ** (p - 1))[:, None] * contraction
        along = (p - l) * radial * norms ** (p - 2)
    if reg:
        along -= reg
    out += along[:, None] * W
    return out


def _grad_from_state(W: np.ndarray, st: State, l: int, p: float, reg: float) -> np.ndarray:
    return -_descent(W, st.norms, st.wbar, st.contraction, st.radial, l, p, reg)


def loss_and_gradient(
    W: ArrayLike, target: LowRankTensor, reg: float=0.0, *, degree: float=2,
) -> tuple[float, np.ndarray]:
    """The loss :math:`L(W)` and its gradient, sharing one Gram computation.

    Parameters
    ----------
    W : array_like, shape (m, d)
        One component per row.
    target : LowRankTensor
    reg : float, default 0.0
        The regularization coefficient :math:`\\lambda \\ge 0`.
    degree : float, default 2
        Homogeneity degree :math:`p` (2: the book's model; ``order``: the plain model).

    Returns
    -------
    loss : float
    grad : ndarray, shape (m, d)
    """
    target = _checks.instance("target", target, LowRankTensor, "see orthogonal_tensor")
    W = _checks.weight_matrix(W, target.d)
    reg = _checks.positive_float("reg", reg, allow_zero=True)
    p = _checks.degree(degree, target.order)
    with _threads(W, target), _checks.no_overflow("W", W):
        st = _state(W, target, p)
        value = st.fit + 0.5 * reg * float(np.sum(W * W))
        if not np.isfinite(value):
            raise ValueError(
                f"the loss overflows float64: reg={reg!r} times ||W||^2/2 is not finite"
            )
        return value, _grad_from_state(W, st, target.order, p, reg)


def loss(W: ArrayLike, target: LowRankTensor, reg: float=0.0, *, degree: float=2) -> float:
    """The loss :math:`\\tfrac12\\|T(W) - T^*\\|_F^2 + \\tfrac{\\lambda}{2}\\|W\\|_F^2`.

    Parameters
    ----------
    W : array_like, shape (m, d)
    target : LowRankTensor
    reg : float, default 0.0
        :math:`\\lambda \\ge 0`.
    degree : float, default 2
        Homogeneity degree :math:`p`.

    Returns
    -------
    float
    """
    return loss_and_gradient(W, target, reg, degree=degree)[0]


def gradient(W: ArrayLike, target: LowRankTensor, reg: float=0.0, *, degree: float=2) -> np.ndarray:
    """The gradient :math:`\\nabla L(W)`, shape (m, d) (module docstring for the formula).

    Parameters
    ----------
    W : array_like, shape (m, d)
    target : LowRankTensor
    reg : float, default 0.0
    degree : float, default 2

    Returns
    -------
    ndarray, shape (m, d)
    """
    return loss_and_gradient(W, target, reg, degree=degree)[1]


def fit_loss(W: ArrayLike, target: LowRankTensor, *, degree: float=2) -> float:
    """The unregularized part :math:`\\tfrac12\\|T(W) - T^*\\|_F^2` of the loss."""
    return state(W, target, degree=degree).fit


def residuals(W: ArrayLike, target: LowRankTensor, *, degree: float=2) -> np.ndarray:
    """How much of each ground-truth component is still unfitted.

    Parameters
    ----------
    W : array_like, shape (m, d)
    target : LowRankTensor
    degree : float, default 2

    Returns
    -------
    ndarray, shape (r,)
        :math:`a_k - \\langle T(W), u_k^{\\otimes l}\\rangle
        = a_k - \\sum_j c_j \\langle \\bar w_j, u_k\\rangle^l`; for an orthogonal target
        this is :math:`\\langle T^* - T(W), u_k^{\\otimes l}\\rangle`.
    """
    target = _checks.instance("target", target, LowRankTensor, "see orthogonal_tensor")
    W = _checks.weight_matrix(W, target.d)
    p = _checks.degree(degree, target.order)
    with _checks.no_overflow("W", W):
        _, wbar, c = split(W, p)
        return target.weights - c @ ipow(wbar @ target.basis, target.order)


def correlations(W: ArrayLike, target: LowRankTensor) -> np.ndarray:
    """Signed correlations :math:`\\langle \\bar w_j, u_k\\rangle`, shape (m, r) (0 for a zero row)."""
    target = _checks.instance("target", target, LowRankTensor, "see orthogonal_tensor")
    W = _checks.weight_matrix(W, target.d)
    _, wbar, _ = split(W, 2.0)
    return wbar @ target.basis


def model_tensor(W: ArrayLike, order: int=4, *, degree: float=2) -> np.ndarray:
    """The dense model tensor :math:`T(W) = \\sum_j \\|w_j\\|^{p} \\bar w_j^{\\otimes l}`.

    For teaching and tests only: it builds the :math:`d^l` array.

    Parameters
    ----------
    W : array_like, shape (m, d)
    order : int, default 4
    degree : float, default 2

    Returns
    -------
    ndarray, shape (d,) * order
    """
    order = _checks.order(order)
    W = _checks.weight_matrix(W)
    p = _checks.degree(degree, order)
    d = W.shape[1]
    if d**order > DENSE_LIMIT:
        raise ValueError(
            f"model_tensor would build {d}**{order} entries (limit {DENSE_LIMIT}); "
            f"d={d} is too large"
        )
    with _checks.no_overflow("W", W):
        _, wbar, c = split(W, p)
        out = np.zeros((d,) * order)
        for cj, wj in zip(c, wbar):
            if cj > 0:
                out += cj * outer_power(wj, order)
    return out
