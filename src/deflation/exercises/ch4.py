"""Answers to the self-checking exercises of chapter 4 (labels ``ex-ch4-...``).

Each entry maps an exercise label to a :class:`~deflation.exercises.Number`,
:class:`~deflation.exercises.Formula` or :class:`~deflation.exercises.Choice`; a student
checks an answer with ``check("ex-ch4-name", answer)``. Keep hints free of the answer.
"""

from .answers import Answer, Asymptotic, Formula, Number

ANSWERS: dict[str, Answer] = {
    # a = (1, 0.98), d = 10, m = 20, seeds 0-9: runs in which u_2 is fitted first
    "ex-ch4-close": Number(
        2, rtol=0, atol=0,
        hint="count the seeds whose first fit time belongs to u_2 (index 1 of fit_times)."),
    # relative radial rate of a small component lying exactly on a fitted u_1
    "ex-ch4-stalled": Number(
        0.0, rtol=0, atol=1e-6,
        hint="the radial rate is 2 R(u_1^4) - lambda; what is R(u_1^4) once the group "
             "on u_1 holds its fitted weight?"),
    # eigenvalues of W^T W after matrix factorization with weights (1, 0.5), d = 4
    "ex-ch4-matrix": Number(
        [1.0, 0.5, 0.0, 0.0], rtol=0, atol=1e-3,
        hint="give the four eigenvalues of W^T W in decreasing order; which weights does "
             "the matrix flow fit?"),
    # leading growth term of the fit-time estimate with a regularizer; the question
    # drops "terms that stay bounded as delta0 -> 0", so log(1/delta**2)/(4a - 2 lam)
    # and log((a - lam/2)/delta**2)/(4a - 2 lam) are both right (lam < 2a: fitted)
    "ex-ch4-estimate": Formula(
        "log(1/delta**2)/(4*a - 2*lam)", symbols="a lam delta",
        asymptotic=Asymptotic("delta", 0, "bounded"),
        ranges={"a": (1.0, 2.0), "lam": (0.05, 0.9), "delta": (1e-3, 0.1)},
        hint="solve the logistic equation with C(0) = delta^2 and keep the term that "
             "grows as delta -> 0; the rate is 4 times the fitted weight."),
    # loss on the plateau after three fits, linear profile, lambda = 0.2
    "ex-ch4-plateau": Number(
        0.5 * (0.4**2 + 0.2**2) + 3 * 0.5 * 0.1**2 + 0.1 * (0.9 + 0.7 + 0.5),
        rtol=1e-6, atol=0,
        hint="a fitted component leaves a residual of lambda/2 and pays lambda/2 times "
             "its weight in the regularizer; an unfitted one leaves a_k."),
}
