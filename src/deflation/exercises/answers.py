"""The answer types of the exercise checker (:func:`deflation.exercises.check`).

An :class:`Answer` holds one exercise's expected answer and judges a student's: a
:class:`Number` within a tolerance, a :class:`Formula` up to simplification, a
:class:`Choice` exactly. Each returns a verdict and a hint, never the expected value.
"""

from __future__ import annotations

import abc
import keyword
import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication,
    parse_expr,
    standard_transformations,
)

__all__ = ["Answer", "Asymptotic", "Choice", "Formula", "Number"]

_DEFAULT_HINT = "compare your answer with the exercise text and try again."


def _short(value: object) -> str:
    """A short description of ``value`` for messages (never the expected answer)."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    text = repr(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"{type(value).__name__} {text}"


class Answer(abc.ABC):
    """Base class of the answer types.

    Parameters
    ----------
    hint : str, optional
        Printed after ``Not yet:`` when the student's answer is wrong. It must not give
        the answer away. Default: a generic "compare with the exercise text".
    """

    kind = "answer"

    def __init__(self, hint: str | None = None) -> None:
        if hint is not None and not isinstance(hint, str):
            raise ValueError(f"hint must be a string or None, got {_short(hint)}")
        self.hint = hint if hint else _DEFAULT_HINT

    @abc.abstractmethod
    def judge(self, answer: object) -> tuple[bool, str]:
        """Compare ``answer`` with the expected one.

        Parameters
        ----------
        answer : object
            The student's answer.

        Returns
        -------
        correct : bool
            Whether the answer is right.
        reason : str
            Empty if correct; otherwise what to print after ``Not yet:`` (the hint, or a
            note on the expected type or shape). Never contains the expected answer.
        """

    @abc.abstractmethod
    def describe(self) -> str:
        """What kind of answer is expected (``"a number"``, ``"a formula in a, theta"``),
        for the student's answer cell; never the answer itself."""

    @abc.abstractmethod
    def wrong_answers(self) -> list[Any]:
        """Some answers that must be judged wrong (used by the tests)."""

    @abc.abstractmethod
    def right_answer(self) -> Any:
        """The expected answer, in the form a student would give it (for the tests)."""


