"""Write the student edition of the book: no solutions, ready to hand out.

Usage (from the repository root; ``make student`` runs it)::

    .venv/bin/python scripts/student.py [--out _build/student] [--no-html]

It writes

- ``<out>/notebooks/``: the chapter notebooks ``book/ch*.ipynb`` with every solution
  removed (the outputs of the remaining cells are kept), an answer cell after every
  exercise (a code cell tagged ``answer`` with the exercise's code, if it gives some,
  and ``check("<label>", ...)`` ready to fill in), and a copy of ``book/data/`` (the
  cached sweeps the chapters read), so the folder runs as it is;
- ``<out>/html/``: the HTML book built from those notebooks, without executing them
  (their stored outputs are rendered) and with sphinx-exercise's ``hide_solutions``
  on, from a copy of the sources in ``<out>/src/``.

A solution is removed in two ways, so that neither a tag forgotten nor a directive
written in an unexpected cell lets one through:

1. every cell tagged ``solution`` (the chapters tag the ``solution-start`` and
   ``solution-end`` Markdown cells and every code cell between them);
2. every gated region from a ``{solution-start}`` directive to the next
   ``{solution-end}`` directive, across cells, and every ungated ``{solution}``
   directive, whether tagged or not. Text of a Markdown cell before the
   ``solution-start`` directive or after the ``solution-end`` directive is kept.

``tests/test_student.py`` checks the result (``make student-check``).
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
import yaml

ROOT = Path(__file__).resolve().parents[1]
TAG = "solution"

README = """# The deflation companion: student notebooks

The chapter notebooks without their solutions. Open them in Jupyter from this folder
(the chapters read the cached sweeps in `data/`). They need the book's package:
`pip install` the repository (or run the first cell on Colab).

Every exercise is followed by an answer cell (a code cell tagged `answer`): do your
work there. Exercises with a definite answer check themselves: replace the `...` in
`check("ex-chN-name", ...)` with your answer (the comment above it says what kind of
answer: a number, a list, a formula as a string) and run the cell; it prints
`Correct.` or `Not yet: <hint>`.

