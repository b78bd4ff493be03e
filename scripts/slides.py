"""Write one reveal.js slide deck per chapter, working offline.

Usage (from the repository root; ``make slides`` runs it)::

    .venv/bin/python scripts/slides.py [--out _build/slides]

A deck holds the cells the chapter tags for slides (cell metadata
``"slideshow": {"slide_type": "slide"}``, or ``subslide``, ``fragment``, ``notes`` and an
explicit ``"-"`` continuation): the learning objectives, each claim, the key figures, the
summary. Every other cell is left out, and so is every solution. In the kept cells:

- the input of a code cell tagged ``hide-input`` or ``remove-input`` is dropped (the
  figure shows, not the plotting code), outputs tagged ``remove-output`` are dropped;
- MyST markup that a plain Markdown renderer does not know is turned into Markdown:
  a directive ```` ```{prf:proposition} Title ```` becomes a bold heading
  "**Proposition (Title).**" followed by its body, roles such as ``{term}`winner```
  become their text;
- the book's MathJax macros (``_config.yml``) are given to MathJax.

The decks load everything from the build: reveal.js and require.js from the npm
registry (versions and sha512 checksums pinned below; ``npm pack`` fetches them once
into ``_build/vendor``), MathJax 3 from the sphinx-mathjax-offline package already in the
environment. No page references an http(s) script or style sheet
(``tests/test_slides.py`` checks it).
"""

from __future__ import annotations

import argparse
import copy
import html
import json
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from student import chapter_notebooks, strip_solutions  # noqa: E402
from vendor import extract, fetch_vendor  # noqa: E402

#: npm packages served from the build: (name, version, sha512 integrity of the tarball).
VENDOR = {
    "reveal.js": ("4.6.1", "sha512-1CW0auaXNPmwmvQ7TwpszwVxMi2Xr5cTS3J3EBC/HHgbPF32Dn7aiu"
                           "/LKWDOGjMbaDwKQiGmfqcoGQ74HUHCMw=="),
    "requirejs": ("2.3.7", "sha512-DouTG8T1WanGok6Qjg2SXuCMzszOo0eHeH9hDZ5Y4x8Je+9JB38HdT"
                           "LT4/VA8OaUhBa0JPVHJ0pyBkM1z+pDsw=="),
}
SLIDE_TYPES = {"slide", "subslide", "fragment", "notes", "-"}
NEW_SLIDE = {"slide", "subslide"}
HIDE_INPUT = {"hide-input", "remove-input"}

TEMPLATE = r"""{%- extends 'reveal/index.html.j2' -%}
{%- block html_head_js_jquery -%}{%- endblock html_head_js_jquery -%}
{%- block html_head_js_requirejs -%}
<script src="_static/require.js"></script>
{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}
<script>
{% raw %}window.MathJax = MATHJAX_CONFIG;{% endraw %}
</script>
<script defer src="_static/mathjax/tex-chtml-full.js"></script>
{%- endblock html_head_js_mathjax -%}
{% block footer_js %}
<script>
require(["_static/reveal.js/dist/reveal.js", "_static/reveal.js/plugin/notes/notes.js"],
  function (Reveal, RevealNotes) {
    Reveal.initialize({
      controls: true, progress: true, history: true, slideNumber: "c/t",
      transition: "{{ resources.reveal.transition | default('slide', true) }}",
      width: 1280, height: 800, plugins: [RevealNotes]
    });
    Reveal.on("slidechanged", function () {
      if (window.MathJax && MathJax.typesetPromise) { MathJax.typesetPromise(); }
    });
  });
</script>
{% endblock footer_js %}
"""


def mathjax_dir() -> Path:
    """MathJax 3 as shipped by the sphinx-mathjax-offline package."""
    import sphinx  # the package sits beside sphinx in site-packages

    base = Path(sphinx.__file__).resolve().parents[1] / "sphinx-mathjax-offline"
    path = base / "static" / "mathjax"
    if not (path / "tex-chtml-full.js").is_file():
        raise FileNotFoundError(f"MathJax not found in {path}: install the pinned "
                                "sphinx-mathjax-offline (requirements.txt)")
    return path


def write_static(out: Path) -> None:
    """Copy reveal.js, require.js and MathJax into ``out/_static``."""
    static = out / "_static"
    shutil.rmtree(static, ignore_errors=True)
    tarballs = fetch_vendor(VENDOR, ROOT / "_build" / "vendor")
    extract(tarballs["reveal.js"],
             ["dist/reveal.js", "dist/reveal.css", "dist/theme/white.css",
              "dist/theme/fonts/source-sans-pro", "plugin/notes/notes.js", "LICENSE"],
             static / "reveal.js")
    extract(tarballs["requirejs"], ["require.js"], static)
    mj = mathjax_dir()
    (static / "mathjax").mkdir(parents=True)
    shutil.copy2(mj / "tex-chtml-full.js", static / "mathjax" / "tex-chtml-full.js")
    shutil.copytree(mj / "output" / "chtml" / "fonts",
                    static / "mathjax" / "output" / "chtml" / "fonts")


