"""Answers to the self-checking exercises of chapter 1 (labels ``ex-ch1-...``).

Each entry maps an exercise label to a :class:`~deflation.exercises.Number`,
:class:`~deflation.exercises.Formula` or :class:`~deflation.exercises.Choice`; a student
checks an answer with ``check("ex-ch1-name", answer)``. Keep hints free of the answer.
"""

from .answers import Answer, Formula, Number

ANSWERS: dict[str, Answer] = {
    # weight at rest of a component on u_1, a_1 = 1, lambda = 0.4: a_1 - lambda/2
    "ex-ch1-l1": Number(
        0.8, rtol=1e-3,
        hint="set the radial rate 2 R(wbar^4) - lambda to zero with R(wbar^4) = a_1 - c.",
    ),
    # blow-up time of r' = 4 a_1 r^3 from r(0) = delta_0
    "ex-ch1-plain": Formula(
        "1/(8*a_1*delta_0**2)", symbols="a_1 delta_0",
        hint="solve for 1/r^2, which changes linearly in time, and find where it is 0.",
    ),
    # r = 2: P(a_1 g_1^2 > a_2 g_2^2) = (2/pi) arctan(sqrt(a_1/a_2))
    "ex-ch1-miss-two": Formula(
        "2/pi*atan(sqrt(a_1/a_2))", symbols="a_1 a_2",
        hint="write the event with the ratio g_2/g_1 and use the Cauchy distribution.",
    ),
    # (1 - pi_5)^20 for weights (1, .8, .6, .4, .2): 0.36086...
    "ex-ch1-miss": Number(
        0.3608640690015792, rtol=5e-3,
        hint="each of the m components misses u_5 independently; use pi_5 from "
             "theory.win_probabilities.",
    ),
    # smallest m with (1 - pi_5)^m < 0.01
    "ex-ch1-miss-m": Number(
        91, rtol=0, atol=0,
        hint="solve m log(1 - pi_5) < log(0.01) for the smallest whole m.",
    ),
}
