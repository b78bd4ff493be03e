"""Answers to the self-checking exercises of chapter 2 (labels ``ex-ch2-...``).

Each entry maps an exercise label to a :class:`~deflation.exercises.Number`,
:class:`~deflation.exercises.Formula` or :class:`~deflation.exercises.Choice`; a student
checks an answer with ``check("ex-ch2-name", answer)``. Keep hints free of the answer.
"""

from .answers import Answer, Choice, Formula, Number

ANSWERS: dict[str, Answer] = {
    # one power-method step raises every ratio a_k v_k / (a_l v_l) to this power
    "ex-ch2-power": Number(
        3, rtol=0, atol=0,
        hint="write p_k -> a_k p_k^3 / N, square it, multiply by a_k and divide two of them.",
    ),
    # order 3: p' = 3 a p^2 while small, blow-up time of p from p0
    "ex-ch2-order3": Formula(
        "1/(3*a*p0)", symbols="a p0",
        hint="separate the variables in dp/dt = 3 a p^2 and find when 1/p reaches 0.",
    ),
    # norm of a component with a regularizer, before the model tensor matters
    "ex-ch2-reg": Formula(
        "exp(-lambda*t)*(q0/q)**(1/4)", symbols="lambda t q0 q",
        hint="find the time derivatives of log r and of log q in terms of S and lambda, "
             "then eliminate the integral of S.",
    ),
    # weights (1, .8, .6, .4, .2), v(0) = (.05, .07, .09, .12, .30): index k of u_k
    "ex-ch2-winner": Choice(
        5,
        hint="the weights and the initial correlations count together: compare the "
             "five products a_k v_k(0), not either factor alone.",
    ),
    # blow-up time for a = 0.6, v0 = 0.05
    "ex-ch2-blowup": Number(
        1 / (8 * 0.6 * 0.05), rtol=1e-3,
        hint="solve dv/dt = 8 a v^2 for 1/v and find when it reaches 0.",
    ),
}