# ------------------------------------------------------------------ MyST -> Markdown
_OPEN = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}\s*(?P<arg>.*)$")
_OPTION = re.compile(r"^\s*:[\w-]+:.*$")
_ROLE = re.compile(r"\{(?P<role>[\w:-]+)\}`(?P<text>[^`]*)`")


def _title(name: str, arg: str) -> str:
    kind = name.split(":")[-1].replace("-", " ").capitalize()
    if name in ("admonition",):
        return arg or "Note"
    if name in ("note", "tip", "important", "warning", "caution", "hint", "attention"):
        return kind + (f": {arg}" if arg else "")
    return kind + (f" ({arg})" if arg else "")


_KINDS = {"prop": "Proposition", "thm": "Theorem", "lem": "Lemma", "def": "Definition",
          "cor": "Corollary", "rem": "Remark", "est": "Estimate", "alg": "Algorithm",
          "fig": "Figure", "eq": "Equation", "ex": "Exercise", "sec": "Section"}


def _label(label: str) -> str:
    """A readable name for a cross-reference label: ``prop-fitted-weight`` ->
    "Proposition 'fitted weight'", ``ch2_small_init`` -> "chapter 2"."""
    m = re.match(r"^ch(\d+)_", label)
    if m:
        return f"chapter {m.group(1)}"
    head, _, rest = label.partition("-")
    rest = re.sub(r"^ch\d+-", "", rest).replace("-", " ")
    if head in _KINDS and rest:
        return f"{_KINDS[head]} '{rest}'"
    return label.replace("-", " ")


def _role(m: re.Match) -> str:
    role, text = m.group("role"), m.group("text")
    shown = re.sub(r"\s*<[^>]*>\s*$", "", text).strip()
    explicit = shown != text.strip()
    if role == "math":
        return f"${text}$"
    if role.startswith("cite"):
        return "[" + text.replace(",", "; ") + "]"
    if role in ("numref",):
        return shown.replace("%s", "").strip() if explicit else _label(text.strip())
    if role.startswith("py:") or role in ("func", "class", "mod"):
        return f"`{shown.lstrip('~')}`"
    if role in ("prf:ref", "ref", "eq", "doc"):
        return shown if explicit else _label(text.strip())
    return shown


def myst_to_markdown(text: str) -> str:
    """Turn the book's MyST directives and roles into plain Markdown for slides.

    Parameters
    ----------
    text : str
        The source of a Markdown cell.

    Returns
    -------
    str
        The same text with each directive replaced by a bold title and its body (a
        ``{math}`` directive by ``$$ ... $$``), option lines removed, and roles by
        their text. Code fences without braces are kept.
    """
    out, stack = [], []  # stack of (fence, name)
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if stack and line.strip() == stack[-1][0]:
            fence, name = stack.pop()
            if name == "math":
                out.append("$$")
            i += 1
            continue
        m = _OPEN.match(line)
        if m and not (stack and stack[-1][1] in ("code-cell", "code")):
            name = m.group("name")
            stack.append((m.group("fence"), name))
            i += 1
            while i < len(lines) and _OPTION.match(lines[i]):
                i += 1
            if name == "math":
                out.append("$$")
            elif name not in ("figure", "glossary", "raw"):
                out.append(f"**{_title(name, m.group('arg').strip())}.**")
                out.append("")
            continue
        out.append(_ROLE.sub(_role, line))
        i += 1
    return "\n".join(out)


