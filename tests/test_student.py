"""Tests of the student edition (scripts/student.py) and of the release files.

Fast tests (run by ``make unit``): the solution stripper on small notebooks, and that
CITATION.cff matches the package.

Tests of the built student edition run only when ``STUDENT_CHECK=1`` (``make
student-check`` builds the edition first, then runs them): no text or code of a
solution reaches the student notebooks or the student HTML book, and every student
notebook still runs from top to bottom.
"""

import copy
import html
import importlib.util
import os
import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
STUDENT = ROOT / "_build" / "student"
SHINGLE = 8  # a solution "reaches" the student edition if 8 consecutive words do

_spec = importlib.util.spec_from_file_location("student", ROOT / "scripts" / "student.py")
student = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(student)

built = pytest.mark.skipif(os.environ.get("STUDENT_CHECK") != "1",
                           reason="student edition checks: run `make student-check`")


# ------------------------------------------------------------------- the stripper
def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    for kind, src, tags in cells:
        new = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        nb.cells.append(new(src, metadata={"tags": tags} if tags else {}))
    return nb


def _sources(nb):
    return [c.source for c in nb.cells]


def test_strip_removes_tagged_cells_and_keeps_the_rest():
    nb = _nb(("md", "Exercise text", []),
             ("md", "```{solution-start} ex-ch1-a\n:class: dropdown\n```\nSecret", ["solution"]),
             ("code", "secret_code = 1", ["solution"]),
             ("md", "```{solution-end}\n```", ["solution"]),
             ("code", "visible = 2", []))
    nb.cells[4].outputs = [nbformat.v4.new_output("stream", text="2\n")]
    out = student.strip_solutions(nb)
    assert _sources(out) == ["Exercise text", "visible = 2"]
    assert out.cells[1].outputs[0]["text"] == "2\n"


def test_strip_removes_untagged_gated_regions_across_cells():
    nb = _nb(("md", ("Before\n```{exercise-end}\n```\n```{solution-start} ex-ch1-a\n"
                    ":class: dropdown\n```\nSecret prose"), []),
             ("code", "secret_code = 1", []),
             ("md", "More secret\n```{solution-end}\n```\nAfter", []),
             ("md", "```{solution-start} ex-ch1-b\n```\nS\n```{solution-end}\n```", []),
             ("md", ":::{solution} ex-ch1-c\nungated secret\n:::\nTail", []))
    out = student.strip_solutions(nb)
    assert _sources(out) == ["Before\n```{exercise-end}\n```", "After", "Tail"]


def test_strip_keeps_notebook_without_solutions():
    nb = _nb(("md", "# Title", []), ("code", "x = 1", ["hide-input"]))
    assert _sources(student.strip_solutions(nb)) == ["# Title", "x = 1"]


# ------------------------------------------------------------------- answer cells
_EXERCISE = ("```{exercise-start}\n:label: ex-ch1-a\n```\nWork it out. Run\n\n"
             "```python\nx = 1 + 1\n```\n\nCheck: `check(\"ex-ch1-l1\", answer)`.\n"
             "```{exercise-end}\n```")


def test_answer_cell_follows_each_exercise():
    nb = _nb(("code", "from deflation.exercises import check", []),
             ("md", "## Exercises\n\n" + _EXERCISE, []),
             ("md", "```{solution-start} ex-ch1-a\n```", ["solution"]),
             ("code", 'check("ex-ch1-l1", 0.8)\ncheck("ex-ch1-plain", "x")', ["solution"]),
             ("md", "```{solution-end}\n```", ["solution"]),
             ("md", "```{exercise-start}\n:label: ex-ch1-b\n```\nExplore.", []),
             ("md", "More text.\n```{exercise-end}\n```", []),
             ("md", "## Summary", []))
    full = nb
    stripped = student.strip_solutions(copy.deepcopy(full))
    assert student.add_answer_cells(stripped, full, chapter=1) == 2
    kinds = [("answer" in c.metadata.get("tags", []), c.source[:14]) for c in stripped.cells]
    assert [k for k, _ in kinds] == [False, False, True, False, False, True, False]
    first, second = stripped.cells[2], stripped.cells[5]
    assert first.cell_type == "code" and first.outputs == []
    assert first.source.startswith("# Exercise 1.1 (ex-ch1-a): your work here.")
    # the exercise's code, then one check per label of its text and its solution
    assert "x = 1 + 1" in first.source
    assert first.source.index("x = 1 + 1") < first.source.index('check("ex-ch1-l1", ...)')
    assert 'check("ex-ch1-plain", ...)  # a formula in a_1, delta_0' in first.source
    assert "0.8" not in first.source and "from deflation" not in first.source
    assert second.source == "# Exercise 1.2 (ex-ch1-b): your work here."
    assert len({c.id for c in stripped.cells}) == len(stripped.cells)


