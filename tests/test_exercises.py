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
from deflation.exercises import Choice, Formula, Number, answers, check

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
    with pytest.raises(ValueError, match="must be a Number, Formula or Choice"):
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
