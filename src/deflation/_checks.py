"""Input checking shared by the public functions (a private module: nothing here is API).

Every public function of :mod:`deflation` validates its arguments here, so that bad
input raises an error that names the parameter and the value received, instead of
producing a NaN, a hang, a bare numpy message or a silently wrong answer:

* a :class:`TypeError` when the value has the wrong type (a string for a number, a
  complex array, a float where an integer count is needed, an object of the wrong
  class);
* a :class:`ValueError` when the type is right but the value is not (NaN or inf, a
  wrong shape, out of range).

This module imports nothing from the package, so every module can use it.
"""

from __future__ import annotations

import contextlib
import numbers
from collections.abc import Iterator
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "short",
    "instance",
    "real",
    "positive_float",
    "positive_int",
    "order",
    "degree",
    "fraction",
    "threshold",
    "finite_array",
    "positive_array",
    "weights",
    "weight_matrix",
    "record_times",
    "seed_or_rng",
    "no_overflow",
    "boolean",
    "orthogonal",
]

_T = TypeVar("_T")

#: The largest target weight accepted: the squared norm of the target stays finite.
MAX_WEIGHT = 1e100


def short(value: object) -> str:
    """A short, readable description of ``value`` for error messages."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def instance(name: str, value: object, cls: type[_T], hint: str = "") -> _T:
    """Return ``value`` if it is a ``cls``; else raise a TypeError naming ``name``."""
    if not isinstance(value, cls):
        extra = f" ({hint})" if hint else ""
        raise TypeError(
            f"{name} must be a {cls.__name__}{extra}, got {type(value).__name__}"
        )
    return value


def real(name: str, value: object) -> float:
    """Return ``value`` as a finite float (any sign)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {short(value)}")
    x = float(value)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x!r}")
    return x


