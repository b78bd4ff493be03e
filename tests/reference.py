"""An independent dense reference: the d^l tensors built with numpy, differentiated by
the complex-step method (exact to rounding), for checking the fast Gram formulas."""

import numpy as np


def outer_power(u, order):
    out = u
    for _ in range(order - 1):
        out = np.multiply.outer(out, u)
    return out


def dense_model(W, order, degree=2):
    """sum_j ||w_j||^(p-l) w_j^(x)l; works for complex W (analytic in W)."""
    d = W.shape[1]
    T = np.zeros((d,) * order, dtype=W.dtype)
    for w in W:
        sq = np.sum(w * w)  # no conjugate: analytic, so the complex step works
        if sq == 0:
            continue
        T = T + sq ** ((degree - order) / 2) * outer_power(w, order)
    return T


def dense_loss(W, T_star, reg=0.0, degree=2):
    R = dense_model(W, T_star.ndim, degree) - T_star
    return 0.5 * np.sum(R * R) + 0.5 * reg * np.sum(W * W)


def complex_step_gradient(W, T_star, reg=0.0, degree=2, h=1e-30):
    W = np.asarray(W, dtype=float)
    g = np.zeros_like(W)
    for i in range(W.shape[0]):
        for j in range(W.shape[1]):
            Wc = W.astype(complex)
            Wc[i, j] += 1j * h
            g[i, j] = dense_loss(Wc, T_star, reg, degree).imag / h
    return g


def central_difference_gradient(W, T_star, reg=0.0, degree=2, h=1e-6):
    W = np.asarray(W, dtype=float)
    g = np.zeros_like(W)
    for i in range(W.shape[0]):
        for j in range(W.shape[1]):
            Wp, Wm = W.copy(), W.copy()
            Wp[i, j] += h
            Wm[i, j] -= h
            g[i, j] = (dense_loss(Wp, T_star, reg, degree) - dense_loss(Wm, T_star, reg, degree)) / (2 * h)
    return g


def einsum_loss_and_gradient(W, T_star, reg=0.0):
    """Order-4, 2-homogeneous loss and gradient with einsum on the dense tensor
    (the 'dense route' the benchmark compares against)."""
    sq = np.einsum("ij,ij->i", W, W)
    norms = np.sqrt(sq)
    safe = np.where(norms > 0, norms, 1.0)
    V = W / safe[:, None]
    T = np.einsum("j,ja,jb,jc,jd->abcd", sq, V, V, V, V)
    R = T_star - T
    R3 = np.einsum("abcd,ja,jb,jc->jd", R, V, V, V)
    R4 = np.einsum("jd,jd->j", R3, V)
    g = -norms[:, None] * (4 * R3 - 2 * R4[:, None] * V) + reg * W
    return 0.5 * np.sum(R * R) + 0.5 * reg * np.sum(W * W), g
