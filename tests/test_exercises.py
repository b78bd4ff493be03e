"""Tests of the exercise checker (deflation.exercises).

Two parts: (1) generic tests over the registry -- every registered answer is judged
right with its own value and wrong with perturbed values; every label a chapter checks
is registered; (2) tests of the mechanism itself on local answers.
"""

import json
import re
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import deflation.exercises as ex
from deflation.exercises import Asymptotic, Choice, Formula, Number, answers, check

BOOK = Path(__file__).resolve().parents[1] / "book"
REGISTRY = ex.registry(reload=True)


# ------------------------------------------------------------------------- registry
@pytest.mark.parametrize("label", list(REGISTRY))
def test_registered_answer_accepts_its_own_value(label, capsys):
    assert check(label, REGISTRY[label].right_answer()) is True
    assert capsys.readouterr().out.strip() == "Correct."


@pytest.mark.parametrize("label", list(REGISTRY))
def test_registered_answer_rejects_wrong_values(label, capsys):
    answer = REGISTRY[label]
    wrong = answer.wrong_answers()
    assert wrong
    for w in wrong:
        assert check(label, w) is False, (label, w)
        out = capsys.readouterr().out.strip()
        assert out.startswith("Not yet: "), out
        assert out == f"Not yet: {answer.hint}"


@pytest.mark.parametrize("label", list(REGISTRY))
def test_registered_answer_survives_wrong_type(label, capsys):
    for w in (None, object(), {"a": 1}):
        assert check(label, w) is False
        assert capsys.readouterr().out.startswith("Not yet: expected ")


@pytest.mark.parametrize("label", list(REGISTRY))
def test_registered_hint_is_given(label):
    assert REGISTRY[label].hint and REGISTRY[label].hint != answers._DEFAULT_HINT, (
        f"{label}: write a hint that helps without giving the answer away")


