"""Answers to the self-checking exercises of chapter 6 (labels ``ex-ch6-...``).

Each entry maps an exercise label to a :class:`~deflation.exercises.Number`,
:class:`~deflation.exercises.Formula` or :class:`~deflation.exercises.Choice`; a student
checks an answer with ``check("ex-ch6-name", answer)``. Keep hints free of the answer.
"""

from .answers import Answer, Choice, Number

_A = (1.0, 0.7, 0.5, 0.35)  # the correlated targets' weights
_RHO = 0.6

ANSWERS: dict[str, Answer] = {
    # lim_{rho -> 0} (b_1 - a_1 - rho^4 sum_{j>=2} a_j) / rho^6 = 2 sum_{j>=2} a_j^2 / a_1
    "ex-ch6-weight-shift": Number(
        2 * sum(x * x for x in _A[1:]) / _A[0], rtol=1e-3,
        hint="keep both second-order terms: the linear term 4<g, delta> does not vanish "
             "(delta is orthogonal to u_1, not to g), and the normalization of "
             "u_1 + delta contributes -2 a_1 |delta|^2; then expand |g|^2 to order rho^6.",
    ),
    # order 3, a = (1, .5), p(0) = (-.4, .1): index k of the u_k the component fits
    "ex-ch6-odd-winner": Choice(
        2,
        hint="at odd order a negative correlation never grows; compare a_k p_k over the "
             "positive p_k only.",
    ),
    # SS-HOPM shift (l - 1) ||T*||_F for the first component, rho = 0.6, order 4
    "ex-ch6-sshopm": Number(
        3 * (sum(x * x for x in _A)
             + _RHO**4 * (sum(_A) ** 2 - sum(x * x for x in _A))) ** 0.5,
        rtol=1e-3,
        hint="||T*||_F^2 = sum_{j,k} a_j a_k <u_j, u_k>^4; split the diagonal j = k from "
             "the pairs j != k, then multiply the norm by l - 1.",
    ),
    # runs computed by the second identical dfl.sweep call
    "ex-ch6-new-sweep": Number(
        0, rtol=0, atol=0,
        hint="look at how the cache file names are formed, and what the second call "
             "finds on disk.",
    ),
}
