"""Tests of the autograded homework (scripts/assignments.py, ``make assignments``).

Fast tests (``make unit``): the source notebooks carry nbgrader's metadata, one
autograded cell per registered answer, and solutions the checker accepts.

The round trip runs when ``ASSIGNMENTS_CHECK=1`` (``make assignments-check``, part of
``make test``; ``make assignments`` builds the course first): in a scratch copy of the
course, nbgrader's own ``autograde`` grades a filled-in copy of every release notebook
(every answer put where the student writes it: full marks) and the release notebook as
handed out (no marks on any autograded cell); ``generate_feedback`` writes the
feedback of both.
"""

import csv
import importlib.util
import os
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "_build" / "assignments"
NBGRADER = ROOT / "_build" / "nbgrader-venv" / "bin" / "nbgrader"

sys.path.insert(0, str(ROOT / "scripts"))
_spec = importlib.util.spec_from_file_location("assignments",
                                               ROOT / "scripts" / "assignments.py")
assignments = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(assignments)

from deflation.exercises import registry  # noqa: E402

built = pytest.mark.skipif(os.environ.get("ASSIGNMENTS_CHECK") != "1",
                           reason="nbgrader round trip: run `make assignments-check`")
CHAPTERS = list(assignments.chapter_notebooks())


@pytest.fixture(scope="module")
def index():
    return assignments.BookIndex()


def _nbg(cell):
    return cell.metadata.get("nbgrader", {})


# ------------------------------------------------------------------ source notebooks
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_source_notebook_grades_every_registered_answer(path, index):
    reg = registry()
    nb, graded = assignments.homework(path, reg, index)
    tests = [c for c in nb.cells if _nbg(c).get("grade")]
    solutions = [c for c in nb.cells if _nbg(c).get("solution")]
    chapter = int(re.match(r"ch(\d+)", path.name).group(1))
    labels = {lab for lab in reg if lab.startswith(f"ex-ch{chapter}-")}
    tested = {re.search(r'check\("([^"]+)"', c.source).group(1) for c in tests}
    # every label a chapter's exercise checks is autograded, one point each
    checked = {lab for ex in assignments.exercises(nbformat.read(path, as_version=4))
               for lab in ex["checks"]}
    assert tested == checked & labels and graded == len(tests) == len(solutions)
    ids = [_nbg(c)["grade_id"] for c in nb.cells if _nbg(c)]
    assert len(ids) == len(set(ids)) == len(nb.cells)
    # Jupyter renders the texts: no MyST role left, the book's macros defined first
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert not re.search(r"\{[\w:-]+\}`", text), path.name
    assert "```{" not in text and ":class:" not in text and ":label:" not in text
    assert nb.cells[0].source.startswith("---\nmath:")
    for cell in tests:
        assert _nbg(cell)["points"] == 1 and _nbg(cell)["locked"]
        assert cell.source.splitlines()[-1].startswith("assert check(")
    for cell in solutions:
        assert cell.cell_type == "code" and not _nbg(cell)["locked"]
        src = cell.source
        assert src.count("### BEGIN SOLUTION") == src.count("### END SOLUTION") == 1


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_source_solutions_are_right(path, index):
    """The value between the solution markers is what the checker accepts."""
    reg = registry()
    nb, _ = assignments.homework(path, reg, index)
    for cell in nb.cells:
        if not _nbg(cell).get("solution"):
            continue
        label = re.search(r'check\("([^"]+)"', cell.source).group(1)
        block = cell.source.split("### BEGIN SOLUTION\n")[1].split("### END SOLUTION")[0]
        scope = {}
        exec(block, scope)  # a single assignment of a literal
        value = scope[assignments.variable(label)]
        assert reg[label].judge(value) == (True, ""), (label, value)


def test_variable_and_literal():
    import numpy as np
    import sympy as sp

    assert assignments.variable("ex-ch3-which-fitted") == "ans_which_fitted"
    assert assignments.literal(np.array([0.7, 0.2])) == "[0.7, 0.2]"
    assert assignments.literal(2.0) == "2" and assignments.literal(0.5) == "0.5"
    assert assignments.literal(sp.sympify("a/2")) == "'a/2'"