def _checked_labels():
    """Labels passed to check("...") in the chapters (code cells and exercise texts)."""
    found = {}
    for nb in sorted(BOOK.glob("ch*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        for cell in cells:
            if cell["cell_type"] in ("code", "markdown"):
                src = "".join(cell["source"])
                for label in re.findall(r"""check\(\s*["'](ex-ch[^"']+)["']""", src):
                    found.setdefault(label, nb.name)
    return found


def test_every_label_checked_in_a_chapter_is_registered():
    missing = {lab: nb for lab, nb in _checked_labels().items() if lab not in REGISTRY}
    assert not missing, f"add these answers to src/deflation/exercises/chN.py: {missing}"


# ------------------------------------------------------------------------ mechanism
@pytest.fixture
def fake_registry(monkeypatch):
    reg = {
        "ex-ch2-winner": Number(3, rtol=0, atol=0, hint="Compare a_k v_k(0)."),
        "ex-ch2-time": Number(0.125, rtol=1e-2, hint="Use t* = 1/(8 a v0)."),
        "ex-ch2-vec": Number([1.0, 0.5, 0.25], rtol=1e-3, hint="Halve each time."),
        "ex-ch3-cubic": Formula("-12*a*theta**3", symbols="a theta",
                                hint="Expand to third order in theta."),
        "ex-ch5-bound": Formula("(s - lambda/2)/delta**2", symbols="s lambda delta",
                                hint="Count weights."),
        "ex-ch3-trig": Formula("sin(theta)**2", symbols="theta", hint="h"),
        "ex-ch1-order": Choice([1, 2, 3], hint="Largest first."),
        "ex-ch1-which": Choice("Plain", hint="Which one stalls?"),
        "ex-ch1-yes": Choice(True, hint="Think again."),
    }
    monkeypatch.setattr(ex, "_REGISTRY", reg)
    return reg


def test_number_within_tolerance(fake_registry, capsys):
    assert check("ex-ch2-winner", 3) and check("ex-ch2-winner", np.int64(3))
    assert check("ex-ch2-winner", 3.0) and check("ex-ch2-winner", np.array(3.0))
    assert not check("ex-ch2-winner", 3.0000001)
    assert check("ex-ch2-time", 0.126) and not check("ex-ch2-time", 0.13)
    assert check("ex-ch2-time", sp.Rational(1, 8))
    assert check("ex-ch2-vec", [1, 0.5, 0.25]) and not check("ex-ch2-vec", [1, 0.5, 0.3])
    out = capsys.readouterr().out.splitlines()
    assert out == ["Correct."] * 4 + ["Not yet: Compare a_k v_k(0)."] + [
        "Correct.", "Not yet: Use t* = 1/(8 a v0).", "Correct.", "Correct.",
        "Not yet: Halve each time."]


@pytest.mark.parametrize("bad", ["3", None, [3, 4], True, float("nan"), sp.Symbol("a")])
def test_number_wrong_type_or_shape_is_not_a_crash(fake_registry, capsys, bad):
    assert check("ex-ch2-winner", bad) is False
    out = capsys.readouterr().out
    assert out.startswith("Not yet: expected a number"), out


def test_number_vector_shape(fake_registry, capsys):
    assert not check("ex-ch2-vec", [1, 0.5])
    assert "expected 3 numbers" in capsys.readouterr().out
    assert not check("ex-ch2-vec", 1.0)
    assert "got a number" in capsys.readouterr().out


def test_formula_strings_and_expressions(fake_registry):
    a, theta = sp.symbols("a theta")  # no assumptions: matched by name
    assert check("ex-ch3-cubic", -12 * a * theta**3)
    assert check("ex-ch3-cubic", "-12*a*theta**3")
    assert check("ex-ch3-cubic", "-12 a theta^3")
    assert check("ex-ch3-cubic", "-6*a*theta**3*(1+1)")
    assert check("ex-ch3-cubic", "-12*a*theta**2*theta")
    assert not check("ex-ch3-cubic", "-4*a*theta**3")
    assert not check("ex-ch3-cubic", "-12*a*theta**2")
    assert check("ex-ch3-trig", "1 - cos(theta)**2")
    _r, _p = sp.symbols("s delta", positive=True)
    assert check("ex-ch5-bound", "(2*s - lambda)/(2*delta**2)")


def test_formula_bad_input_is_not_a_crash(fake_registry, capsys):
    assert not check("ex-ch3-cubic", "-12*a*theta**")
    assert "could not read" in capsys.readouterr().out
    assert not check("ex-ch3-cubic", "-12*a*x**3")
    assert "uses x" in capsys.readouterr().out
    assert not check("ex-ch3-cubic", [1, 2])
    assert capsys.readouterr().out.startswith("Not yet: expected a formula in a, theta")


def test_choice(fake_registry, capsys):
    assert check("ex-ch1-order", [1, 2, 3]) and check("ex-ch1-order", (1, 2, 3))
    assert check("ex-ch1-order", np.array([1, 2, 3]))
    assert not check("ex-ch1-order", [1, 3, 2])
    assert not check("ex-ch1-order", [1, 2])
    assert "expected a sequence of 3 values" in capsys.readouterr().out.splitlines()[-1]
    assert check("ex-ch1-which", " plain") and check("ex-ch1-which", "PLAIN")
    assert not check("ex-ch1-which", "modified") and not check("ex-ch1-which", 1)
    assert check("ex-ch1-yes", True) and not check("ex-ch1-yes", False)


def test_never_prints_the_answer(fake_registry, capsys):
    for label, wrong in [("ex-ch2-winner", 4), ("ex-ch3-cubic", "a"),
                         ("ex-ch1-order", [3, 2, 1]), ("ex-ch2-vec", "x")]:
        check(label, wrong)
    out = capsys.readouterr().out
    for secret in ("12*a", "1, 2, 3", "(1, 2, 3)", "0.25"):
        assert secret not in out


def test_unknown_label_lists_the_chapter(fake_registry):
    with pytest.raises(ValueError, match=r"ex-ch2-nope.*chapter 2.*ex-ch2-time"):
        check("ex-ch2-nope", 1)
    with pytest.raises(ValueError, match=r"chapter 4 are: \(none registered yet\)"):
        check("ex-ch4-nope", 1)
    with pytest.raises(ValueError, match="label 'winner'"):
        check("winner", 1)
    with pytest.raises(ValueError, match="label 3"):
        check(3, 1)


def test_answer_constructors_validate():
    with pytest.raises(ValueError, match="rtol"):
        Number(1, rtol=-1)
    with pytest.raises(ValueError, match="value"):
        Number("one")
    with pytest.raises(ValueError, match="value must be finite"):
        Number(float("inf"))
    with pytest.raises(ValueError, match="expr"):
        Formula("a*b", symbols="a")
    with pytest.raises(ValueError, match="symbols"):
        Formula("a", symbols="")
    with pytest.raises(ValueError, match="value"):
        Choice(None)
    with pytest.raises(ValueError, match="hint"):
        Choice(1, hint=3)


def test_registry_rejects_duplicates_and_misplaced(monkeypatch):
    import deflation.exercises.ch1 as ch1
    import deflation.exercises.ch2 as ch2

    monkeypatch.setattr(ex, "_REGISTRY", None)
    monkeypatch.setattr(ch1, "ANSWERS", {"ex-ch2-a": Choice(1)})
    with pytest.raises(ValueError, match=r"belongs in ch2\.py"):
        ex.registry()
    monkeypatch.setattr(ch1, "ANSWERS", {"ex-ch1-a": Choice(1)})
    monkeypatch.setattr(ch2, "ANSWERS", {"ex-ch1-a": Choice(1)})
    with pytest.raises(ValueError, match="defined twice"):
        ex.registry()
    monkeypatch.setattr(ch2, "ANSWERS", {"ex-ch2-a": 1})
    with pytest.raises(TypeError, match="must be a Number, Formula or Choice"):
        ex.registry()
    monkeypatch.setattr(ch2, "ANSWERS", {"Ex-ch2-a": Choice(1)})
    with pytest.raises(ValueError, match="not of the form"):
        ex.registry()
    monkeypatch.setattr(ex, "_REGISTRY", None)


def test_generic_wrong_answers_are_wrong():
    for ans in (Number(0.0, atol=0), Number(0.0, atol=1e-3), Number([2.0, 0.0]),
                Formula("0"), Formula("a"), Choice("x"), Choice([1, 1]), Choice(False)):
        assert ans.judge(ans.right_answer())[0]
        for w in ans.wrong_answers():
            assert not ans.judge(w)[0], (ans, w)


def test_formula_accepts_decimal_exponents_and_coefficients():
    from deflation.exercises import Formula

    f = Formula("exp(-lam*t)*(q0/q)**(1/4)", symbols="lam t q0 q")
    assert f.judge("exp(-lam*t)*(q0/q)**0.25")[0]
    assert f.judge("exp(-lam*t)*(q0/q)**(1/4)")[0]
    assert not f.judge("exp(-lam*t)*(q0/q)**0.5")[0]
    g = Formula("a/2", symbols="a")
    assert g.judge("0.5*a")[0] and not g.judge("0.49*a")[0]


# ------------------------------------------------- every Formula answer, audited
#: For every registered Formula: answers that are right for the question as worded
#: (equivalent forms, and where the question allows it, forms that agree up to what it
#: says to drop), and answers that are wrong. A new Formula must be added here.
FORMULA_CASES = {
    # exact blow-up time of r' = 4 a_1 r^3: equivalent forms only
    "ex-ch1-plain": (
        ["1/(8*a_1*delta_0**2)", "delta_0**(-2)/(8*a_1)", "(8 a_1 delta_0^2)^(-1)",
         "0.125/(a_1*delta_0**2)"],
        ["1/(4*a_1*delta_0**2)", "1/(8*a_1*delta_0)", "log(1/delta_0)/(2*a_1)",
         "1/(8*a_1*delta_0**2) + O(delta_0)"]),
    # pi_1 for r = 2: the arctan, and the identities sympy does not prove by itself
    "ex-ch1-miss-two": (
        ["2/pi*atan(sqrt(a_1/a_2))", "2*arctan(sqrt(a_1/a_2))/pi",
         "1 - 2/pi*atan(sqrt(a_2/a_1))", "2/pi*asin(sqrt(a_1/(a_1 + a_2)))",
         "2/pi*acos(sqrt(a_2/(a_1 + a_2)))", "2/pi*acot(sqrt(a_2/a_1))"],
        ["2/pi*atan(sqrt(a_2/a_1))", "a_1/(a_1 + a_2)", "2/pi*atan(a_1/a_2)"]),
    # exact blow-up time of p' = 3 a p^2
    "ex-ch2-order3": (
        ["1/(3*a*p0)", "(3*a*p0)**-1", "p0**(-1)/(3 a)"],
        ["1/(8*a*p0)", "1/(3*a*p0**2)", "1/(6*a*p0)"]),
    # r(t)/r(0) in the early phase with a regularizer (exact in the lemma's setting)
    "ex-ch2-reg": (
        ["exp(-lambda*t)*(q0/q)**(1/4)", "e^(-lambda t) (q0/q)^0.25",
         "((q0/q)*exp(-4*lambda*t))**(1/4)", "(q0/q)**(1/4)/exp(lambda*t)",
         "exp(-lambda*t + log(q0/q)/4)", "q0**(1/4)*exp(-lambda*t)/q**(1/4)"],
        ["exp(-lambda*t)*(q/q0)**(1/4)", "(q0/q)**(1/4)", "exp(-lambda*t/2)*(q0/q)**(1/4)",
         "exp(-2*lambda*t)*(q0/q)**(1/4)"]),
    # dc_j/dt on +u_k, exact
    "ex-ch3-order-l": (
        ["4*c_j*(a - lambda/2 - C)", "2*c_j*(2*a - lambda - 2*C)",
         "4 a c_j - 2 lambda c_j - 4 C c_j"],
        ["4*c_j*(a - lambda - C)", "2*c_j*(a - lambda/2 - C)", "4*C*(a - lambda/2 - C)"]),
    # "the leading term of theta-dot": same leading term as theta -> 0
    "ex-ch3-cubic": (
        ["-12*a*theta**3", "-12 a theta^3", "-12*a*theta**3 + O(theta**5)",
         "-12*a*theta**3 + 40*a*theta**5", "-12*a*sin(theta)**3",
         "-12*a*tan(theta)**3"],
        ["-4*a*theta**3", "12*a*theta**3", "-12*a*theta**2", "-12*a*theta**3 + theta**2",
         "-6*a*theta**3"]),
    # "dropping terms that stay bounded as delta0 -> 0": the difference stays bounded
    "ex-ch4-estimate": (
        ["log(1/delta**2)/(4*a - 2*lam)", "log((a - lam/2)/delta**2)/(4*a - 2*lam)",
         "-log(delta)/(2*a - lam)", "2*log(1/delta)/(4*a - 2*lam)",
         "log(1/delta)/(2*a - lam) + O(1)",
         "log(0.9*(a - lam/2)/(0.1*delta**2))/(4*a - 2*lam)"],
        ["log(1/delta**2)/(4*a)", "log(1/delta**2)/(2*a - lam)",
         "log(1/delta)/(4*a - 2*lam)", "1/(delta**2*(4*a - 2*lam))",
         "log(1/delta**2)/(4*a - 2*lam) + log(log(1/delta))"]),
    # the exact threshold x_c (the question says "exactly"): no leading-order form
    "ex-ch5-attract-formula": (
        ["sqrt(varepsilon/(a_l + varepsilon))", "1/sqrt(1 + a_l/varepsilon)",
         "sqrt(varepsilon)/sqrt(a_l + varepsilon)", "(varepsilon/(a_l + varepsilon))^0.5"],
        ["sqrt(varepsilon/a_l)", "varepsilon/(a_l + varepsilon)",
         "sqrt(a_l/(a_l + varepsilon))"]),
}


def test_every_formula_answer_is_audited():
    formulas = {k for k, v in REGISTRY.items() if isinstance(v, Formula)}
    assert formulas == set(FORMULA_CASES), (
        "add the accepted and the wrong answers of each Formula to FORMULA_CASES")


@pytest.mark.parametrize("label", sorted(FORMULA_CASES))
def test_formula_accepts_every_right_form(label):
    answer = REGISTRY[label]
    for form in FORMULA_CASES[label][0]:
        assert answer.judge(form) == (True, ""), (label, form)


@pytest.mark.parametrize("label", sorted(FORMULA_CASES))
def test_formula_rejects_wrong_forms(label):
    answer = REGISTRY[label]
    for form in FORMULA_CASES[label][1]:
        ok, reason = answer.judge(form)
        assert not ok, (label, form)
        assert reason, (label, form)


def test_issue17_estimate_leading_term_is_correct(capsys):
    # the answer of the issue: the leading term as worded, without the bounded term
    assert check("ex-ch4-estimate", "log(1/delta**2)/(4*a - 2*lam)") is True
    assert capsys.readouterr().out.strip() == "Correct."


def test_asymptotic_modes_and_limits():
    at_inf = Formula("x**2", symbols="x", asymptotic=Asymptotic("x", "oo", "ratio"))
    assert at_inf.judge("x**2 + x")[0] and at_inf.judge("x*(x + 1)")[0]
    assert not at_inf.judge("x**3")[0] and not at_inf.judge("2*x**2")[0]
    bounded = Formula("x", symbols="x", asymptotic=Asymptotic("x", "oo", "bounded"))
    assert bounded.judge("x + 1/x + 3")[0] and bounded.judge("x + sin(1/x)")[0]
    assert not bounded.judge("x + log(x)")[0] and not bounded.judge("2*x")[0]
    near_one = Formula("log(x - 1)", symbols="x", ranges={"x": (1.5, 3)},
                       asymptotic=Asymptotic("x", 1, "bounded"))
    assert near_one.judge("log(x**2 - 1)")[0] and not near_one.judge("log(x - 1)/2")[0]


def test_asymptotic_numeric_fallback():
    # where sympy cannot take a limit, 50-digit values along 10**-k decide
    f = Formula("log(1/delta)", symbols="delta",
                asymptotic=Asymptotic("delta", 0, "bounded"))
    reg = f.asymptotic
    delta = f.symbols["delta"]
    assert Formula._numeric_limit_verdict(sp.log(3 + delta), delta, reg) is True
    assert Formula._numeric_limit_verdict(sp.log(1 / delta), delta, reg) is False
    ratio = Asymptotic("delta", 0, "ratio")
    assert Formula._numeric_limit_verdict(1 + delta, delta, ratio) is True
    assert Formula._numeric_limit_verdict(2 + delta, delta, ratio) is False


def test_asymptotic_and_ranges_validate():
    with pytest.raises(ValueError, match="mode"):
        Asymptotic("x", 0, "close")
    with pytest.raises(ValueError, match="limit"):
        Asymptotic("x", "infinity")
    with pytest.raises(ValueError, match="direction"):
        Asymptotic("x", 0, "ratio", direction="left")
    with pytest.raises(ValueError, match="variable"):
        Asymptotic("1x")
    with pytest.raises(ValueError, match="asymptotic variable 'y'"):
        Formula("x", symbols="x", asymptotic=Asymptotic("y"))
    with pytest.raises(ValueError, match="asymptotic must be"):
        Formula("x", symbols="x", asymptotic="x -> 0")
    with pytest.raises(ValueError, match=r"ranges\['x'\]"):
        Formula("x", symbols="x", ranges={"x": (2, 1)})
    with pytest.raises(ValueError, match="ranges names"):
        Formula("x", symbols="x", ranges={"y": (0, 1)})


def test_exact_formula_refuses_order_terms_with_a_reason():
    ok, reason = Formula("a/2", symbols="a").judge("a/2 + O(a**2)")
    assert not ok and "exact formula" in reason


def test_unfilled_answer_cell_is_not_yet(capsys):
    # the student edition's answer cells start as check("ex-...", ...)
    label = next(iter(REGISTRY))
    assert check(label, ...) is False
    assert capsys.readouterr().out.strip() == (
        "Not yet: replace ... with your answer, then run the cell again.")


@pytest.mark.parametrize("label", list(REGISTRY))
def test_describe_says_the_kind_not_the_answer(label):
    answer = REGISTRY[label]
    text = answer.describe()
    assert text and "\n" not in text
    right = answer.right_answer()
    shown = [str(right)] if not isinstance(right, (list, np.ndarray)) else []
    for secret in shown:
        if len(secret) > 1:
            assert secret not in text, (label, text)


def test_describe_forms():
    assert Number(1.0).describe() == "a number"
    assert Number([1.0, 2.0, 3.0]).describe() == "3 numbers, as a list"
    assert Formula("a*theta").describe() == "a formula in a, theta, as a string"
    assert Choice(5).describe() == "a whole number"
    assert Choice([6, 2]).describe() == "2 whole numbers, as a list"
    assert Choice("plain").describe() == "a string"
