"""Turn each chapter's self-checking exercises into an nbgrader assignment.

Usage (from the repository root; ``make assignments`` runs it)::

    .venv/bin/python scripts/assignments.py --nbgrader _build/nbgrader-venv/bin/nbgrader

It writes an nbgrader course folder, ``_build/assignments/`` by default:

- ``nbgrader_config.py``: the course (id ``deflation``), the cell timeout, and the
  book's kernel for the autograder;
- ``source/<chapter>/<chapter>.ipynb``: for every chapter with self-checking exercises,
  one homework notebook: a setup cell (the package's imports), then per exercise its text
  (as in the chapter), an answer cell per registered label holding the solution between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (the value registered in
  ``deflation.exercises``), and an autograder test cell per label, worth one point,
  that asserts ``check("<label>", answer)``;
- ``release/<chapter>/<chapter>.ipynb``: what students get, made by nbgrader's own
  ``nbgrader generate_assignment``: the solutions replaced by ``raise
  NotImplementedError()``, the test and text cells locked.

An exercise with no registered answer (an open experiment) is not autograded and is not
part of the assignment; it stays in the chapter and the student edition. nbgrader runs
in its own environment (``requirements-nbgrader.txt``); the autograder runs the
notebooks with the book's kernel (``.venv``), found through ``JUPYTER_PATH``.
The README ("Autograded homework") says how an instructor collects and grades.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from slides import BookIndex, plain_markdown  # noqa: E402
from student import chapter_notebooks, exercises  # noqa: E402

COURSE_ID = "deflation"
CONFIG = '''"""nbgrader configuration of the companion's homework (scripts/assignments.py)."""
c = get_config()  # noqa: F821 - provided by nbgrader
c.CourseDirectory.course_id = "{course}"
c.CourseDirectory.root = {root!r}
# A chapter's experiment takes a few seconds; a cell that needs minutes is a bug.
c.ExecutePreprocessor.timeout = 300
c.Execute.timeout = 300
# Where a solution was: what the student replaces (nbgrader's default stub).
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
'''

INTRO = """# Homework: {title}

This assignment is graded automatically with nbgrader. For every exercise, read the
text, do your work in the answer cell, and assign your answer to the variable the cell
names (in place of `raise NotImplementedError()`). Run the answer cell: `check(...)`
prints `Correct.` or `Not yet: <hint>`. The test cell after it (read-only) is what the
autograder runs, one point each. Before you submit, restart the kernel and run all
cells: the autograder runs your notebook from top to bottom.

The chapter, `{chapter}.ipynb`, has the derivations, the code and the figures these
exercises build on.
"""


def _meta(grade_id: str, *, solution: bool = False, grade: bool = False,
          locked: bool = False, points: int | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked,
            "schema_version": 3, "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def variable(label: str) -> str:
    """The answer variable of a label: ``ex-ch3-which-fitted`` -> ``ans_which_fitted``."""
    return "ans_" + re.sub(r"^ex-ch\d+-", "", label).replace("-", "_")


def literal(value: object) -> str:
    """Python source for an answer value (a number, a list, a formula as a string)."""
    import numpy as np
    import sympy as sp

    if isinstance(value, sp.Basic):
        return repr(sp.sstr(value))
    if isinstance(value, np.ndarray):
        return repr([float(v) for v in value.ravel()])
    if isinstance(value, float) and value.is_integer():
        return repr(int(value)) if abs(value) < 1e15 else repr(value)
    return repr(value)


#: The homework's setup cell: what the exercises' code uses, and no more (the autograder
#: starts a kernel per notebook; the chapter's plotting and table imports would only
#: slow it down). Names the exercise texts mention come from the package.
SETUP = """import numpy as np
import sympy as sp

import deflation as dfl
from deflation import early, theory
from deflation.exercises import check
from deflation.rates import format_rate"""


def _exercise_texts(nb) -> dict[str, str]:
    """Exercise label -> its text (the Markdown between exercise-start and -end)."""
    texts: dict[str, str] = {}
    current = None
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        m = re.search(r"```\{exercise-start\}[^\n]*\n(?:\s*:[\w-]+:.*\n)*?\s*:label:\s*(\S+)",
                      cell.source)
        if m:
            current = m.group(1)
            body = cell.source[m.end():]
            body = re.sub(r"^(?:\s*:[\w-]+:.*\n)*\s*```\s*\n", "", body, count=1)
            texts[current] = body
        elif current:
            texts[current] += "\n" + cell.source
        if current and "{exercise-end}" in texts[current]:
            texts[current] = texts[current].split("```{exercise-end}")[0].strip()
            current = None
    return texts


def _macro_cell(nb) -> str | None:
    """The chapter's macro cell (``\\Tstar``, ``\\reg``, ... for Jupyter's MathJax)."""
    for cell in nb.cells[:3]:
        if cell.cell_type == "markdown" and cell.source.startswith("---\nmath:"):
            return cell.source
    return None


def homework(path: Path, registry: dict, index: BookIndex | None = None
             ) -> tuple[nbformat.NotebookNode, int]:
    """The nbgrader source notebook of one chapter and its number of graded cells.

    The exercise texts are the chapter's, with the MyST roles replaced by what the book
    shows (Jupyter does not render them); the chapter's macro cell comes first.
    """
    index = index or BookIndex()
    full = nbformat.read(path, as_version=4)
    chapter = int(re.match(r"ch(\d+)", path.name).group(1))
    title = next((c.source.splitlines()[0].lstrip("# ").strip() for c in full.cells
                  if c.cell_type == "markdown" and c.source.startswith("# ")), path.stem)
    texts = _exercise_texts(full)
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [md(INTRO.format(title=title, chapter=path.stem),
                metadata=_meta("intro", locked=True)),
             code(SETUP, metadata=_meta("setup", locked=True))]
    macros = _macro_cell(full)
    if macros:
        cells.insert(0, md(macros, metadata=_meta("macros", locked=True)))
    graded = 0
    number = 0
    for ex in exercises(full):
        number += 1
        checks = [c for c in ex["checks"] if c in registry]
        if not checks:
            continue  # an open exercise: no definite answer to grade
        label = ex["label"]
        text = plain_markdown(texts[label], index, path.stem, f"{path.stem} {label}")
        cells.append(md(f"## Exercise {chapter}.{number} ({label})\n\n{text}",
                        metadata=_meta(f"text-{label}", locked=True)))
        for check_label in checks:
            ans = registry[check_label]
            name = variable(check_label)
            lines = [f"# {check_label}: {name} = {ans.describe()}"]
            if check_label == checks[0]:
                for block in ex["starter"]:
                    lines += [block, ""]
            lines += ["### BEGIN SOLUTION",
                      f"{name} = {literal(ans.right_answer())}",
                      "### END SOLUTION",
                      f'check("{check_label}", {name})']
            cells.append(code("\n".join(lines),
                              metadata=_meta(f"answer-{check_label}", solution=True)))
            cells.append(code(
                f"# Autograder test of {check_label} (1 point): read-only.\n"
                f'assert check("{check_label}", {name}), "{check_label}: not yet"',
                metadata=_meta(f"test-{check_label}", grade=True, locked=True,
                               points=1)))
            graded += 1
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb, graded


def nbgrader_env(nbgrader: Path) -> dict[str, str]:
    """The environment for nbgrader: its own scripts first on PATH (it runs ``alembic``
    by name), the book's kernel first on JUPYTER_PATH."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(nbgrader.parent), env.get("PATH", "")])
    kernels = Path(sys.prefix) / "share" / "jupyter"
    env["JUPYTER_PATH"] = os.pathsep.join(
        [str(kernels)] + ([env["JUPYTER_PATH"]] if env.get("JUPYTER_PATH") else []))
    env.setdefault("PYTHONHASHSEED", "0")
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    return env


def run_nbgrader(nbgrader: Path, course: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``nbgrader <args>`` in the course folder; raise with its output on failure."""
    proc = subprocess.run([str(nbgrader), *args], cwd=course, env=nbgrader_env(nbgrader),
                          capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed ({proc.returncode}):\n"
                           f"{proc.stdout}\n{proc.stderr}")
    return proc


def write_course(out: Path, nbgrader: Path) -> dict[str, int]:
    """Write the source assignments and let nbgrader make the release versions.

    Returns
    -------
    dict
        Assignment name -> number of autograded cells.
    """
    from deflation.exercises import registry

    reg = registry()
    out.mkdir(parents=True, exist_ok=True)
    for sub in ("source", "release"):
        shutil.rmtree(out / sub, ignore_errors=True)
    (out / "gradebook.db").unlink(missing_ok=True)
    (out / "nbgrader_config.py").write_text(CONFIG.format(course=COURSE_ID,
                                                          root=str(out)))
    made = {}
    index = BookIndex()
    for path in chapter_notebooks():
        nb, graded = homework(path, reg, index)
        if not graded:
            print(f"{path.stem}: no self-checking exercise, no assignment")
            continue
        target = out / "source" / path.stem / f"{path.stem}.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(nb, target)
        made[path.stem] = graded
    # one nbgrader process for every assignment (its start-up takes seconds)
    run_nbgrader(nbgrader, out, "generate_assignment", "*", "--force")
    for name in made:
        release = out / "release" / name / f"{name}.ipynb"
        if not release.is_file():
            raise RuntimeError(f"nbgrader wrote no {release}")
        print(f"{name}: {made[name]} autograded cells -> source/{name}, release/{name}")
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "assignments",
                        help="course folder (default _build/assignments)")
    parser.add_argument("--nbgrader", type=Path,
                        default=ROOT / "_build" / "nbgrader-venv" / "bin" / "nbgrader",
                        help="the nbgrader command (default: the one make assignments "
                             "installs in _build/nbgrader-venv)")
    args = parser.parse_args(argv)
    if not args.nbgrader.is_file():
        print(f"no nbgrader at {args.nbgrader}: run `make assignments`", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    made = write_course(args.out.resolve(), args.nbgrader.resolve())
    print(f"assignments: {len(made)} ({sum(made.values())} autograded cells) in "
          f"{args.out}; elapsed {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
