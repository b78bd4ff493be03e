r"""The Hessian of the loss in closed form, and the Jacobian of gradient flow.

Gradient flow :math:`\dot W = f(W) = -\nabla L(W)` has the Jacobian
:math:`J = -\nabla^2 L`, a symmetric matrix of size :math:`md \times md`. Its spectral
radius is what makes long runs *stiff*: once a component of weight :math:`a_1` is
fitted, :math:`J` has an eigenvalue near :math:`-4a_1`, and an explicit integrator
cannot step further than about :math:`3.3/(4a_1)` however slowly the solution moves.
The stiff integrator of :mod:`deflation.integrate` solves linear systems with
:math:`I - hcJ`, so it needs :math:`J`; this module gives it exactly, in
:math:`O(m^2 d^2 + m r d^2)` operations, without finite differences.

The derivation (row-major blocks :math:`J_{ij} = \partial f_i / \partial w_j`). With
:math:`n_i = \|w_i\|`, :math:`\bar w_i = w_i/n_i`, :math:`c_i = n_i^p`,
:math:`P_i = I - \bar w_i \bar w_i^\top`, :math:`G = \bar W \bar W^\top`, the
residual's contraction :math:`C_i = R(\bar w_i^{l-1}, \cdot)`, its value
:math:`\rho_i = R(\bar w_i^l)` and its matrix :math:`M_i = R(\bar w_i^{l-2}, \cdot,
\cdot)`, the flow is
:math:`f_i = l\, n_i^{p-1} C_i + \big((p-l) n_i^{p-2} \rho_i - \lambda\big) w_i`, and

.. math::
   A_{ij} = \frac{\partial C_i}{\partial w_j} &= -n_j^{p-1}\big[G_{ij}^{l-1} I
       + (p-l) G_{ij}^{l-1} \bar w_j \bar w_j^\top \\
       &\qquad + (l-1) G_{ij}^{l-2} \bar w_j \bar w_i^\top\big] \quad (j \ne i),

.. math::
   n_i^{p-1} A_{ii} = n_i^{p-2}\big[(l-1) M_i - c_i I\big] P_i
       - p\, n_i^{2p-2} \bar w_i \bar w_i^\top ,

.. math::
   J_{ij} = {} & n_i^{p-1}\big[l I + (p-l) \bar w_i \bar w_i^\top\big] A_{ij} \\
   & + \delta_{ij}\Big[(p-l) n_i^{p-2} \bar w_i C_i^\top P_i
   + (p-l)(p-2) n_i^{p-2} \rho_i \bar w_i \bar w_i^\top \\
   & \qquad + l(p-1) n_i^{p-2} C_i \bar w_i^\top
   + \big((p-l) n_i^{p-2}\rho_i - \lambda\big) I\Big].

A zero row, where the flow is not differentiable (its term :math:`l\,n_i^{p-1} C_i` is
positively homogeneous but not linear in :math:`w_i` for :math:`p = 2`), gets only the
part that is linear there: the block :math:`-\lambda I` on the diagonal and no coupling.
A zero row never moves, so the integrator needs nothing more.
``tests/test_curvature.py`` checks every case against central differences of
:func:`deflation.gradient`, noise included.
"""

from __future__ import annotations

import numpy as np

from . import _checks
from ._kernels import dense_contract, ipow, split
from ._typing import ArrayLike
from .tensors import LowRankTensor

__all__ = ["hessian", "setup_cost"]

#: Above this many unknowns (m * d) a dense Jacobian is not formed (memory (m d)^2).
DENSE_LIMIT = 4000


def _noise_matrix(noise: np.ndarray, wbar: np.ndarray) -> np.ndarray:
    r"""Rows :math:`N(\bar w_i^{l-2}, \cdot, \cdot)` of a dense tensor, shape (m, d, d)."""
    out = np.broadcast_to(noise, (wbar.shape[0],) + noise.shape)
    for _ in range(noise.ndim - 2):
        out = np.einsum("n...i,ni->n...", out, wbar)
    return out


