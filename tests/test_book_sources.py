"""Checks of the chapters' sources that a strict build does not catch.

* Display math must stand in its own paragraph: a ``$$`` line glued to text mis-parses
  (with ``myst_dmath_double_inline``) into swapped inline spans, without any warning.
* The book speaks of the paper and of its own reconstruction, never of internal notes.
* Every chapter defines the notation macros for Jupyter/Colab, where _config.yml's
  MathJax macros do not apply.
"""

import json
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
CHAPTERS = sorted(BOOK.glob("*.ipynb"))


def _markdown_cells(path):
    nb = json.loads(path.read_text())
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown":
            yield i, "".join(cell["source"]), cell.get("metadata", {}).get("tags", [])


def test_there_are_chapters():
    assert len(CHAPTERS) >= 6


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_display_math_is_its_own_paragraph(path):
    for i, src, _ in _markdown_cells(path):
        lines = src.split("\n")
        inside = False
        for j, line in enumerate(lines):
            if line.strip() != "$$":
                continue
            if not inside:
                assert j == 0 or lines[j - 1].strip() == "", f"cell {i}: text right before $$"
            else:
                assert j + 1 == len(lines) or lines[j + 1].strip() == "", (
                    f"cell {i}: text right after $$"
                )
            inside = not inside
        assert not inside, f"cell {i}: unclosed $$"


@pytest.mark.parametrize("path", CHAPTERS + sorted(BOOK.glob("*.md")), ids=lambda p: p.name)
def test_no_internal_notes_in_reader_text(path):
    text = path.read_text()
    assert "PAPER.md" not in text
    assert not re.search(r"\[(paper|ours)\]", text)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_defines_the_macros_it_uses(path):
    cells = list(_markdown_cells(path))
    defined = set()
    for _, src, tags in cells:
        if "remove-cell" in tags:
            defined |= set(re.findall(r"\\newcommand\{\\(\w+)\}", src))
            defined |= set(re.findall(r"\\def\\(\w+)", src))
    used = set()
    for _, src, tags in cells:
        if "remove-cell" not in tags:
            used |= set(re.findall(r"\\(Tstar|wbar|ubar|ip|norm|abs|tensor|reg|Sph)\b", src))
    assert used <= defined, f"macros used but not defined for Jupyter: {sorted(used - defined)}"
