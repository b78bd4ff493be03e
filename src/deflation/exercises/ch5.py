"""Answers to the self-checking exercises of chapter 5 (labels ``ex-ch5-...``).

Each entry maps an exercise label to a :class:`~deflation.exercises.Number`,
:class:`~deflation.exercises.Formula` or :class:`~deflation.exercises.Choice`; a student
checks an answer with ``check("ex-ch5-name", answer)``. Keep hints free of the answer.
"""

from .answers import Answer, Formula, Number

ANSWERS: dict[str, Answer] = {
    # sqrt(eps / (a_l + eps)) with eps = lambda/2 = 0.005, a_l = 0.06
    "ex-ch5-attract": Number(
        0.27735, rtol=5e-3,
        hint="in the plane of u_1 and u_l, x_1^2 = 1 - x^2; set dx/dt = 0 and solve for "
             "x^2 (exactly, not to leading order), then take the square root.",
    ),
    "ex-ch5-attract-formula": Formula(
        "sqrt(varepsilon/(a_l + varepsilon))", symbols="a_l varepsilon",
        hint="substitute x_1^4 = (1 - x^2)^2 into the proposition and factor (1 - x^2).",
    ),
    # first epoch index s with 10 * 1.5**s > log(0.1 / 1e-4) / (2 * 0.06 - 0.01)
    "ex-ch5-epochs": Number(
        5, rtol=0, atol=0,
        hint="epochs are numbered from s = 0 (length t_0); compare t_0 (1 + gamma)^s "
             "with the growth time, for s = 0, 1, 2, ...",
    ),
    # ceil(sum(a_k - lambda/2) / (a_r - lambda/2)) = ceil(1.905 / 0.055) = ceil(34.6)
    "ex-ch5-counting": Number(
        35, rtol=0, atol=0,
        hint="m must reach sum(a_k - lambda/2) / delta_1^2 for some delta_1 with "
             "delta_1^2 < a_r - lambda/2; the answer is a whole number of components.",
    ),
    # smallest integer m >= 1.905 / 0.1**2 = 190.5
    "ex-ch5-counting-delta1": Number(
        191, rtol=0, atol=0,
        hint="divide the total fitted weight sum(a_k - lambda/2) by delta_1^2 and round "
             "up to a whole number of components.",
    ),
}
