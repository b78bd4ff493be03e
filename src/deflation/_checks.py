"""Input checking shared by the public functions.

Every public function of :mod:`deflation` validates its arguments here, so that bad
input raises a :class:`ValueError` that names the parameter and the value received,
instead of producing a NaN, a hang or a silently wrong answer.
"""

from __future__ import annotations

import numbers

import numpy as np


def _short(value) -> str:
    """A short, readable description of ``value`` for error messages."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def positive_float(name: str, value, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a finite float that is > 0 (or >= 0 if ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {_short(value)}")
    x = float(value)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x!r}")
    if allow_zero and x < 0:
        raise ValueError(f"{name} must be >= 0, got {x!r}")
    if not allow_zero and x <= 0:
        raise ValueError(f"{name} must be > 0, got {x!r}")
    return x


def positive_int(name: str, value, *, minimum: int = 1) -> int:
    """Return ``value`` as an int that is >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {_short(value)}")
    n = int(value)
    if n < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {n}")
    return n


def order(value) -> int:
    """Check a tensor order: an integer >= 3."""
    return positive_int("order", value, minimum=3)


def fraction(name: str, value) -> float:
    """Return ``value`` as a float strictly between 0 and 1."""
    x = positive_float(name, value)
    if not x < 1:
        raise ValueError(f"{name} must be in (0, 1), got {x!r}")
    return x


def finite_array(name: str, value, *, ndim: int | None = None) -> np.ndarray:
    """Return ``value`` as a float64 array with only finite entries."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array, got {_short(value)}") from exc
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(
            f"{name} must be a {ndim}-dimensional array, got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values (found NaN or inf)")
    return arr


def positive_array(name: str, value, *, upper: float | None = None) -> np.ndarray:
    """Return ``value`` as a finite float array with every entry > 0 (and <= ``upper``)."""
    arr = finite_array(name, value)
    if np.any(arr <= 0) or (upper is not None and np.any(arr > upper)):
        span = "> 0" if upper is None else f"in (0, {upper:g}]"
        raise ValueError(f"{name} must be {span}, got {_short(arr if arr.ndim else float(arr))}")
    return arr


def weight_matrix(W, d: int | None = None) -> np.ndarray:
    """Check a parameter matrix ``W`` of shape (m, d) with m >= 1 and finite entries."""
    arr = finite_array("W", W, ndim=2)
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(f"W must have at least one row and one column, got shape {arr.shape}")
    if d is not None and arr.shape[1] != d:
        raise ValueError(
            f"W must have shape (m, {d}) to match the target's dimension d={d}, "
            f"got shape {arr.shape}"
        )
    return arr


def seed_or_rng(seed) -> np.random.Generator:
    """Turn ``seed`` (None, an int, or a Generator) into a numpy Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool)):
        if seed is not None and int(seed) < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        return np.random.default_rng(seed)
    raise ValueError(f"seed must be None, a non-negative int or a numpy Generator, got {_short(seed)}")