def test_every_chapter_exercise_gets_an_answer_cell_with_its_checks():
    """On the real chapters: one answer cell per exercise, after the exercise, with a
    check(...) for every label the exercise's text or solution checks."""
    for path in student.chapter_notebooks():
        full = nbformat.read(path, as_version=4)
        found = student.exercises(full)
        assert found, path.name
        stripped = student.strip_solutions(copy.deepcopy(full))
        n = student.add_answer_cells(stripped, full, int(path.name[2]))
        assert n == len(found), path.name
        answers = [c for c in stripped.cells if "answer" in c.metadata.get("tags", [])]
        in_cells = {lab for c in answers
                    for lab in re.findall(r'check\("(ex-ch[^"]+)", \.\.\.\)', c.source)}
        solved = {lab for c in full.cells if "solution" in c.metadata.get("tags", [])
                  for lab in re.findall(r"""check\(\s*["'](ex-ch[^"']+)""", c.source)}
        assert solved <= in_cells, (path.name, solved - in_cells)
        for cell in answers:
            assert max(len(line) for line in cell.source.splitlines()) <= 88


def test_no_exercise_needs_its_solution():
    """The student edition removes the solutions: no exercise may send the student to
    the solution's code (issue 17: ex-ch3-which-fitted, ex-ch4-close)."""
    for path in student.chapter_notebooks():
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if "{exercise-start}" in cell.source:
                text = cell.source.split("{exercise-end}")[0]
                assert not re.search(r"solution", text, re.I), (path.name, text[:80])


def test_citation_matches_the_package_and_config():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    source = (ROOT / "src" / "deflation" / "_version.py").read_text()
    version = re.search(r'(?m)^__version__\s*=\s*"([^"]+)"', source).group(1)
    assert cff["cff-version"] == "1.2.0"
    assert cff["version"] == version
    assert cff["license"] == "BSD-3-Clause"
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert cff["repository-code"] == config["repository"]["url"]
    paper = cff["references"][0]
    assert [a["family-names"] for a in paper["authors"]] == ["Ge", "Ren", "Wang", "Zhou"]
    assert (paper["start"], paper["end"], paper["volume"]) == (1299, 1311, 34)
    assert "Attribution 4.0 International" in (ROOT / "LICENSE-text").read_text()
    assert "BSD 3-Clause" in (ROOT / "LICENSE").read_text()


# ------------------------------------------------------- the built student edition
def _words(text):
    return re.findall(r"[a-z0-9]+", text.lower())