# --------------------------------------------------------------------- round trip
def _release_names():
    return sorted(p.name for p in (COURSE / "release").iterdir() if p.is_dir())


def _fill(release_nb, source_nb):
    """The release notebook with each solution stub replaced by the source's solution,
    as a student who knows every answer would write it."""
    sols = {_nbg(c)["grade_id"]: c.source for c in source_nb.cells
            if _nbg(c).get("solution")}
    for cell in release_nb.cells:
        gid = _nbg(cell).get("grade_id")
        if gid in sols:
            answer = sols[gid].split("### BEGIN SOLUTION\n")[1].split("### END SOLUTION")[0]
            assert "raise NotImplementedError()" in cell.source
            cell.source = re.sub(r"# YOUR CODE HERE\nraise NotImplementedError\(\)\n?",
                                 answer, cell.source)
    return release_nb


@built
def test_release_has_no_solutions():
    names = _release_names()
    assert names == sorted(p.stem for p in CHAPTERS)
    for name in names:
        source = nbformat.read(COURSE / "source" / name / f"{name}.ipynb", as_version=4)
        release = nbformat.read(COURSE / "release" / name / f"{name}.ipynb", as_version=4)
        raw = (COURSE / "release" / name / f"{name}.ipynb").read_text()
        assert "BEGIN SOLUTION" not in raw and "END SOLUTION" not in raw, name
        for cell in source.cells:
            if _nbg(cell).get("solution"):
                answer_line = cell.source.split("### BEGIN SOLUTION\n")[1].split("\n")[0]
                assert answer_line not in raw, (name, answer_line)
        stubs = sum("raise NotImplementedError()" in c.source for c in release.cells
                    if c.cell_type == "code")
        assert stubs == sum(bool(_nbg(c).get("solution")) for c in source.cells)


def _scores(course):
    """(student, assignment) -> (score, max_score) from `nbgrader export`."""
    assignments.run_nbgrader(NBGRADER, course, "export", "--to", "grades.csv")
    with open(course / "grades.csv") as fh:
        return {(row["student_id"], row["assignment"]):
                (float(row["raw_score"] or 0), float(row["max_score"]))
                for row in csv.DictReader(fh)}


@built
def test_nbgrader_round_trip(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(COURSE, course, ignore=shutil.ignore_patterns("submitted",
                                                                  "autograded", "feedback"))
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text().replace(repr(str(COURSE)), repr(str(course))))
    names = _release_names()
    for name in names:
        release = COURSE / "release" / name / f"{name}.ipynb"
        source = nbformat.read(COURSE / "source" / name / f"{name}.ipynb", as_version=4)
        blank = course / "submitted" / "blank" / name / f"{name}.ipynb"
        blank.parent.mkdir(parents=True)
        shutil.copy2(release, blank)
        filled = course / "submitted" / "filled" / name / f"{name}.ipynb"
        filled.parent.mkdir(parents=True)
        nbformat.write(_fill(nbformat.read(release, as_version=4), source), filled)
    t0 = time.perf_counter()
    # nbgrader's own autograde, as an instructor runs it: every assignment, every student
    assignments.run_nbgrader(NBGRADER, course, "autograde", "*", "--force")
    graded = time.perf_counter() - t0
    scores = _scores(course)
    report = []
    for name in names:
        n = sum(bool(_nbg(c).get("grade")) for c in nbformat.read(
            COURSE / "source" / name / f"{name}.ipynb", as_version=4).cells)
        full, top = scores[("filled", name)]
        none, top_blank = scores[("blank", name)]
        report.append(f"{name}: filled {full:g}/{top:g}, release {none:g}/{top_blank:g}")
        assert top == top_blank == n, name
        assert full == top, f"{name}: the filled-in copy got {full} of {top}"
        assert none == 0, f"{name}: the release copy got {none} of {top}"
    assignments.run_nbgrader(NBGRADER, course, "generate_feedback", "*", "--force")
    for name in names:
        for student in ("filled", "blank"):
            page = course / "feedback" / student / name / f"{name}.html"
            assert page.is_file(), page
    print("\n" + "\n".join(report) + f"\nautograde of {2 * len(names)} notebooks: "
          f"elapsed {graded:.0f} s")