# ------------------------------------------------------------------------------------
class Number(Answer):
    """A number, or an array of numbers, equal within a tolerance.

    The student's answer ``x`` is correct when ``|x - value| <= atol + rtol * |value|``
    for every entry, with the same shape as ``value``.

    Parameters
    ----------
    value : float or array_like of float
        The expected number(s); finite.
    rtol : float, optional
        Relative tolerance, >= 0. Default 1e-3.
    atol : float, optional
        Absolute tolerance, >= 0. Default 0.
    hint : str, optional
        Printed when the answer is wrong.

    Examples
    --------
    >>> Number(3, rtol=0, atol=0).judge(3)
    (True, '')
    >>> Number(0.5, rtol=1e-2).judge(0.503)[0]
    True
    """

    kind = "number"

    def __init__(self, value: ArrayLike, rtol: float = 1e-3, atol: float = 0.0,
                 hint: str | None = None) -> None:
        super().__init__(hint)
        arr = self._as_array(value)
        if arr is None:
            raise ValueError(f"value must be a real number or an array of them, "
                             f"got {_short(value)}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"value must be finite, got {value!r}")
        for name, tol in (("rtol", rtol), ("atol", atol)):
            if (isinstance(tol, bool) or not isinstance(tol, numbers.Real)
                    or not np.isfinite(tol) or tol < 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {tol!r}")
        self.value = arr
        self.rtol = float(rtol)
        self.atol = float(atol)

    @staticmethod
    def _as_array(x: object) -> np.ndarray | None:
        """``x`` as a float array, or None if it is not a number or array of numbers."""
        if isinstance(x, (bool, np.bool_, str, bytes)) or x is None:
            return None
        try:
            arr = np.asarray(x)
            if arr.dtype == bool or arr.dtype.kind not in "iuf":
                if arr.dtype.kind != "O":
                    return None
                # sympy numbers, Python objects: try a float conversion
                arr = np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            return None
        return arr.astype(float)

    def _expected(self) -> str:
        if self.value.ndim == 0:
            return "a number"
        return f"{self.value.size} numbers (an array of shape {self.value.shape})"

    def describe(self) -> str:
        if self.value.ndim == 0:
            return "a number"
        return f"{self.value.size} numbers, as a list"

    def judge(self, answer: object) -> tuple[bool, str]:
        arr = self._as_array(answer)
        if arr is None:
            return False, f"expected {self._expected()}, got {_short(answer)}."
        if arr.shape != self.value.shape:
            if arr.size == 1 and self.value.size == 1:
                arr = arr.reshape(self.value.shape)
            else:
                got = "a number" if arr.ndim == 0 else f"shape {arr.shape}"
                return False, f"expected {self._expected()}, got {got}."
        if not np.all(np.isfinite(arr)):
            return False, f"expected {self._expected()}, got a nan or inf."
        ok = np.all(np.abs(arr - self.value) <= self.atol + self.rtol * np.abs(self.value))
        return (True, "") if ok else (False, self.hint)

    def right_answer(self) -> float | np.ndarray:
        return float(self.value) if self.value.ndim == 0 else self.value.copy()

    def wrong_answers(self) -> list[Any]:
        scale = np.maximum(np.abs(self.value), 1.0)
        step = 10 * (self.atol + self.rtol * np.abs(self.value)) + 0.1 * scale
        up, down = self.value + step, self.value - step
        if self.value.ndim == 0:
            return [float(up), float(down)]
        one = self.value.copy()
        one.flat[0] = up.flat[0]
        return [up, down, one]


# ------------------------------------------------------------------------------------
_KEYWORD_SUFFIX = "_kw_"

#: Names a student may write that sympy spells differently (numpy's, a textbook's).
_FUNCTION_ALIASES = ("arctan", "arcsin", "arccos", "ln")

#: Relative agreement two formulas must reach at every sample point (50-digit arithmetic).
_SAMPLE_RTOL = 1e-25
_SAMPLE_DIGITS = 50
_N_SAMPLES = 6


@dataclass(frozen=True)
class Asymptotic:
    """How far a :class:`Formula` answer may differ from the expected one, when the
    question asks for a leading term or says which terms to drop.

    As ``variable`` tends to ``limit`` (from the side ``direction``), the answer is
    accepted when

    - ``mode="ratio"``: answer / expected tends to 1 (the same leading term; "to
      leading order", "the leading term");
    - ``mode="bounded"``: answer - expected tends to a finite limit (the same terms
      that grow; "dropping terms that stay bounded").

    Every other symbol is held at sampled values, the limit is taken with
    :func:`sympy.limit`, and, where sympy cannot decide, numerically in 50-digit
    arithmetic along ``limit`` +- 10**-k (or 10**k for an infinite limit).

    Parameters
    ----------
    variable : str
        The symbol that tends to the limit, one of the formula's symbols.
    limit : float or str, optional
        Its limit: a number, ``"oo"`` or ``"-oo"``. Default 0.
    mode : {"ratio", "bounded"}, optional
        What must hold in the limit. Default ``"ratio"``.
    direction : {"+", "-"}, optional
        The side of a finite limit. Default ``"+"`` (from above).
    """

    variable: str
    limit: float | str = 0
    mode: str = "ratio"
    direction: str = "+"

    def __post_init__(self) -> None:
        if not isinstance(self.variable, str) or not self.variable.isidentifier():
            raise ValueError(f"variable must be a symbol name, got {self.variable!r}")
        if self.mode not in ("ratio", "bounded"):
            raise ValueError(f"mode must be 'ratio' or 'bounded', got {self.mode!r}")
        if self.direction not in ("+", "-"):
            raise ValueError(f"direction must be '+' or '-', got {self.direction!r}")
        if isinstance(self.limit, str):
            if self.limit not in ("oo", "-oo"):
                raise ValueError(f"limit must be a number, 'oo' or '-oo', "
                                 f"got {self.limit!r}")
        elif (isinstance(self.limit, bool) or not isinstance(self.limit, numbers.Real)
              or not np.isfinite(self.limit)):
            raise ValueError(f"limit must be a number, 'oo' or '-oo', got {self.limit!r}")

    def approach(self, k: int) -> sp.Expr:
        """The point 10**-k away from the limit on its side (10**k for an infinite one)."""
        step = sp.Integer(10) ** (-k)
        if self.limit == "oo":
            return 1 / step
        if self.limit == "-oo":
            return -1 / step
        base = sp.nsimplify(self.limit, rational=True)
        return base + step if self.direction == "+" else base - step

    def sympy_limit(self) -> sp.Expr:
        """The limit as a sympy object (``sp.oo`` for ``"oo"``)."""
        if self.limit == "oo":
            return sp.oo
        if self.limit == "-oo":
            return -sp.oo
        return sp.nsimplify(self.limit, rational=True)


def _finite(value: sp.Expr) -> bool:
    """Whether a sympy limit is a finite value (not oo, zoo, nan, AccumBounds, Limit)."""
    bad = (sp.oo, -sp.oo, sp.zoo, sp.nan)
    if value in bad or value.has(*bad) or value.has(sp.AccumBounds, sp.Limit):
        return False
    return value.is_finite is not False


class Formula(Answer):
    """A formula, equal to the expected one, or agreeing with it as far as the question
    asks.

    The student's answer may be a sympy expression or a string (read with
    :func:`sympy.parse_expr`; ``^`` means power, ``2a`` means ``2*a``, and ``ln``,
    ``arctan``, ``arcsin``, ``arccos`` and ``e`` are understood). Symbols are matched by
    name to the declared ``symbols``, which carry the ``assumptions``, so
    ``sp.Symbol("a")`` and ``"a"`` both mean the exercise's ``a``. A decimal (``0.25``)
    means the exact rational (``1/4``).

    The answer is accepted when it is *equal* to the expected formula: ``expand``,
    ``simplify`` or ``trigsimp`` of the difference is 0, or the two agree to 25 digits
    at six points sampled in ``ranges`` (this catches identities sympy does not prove,
    such as ``atan(x) = pi/2 - atan(1/x)`` for ``x > 0``). If the question asks only for
    a leading term, or says which terms to drop, ``asymptotic`` says so, and an answer
    that agrees in that regime is accepted too (see :class:`Asymptotic`); its
    ``O(...)`` terms are then ignored.

    Parameters
    ----------
    expr : str or sympy.Expr
        The expected formula, in the declared symbols.
    symbols : str, optional
        Space- or comma-separated names of the symbols the formula may use.
        Default ``"a theta"``. A Python keyword such as ``lambda`` is allowed.
    assumptions : dict, optional
        Assumptions given to every symbol, e.g. ``{"positive": True}`` (the default:
        every quantity of the book is a positive real) or ``{"real": True}``.
    hint : str, optional
        Printed when the answer is wrong.
    asymptotic : Asymptotic, optional
        The regime in which the question compares formulas. Default None: the answer
        must be equal to the expected formula.
    ranges : dict, optional
        Symbol name -> ``(low, high)``: where the question's values lie, for sampling
        (e.g. ``{"lam": (0.05, 0.9), "a": (1, 2)}`` keeps ``lam < 2 a``). Default
        ``(0.2, 3)`` for a positive symbol and ``(-3, 3)`` otherwise.

    Examples
    --------
    >>> f = Formula("-12*a*theta**3", symbols="a theta")
    >>> f.judge("-12 a theta^3")
    (True, '')
    >>> f.judge("-4*a*theta**3")[0]
    False
    >>> g = Formula("log(1/delta**2)", symbols="delta",
    ...             asymptotic=Asymptotic("delta", 0, "bounded"))
    >>> g.judge("log(3/delta**2)")[0], g.judge("log(1/delta)")[0]
    (True, False)
    """

    kind = "formula"

    def __init__(self, expr: str | sp.Expr, symbols: str = "a theta",
                 assumptions: dict[str, bool] | None = None, hint: str | None = None,
                 asymptotic: Asymptotic | None = None,
                 ranges: dict[str, tuple[float, float]] | None = None) -> None:
        super().__init__(hint)
        if not isinstance(symbols, str) or not symbols.strip():
            raise ValueError(f"symbols must be a non-empty string of names, "
                             f"got {symbols!r}")
        names = [s for s in re.split(r"[\s,]+", symbols.strip()) if s]
        bad = [s for s in names if not s.isidentifier()]
        if bad:
            raise ValueError(f"symbols must be identifiers, got {symbols!r}")
        if assumptions is None:
            assumptions = {"positive": True}
        if not isinstance(assumptions, dict):
            raise TypeError(f"assumptions must be a dict, got {_short(assumptions)}")
        self.names = names
        self.assumptions = dict(assumptions)
        self.symbols = {n: sp.Symbol(n, **self.assumptions) for n in names}
        if asymptotic is not None:
            if not isinstance(asymptotic, Asymptotic):
                raise ValueError(f"asymptotic must be an Asymptotic or None, "
                                 f"got {_short(asymptotic)}")
            if asymptotic.variable not in self.symbols:
                raise ValueError(f"asymptotic variable {asymptotic.variable!r} is not "
                                 f"one of the symbols {symbols!r}")
        self.asymptotic = asymptotic
        self.ranges = self._check_ranges(ranges or {})
        ok, parsed = self._read(expr)
        if not ok or not isinstance(parsed, sp.Expr):
            raise ValueError(f"expr must be a formula in {', '.join(names)}, "
                             f"got {expr!r}: {parsed}")
        self.expr: sp.Expr = parsed

    def _check_ranges(self, ranges: dict[str, tuple[float, float]]
                      ) -> dict[str, tuple[float, float]]:
        if not isinstance(ranges, dict):
            raise TypeError(f"ranges must be a dict, got {_short(ranges)}")
        out: dict[str, tuple[float, float]] = {}
        positive = bool(self.assumptions.get("positive"))
        for name in self.names:
            low, high = (0.2, 3.0) if positive else (-3.0, 3.0)
            if name in ranges:
                pair = ranges[name]
                if (not isinstance(pair, (tuple, list)) or len(pair) != 2
                        or not all(isinstance(v, numbers.Real) for v in pair)
                        or not pair[0] < pair[1]):
                    raise ValueError(f"ranges[{name!r}] must be (low, high) with "
                                     f"low < high, got {pair!r}")
                low, high = float(pair[0]), float(pair[1])
            out[name] = (low, high)
        unknown = set(ranges) - set(self.names)
        if unknown:
            raise ValueError(f"ranges names {sorted(unknown)}, not among the symbols "
                             f"{', '.join(self.names)}")
        return out

    def _read(self, answer: object) -> tuple[bool, sp.Expr | str | None]:
        """Parse ``answer`` into a sympy expression over the declared symbols.

        Returns ``(True, expr)`` or ``(False, reason)``; the reason is None when the
        answer is not a string or a sympy object at all.
        """
        if isinstance(answer, str):
            text = answer
            local: dict[str, object] = {"arctan": sp.atan, "arcsin": sp.asin,
                                        "arccos": sp.acos, "ln": sp.log}
            if "e" not in self.symbols:
                local["e"] = sp.E
            for n, s in self.symbols.items():
                if keyword.iskeyword(n):
                    text = re.sub(rf"\b{n}\b", n + _KEYWORD_SUFFIX, text)
                    local[n + _KEYWORD_SUFFIX] = s
                else:
                    local[n] = s
            trans = (*standard_transformations, implicit_multiplication, convert_xor)
            try:
                expr = parse_expr(text, local_dict=local, transformations=trans)
            except Exception as err:
                return False, (f"could not read {answer!r} as a formula "
                               f"({type(err).__name__}).")
        elif isinstance(answer, (sp.Basic, numbers.Number)) and not isinstance(
                answer, bool):
            expr = sp.sympify(answer)
        else:
            return False, None
        if not isinstance(expr, sp.Expr):
            return False, f"could not read {_short(answer)} as a formula."
        by_name = {}
        for s in expr.free_symbols:
            if not isinstance(s, sp.Symbol) or s.name not in self.symbols:
                name = getattr(s, "name", str(s))
                return False, (f"your formula uses {name}; the exercise's symbols "
                               f"are {', '.join(self.names)}.")
            by_name[s] = self.symbols[s.name]
        return True, expr.xreplace(by_name)

    # ------------------------------------------------------------------- comparison
    def _points(self, names: list[str], n: int = _N_SAMPLES) -> list[dict[sp.Symbol, sp.Expr]]:
        """``n`` fixed sample points (exact rationals) of the symbols ``names``."""
        rng = np.random.default_rng(20240617)
        points = []
        for _ in range(n):
            point = {}
            for name in names:
                low, high = self.ranges[name]
                point[self.symbols[name]] = sp.Rational(
                    round(float(rng.uniform(low, high)) * 10**6), 10**6)
            points.append(point)
        return points

    @staticmethod
    def _value(expr: sp.Expr, point: dict[sp.Symbol, sp.Expr]) -> complex | None:
        """``expr`` at ``point`` in 50-digit arithmetic, or None if it is not finite."""
        try:
            val = sp.N(expr.subs(point), _SAMPLE_DIGITS)
            z = complex(val)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            return None
        if not (np.isfinite(z.real) and np.isfinite(z.imag)):
            return None
        return z

    def _equal(self, expr: sp.Expr) -> bool:
        """Whether ``expr`` equals the expected formula (symbolically or at samples)."""
        diff = expr - self.expr
        try:
            for simplifier in (sp.expand, sp.simplify, sp.trigsimp):
                if simplifier(diff) == 0:
                    return True
        except Exception:
            pass
        compared = 0
        for point in self._points(self.names):
            want = self._value(self.expr, point)
            if want is None:
                continue
            got = self._value(expr, point)
            if got is None or abs(got - want) > _SAMPLE_RTOL * max(1.0, abs(want)):
                return False
            compared += 1
        return compared >= _N_SAMPLES // 2

    def _agrees_asymptotically(self, expr: sp.Expr) -> bool:
        """Whether ``expr`` agrees with the expected formula in the question's regime."""
        reg = self.asymptotic
        if reg is None:
            return False
        var = self.symbols[reg.variable]
        others = [n for n in self.names if n != reg.variable]
        if reg.mode == "ratio":
            if self.expr == 0:
                return False
            gap = expr / self.expr
        else:
            gap = expr - self.expr
        for point in self._points(others, n=3):
            f = gap.subs(point)
            verdict = self._sympy_limit_verdict(f, var, reg)
            if verdict is None:
                verdict = self._numeric_limit_verdict(f, var, reg)
            if not verdict:
                return False
        return True

    @staticmethod
    def _sympy_limit_verdict(f: sp.Expr, var: sp.Symbol, reg: Asymptotic) -> bool | None:
        """True/False if sympy decides the limit of ``f``, None if it cannot."""
        try:
            value = sp.limit(f, var, reg.sympy_limit(),
                             dir=reg.direction if reg.limit not in ("oo", "-oo") else "+")
        except Exception:
            return None
        if value.has(sp.Limit):
            return None
        if not _finite(value):
            return False
        if reg.mode == "bounded":
            return True
        try:
            return abs(complex(sp.N(value, 30)) - 1) < 1e-20
        except (TypeError, ValueError):
            return None

    @staticmethod
    def _numeric_limit_verdict(f: sp.Expr, var: sp.Symbol, reg: Asymptotic) -> bool:
        """The limit of ``f`` read off 50-digit values at 10**-k from the limit."""
        values = []
        for k in (20, 40, 80, 160):
            z = Formula._value(f, {var: reg.approach(k)})
            if z is None:
                return False
            values.append(z)
        settle = abs(values[-1] - values[-2])
        if settle > 1e-8 * max(1.0, abs(values[-1])):
            return False  # still moving between 10**-80 and 10**-160: no finite limit
        return reg.mode == "bounded" or abs(values[-1] - 1) < 1e-8

    def describe(self) -> str:
        return f"a formula in {', '.join(self.names)}, as a string"

    def judge(self, answer: object) -> tuple[bool, str]:
        ok, expr = self._read(answer)
        if not ok or not isinstance(expr, sp.Expr):
            if expr is None:
                return False, (f"expected a formula in {', '.join(self.names)} "
                               f"(a sympy expression or a string), got {_short(answer)}.")
            return False, str(expr)
        if expr.has(sp.Order):
            if self.asymptotic is None:
                return False, ("this exercise asks for an exact formula: leave out "
                               "the O(...) term.")
            expr = expr.removeO()
        # A decimal exponent or coefficient (q**0.25, 0.5*a) means the exact rational
        # (q**(1/4), a/2): floats do not simplify against rationals in sympy.
        expr = sp.nsimplify(expr, rational=True)
        if self._equal(expr) or self._agrees_asymptotically(expr):
            return True, ""
        return False, self.hint

    def right_answer(self) -> sp.Expr:
        return self.expr

    def wrong_answers(self) -> list[sp.Expr]:
        wrong = [2 * self.expr + 1] if self.asymptotic else [self.expr + 1]
        if self.expr != 0:
            wrong.append(2 * self.expr)
        return wrong


# ------------------------------------------------------------------------------------
class Choice(Answer):
    """An exact answer: an integer, a string, a tuple of them (a winner, an order).

    Strings are compared case-insensitively after stripping spaces; sequences (lists,
    tuples, arrays) element-wise and must have the same length; everything else with
    ``==``.

    Parameters
    ----------
    value : int, str, or sequence of int or str
        The expected answer.
    hint : str, optional
        Printed when the answer is wrong.

    Examples
    --------
    >>> Choice([1, 2, 3]).judge((1, 2, 3))
    (True, '')
    >>> Choice("Plain").judge(" plain ")
    (True, '')
    """

    kind = "choice"

    def __init__(self, value: object, hint: str | None = None) -> None:
        super().__init__(hint)
        if value is None:
            raise ValueError("value must not be None")
        self.value = self._normalize(value)
        if self.value is None:
            raise ValueError(f"value must be a number, a string or a sequence of them, "
                             f"got {_short(value)}")

    @staticmethod
    def _is_seq(x: object) -> bool:
        return isinstance(x, (Sequence, np.ndarray)) and not isinstance(x, (str, bytes))

    @classmethod
    def _normalize(cls, x: object) -> Any:
        """A comparable form of ``x``: strings lowered, sequences as tuples."""
        if isinstance(x, str):
            return x.strip().lower()
        if cls._is_seq(x):
            seq = np.asarray(x, dtype=object).ravel() if isinstance(x, np.ndarray) else x
            assert isinstance(seq, (Sequence, np.ndarray))
            items = [cls._normalize(v) for v in seq]
            return None if any(v is None for v in items) else tuple(items)
        if isinstance(x, (bool, np.bool_)):
            return bool(x)
        if isinstance(x, numbers.Integral):
            return int(x)
        if isinstance(x, numbers.Real):
            return float(x)
        return None

    def _describe(self, v: object) -> str:
        if isinstance(v, tuple):
            return f"a sequence of {len(v)} values"
        if isinstance(v, str):
            return "a string"
        if isinstance(v, bool):
            return "True or False"
        return "a number"

    def describe(self) -> str:
        v = self.value
        if isinstance(v, tuple):
            kinds = {self._describe(x) for x in v}
            what = "whole numbers" if kinds == {"a number"} else "values"
            return f"{len(v)} {what}, as a list"
        if isinstance(v, int) and not isinstance(v, bool):
            return "a whole number"
        return self._describe(v)

    def judge(self, answer: object) -> tuple[bool, str]:
        got = self._normalize(answer)
        exp = self.value
        expected = self._describe(exp)
        if got is None:
            return False, f"expected {expected}, got {_short(answer)}."
        if isinstance(exp, tuple):
            if not isinstance(got, tuple) or len(got) != len(exp):
                return False, f"expected {expected}, got {_short(answer)}."
        elif isinstance(got, tuple):
            return False, f"expected {expected}, got {_short(answer)}."
        elif isinstance(exp, str) != isinstance(got, str):
            return False, f"expected {expected}, got {_short(answer)}."
        return (True, "") if got == exp else (False, self.hint)

    def right_answer(self) -> Any:
        return list(self.value) if isinstance(self.value, tuple) else self.value

    def wrong_answers(self) -> list[Any]:
        v = self.value
        if isinstance(v, tuple):
            changed = [*v[:-1], self._other(v[-1])]
            if len(v) > 1 and tuple(reversed(v)) != v:
                return [list(reversed(v)), changed]
            return [changed]
        return [self._other(v)]

    @staticmethod
    def _other(x: Any) -> Any:
        if isinstance(x, bool):
            return not x
        if isinstance(x, str):
            return x + "x"
        if isinstance(x, tuple):
            return [*x, 0]
        return x + 1
