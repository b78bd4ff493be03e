"""Self-checking exercises: ``check(label, answer)``.

A student who has worked out an exercise with a definite answer (a number, a formula,
a predicted time, a winner) checks it in the notebook::

    from deflation.exercises import check
    check("ex-ch3-cubic", "-12*a*theta**3")

:func:`check` prints ``Correct.`` or ``Not yet: <hint>`` and returns ``True`` or
``False``. It never prints the expected answer.

The answers live in the modules ``deflation.exercises.ch1`` ... ``ch6``, one per
chapter, as a dictionary ``ANSWERS`` from exercise label (``ex-chN-...``) to one of the
answer types below:

- :class:`~deflation.exercises.answers.Number` -- a number or an array of numbers, equal
  within a tolerance;
- :class:`~deflation.exercises.answers.Formula` -- a sympy formula, equal up to
  simplification or at sampled points, or, where the question asks only for a leading
  term or says which terms to drop, agreeing in that regime
  (:class:`~deflation.exercises.answers.Asymptotic`);
- :class:`~deflation.exercises.answers.Choice` -- an exact value (an int, a string, a
  sequence of them).

They live in :mod:`deflation.exercises.answers` and are re-exported here.

The registry merges the six dictionaries and rejects a label defined twice or a label
in the wrong chapter's module.
"""

from __future__ import annotations

import importlib
import re

from .answers import Answer, Asymptotic, Choice, Formula, Number, _short

__all__ = ["Answer", "Asymptotic", "Choice", "Formula", "Number", "check", "labels",
           "registry"]

#: Chapters that have an answer module ``deflation.exercises.chN``.
CHAPTERS = (1, 2, 3, 4, 5, 6)

_LABEL = re.compile(r"^ex-ch(\d+)-[a-z0-9][a-z0-9-]*$")


# ------------------------------------------------------------------------------------
_REGISTRY: dict[str, Answer] | None = None


def registry(*, reload: bool = False) -> dict[str, Answer]:
    """All registered answers, merged from the modules ``ch1`` ... ``ch6``.

    Parameters
    ----------
    reload : bool, optional
        Re-import the chapter modules (after editing one). Default False.

    Returns
    -------
    dict
        Label -> :class:`~deflation.exercises.answers.Answer`, sorted by label.

    Raises
    ------
    ValueError
        If a label is defined in two modules, sits in the wrong chapter's module, is not
        of the form ``ex-chN-name``, or its value is not an
        :class:`~deflation.exercises.answers.Answer`.
    """
    global _REGISTRY
    if _REGISTRY is not None and not reload:
        return _REGISTRY
    merged: dict[str, Answer] = {}
    where: dict[str, str] = {}
    for n in CHAPTERS:
        modname = f"{__name__}.ch{n}"
        mod = importlib.import_module(modname)
        if reload:
            mod = importlib.reload(mod)
        answers = getattr(mod, "ANSWERS", None)
        if not isinstance(answers, dict):
            raise TypeError(f"{modname}.ANSWERS must be a dict, got {_short(answers)}")
        for label, ans in answers.items():
            m = _LABEL.match(label) if isinstance(label, str) else None
            if m is None:
                raise ValueError(f"label {label!r} in {modname} is not of the form "
                                 f"'ex-chN-name' (lower case, digits, hyphens)")
            if label in merged:
                raise ValueError(f"label {label!r} is defined twice: in {where[label]} "
                                 f"and in {modname}")
            if int(m.group(1)) != n:
                raise ValueError(f"label {label!r} belongs in ch{m.group(1)}.py, "
                                 f"not in {modname}")
            if not isinstance(ans, Answer):
                raise TypeError(f"answer of {label!r} in {modname} must be a Number, "
                                 f"Formula or Choice, got {_short(ans)}")
            merged[label] = ans
            where[label] = modname
    _REGISTRY = dict(sorted(merged.items()))
    return _REGISTRY


def labels(chapter: int | None = None) -> list[str]:
    """The registered exercise labels, all or those of one chapter.

    Parameters
    ----------
    chapter : int, optional
        Chapter number (1-6). Default: every chapter.

    Returns
    -------
    list of str
        Sorted labels.
    """
    reg = registry()
    if chapter is None:
        return list(reg)
    if chapter not in CHAPTERS:
        raise ValueError(f"chapter must be one of {CHAPTERS}, got {chapter!r}")
    return [k for k in reg if k.startswith(f"ex-ch{chapter}-")]


def check(label: str, answer: object) -> bool:
    """Check a student's answer to an exercise; print the verdict.

    Prints ``Correct.`` or ``Not yet: <hint>``; never prints the expected answer.
    An answer of the wrong type or shape is "not yet", with a note on what was
    expected, not an error.

    Parameters
    ----------
    label : str
        The exercise label, ``ex-chN-name``, as given in the exercise text.
    answer : object
        Your answer: a number (or array), a formula (sympy expression or string such
        as ``"-12*a*theta**3"``), or a choice (an int, a string, a list), as the
        exercise asks.

    Returns
    -------
    bool
        True if the answer is correct.

    Raises
    ------
    ValueError
        If ``label`` is not a registered exercise; the message lists the labels of that
        chapter.

    Examples
    --------
    >>> from deflation.exercises import check
    >>> check("ex-ch3-cubic", "-12*a*theta**3")  # doctest: +SKIP
    Correct.
    True
    """
    reg = registry()
    if not isinstance(label, str) or label not in reg:
        m = _LABEL.match(label) if isinstance(label, str) else None
        chapter = int(m.group(1)) if m else None
        if chapter in CHAPTERS:
            known = labels(chapter)
            listed = ", ".join(known) if known else "(none registered yet)"
            raise ValueError(f"label {label!r} is not a known exercise; the exercises "
                             f"of chapter {chapter} are: {listed}")
        raise ValueError(f"label {label!r} is not a known exercise; labels look like "
                         f"'ex-chN-name' with N in 1-6 (known: {', '.join(reg) or 'none'})")
    if answer is Ellipsis:  # the answer cell of the student edition, not filled in
        print("Not yet: replace ... with your answer, then run the cell again.")
        return False
    ok, reason = reg[label].judge(answer)
    print("Correct." if ok else f"Not yet: {reason}")
    return bool(ok)
