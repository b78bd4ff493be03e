"""Answers to the self-checking exercises of chapter 3 (labels ``ex-ch3-...``).

Each entry maps an exercise label to a :class:`~deflation.exercises.Number`,
:class:`~deflation.exercises.Formula` or :class:`~deflation.exercises.Choice`; a student
checks an answer with ``check("ex-ch3-name", answer)``. Keep hints free of the answer.
"""

from .answers import Answer, Asymptotic, Choice, Formula, Number

ANSWERS: dict[str, Answer] = {
    # a = (1, 0.5, 0.25), lambda = 0.6: the weights at rest, max(a_k - lambda/2, 0)
    "ex-ch3-which-fitted": Number(
        [0.7, 0.2, 0.0], rtol=0, atol=1e-3,
        hint="give three weights, one per direction: what does the fitted-weight "
             "proposition say a group on u_k holds at rest, and when is it never fitted?"),
    # zero eigenvalues of one group of three in d = 3: d(n-1) = 6 at lambda = 0; n-1 = 2
    "ex-ch3-spectrum": Choice(
        [6, 2],
        hint="give two counts, lambda = 0 first; add up the multiplicities of the local "
             "stability proposition that vanish (n_k = 3, d = 3)."),
    # dc_j/dt on +u_k at any order l
    "ex-ch3-order-l": Formula(
        "4*c_j*(a - lambda/2 - C)", symbols="a lambda c_j C",
        hint="evaluate R(u_k^l) when the group sits exactly on u_k, then use "
             "dc/dt = 2 r dr/dt."),
    # leading term of the angular velocity on the curve where the radial eq. is at rest
    # "the leading term": any answer with the same leading term as theta -> 0 is right
    "ex-ch3-cubic": Formula(
        "-12*a*theta**3", symbols="a theta",
        asymptotic=Asymptotic("theta", 0, "ratio"),
        hint="keep c on the curve where the radial equation is at rest "
             "(c = a/2 + O(theta^2)), and expand every factor to third order."),
}