def positive_float(name: str, value: object, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a finite float that is > 0 (or >= 0 if ``allow_zero``)."""
    x = real(name, value)
    if allow_zero and x < 0:
        raise ValueError(f"{name} must be >= 0, got {x!r}")
    if not allow_zero and x <= 0:
        raise ValueError(f"{name} must be > 0, got {x!r}")
    return x


def positive_int(name: str, value: object, *, minimum: int = 1) -> int:
    """Return ``value`` as an int that is >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {short(value)}")
    n = int(value)
    if n < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {n}")
    return n


def order(value: object) -> int:
    """Check a tensor order: an integer >= 3."""
    return positive_int("order", value, minimum=3)


def degree(value: object, order: int) -> float:
    """Check a homogeneity degree :math:`p \\in [2, l]` for a tensor of order ``order``."""
    p = positive_float("degree", value)
    if p < 2 or p > order:
        raise ValueError(f"degree must be in [2, order={order}], got {p}")
    return p


def fraction(name: str, value: object) -> float:
    """Return ``value`` as a float strictly between 0 and 1."""
    x = positive_float(name, value)
    if not x < 1:
        raise ValueError(f"{name} must be in (0, 1), got {x!r}")
    return x


def threshold(value: object, name: str = "threshold") -> float:
    """A correlation threshold in [0, 1)."""
    x = positive_float(name, value, allow_zero=True)
    if not x < 1:
        raise ValueError(f"{name} must be in [0, 1), got {x!r}")
    return x


def finite_array(
    name: str, value: object, *, ndim: int | None = None, allow_nan: bool = False
) -> np.ndarray:
    """Return ``value`` as a float64 array with only finite entries (NaN allowed, as
    "never", when ``allow_nan``; inf never).

    Complex input is a TypeError (converting it would drop the imaginary part
    silently), and so is anything that is not an array of numbers.
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a numeric array, got {short(value)}")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged nested sequences
        raise TypeError(f"{name} must be a numeric array, got {short(value)}") from exc
    if raw.dtype.kind == "c":
        raise TypeError(f"{name} must be real, got a complex array ({raw.dtype})")
    if raw.dtype.kind not in "biuf":
        try:
            raw = raw.astype(float)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be a numeric array, got {short(value)}") from exc
        if raw.dtype.kind not in "biuf":  # pragma: no cover - astype(float) gives floats
            raise TypeError(f"{name} must be a numeric array, got {short(value)}")
    arr = np.asarray(raw, dtype=float)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(
            f"{name} must be a {ndim}-dimensional array, got shape {arr.shape}"
        )
    bad = np.isinf(arr) if allow_nan else ~np.isfinite(arr)
    if np.any(bad):
        found = "inf" if allow_nan else "NaN or inf"
        raise ValueError(f"{name} must contain only finite values (found {found})")
    return arr


def positive_array(name: str, value: object, *, upper: float | None = None) -> np.ndarray:
    """Return ``value`` as a finite float array with every entry > 0 (and <= ``upper``)."""
    arr = finite_array(name, value)
    if np.any(arr <= 0) or (upper is not None and np.any(arr > upper)):
        span = "> 0" if upper is None else f"in (0, {upper:g}]"
        raise ValueError(f"{name} must be {span}, got {short(arr if arr.ndim else float(arr))}")
    return arr


def weights(value: object, name: str = "weights") -> np.ndarray:
    """Positive target weights :math:`a_k`: a non-empty 1-d array of numbers > 0."""
    a = finite_array(name, value, ndim=1)
    if a.size == 0:
        raise ValueError(f"{name} must contain at least one weight, got an empty array")
    if np.any(a <= 0):
        raise ValueError(f"{name} must all be > 0, got {a.tolist()}")
    if np.any(a > MAX_WEIGHT):
        raise ValueError(
            f"{name} must all be <= {MAX_WEIGHT:g} (their squares and products must stay "
            f"finite in float64), got {a.tolist()}"
        )
    return a


def weight_matrix(W: object, d: int | None = None, name: str = "W") -> np.ndarray:
    """Check a parameter matrix ``W`` of shape (m, d) with m >= 1 and finite entries."""
    arr = finite_array(name, W, ndim=2)
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ValueError(
            f"{name} must have at least one row and one column, got shape {arr.shape}"
        )
    if d is not None and arr.shape[1] != d:
        raise ValueError(
            f"{name} must have shape (m, {d}) to match the target's dimension d={d}, "
            f"got shape {arr.shape}"
        )
    return arr


def record_times(record: object, t_end: float) -> np.ndarray:
    """Record times: an int ``n >= 2`` (evenly spaced in [0, t_end]) or increasing times."""
    if isinstance(record, (int, np.integer)) and not isinstance(record, bool):
        n = positive_int("record", record, minimum=2)
        return np.linspace(0.0, t_end, n)
    if isinstance(record, (bool, float, np.floating)):
        raise TypeError(f"record must be an int or an array of times, got {short(record)}")
    times = finite_array("record", record, ndim=1)
    if times.size == 0 or np.any(np.diff(times) <= 0) or times[0] < 0 or times[-1] > t_end:
        raise ValueError(
            "record must be an int >= 2 or an increasing array of times in [0, t_end]"
        )
    return times


def seed_or_rng(seed: Any) -> np.random.Generator:
    """Turn ``seed`` (None, an int, or a Generator) into a numpy Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool)):
        if seed is not None and int(seed) < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        return np.random.default_rng(None if seed is None else int(seed))
    raise TypeError(
        f"seed must be None, a non-negative int or a numpy Generator, got {short(seed)}"
    )


@contextlib.contextmanager
def no_overflow(name: str, value: np.ndarray) -> Iterator[None]:
    """Run the body with numpy overflow and invalid operations raising, and turn them
    into a ValueError that names ``name`` (the input too large for float64)."""
    try:
        with np.errstate(over="raise", invalid="raise"):
            yield
    except FloatingPointError as exc:
        big = float(np.max(np.abs(value))) if np.size(value) else 0.0
        raise ValueError(
            f"{name} is too large for float64 arithmetic (largest entry {big:.3g}): "
            f"the computation overflows ({exc})"
        ) from None


def boolean(name: str, value: object) -> bool:
    """Return ``value`` as a bool; it must be a bool (or a numpy bool)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {short(value)}")
    return bool(value)


def orthogonal(target: Any, name: str = "target", why: str = "") -> Any:
    """Check that a LowRankTensor is orthogonal and noise-free (what ``why`` assumes)."""
    if not target.is_orthogonal or target.noise is not None:
        what = "noisy" if target.noise is not None else "not orthogonal"
        reason = f" ({why})" if why else ""
        raise ValueError(
            f"{name} must be an orthogonal target without noise{reason}; this one is "
            f"{what} (max |U^T U - I| = {target.orthogonality_error:.3g})"
        )
    return target
