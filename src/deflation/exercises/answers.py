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

import numpy as np

__all__ = ["Answer", "Number", "Formula", "Choice"]

_DEFAULT_HINT = "compare your answer with the exercise text and try again."


def _short(value) -> str:
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

    def __init__(self, hint: str | None = None):
        if hint is not None and not isinstance(hint, str):
            raise ValueError(f"hint must be a string or None, got {_short(hint)}")
        self.hint = hint if hint else _DEFAULT_HINT

    @abc.abstractmethod
    def judge(self, answer) -> tuple[bool, str]:
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
    def wrong_answers(self) -> list:
        """Some answers that must be judged wrong (used by the tests)."""

    @abc.abstractmethod
    def right_answer(self):
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

    def __init__(self, value, rtol: float = 1e-3, atol: float = 0.0, hint=None):
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
    def _as_array(x):
        """``x`` as a float array, or None if it is not a number or array of numbers."""
        if isinstance(x, (bool, np.bool_, str, bytes)) or x is None:
            return None
        try:
            arr = np.asarray(x)
            if arr.dtype == bool or arr.dtype.kind not in "iuf":
                # sympy numbers, Python objects: try a float conversion
                arr = np.asarray(x, dtype=float) if arr.dtype.kind == "O" else None
        except (TypeError, ValueError):
            return None
        if arr is None:
            return None
        return arr.astype(float)

    def _expected(self) -> str:
        if self.value.ndim == 0:
            return "a number"
        return f"{self.value.size} numbers (an array of shape {self.value.shape})"

    def judge(self, answer):
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

    def right_answer(self):
        return float(self.value) if self.value.ndim == 0 else self.value.copy()

    def wrong_answers(self):
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


class Formula(Answer):
    """A formula, equal to the expected one up to simplification.

    The student's answer may be a sympy expression or a string (read with
    :func:`sympy.parse_expr`; ``^`` means power and ``2a`` means ``2*a``). Symbols are
    matched by name to the declared ``symbols``, which carry the ``assumptions``, so
    ``sp.Symbol("a")`` and ``"a"`` both mean the exercise's ``a``. The answer is correct
    when ``sp.simplify(student - expected) == 0``, or when ``expand`` or ``trigsimp``
    of the difference is 0.

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

    Examples
    --------
    >>> f = Formula("-12*a*theta**3", symbols="a theta")
    >>> f.judge("-12 a theta^3")
    (True, '')
    >>> f.judge("-4*a*theta**3")[0]
    False
    """

    kind = "formula"

    def __init__(self, expr, symbols: str = "a theta", assumptions=None, hint=None):
        import sympy as sp

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
            raise ValueError(f"assumptions must be a dict, got {_short(assumptions)}")
        self.names = names
        self.assumptions = dict(assumptions)
        self.symbols = {n: sp.Symbol(n, **self.assumptions) for n in names}
        ok, parsed = self._read(expr)
        if not ok:
            raise ValueError(f"expr must be a formula in {', '.join(names)}, "
                             f"got {expr!r}: {parsed}")
        self.expr = parsed

    def _read(self, answer):
        """Parse ``answer`` into a sympy expression over the declared symbols.

        Returns ``(True, expr)`` or ``(False, reason)``.
        """
        import sympy as sp
        from sympy.parsing.sympy_parser import (
            convert_xor,
            implicit_multiplication,
            parse_expr,
            standard_transformations,
        )

        if isinstance(answer, str):
            text = answer
            local = {}
            for n, s in self.symbols.items():
                if keyword.iskeyword(n):
                    text = re.sub(rf"\b{n}\b", n + _KEYWORD_SUFFIX, text)
                    local[n + _KEYWORD_SUFFIX] = s
                else:
                    local[n] = s
            trans = standard_transformations + (implicit_multiplication, convert_xor)
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
            if s.name not in self.symbols:
                return False, (f"your formula uses {s.name}; the exercise's symbols "
                               f"are {', '.join(self.names)}.")
            by_name[s] = self.symbols[s.name]
        return True, expr.xreplace(by_name)

    def judge(self, answer):
        import sympy as sp

        ok, expr = self._read(answer)
        if not ok:
            if expr is None:
                return False, (f"expected a formula in {', '.join(self.names)} "
                               f"(a sympy expression or a string), got {_short(answer)}.")
            return False, expr
        # A decimal exponent or coefficient (q**0.25, 0.5*a) means the exact rational
        # (q**(1/4), a/2): floats do not simplify against rationals in sympy.
        expr = sp.nsimplify(expr, rational=True)
        diff = expr - self.expr
        try:
            for simplifier in (sp.expand, sp.simplify, sp.trigsimp):
                if simplifier(diff) == 0:
                    return True, ""
        except Exception:
            pass
        return False, self.hint

    def right_answer(self):
        return self.expr

    def wrong_answers(self):
        wrong = [self.expr + 1]
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

    def __init__(self, value, hint=None):
        super().__init__(hint)
        if value is None:
            raise ValueError("value must not be None")
        self.value = self._normalize(value)
        if self.value is None:
            raise ValueError(f"value must be a number, a string or a sequence of them, "
                             f"got {_short(value)}")

    @staticmethod
    def _is_seq(x) -> bool:
        return isinstance(x, (Sequence, np.ndarray)) and not isinstance(x, (str, bytes))

    @classmethod
    def _normalize(cls, x):
        """A comparable form of ``x``: strings lowered, sequences as tuples."""
        if isinstance(x, str):
            return x.strip().lower()
        if cls._is_seq(x):
            items = [cls._normalize(v) for v in np.asarray(x, dtype=object).ravel()] \
                if isinstance(x, np.ndarray) else [cls._normalize(v) for v in x]
            return None if any(v is None for v in items) else tuple(items)
        if isinstance(x, (bool, np.bool_)):
            return bool(x)
        if isinstance(x, numbers.Integral):
            return int(x)
        if isinstance(x, numbers.Real):
            return float(x)
        return None

    def _describe(self, v) -> str:
        if isinstance(v, tuple):
            return f"a sequence of {len(v)} values"
        if isinstance(v, str):
            return "a string"
        if isinstance(v, bool):
            return "True or False"
        return "a number"

    def judge(self, answer):
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

    def right_answer(self):
        return list(self.value) if isinstance(self.value, tuple) else self.value

    def wrong_answers(self):
        v = self.value
        if isinstance(v, tuple):
            changed = list(v[:-1]) + [self._other(v[-1])]
            if len(v) > 1 and tuple(reversed(v)) != v:
                return [list(reversed(v)), changed]
            return [changed]
        return [self._other(v)]

    @staticmethod
    def _other(x):
        if isinstance(x, bool):
            return not x
        if isinstance(x, str):
            return x + "x"
        if isinstance(x, tuple):
            return list(x) + [0]
        return x + 1