# -------------------------------------------------------------------------- decks
def slide_cells(nb):
    """Keep only the cells tagged for slides (a copy); return it and the slide count."""
    nb = strip_solutions(copy.deepcopy(nb))
    kept, n_slides = [], 0
    for cell in nb.cells:
        kind = cell.metadata.get("slideshow", {}).get("slide_type")
        tags = set(cell.metadata.get("tags", []))
        if kind not in SLIDE_TYPES or "remove-cell" in tags:
            continue
        if cell.cell_type == "code" and tags & HIDE_INPUT and not cell.get("outputs"):
            continue  # a figure cell without stored output would be an empty slide
        if kind in NEW_SLIDE or (not kept and kind != "notes"):
            if not kept:
                cell.metadata["slideshow"] = {"slide_type": "slide"}
            n_slides += 1
        if cell.cell_type == "markdown":
            cell.source = myst_to_markdown(cell.source)
        elif cell.cell_type == "code":
            if tags & HIDE_INPUT:
                cell.metadata.setdefault("transient", {})["remove_source"] = True
            if "remove-output" in tags:
                cell.outputs = []
        kept.append(cell)
        caption = (cell.metadata.get("mystnb", {}).get("figure", {}) or {}).get("caption")
        if cell.cell_type == "code" and caption:
            kept.append(nbformat.v4.new_markdown_cell(
                f"*{myst_to_markdown(caption).strip()}*",
                metadata={"slideshow": {"slide_type": "-"}}))
    title = next((c.source.splitlines()[0] for c in nb.cells
                  if c.cell_type == "markdown" and c.source.startswith("# ")), None)
    if title and kept:
        cover = nbformat.v4.new_markdown_cell(
            f"{title}\n\n*Understanding the deflation process: a theory companion*",
            metadata={"slideshow": {"slide_type": "slide"}})
        kept.insert(0, cover)
        n_slides += 1
        if kept[1].metadata.get("slideshow", {}).get("slide_type") not in NEW_SLIDE:
            kept[1].metadata["slideshow"] = {"slide_type": "slide"}
    nb.cells = kept
    nb.metadata.pop("widgets", None)
    return nb, n_slides


def _mathjax_config() -> str:
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    macros = (cfg.get("sphinx", {}).get("config", {}).get("mathjax3_config", {})
              .get("tex", {}).get("macros", {}))
    return json.dumps({
        "tex": {"macros": macros, "inlineMath": [["$", "$"], ["\\(", "\\)"]],
                "displayMath": [["$$", "$$"], ["\\[", "\\]"]], "processEscapes": True},
        "chtml": {"fontURL": "_static/mathjax/output/chtml/fonts/woff-v2"},
        "options": {"ignoreHtmlClass": "tex2jax_ignore"},
    })


def export_deck(nb, target: Path, template_dir: Path) -> None:
    """Write ``nb`` as a reveal.js deck to ``target``."""
    from nbconvert import SlidesExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    c = Config()
    c.TemplateExporter.extra_template_basedirs = [str(template_dir)]
    c.SlidesExporter.template_name = "deflation_reveal"
    c.SlidesExporter.reveal_url_prefix = "_static/reveal.js"
    c.SlidesExporter.require_js_url = "_static/require.js"
    c.SlidesExporter.font_awesome_url = ""
    c.SlidesExporter.reveal_theme = "white"
    exporter = SlidesExporter(config=c)
    remover = TagRemovePreprocessor(remove_input_tags=set(HIDE_INPUT),
                                    remove_all_outputs_tags={"remove-output"},
                                    remove_cell_tags={"remove-cell"})
    exporter.register_preprocessor(remover, enabled=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": target.stem}})
    target.write_text(body)


def write_template(out: Path) -> Path:
    """Write the deck template (reveal, with every script from ``_static``)."""
    tdir = out / "_template"
    shutil.rmtree(tdir, ignore_errors=True)
    (tdir / "deflation_reveal").mkdir(parents=True)
    (tdir / "deflation_reveal" / "index.html.j2").write_text(
        TEMPLATE.replace("MATHJAX_CONFIG", _mathjax_config()))
    (tdir / "deflation_reveal" / "conf.json").write_text(
        json.dumps({"base_template": "reveal", "mimetypes": {"text/html": True}}))
    return tdir


def write_index(out: Path, decks: dict[str, int]) -> None:
    items = "\n".join(f'<li><a href="{html.escape(name)}.slides.html">{html.escape(name)}'
                      f"</a> ({n} slides)</li>" for name, n in decks.items())
    (out / "index.html").write_text(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>Slides: the deflation companion</title></head><body>\n"
        "<h1>Slides, one deck per chapter</h1>\n<ul>\n" + items + "\n</ul>\n"
        "<p>Text and figures: CC BY 4.0. Decks work offline (reveal.js "
        f"{VENDOR['reveal.js'][0]} and MathJax are in <code>_static/</code>).</p>\n"
        "</body></html>\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "slides",
                        help="output folder (default _build/slides)")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.slides.html"):
        old.unlink()
    write_static(out)
    tdir = write_template(out)
    decks = {}
    for path in chapter_notebooks():
        nb, n = slide_cells(nbformat.read(path, as_version=4))
        if not nb.cells:
            print(f"{path.name}: no cell tagged for slides, no deck")
            continue
        export_deck(nb, out / f"{path.stem}.slides.html", tdir)
        decks[path.stem] = n
        print(f"{path.stem}.slides.html: {n} slides ({len(nb.cells)} cells)")
    write_index(out, decks)
    print(f"decks: {len(decks)} in {out}; elapsed {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
