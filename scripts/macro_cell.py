"""Write the book's macro cell (the first cell of every chapter) from _config.yml.

The HTML book takes its notation macros from ``mathjax3_config.tex.macros`` in
``_config.yml``. In Jupyter the chapters need them too, and three renderers read the cell:

* **JupyterLab with jupyterlab-myst** renders math with KaTeX, one formula at a time:
  a macro defined in one formula is gone in the next, and ``\\newcommand{\\R}`` is an
  error there (KaTeX predefines ``\\R``). What it does read is the notebook's front matter,
  a YAML block at the top of the first cell, whose ``math:`` table applies to every cell.
* **Colab, Jupyter Notebook, JupyterLab without jupyterlab-myst** render with MathJax (or
  KaTeX with a shared macro table), which ignores front matter: the ``$$ \\def ... $$`` block
  defines the same macros there. ``\\def`` (not ``\\newcommand``) never clashes with a
  predefined name, in MathJax or KaTeX.
* **The HTML book**: the cell is tagged ``remove-cell`` and myst-nb does not read front matter
  in notebooks, so it is inert there (the book uses ``_config.yml``).

The blank line before the closing ``---`` keeps a plain Markdown renderer (Colab) from
turning the YAML into a heading: it shows a rule, one line of YAML text and a rule.

Usage::

    python scripts/macro_cell.py            # rewrite the macro cell of every book/ch*.ipynb
    python scripts/macro_cell.py --print    # print the cell text only
    python scripts/macro_cell.py path/to/notebook.ipynb ...

The macro cell is the first markdown cell tagged ``remove-cell`` among the first three
cells that defines macros (``\\newcommand``/``\\def``/``math:``); it is rewritten in place
(id and metadata kept) and moved to the top. A chapter without one gets a new first cell.
Notebooks are written with nbformat (indent 1, as Jupyter writes them).
"""

from __future__ import annotations

import argparse
import re
import sys
import uuid
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
MACRO_HINT = re.compile(r"\\newcommand|\\renewcommand|\\def\\|^math:", re.M)


def config_macros(config: Path = ROOT / "_config.yml") -> dict:
    """``{name: (body, nargs)}`` from ``sphinx.config.mathjax3_config.tex.macros``."""
    c = yaml.safe_load(config.read_text())
    raw = c["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]
    out = {}
    for name, body in raw.items():
        if isinstance(body, (list, tuple)):
            out[name] = (body[0], int(body[1]) if len(body) > 1 else 0)
        else:
            out[name] = (body, 0)
    return out


def _yaml_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def cell_text(macros: dict | None = None) -> str:
    macros = config_macros() if macros is None else macros
    lines = ["---", "math:"]
    lines += [f"  {_yaml_str(chr(92) + name)}: {_yaml_str(body)}"
              for name, (body, _) in macros.items()]
    lines += ["", "---", "", "$$"]
    lines += [f"\\def\\{name}{''.join(f'#{i + 1}' for i in range(n))}{{{body}}}"
              for name, (body, n) in macros.items()]
    lines += ["$$"]
    return "\n".join(lines)


def parse_cell(text: str) -> tuple[dict, dict]:
    """The macros a macro cell defines: (front matter ``math:``, ``\\def`` block)."""
    fm = {}
    m = re.match(r"---\n(.*?)\n---\n", text, re.S)
    if m:
        fm = {k.lstrip("\\"): v for k, v in (yaml.safe_load(m.group(1)) or {}).get(
            "math", {}).items()}
    defs = {}
    for name, args, body in re.findall(r"\\def\\(\w+)((?:#\d)*)\{(.*)\}\s*$", text, re.M):
        defs[name] = (body, len(args) // 2)
    return fm, defs


def _find_macro_cell(nb) -> int | None:
    for i, cell in enumerate(nb.cells[:3]):
        if (cell.cell_type == "markdown" and "remove-cell" in cell.metadata.get("tags", [])
                and MACRO_HINT.search(cell.source)):
            return i
    return None


def rewrite(path: Path, text: str) -> bool:
    nb = nbformat.read(path, as_version=4)
    i = _find_macro_cell(nb)
    if i is None:
        cell = nbformat.v4.new_markdown_cell(text, metadata={"tags": ["remove-cell"]})
        cell.id = "macros-" + uuid.uuid4().hex[:8]
        nb.cells.insert(0, cell)
    else:
        cell = nb.cells.pop(i)
        cell.source = text
        nb.cells.insert(0, cell)
    nb.metadata.pop("widgets", None)
    new = nbformat.writes(nb) + "\n"
    if new == path.read_text():
        return False
    path.write_text(new)
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--print", action="store_true", help="print the cell text only")
    args = parser.parse_args(argv)
    text = cell_text()
    if args.print:
        print(text)
        return 0
    paths = args.notebooks or sorted((ROOT / "book").glob("ch*.ipynb"))
    for path in paths:
        print(f"{'rewrote' if rewrite(path, text) else 'unchanged'} {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
