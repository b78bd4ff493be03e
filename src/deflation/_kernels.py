r"""Array kernels shared by several modules (a private module: nothing here is API).

They take checked arrays and check nothing themselves. This module imports nothing from
the package, so the modules that share these kernels never need each other's private
names.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["DENSE_LIMIT", "TINY", "ipow", "outer_power", "dense_contract", "split", "angle"]

DENSE_LIMIT = 50_000_000  # entries; refuse to build larger dense tensors

TINY = 5e-324  # the smallest positive float: no positive norm is below it


def ipow(x: np.ndarray, n: int) -> np.ndarray:
    """Elementwise ``x ** n`` for a small integer ``n >= 1``, by repeated multiplication.

    numpy's ``**`` with an integer exponent other than 2 calls ``pow`` and is several times
    slower; the Gram route raises m x m matrices to the power l - 1 at every step.
    """
    if n == 1:
        return x.copy()
    out = x * x
    for _ in range(n - 2):
        np.multiply(out, x, out=out)
    return out


def outer_power(u: np.ndarray, order: int) -> np.ndarray:
    r"""The symmetric rank-one array :math:`u^{\otimes l}` (dense; small ``d`` only)."""
    out = u
    for _ in range(order - 1):
        out = np.multiply.outer(out, u)
    return out


def dense_contract(T: np.ndarray, X: np.ndarray) -> np.ndarray:
    r"""Rows :math:`T(x_i, ..., x_i, \cdot)` of a dense tensor ``T`` (last mode free)."""
    out = np.broadcast_to(T, (X.shape[0], *T.shape))
    for _ in range(T.ndim - 1):
        out = np.einsum("n...i,ni->n...", out, X)
    return out


def split(W: np.ndarray, p: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Row norms, unit directions (a zero row gives 0 / 5e-324 = 0) and :math:`c_j = \|w_j\|^p`."""
    sq = np.vecdot(W, W)
    norms = np.sqrt(sq)
    wbar = W / np.maximum(norms, TINY)[:, None]
    c = sq if p == 2 else norms**p
    return norms, wbar, c


def angle(x: np.ndarray | None, y: np.ndarray) -> float:
    """Angle between unit vectors up to sign (NaN if ``x`` is None)."""
    if x is None:
        return float("nan")
    return math.acos(min(1.0, abs(float(x @ y))))