def _flow_jacobian(W: np.ndarray, target: LowRankTensor, p: float, reg: float) -> np.ndarray:
    r"""The dense Jacobian of :math:`-\nabla L` at ``W`` (unchecked inputs), (md, md).

    Off the diagonal, with :math:`[lI + (p-l)\bar w_i\bar w_i^\top] A_{ij}` expanded
    (:math:`\bar w_i^\top \bar w_j = G_{ij}`),
    :math:`J_{ij} = -n_i^{p-1} n_j^{p-1}[l G^{l-1} I + l(p-l) G^{l-1}(\bar w_i \bar w_i^\top
    + \bar w_j \bar w_j^\top) + l(l-1) G^{l-2} \bar w_j \bar w_i^\top
    + (p-l)^2 G^l \bar w_i \bar w_j^\top]` (entries of :math:`G` at ``(i, j)``): a sum
    of broadcast products, no per-block work.
    """
    m, d = W.shape
    l = target.order
    norms, wbar, c = split(W, p)
    U, a = target.basis.T, target.weights  # (r, d), (r,)
    V = np.concatenate((U, wbar))  # the residual's r + m directions
    gam = np.concatenate((a, -c))
    X = wbar @ V.T  # (m, r + m): correlations, then the Gram matrix G = X[:, r:]
    Xl2 = ipow(X, l - 2)
    Xl1 = Xl2 * X
    C = (Xl1 * gam) @ V  # R(wbar_i^{l-1}, .)
    # M_i = R(wbar_i^{l-2}, ., .) = sum_b gam_b X_ib^{l-2} v_b v_b^T, one product
    M = ((Xl2 * gam) @ (V[:, :, None] * V[:, None, :]).reshape(V.shape[0], d * d))
    M = M.reshape(m, d, d)
    if target.noise is not None:
        C += dense_contract(target.noise, wbar)
        M += _noise_matrix(target.noise, wbar)
    rho = np.vecdot(C, wbar)
    r = U.shape[0]
    G = X[:, r:]
    Gl2, Gl1 = Xl2[:, r:], Xl1[:, r:]
    npow1 = norms ** (p - 1)
    with np.errstate(divide="ignore"):
        npow2 = np.where(norms > 0, norms ** (p - 2), 0.0 if p > 2 else 1.0)
    eye = np.eye(d)
    s = -np.multiply.outer(npow1, npow1)
    ww = wbar[:, :, None] * wbar[:, None, :]  # (m, d, d): wbar_i wbar_i^T
    J = (s * l * Gl1)[:, None, :, None] * eye[None, :, None, :]
    if p != l:
        t = s * (l * (p - l)) * Gl1
        J += t[:, None, :, None] * ww.transpose(1, 0, 2)[None]  # wbar_j wbar_j^T
        J += t[:, None, :, None] * ww[:, :, None, :]  # wbar_i wbar_i^T
        J += (s * (p - l) ** 2 * Gl1 * G)[:, None, :, None] * (
            wbar[:, :, None, None] * wbar[None, None, :, :]
        )  # wbar_i wbar_j^T
    J += (s * (l * (l - 1)) * Gl2)[:, None, :, None] * (
        wbar.T[None, :, :, None] * wbar[:, None, None, :]
    )  # wbar_j wbar_i^T
    # the diagonal blocks: [l I + (p - l) wbar wbar^T] n^{p-1} A_ii + the terms of f_i's
    # own norm and direction
    P = eye - ww
    nA = npow2[:, None, None] * (((l - 1) * M - c[:, None, None] * eye) @ P)
    nA -= (p * npow1**2)[:, None, None] * ww
    diag = l * nA
    if p != l:
        diag += (p - l) * (ww @ nA)
        diag += (p - l) * npow2[:, None, None] * (wbar[:, :, None] * (C[:, None, :] @ P))
        diag += ((p - l) * (p - 2) * npow2 * rho)[:, None, None] * ww
    diag += (l * (p - 1) * npow2)[:, None, None] * (C[:, :, None] * wbar[:, None, :])
    diag += ((p - l) * npow2 * rho - reg)[:, None, None] * eye
    idx = np.arange(m)
    J[idx, :, idx, :] = diag
    zero = norms == 0
    if np.any(zero):
        J[zero] = 0.0
        J[:, :, zero] = 0.0
        J[idx[zero], :, idx[zero], :] = -reg * eye
    return J.reshape(m * d, m * d)


def setup_cost(m: int, d: int) -> float:
    r"""What the implicit integrator's Jacobian costs, in gradient evaluations.

    Forming the dense Hessian (:math:`n = md` unknowns) and its eigendecomposition:
    about :math:`n^2/1000 + n^3/(2\cdot 10^4 + 170 n)` evaluations of the gradient at the
    book's sizes (one BLAS thread; measured 63 at m = 12, d = 10, 1,300 at m = 50,
    d = 10 and 5,900 at m = 100, d = 10, where the formula gives 57, 1,440 and 6,260).
    An estimate for deciding whether a switch pays, never a timing: it depends on the
    sizes only, so runs are deterministic.
    """
    n = float(m) * float(d)
    return n * n / 1000.0 + n**3 / (2e4 + 170.0 * n)


def hessian(W: ArrayLike, target: LowRankTensor, reg: float = 0.0, *,
            degree: float = 2) -> np.ndarray:
    r"""The Hessian :math:`\nabla^2 L(W)` of the loss, in closed form.

    Parameters
    ----------
    W : array_like, shape (m, d)
        The point; at a zero row the loss is not twice differentiable, and that row's
        block is :math:`\lambda I` (module docstring).
    target : LowRankTensor
    reg : float, default 0.0
        The regularization coefficient :math:`\lambda \ge 0`.
    degree : float, default 2
        Homogeneity degree :math:`p` of the model, in ``[2, order]``.

    Returns
    -------
    ndarray, shape (m * d, m * d)
        Symmetric; rows and columns in the row-major order of ``W`` (``W.ravel()``).
        Gradient flow's Jacobian is its negative.

    Raises
    ------
    ValueError
        If ``m * d`` exceeds 4000 (the dense matrix would need more than 128 MB).
    """
    target = _checks.instance("target", target, LowRankTensor, "see orthogonal_tensor")
    W = _checks.weight_matrix(W, target.d)
    reg = _checks.positive_float("reg", reg, allow_zero=True)
    p = _checks.degree(degree, target.order)
    if W.size > DENSE_LIMIT:
        raise ValueError(
            f"W has m * d = {W.size} entries; the dense Hessian is formed only up to "
            f"{DENSE_LIMIT}"
        )
    return -_flow_jacobian(W, target, p, reg)
