"""Checks of the book's set-up that a build does not catch (issue 10).

* One repository address: ``repository: url:`` in _config.yml, and the same address in every
  chapter's Colab cell, the README, CITATION.cff and pyproject.toml (``make repo-url``).
* The chapters follow the conventions the HTML book and Jupyter rely on: the macro cell
  first (generated from _config.yml by scripts/macro_cell.py), the Colab cell second, exactly
  as written in the conventions; code lines of at most 88 characters; every figure cell
  with a caption, a ``fig-`` name and alt text (myst-nb metadata); no stored widget state.
* The offline/launch/footer settings of _config.yml and the Makefile stay in place.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("ch*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
URL = CONFIG["repository"]["url"]
MAX_LINE = 88

COLAB_CELL = '''\
# Colab only: install the book's package and open the book's folder (its data files).
# Does nothing elsewhere. The address is set by `make repo-url` (scripts/repo_url.py).
import os, subprocess, sys
if "google.colab" in sys.modules:
    REPO_URL = "{url}"
    if not os.path.isdir("/content/companion"):
        subprocess.run(["git", "clone", "--depth", "1", REPO_URL, "/content/companion"],
                       check=True)
        pip = [sys.executable, "-m", "pip", "install", "-q", "/content/companion"]
        subprocess.run(pip, check=True)
    os.chdir("/content/companion/book")'''


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _src(cell):
    s = cell["source"]
    return "".join(s) if isinstance(s, list) else s


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


# ------------------------------------------------------------------------------------
# One repository address

def test_repository_url_is_an_address():
    assert re.fullmatch(r"https://[\w.-]+/[\w.-]+/[\w.-]+", URL), URL


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_colab_cell_is_second_and_points_at_the_repository(path):
    cells = _cells(path)
    assert len(cells) > 2
    cell = cells[1]
    assert cell["cell_type"] == "code" and "remove-cell" in _tags(cell), (
        "the second cell must be the Colab cell (code, tagged remove-cell)")
    assert _src(cell).rstrip() == COLAB_CELL.format(url=URL), (
        "the Colab cell differs from the conventions (or its REPO_URL from _config.yml); "
        "run `make repo-url URL=...` for the address")


def test_readme_and_metadata_name_the_same_repository():
    readme = (ROOT / "README.md").read_text()
    assert URL in readme, "README.md does not give the repository address of _config.yml"
    pages = _load("repo_url").pages_url(URL)
    if pages:
        assert pages in readme, f"README.md does not give the book's address {pages}"
    for path in [ROOT / "README.md", ROOT / "pyproject.toml", ROOT / "CITATION.cff"]:
        if not path.exists():
            continue
        text = path.read_text()
        for other in re.findall(r"https://github\.com/[\w.-]+/[\w.-]+", text):
            if other.endswith("/OWNER/REPO"):  # the usage example of make repo-url
                continue
            assert other.removesuffix(".git") == URL, f"{path.name}: {other} is not {URL}"
    cff = ROOT / "CITATION.cff"
    if cff.exists():
        m = re.search(r"(?m)^repository-code:\s*['\"]?([^'\"\s]+)", cff.read_text())
        assert m and m.group(1) == URL, "CITATION.cff repository-code differs from _config.yml"


def test_repo_url_script_finds_every_place(tmp_path):
    repo_url = _load("repo_url")
    assert repo_url.current_url() == URL
    for path in CHAPTERS:
        assert repo_url.notebook_urls(path) in ([URL], []), path.name


# ------------------------------------------------------------------------------------
# Chapter conventions

@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_macro_cell_is_first_and_generated_from_config(path):
    cell = _cells(path)[0]
    assert cell["cell_type"] == "markdown" and "remove-cell" in _tags(cell)
    expected = _load("macro_cell").cell_text()
    assert _src(cell) == expected, (
        "the first cell is not the macro cell of _config.yml: "
        "run `.venv/bin/python scripts/macro_cell.py`")


def test_macro_cell_defines_every_config_macro_twice():
    mc = _load("macro_cell")
    macros = mc.config_macros()
    fm, defs = mc.parse_cell(mc.cell_text())
    assert set(fm) == set(defs) == set(macros)
    for name, (body, n) in macros.items():
        assert fm[name] == body and defs[name] == (body, n), name


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_code_lines_fit_the_column(path):
    long = []
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] != "code":
            continue
        for j, line in enumerate(_src(cell).split("\n")):
            if len(line) > MAX_LINE:
                long.append(f"cell {i} line {j + 1}: {len(line)} characters")
    assert not long, f"code lines longer than {MAX_LINE} characters:\n" + "\n".join(long)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_figure_cells_have_caption_name_and_alt_text(path):
    problems = []
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] != "code":
            continue
        tags = set(_tags(cell))
        if tags & {"remove-output", "remove-cell"}:
            continue
        n_images = sum("image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {})
                       for o in cell.get("outputs", []))
        if not n_images:
            continue
        meta = cell.get("metadata", {}).get("mystnb", {})
        fig, img = meta.get("figure", {}), meta.get("image", {})
        if n_images > 1:
            problems.append(f"cell {i}: {n_images} images in one cell (one figure per cell)")
        if not str(fig.get("caption", "")).strip():
            problems.append(f"cell {i}: no mystnb.figure.caption")
        if not str(fig.get("name", "")).startswith("fig-"):
            problems.append(f"cell {i}: no mystnb.figure.name fig-...")
        if len(str(img.get("alt", "")).strip()) < 10:
            problems.append(f"cell {i}: no mystnb.image.alt text")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_stored_widget_state(path):
    assert "widgets" not in json.loads(path.read_text()).get("metadata", {})


# ------------------------------------------------------------------------------------
# Settings that keep the HTML book offline, launchable and licensed

def test_html_book_loads_nothing_from_cdns():
    sphinx = CONFIG["sphinx"]
    assert "sphinx-mathjax-offline" in sphinx["extra_extensions"]
    assert sphinx["config"]["nb_ipywidgets_js"] == {}
    assert sphinx["config"]["nb_merge_streams"] is True
    assert CONFIG["launch_buttons"].get("thebe") is False
    assert "offline_html" in sphinx["local_extensions"]
    assert "static_math" in sphinx["local_extensions"]  # formulas typeset at build time


def test_citations_author_year_in_round_brackets():
    assert CONFIG["sphinx"]["config"]["bibtex_reference_style"] == "author_year_round"


def test_footer_names_the_licences():
    footer = CONFIG["html"]["extra_footer"]
    assert "BSD-3-Clause" in footer and "CC BY 4.0" in footer


def test_statement_index_is_in_the_toc():
    toc = (ROOT / "_toc.yml").read_text()
    assert "book/statements" in toc
    assert "{statement-index}" in (ROOT / "book" / "statements.md").read_text()


def test_references_page_has_no_authoring_notes():
    text = (ROOT / "book" / "references.md").read_text()
    assert "{cite" not in text and "references.bib" not in text


def test_binder_installs_the_pins_and_the_package_without_editable_tricks():
    req = (ROOT / "binder" / "requirements.txt").read_text()
    assert "-r ../requirements.txt" in req and "-c ../constraints.txt" in req
    post = (ROOT / "binder" / "postBuild").read_text()
    assert "pip install" in post and " -e " not in post and "sys.path" not in post
