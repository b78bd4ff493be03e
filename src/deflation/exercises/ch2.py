"""Answers to the self-checking exercises of chapter 2 (labels ``ex-ch2-...``).

Each entry maps an exercise label to a :class:`~deflation.exercises.Number`,
:class:`~deflation.exercises.Formula` or :class:`~deflation.exercises.Choice`; a student
checks an answer with ``check("ex-ch2-name", answer)``. Keep hints free of the answer.
"""

from . import Choice, Formula, Number  # noqa: F401

ANSWERS = {
}