def _shingles(text):
    """Runs of SHINGLE consecutive words; runs of mostly numbers (array printouts,
    which any page may share by chance) are left out."""
    w = _words(text)
    runs = (w[i:i + SHINGLE] for i in range(len(w) - SHINGLE + 1))
    return {" ".join(r) for r in runs if sum(not t.isdigit() for t in r) >= SHINGLE // 2}


def _cell_text(cell):
    parts = [cell.source]
    for out in cell.get("outputs", []):
        if "text" in out:
            parts.append(out["text"])
        parts.extend(str(v) for k, v in out.get("data", {}).items()
                     if k in ("text/plain", "text/markdown", "text/latex"))
    return "\n".join(parts)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def _html_text(path):
    parser = _Text()
    parser.feed(path.read_text(errors="replace"))
    return html.unescape(" ".join(parser.parts))


def _solutions():
    """Per chapter: the solution text (removed cells) and the rest of the book's text."""
    sol, rest = {}, []
    for path in student.chapter_notebooks():
        full = nbformat.read(path, as_version=4)
        kept = student.strip_solutions(nbformat.read(path, as_version=4))
        kept_ids = {c.get("id") for c in kept.cells}
        sol[path.name] = [_cell_text(c) for c in full.cells if c.get("id") not in kept_ids]
        rest.extend(_cell_text(c) for c in kept.cells)
    rest.extend(p.read_text() for p in (ROOT / "book").glob("*.md"))
    return sol, rest


@pytest.fixture(scope="module")
def solution_shingles():
    """Shingles of each chapter's solutions that occur nowhere else in the book."""
    sol, rest = _solutions()
    common = set().union(*(_shingles(t) for t in rest))
    unique = {}
    for name, texts in sol.items():
        unique[name] = set().union(*(_shingles(t) for t in texts)) - common if texts else set()
    return unique


@built
def test_every_chapter_has_student_notebook():
    names = {p.name for p in student.chapter_notebooks()}
    assert names == {p.name for p in (STUDENT / "notebooks").glob("ch*.ipynb")}
    assert (STUDENT / "html" / "index.html").is_file()


@built
def test_no_solution_reaches_student_notebooks(solution_shingles):
    for path in sorted((STUDENT / "notebooks").glob("ch*.ipynb")):
        raw = path.read_text()
        assert "solution-start" not in raw and "solution-end" not in raw, path.name
        nb = nbformat.read(path, as_version=4)
        assert not any("solution" in c.metadata.get("tags", []) for c in nb.cells)
        text = set().union(*(_shingles(_cell_text(c)) for c in nb.cells))
        leaked = solution_shingles[path.name] & text
        assert not leaked, f"{path.name}: solution text leaked: {sorted(leaked)[:3]}"


@built
def test_no_solution_reaches_student_html(solution_shingles):
    html_dir = STUDENT / "html"
    pages = sorted(html_dir.rglob("*.html"))
    assert pages
    # every text file the build wrote (copied sources, downloads), not the libraries
    others = [p for p in html_dir.rglob("*")
              if p.suffix in {".txt", ".ipynb", ".md", ".json"} and "_static" not in p.parts]
    all_unique = set().union(*solution_shingles.values())
    assert all_unique, "the full notebooks have no solution text to look for"
    seen = set()
    for page in pages:
        raw = page.read_text(errors="replace")
        assert "solution-start" not in raw, page
        assert not re.search(r'class="[^"]*\bsolution\b', raw), f"{page}: solution block"
        seen |= _shingles(_html_text(page))
    for other in others:
        raw = other.read_text(errors="replace")
        assert "solution-start" not in raw, other
        seen |= _shingles(raw)
    leaked = all_unique & seen
    assert not leaked, f"solution text in the student HTML: {sorted(leaked)[:3]}"
    # The detector sees the chapters' text: most of the kept prose is found.
    for path in sorted((STUDENT / "notebooks").glob("ch*.ipynb")):
        page = STUDENT / "html" / "book" / (path.stem + ".html")
        nb = nbformat.read(path, as_version=4)
        prose = set().union(*(_shingles(c.source) for c in nb.cells
                              if c.cell_type == "markdown"))
        found = len(prose & _shingles(_html_text(page))) / max(len(prose), 1)
        assert found > 0.3, f"{page.name}: only {found:.0%} of the prose found"


@pytest.fixture(scope="module")
def student_copy(tmp_path_factory):
    """A scratch copy of the student notebooks folder (with its data), to run in."""
    dest = tmp_path_factory.mktemp("student") / "notebooks"
    shutil.copytree(STUDENT / "notebooks", dest)
    return dest


@built
@pytest.mark.parametrize("name", [p.name for p in student.chapter_notebooks()])
def test_student_notebook_runs(name, student_copy):
    from nbclient import NotebookClient

    path = student_copy / name
    nb = nbformat.read(path, as_version=4)
    # a last cell reports the kernel's CPU time: on a busy machine it is a better guide
    # than the wall-clock time to how long the chapter takes on an idle laptop
    nb.cells.append(nbformat.v4.new_code_cell(
        "import time; print(f'kernel cpu {time.process_time():.0f} s')"))
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(student_copy)}})
    t0 = time.perf_counter()
    client.execute()
    # every answer cell ran: each unfilled check(...) asks for the answer
    answers = [c for c in nb.cells if "answer" in c.metadata.get("tags", [])]
    assert answers, name
    for cell in answers:
        printed = "".join(o.get("text", "") for o in cell.outputs)
        n_checks = cell.source.count('check("')
        assert printed.count("Not yet: replace ... with your answer") == n_checks, (
            name, cell.source[:60], printed)
    cpu = nb.cells[-1].outputs[0]["text"].strip()
    print(f"{name}: ran in {time.perf_counter() - t0:.0f} s wall, {cpu}")