Text and figures: CC BY 4.0; code: BSD-3-Clause (see the repository's LICENSE files).
"""

_FENCE_OPEN = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[a-z-]+)\}")


def _directive_blocks(lines):
    """Yield ``(start, end, name)`` for each top-level fenced directive in ``lines``.

    ``end`` is the index of the closing fence line (inclusive), or ``len(lines) - 1``
    if the fence is not closed.
    """
    i = 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i].strip())
        if not m:
            i += 1
            continue
        fence, name = m.group("fence"), m.group("name")
        j = i + 1
        while j < len(lines) and lines[j].strip() != fence:
            j += 1
        yield i, min(j, len(lines) - 1), name
        i = j + 1


def strip_solutions(nb):
    """Remove every solution from a notebook (in place) and return it.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A notebook (version 4).

    Returns
    -------
    nb : nbformat.NotebookNode
        The same notebook, without the cells tagged ``solution``, without the cells of
        gated ``solution-start`` ... ``solution-end`` regions, and without ungated
        ``{solution}`` directives. Cell ids, metadata and outputs of the other cells
        are kept.
    """
    kept = []
    inside = False  # inside a gated solution region that started in an earlier cell
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type != "markdown":
            if not inside and TAG not in tags:
                kept.append(cell)
            continue
        lines = cell.source.splitlines()
        keep = [True] * len(lines)
        if inside:
            keep = [False] * len(lines)
        for start, end, name in _directive_blocks(lines):
            if name == "solution-start" and not inside:
                inside = True
                for k in range(start, len(lines)):
                    keep[k] = False
            elif name == "solution-end" and inside:
                inside = False
                for k in range(start, end + 1):
                    keep[k] = False
                for k in range(end + 1, len(lines)):
                    keep[k] = True
            elif name == "solution" and not inside:
                for k in range(start, end + 1):
                    keep[k] = False
        if TAG in tags:
            continue
        text = "\n".join(line for line, k in zip(lines, keep, strict=True) if k).strip("\n")
        if text.strip():
            if text != cell.source:
                cell.source = text
            kept.append(cell)
    nb.cells = kept
    return nb


# ------------------------------------------------------------------- answer cells
ANSWER_TAG = "answer"
_EX_LABEL = re.compile(r"```\{exercise-start\}[^\n]*\n(?:\s*:[\w-]+:.*\n)*?\s*:label:\s*(\S+)")
_SOL_LABEL = re.compile(r"```\{solution-start\}\s*(\S+)")
_CHECK = re.compile(r"""check\(\s*["'](ex-ch[^"']+)["']""")
_PY_BLOCK = re.compile(r"^```(?:python|ipython3?)\s*\n(.*?)^```\s*$", re.S | re.M)


def exercises(nb) -> list[dict]:
    """The exercises of a (full) chapter notebook, in order.

    Returns
    -------
    list of dict
        One per exercise: ``label``, ``checks`` (the labels passed to ``check(...)``
        in its text or in its solution, in order of appearance) and ``starter`` (the
        ``python`` code blocks of its text: code the exercise gives the student).
    """
    found: dict[str, dict] = {}
    current = None  # inside the text of this exercise
    solution = None  # inside the solution of this exercise
    for cell in nb.cells:
        text = cell.source
        m = _EX_LABEL.search(text) if cell.cell_type == "markdown" else None
        if m:
            current = m.group(1)
            found[current] = {"label": current, "checks": [], "starter": []}
        sm = _SOL_LABEL.search(text) if cell.cell_type == "markdown" else None
        if sm:
            solution = sm.group(1)
        target = current or solution
        if target in found:
            part = text
            if current and "{exercise-end}" in text:
                part = text.split("{exercise-end}", 1)[0]
            for label in _CHECK.findall(part):
                if label not in found[target]["checks"]:
                    found[target]["checks"].append(label)
            if current and cell.cell_type == "markdown":
                found[target]["starter"] += [b.rstrip() for b in _PY_BLOCK.findall(part)]
        if current and "{exercise-end}" in text:
            current = None
        if solution and "{solution-end}" in text:
            solution = None
    return list(found.values())


def answer_cell(exercise: dict, number: str, registry: dict, needs_import: bool):
    """The code cell, tagged ``answer``, that follows an exercise in the student edition.

    It holds the code the exercise gives (if any) and one ``check("<label>", ...)``
    per registered answer, with a comment saying what kind of answer to put in place
    of ``...`` (never the answer). An exercise without a definite answer gets a cell
    for the student's work.
    """
    label = exercise["label"]
    checks = exercise["checks"]
    lines = [f"# Exercise {number} ({label}): your work here."]
    if checks:
        lines.append("# Then replace each ... with your answer and run the cell.")
    if checks and any(registry[c].kind == "formula" for c in checks):
        lines.append("# A formula is a string: * for products, ** or ^ for powers.")
    if checks and needs_import:
        lines.append("from deflation.exercises import check")
    for block in exercise["starter"]:
        lines += ["", block]
    if checks:
        lines.append("")
        for check_label in checks:
            call = f'check("{check_label}", ...)'
            comment = f"  # {registry[check_label].describe()}"
            if len(call + comment) > 88:
                lines.append(comment.strip())
                comment = ""
            lines.append(call + comment)
    return nbformat.v4.new_code_cell(
        "\n".join(lines), metadata={"tags": [ANSWER_TAG]},
        id=f"answer-{label}"[:64])


def add_answer_cells(stripped, full, chapter: int):
    """Insert an answer cell after the end of every exercise of ``stripped`` (in place).

    Parameters
    ----------
    stripped : nbformat.NotebookNode
        The chapter without its solutions (:func:`strip_solutions`).
    full : nbformat.NotebookNode
        The same chapter with its solutions (where the labels each solution checks are
        read).
    chapter : int
        The chapter number (the exercises are numbered ``chapter.i``, as in the book).

    Returns
    -------
    int
        The number of answer cells added.
    """
    from deflation.exercises import registry

    reg = registry()
    found = {e["label"]: e for e in exercises(full)}
    needs_import = not any("from deflation.exercises import" in c.source
                           and "check" in c.source
                           for c in stripped.cells if c.cell_type == "code")
    cells, current, count = [], None, 0
    for cell in stripped.cells:
        cells.append(cell)
        if cell.cell_type != "markdown":
            continue
        m = _EX_LABEL.search(cell.source)
        if m:
            current = m.group(1)
        if current and "{exercise-end}" in cell.source:
            count += 1
            cells.append(answer_cell(found[current], f"{chapter}.{count}", reg,
                                     needs_import))
            current = None
    stripped.cells = cells
    return count


def chapter_notebooks(book: Path = ROOT / "book"):
    """The chapter notebooks ``book/ch*.ipynb``, sorted."""
    return sorted(book.glob("ch*.ipynb"))


def write_notebooks(out: Path, book: Path = ROOT / "book") -> list[Path]:
    """Write the stripped chapter notebooks and a copy of ``book/data`` to ``out``.

    Parameters
    ----------
    out : Path
        Output folder (created; its previous notebooks are replaced).
    book : Path, optional
        The book's folder. Default ``book/`` of the repository.

    Returns
    -------
    list of Path
        The notebooks written.
    """
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in chapter_notebooks(book):
        full = nbformat.read(path, as_version=4)
        nb = strip_solutions(nbformat.read(path, as_version=4))
        chapter = int(re.match(r"ch(\d+)", path.name).group(1))
        n = add_answer_cells(nb, full, chapter)
        print(f"{path.name}: {n} answer cells")
        nb.metadata.pop("widgets", None)
        target = out / path.name
        nbformat.write(nb, target)
        written.append(target)
    if (book / "data").is_dir():
        shutil.rmtree(out / "data", ignore_errors=True)
        shutil.copytree(book / "data", out / "data")
    (out / "README.md").write_text(README)
    return written


def write_sources(src: Path, notebooks: list[Path]) -> Path:
    """Copy the book's sources to ``src`` with the stripped notebooks; return the config.

    The copied ``_config.yml`` has ``execute_notebooks: "off"`` (the stored outputs are
    rendered) and sphinx-exercise's ``hide_solutions: True``; local extension paths are
    made absolute.
    """
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    shutil.copy2(ROOT / "_toc.yml", src / "_toc.yml")
    shutil.copytree(ROOT / "book", src / "book",
                    ignore=shutil.ignore_patterns("ch*.ipynb", "data", ".ipynb_checkpoints",
                                                  "__pycache__"))
    for nb in notebooks:
        shutil.copy2(nb, src / "book" / nb.name)
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    cfg.setdefault("execute", {})["execute_notebooks"] = "off"
    sphinx = cfg.setdefault("sphinx", {})
    ext = sphinx.get("local_extensions") or {}
    sphinx["local_extensions"] = {k: str((ROOT / v).resolve()) for k, v in ext.items()}
    sphinx.setdefault("config", {})["hide_solutions"] = True
    cfg["title"] = f"{cfg.get('title', 'The book')} (student edition)"
    config = src / "_config.yml"
    config.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return config


def build_html(src: Path, html: Path, strict: bool = True) -> int:
    """Build the HTML book from ``src`` into ``html`` with jupyter-book.

    Parameters
    ----------
    src : Path
        The copied sources (see :func:`write_sources`).
    html : Path
        Where the HTML book goes (replaced).
    strict : bool, optional
        Build like ``make book-check`` (``-W -n --keep-going``: a warning fails the
        build, but every page is still written). Default True.

    Returns
    -------
    int
        jupyter-book's exit status (0: no warning).
    """
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(src), "--path-output", str(src), "--all"]
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    rc = subprocess.run(cmd, cwd=ROOT).returncode
    shutil.rmtree(html, ignore_errors=True)
    if (src / "_build" / "html").is_dir():
        shutil.move(str(src / "_build" / "html"), str(html))
    return rc


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "student",
                        help="output folder (default _build/student)")
    parser.add_argument("--no-html", action="store_true",
                        help="write the notebooks only, do not build the HTML book")
    parser.add_argument("--no-strict", action="store_true",
                        help="do not fail on Sphinx warnings (default: -W -n like book-check)")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    t0 = time.perf_counter()
    notebooks = write_notebooks(out / "notebooks")
    print(f"student notebooks: {len(notebooks)} in {out / 'notebooks'}")
    rc = 0
    if not args.no_html:
        write_sources(out / "src", notebooks)
        rc = build_html(out / "src", out / "html", strict=not args.no_strict)
        shutil.rmtree(out / "src" / "_build", ignore_errors=True)
        if (out / "html" / "index.html").is_file():
            print(f"student HTML book: {out / 'html' / 'index.html'}")
        else:
            rc = rc or 1
            print("student HTML book: not written (the build failed)", file=sys.stderr)
        if rc:
            print("student HTML book: the build reported warnings (see above); "
                  "the pages were written, but fix the warnings", file=sys.stderr)
    sizes = {p: _size(out / p) / 1e6 for p in ("notebooks", "html") if (out / p).exists()}
    print("size: " + ", ".join(f"{p} {s:.1f} MB" for p, s in sizes.items())
          + f"; elapsed {time.perf_counter() - t0:.0f} s")
    return 1 if rc else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
