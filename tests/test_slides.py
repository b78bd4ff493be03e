"""Tests of the slide decks (scripts/slides.py).

Fast tests (``make unit``): the MyST-to-Markdown conversion and the choice of cells.
Tests of the built decks run when ``SLIDES_CHECK=1`` (``make slides-check`` builds the
decks first): every deck loads its scripts and style sheets from the build, never from
an http(s) address, and every local file it references exists.
"""

import importlib.util
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SLIDES = ROOT / "_build" / "slides"

sys.path.insert(0, str(ROOT / "scripts"))
_spec = importlib.util.spec_from_file_location("slides", ROOT / "scripts" / "slides.py")
slides = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(slides)

built = pytest.mark.skipif(os.environ.get("SLIDES_CHECK") != "1",
                           reason="built-deck checks: run `make slides-check`")


def test_myst_directives_and_roles_become_markdown():
    src = ("## Claim\n\n```{prf:proposition} Fitted weight\n:label: prop-x\n\n"
           "A group on $u_k$ rests at {term}`fitted weight <fitted weight>`, see "
           "{prf:ref}`prop-logistic-growth` and {doc}`ch2_small_init`.\n```\n"
           "```python\nx = 1\n```\n"
           ":::{admonition} Learning objectives\n:class: tip\n- one\n:::")
    out = slides.myst_to_markdown(src)
    assert "**Proposition (Fitted weight).**" in out
    assert ":label:" not in out and ":class:" not in out and "{" not in out.split("```python")[0]
    assert "rests at fitted weight, see Proposition 'logistic growth' and chapter 2." in out
    assert "```python\nx = 1\n```" in out
    assert "**Learning objectives.**" in out and out.rstrip().endswith("- one")


def test_math_directive_becomes_display_math():
    out = slides.myst_to_markdown("```{math}\n:label: eq-a\nx = 1\n```")
    assert out == "$$\nx = 1\n$$"


def test_only_tagged_cells_and_no_solutions_are_kept():
    nb = nbformat.v4.new_notebook()
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    slide = {"slideshow": {"slide_type": "slide"}}
    nb.cells = [md("# Title"), md("objectives", metadata=dict(slide)),
                code("plot()", metadata={**slide, "tags": ["hide-input"],
                                         "mystnb": {"figure": {"caption": "What to see."}}}),
                code("not_run()", metadata={**slide, "tags": ["hide-input"]}),
                md("```{solution-start} ex-ch1-a\n```", metadata={**slide, "tags": ["solution"]}),
                md("```{solution-end}\n```", metadata={"tags": ["solution"]}),
                md("not for slides"), md("summary", metadata=dict(slide))]
    nb.cells[2].outputs = [nbformat.v4.new_output("display_data", data={"text/plain": "f"})]
    kept, n = slides.slide_cells(nb)
    # the figure cell without output is left out; the caption follows its figure
    assert [c.source for c in kept.cells][1:] == ["objectives", "plot()", "*What to see.*",
                                                 "summary"]
    assert kept.cells[0].source.startswith("# Title")  # a cover slide
    assert n == 4
    assert kept.cells[2].metadata["transient"]["remove_source"] is True


# ---------------------------------------------------------------------- built decks
def _decks():
    return sorted(SLIDES.glob("*.slides.html"))


@built
def test_decks_exist():
    assert _decks(), "no deck in _build/slides"
    assert (SLIDES / "index.html").is_file()


@built
def test_decks_work_offline():
    for deck in _decks():
        text = deck.read_text()
        refs = re.findall(r'<script[^>]*\bsrc="([^"]*)"', text)
        refs += re.findall(r'<link[^>]*\bhref="([^"]*)"', text)
        refs += re.findall(r'@import\s+(?:url\()?["\']?([^"\')\s;]+)', text)
        refs += re.findall(r'import\s+\w+\s+from\s+["\']([^"\']+)["\']', text)
        refs += re.findall(r'require\(\s*\[([^\]]*)\]', text)
        assert refs, deck.name
        flat = []
        for r in refs:
            flat += [x.strip().strip("\"'") for x in r.split(",")] if "," in r else [r]
        remote = [r for r in flat if re.match(r"^(https?:)?//", r)]
        assert not remote, f"{deck.name} loads {remote}"
        for r in flat:
            if r:
                assert (SLIDES / r.split("?")[0]).is_file(), f"{deck.name}: missing {r}"
    for css in SLIDES.glob("_static/**/*.css"):
        imports = re.findall(r'@import\s+(?:url\()?["\']?([^"\')\s;]+)', css.read_text())
        assert not [i for i in imports if re.match(r"^(https?:)?//", i)], css
