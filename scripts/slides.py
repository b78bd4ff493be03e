"""Write one reveal.js slide deck per chapter, working offline.

Usage (from the repository root; ``make slides`` runs it)::

    .venv/bin/python scripts/slides.py [--out _build/slides]

A deck is written from its own short source, ``slides/<chapter>.md`` (the format is in
``slides/README.md``): bullets written for the screen, not the chapter's paragraphs.
The source takes from the chapter, *by name*, never by cell position, so the decks
survive a reordering of the chapters:

- figures by their ``mystnb`` name (```` ```{figure} fig-ch1-staircase ````), with the
  chapter's stored image and its number;
- inserted values by their glue name (``{glue:text}`ch1-beta:.3f```), as numbers;
- cross-references as numbered titles (``{prf:ref}`prop-escape-time``` -> "Proposition
  1.2", ``{numref}`` -> "Fig. 1.2", ``{doc}`` -> "Chapter 2"), and a whole statement
  box (```` ```{statement} prop-escape-time ````);
- citations author-year from ``book/references.bib`` (``{cite:t}`` -> "Ge et al.
  (2021)", ``{cite:p}`` -> "(Ge et al., 2021)").

A name the chapter no longer has, or a role the renderer does not know, stops the build
with a message naming the deck and the name. Tables are Markdown pipe tables or
``{list-table}``. Speaker notes go in a ```` ```{notes} ```` block.

The decks load everything from the build: reveal.js from the npm registry (version and
sha512 pinned below; ``npm pack`` fetches it once into ``_build/vendor``), MathJax 3
from the sphinx-mathjax-offline package already in the environment. No page references
an http(s) script or style sheet. ``make slides-check`` (``tests/test_slides.py``)
opens every deck in headless Chromium and fails on raw keys or MyST in the visible
text and on any slide taller or wider than its 1280 x 720 frame.
"""

from __future__ import annotations

import argparse
import ast
import base64
import html
import json
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from vendor import extract, fetch_vendor  # noqa: E402

SOURCES = ROOT / "slides"
WIDTH, HEIGHT = 1280, 720

#: npm packages served from the build: (name, version, sha512 integrity of the tarball).
VENDOR = {
    "reveal.js": ("4.6.1", ("sha512-1CW0auaXNPmwmvQ7TwpszwVxMi2Xr5cTS3J3EBC/HHgbPF32Dn7aiu"
                           "/LKWDOGjMbaDwKQiGmfqcoGQ74HUHCMw==")),
}
SUBTITLE = "Understanding the deflation process: a theory companion"


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
    """Copy reveal.js, MathJax and the deck style into ``out/_static``."""
    static = out / "_static"
    shutil.rmtree(static, ignore_errors=True)
    tarballs = fetch_vendor(VENDOR, ROOT / "_build" / "vendor")
    extract(tarballs["reveal.js"],
             ["dist/reveal.js", "dist/reveal.css", "dist/theme/white.css",
              "dist/theme/fonts/source-sans-pro", "plugin/notes/notes.js", "LICENSE"],
             static / "reveal.js")
    mj = mathjax_dir()
    (static / "mathjax").mkdir(parents=True)
    shutil.copy2(mj / "tex-chtml-full.js", static / "mathjax" / "tex-chtml-full.js")
    shutil.copytree(mj / "output" / "chtml" / "fonts",
                    static / "mathjax" / "output" / "chtml" / "fonts")
    (static / "deck.css").write_text(DECK_CSS)


# ------------------------------------------------------------------ the book's index
@dataclass
class Target:
    """Something a deck can refer to: a statement, a figure, an exercise, a chapter."""

    kind: str  # "Proposition", "Fig.", "Exercise", "Chapter", ...
    number: str  # "1.2"
    title: str = ""
    body: str = ""  # a statement's MyST text

    @property
    def ref(self) -> str:
        return f"{self.kind} {self.number}"


@dataclass
class Chapter:
    stem: str
    number: int
    title: str
    glue: dict[str, str] = field(default_factory=dict)
    figures: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)  # mime, no.


_PRF = re.compile(r"^(`{3,}|:{3,})\{prf:(\w+)\}[ \t]*(.*)$")
_OPTION = re.compile(r"^\s*:([\w-]+):\s*(.*)$")
_EXERCISE = re.compile(r"\{exercise-start\}[^\n]*\n(?:\s*:[\w-]+:.*\n)*?\s*:label:\s*(\S+)")


class BookIndex:
    """Numbers, titles, glue values and figures of every chapter, and the bibliography.

    Numbers follow the book (sphinx-proof, numfig): per chapter and per kind, in
    document order, prefixed by the chapter's number in ``_toc.yml``.
    """

    def __init__(self, root: Path = ROOT) -> None:
        self.root = root
        self.chapters: dict[str, Chapter] = {}
        self.targets: dict[str, Target] = {}
        self.bib = self._bibliography(root / "book" / "references.bib")
        for number, stem in enumerate(self.numbered_chapters(root), start=1):
            self._read_chapter(root / "book" / f"{stem}.ipynb", number)

    @staticmethod
    def numbered_chapters(root: Path) -> list[str]:
        """The stems of the numbered chapters, in the table of contents' order."""
        toc = yaml.safe_load((root / "_toc.yml").read_text())
        stems = []
        for part in toc.get("parts", []):
            if part.get("numbered"):
                stems += [Path(c["file"]).name for c in part.get("chapters", [])]
        return stems

    @staticmethod
    def _bibliography(path: Path) -> dict[str, tuple[list[str], str]]:
        from pybtex.database import parse_file

        data = parse_file(str(path))
        bib = {}
        for key, entry in data.entries.items():
            names = [" ".join(p.last_names) for p in entry.persons.get("author", [])]
            bib[key] = (names, entry.fields.get("year", "n.d."))
        return bib

    def _read_chapter(self, path: Path, number: int) -> None:
        nb = nbformat.read(path, as_version=4)
        title = next((c.source.splitlines()[0][2:].strip() for c in nb.cells
                      if c.cell_type == "markdown" and c.source.startswith("# ")), path.stem)
        chapter = Chapter(path.stem, number, title)
        self.chapters[path.stem] = chapter
        self.targets[path.stem] = Target("Chapter", str(number), title)
        counts: dict[str, int] = {}

        def numbered(kind: str) -> str:
            counts[kind] = counts.get(kind, 0) + 1
            return f"{number}.{counts[kind]}"

        for cell in nb.cells:
            if cell.cell_type == "markdown":
                self._read_markdown(cell.source, numbered)
                continue
            if cell.cell_type != "code":
                continue
            for out in cell.get("outputs", []):
                meta = out.get("metadata", {}).get("scrapbook")
                if meta:
                    data = out.get("data", {})
                    plain = next((v for k, v in data.items() if k.endswith("text/plain")), "")
                    chapter.glue[meta["name"]] = plain
            fig = (cell.metadata.get("mystnb", {}).get("figure") or {})
            if fig.get("name"):
                no = numbered("Fig.")
                self.targets[fig["name"]] = Target("Fig.", no, fig.get("caption", ""))
                image = self._image(cell)
                if image:
                    chapter.figures[fig["name"]] = (image[0], no, image[1])

    def _read_markdown(self, text: str, numbered: Any) -> None:
        lines = text.splitlines()
        for i, line in enumerate(lines):
            m = _PRF.match(line.strip())
            if not m:
                continue
            fence, kind, title = m.group(1), m.group(2), m.group(3).strip()
            label, j = None, i + 1
            while j < len(lines) and _OPTION.match(lines[j]):
                opt = _OPTION.match(lines[j])
                assert opt is not None
                if opt.group(1) == "label":
                    label = opt.group(2).strip()
                j += 1
            end = next((k for k in range(j, len(lines)) if lines[k].strip() == fence),
                       len(lines))
            if kind == "proof" or not label:
                continue
            name = kind.capitalize()
            self.targets[label] = Target(name, numbered(name), title,
                                         "\n".join(lines[j:end]).strip())
        for m in _EXERCISE.finditer(text):
            self.targets[m.group(1)] = Target("Exercise", numbered("Exercise"))

    @staticmethod
    def _image(cell: Any) -> tuple[str, bytes] | None:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" in data:
                return "image/png", base64.b64decode(data["image/png"])
            if "image/svg+xml" in data:
                svg = data["image/svg+xml"]
                return "image/svg+xml", (svg if isinstance(svg, str) else "".join(svg)).encode()
        return None

    # ----------------------------------------------------------------- look-ups
    def target(self, label: str, deck: str) -> Target:
        if label not in self.targets:
            raise ValueError(f"{deck}: no figure, statement, exercise or chapter "
                             f"labelled {label!r} in the book")
        return self.targets[label]

    def glue(self, chapter: str, spec: str, deck: str) -> str:
        """A glued value as ``{glue:text}`` shows it: ``name`` or ``name:format``."""
        name, _, fmt = spec.partition(":")
        where = [c for c in self.chapters.values() if name in c.glue]
        if not where:
            raise ValueError(f"{deck}: no value glued as {name!r} in the chapters")
        own = self.chapters.get(chapter)
        plain = (own if own and name in own.glue else where[0]).glue[name]
        if fmt:
            return format(float(plain), fmt)
        try:
            value = ast.literal_eval(plain)
        except (ValueError, SyntaxError):
            return plain
        return value if isinstance(value, str) else plain

    def cite(self, keys: str, textual: bool, deck: str) -> str:
        parts = []
        for key in (k.strip() for k in keys.split(",")):
            if key not in self.bib:
                raise ValueError(f"{deck}: no reference {key!r} in book/references.bib")
            names, year = self.bib[key]
            who = (names[0] if len(names) == 1 else f"{names[0]} and {names[1]}"
                   if len(names) == 2 else f"{names[0]} et al.")
            parts.append(f"{who} ({year})" if textual else f"{who}, {year}")
        return "; ".join(parts) if textual else "(" + "; ".join(parts) + ")"


_ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")


def plain_markdown(text: str, index: BookIndex, chapter: str, where: str) -> str:
    """``text`` with the book's MyST roles replaced by what the book shows (numbered
    references, values, author-year citations), for a plain Markdown renderer such as
    Jupyter's (the homework notebooks of ``make assignments``)."""
    renderer = Renderer(index, chapter, where, ROOT / "_build" / "unused-images")

    def one(m: re.Match[str]) -> str:
        out = renderer.role(m.group(1), m.group(2))
        out = re.sub(r'<span class="math">\\\((.*?)\\\)</span>', r"$\1$", out)
        out = re.sub(r"<code>(.*?)</code>", r"`\1`", out)
        return html.unescape(out)

    return _ROLE.sub(one, text)


# ------------------------------------------------------------------ slide sources
@dataclass
class Slide:
    title: str
    body: str
    cover: bool = False


def read_source(path: Path) -> tuple[dict[str, Any], list[Slide]]:
    """Split a slide source into its front matter and its slides.

    ``# Title`` opens the cover slide, every ``## Title`` a new slide (headings inside
    fenced blocks do not count).
    """
    text = path.read_text()
    meta: dict[str, Any] = {}
    if text.startswith("---\n"):
        head, _, text = text[4:].partition("\n---\n")
        meta = yaml.safe_load(head) or {}
    slides: list[Slide] = []
    fence = None
    for line in text.splitlines():
        stripped = line.strip()
        m = re.match(r"^(`{3,}|:{3,})", stripped)
        if m and fence is None:
            fence = m.group(1)
        elif fence is not None and stripped == fence:
            fence = None
        elif fence is None and re.match(r"^#{1,2} ", line):
            level = len(line) - len(line.lstrip("#"))
            slides.append(Slide(line[level:].strip(), "", cover=level == 1))
            continue
        if not slides:
            if stripped:
                raise ValueError(f"{path.name}: text before the first heading: {line!r}")
            continue
        slides[-1].body += line + "\n"
    return meta, slides


class Renderer:
    """Markdown with the book's roles and a few directives -> reveal.js HTML."""

    def __init__(self, index: BookIndex, chapter: str, deck: str, images: Path) -> None:
        from markdown_it import MarkdownIt
        from mdit_py_plugins.dollarmath import dollarmath_plugin
        from mdit_py_plugins.myst_role import myst_role_plugin

        self.index, self.chapter, self.deck, self.images = index, chapter, deck, images
        md = MarkdownIt("commonmark", {"html": False, "typographer": False})
        md.enable("table")
        md.use(dollarmath_plugin, double_inline=True)
        md.use(myst_role_plugin)
        md.add_render_rule("math_inline", lambda s, t, i, o, e: self._math(t[i].content))
        md.add_render_rule("math_inline_double",
                           lambda s, t, i, o, e: self._math(t[i].content, True))
        md.add_render_rule("math_block",
                           lambda s, t, i, o, e: self._math(t[i].content, True))
        md.add_render_rule("math_block_label",
                           lambda s, t, i, o, e: self._math(t[i].content, True))
        md.add_render_rule("myst_role",
                           lambda s, t, i, o, e: self.role(t[i].meta["name"], t[i].content))
        default_fence = md.renderer.rules["fence"]
        md.add_render_rule("fence", lambda s, t, i, o, e: (
            self.directive(t[i].info, t[i].content) if t[i].info.startswith("{")
            else default_fence(t, i, o, e)))
        self.md = md

    def render(self, text: str) -> str:
        return self.md.render(text)

    def inline(self, text: str) -> str:
        return self.md.renderInline(text)

    @staticmethod
    def _math(tex: str, display: bool = False) -> str:
        tex = html.escape(tex.strip())
        return f'<div class="math">\\[{tex}\\]</div>' if display else \
            f'<span class="math">\\({tex}\\)</span>'

    # ---------------------------------------------------------------------- roles
    def role(self, name: str, content: str) -> str:
        text = content.strip()
        explicit = re.match(r"^(.*?)\s*<([^<>]+)>$", text, re.S)
        shown, target = (explicit.group(1), explicit.group(2)) if explicit else (None, text)
        esc = html.escape
        if name in ("glue", "glue:", "glue:text", "glue:md", "glue:any"):
            return esc(self.index.glue(self.chapter, target, self.deck))
        if name == "glue:math":
            return self._math(self.index.glue(self.chapter, target, self.deck))
        if name in ("cite", "cite:p", "cite:ps"):
            return esc(self.index.cite(target, textual=False, deck=self.deck))
        if name in ("cite:t", "cite:ts"):
            return esc(self.index.cite(target, textual=True, deck=self.deck))
        if name == "numref":
            t = self.index.target(target, self.deck)
            return esc(shown.replace("%s", t.number) if shown else t.ref)
        if name in ("prf:ref", "ref"):
            t = self.index.target(target, self.deck)
            return esc(shown if shown else t.ref)
        if name == "doc":
            t = self.index.target(Path(target).name, self.deck)
            return esc(shown if shown else t.ref)
        if name == "statement":  # ours: the numbered title of a statement
            t = self.index.target(target, self.deck)
            return esc(f"{t.ref} ({t.title})" if t.title else t.ref)
        if name == "term":
            return esc(shown or target)
        if name == "math":
            return self._math(text)
        if name in ("py:func", "func", "py:class", "class", "py:mod", "mod", "py:meth",
                    "py:attr", "py:data"):
            shown_name = (shown or target).lstrip("~")
            suffix = "()" if name.endswith(("func", "meth")) else ""
            return f"<code>{esc(shown_name)}{suffix}</code>"
        raise ValueError(f"{self.deck}: unknown role {{{name}}} on {content!r}")

    # ----------------------------------------------------------------- directives
    def directive(self, info: str, content: str) -> str:
        m = re.match(r"^\{([\w:-]+)\}\s*(.*)$", info.strip())
        if not m:
            raise ValueError(f"{self.deck}: cannot read the directive {info!r}")
        name, arg = m.group(1), m.group(2).strip()
        options: dict[str, str] = {}
        lines = content.splitlines()
        while lines and _OPTION.match(lines[0]):
            opt = _OPTION.match(lines.pop(0))
            assert opt is not None
            options[opt.group(1)] = opt.group(2).strip()
        body = "\n".join(lines).strip()
        if name == "figure":
            return self.figure(arg, options, body)
        if name == "statement":
            return self.statement(arg, options)
        if name == "notes":
            return f'<aside class="notes">{self.render(body)}</aside>\n'
        if name == "list-table":
            return self.list_table(body, options)
        raise ValueError(f"{self.deck}: unknown directive {{{name}}}")

    def figure(self, label: str, options: dict[str, str], caption: str) -> str:
        found = [(c, c.figures[label]) for c in self.index.chapters.values()
                 if label in c.figures]
        if not found:
            raise ValueError(f"{self.deck}: no figure named {label!r} with a stored image "
                             f"in the chapters")
        _, (mime, number, data) = found[0]
        ext = ".png" if mime == "image/png" else ".svg"
        self.images.mkdir(parents=True, exist_ok=True)
        (self.images / f"{label}{ext}").write_bytes(data)
        height = int(options.get("height", "400"))
        alt = options.get("alt") or self.index.targets[label].title
        cap = f"Fig. {number}" + (f". {self.inline(caption)}" if caption else "")
        return (f'<figure><img src="img/{html.escape(label)}{ext}" '
                f'style="max-height:{height}px" alt="{html.escape(alt)}">'
                f"<figcaption>{cap}</figcaption></figure>\n")

    def statement(self, label: str, options: dict[str, str]) -> str:
        t = self.index.target(label, self.deck)
        if not t.body:
            raise ValueError(f"{self.deck}: {label!r} is not a statement with a text")
        title = f"{t.ref} ({t.title})" if t.title else t.ref
        return (f'<div class="statement"><p class="statement-title">'
                f"{html.escape(title)}</p>{self.render(t.body)}</div>\n")

    def list_table(self, body: str, options: dict[str, str]) -> str:
        rows: list[list[str]] = []
        for line in body.splitlines():
            if re.match(r"^\*\s+-\s", line):
                rows.append([line.split("-", 1)[1].strip()])
            elif re.match(r"^\s+-\s", line) and rows:
                rows[-1].append(line.strip()[1:].strip())
            elif line.strip() and rows:
                rows[-1][-1] += " " + line.strip()
        header = int(options.get("header-rows", "0"))
        out = ["<table>"]
        for i, row in enumerate(rows):
            tag = "th" if i < header else "td"
            out.append("<tr>" + "".join(f"<{tag}>{self.inline(c)}</{tag}>" for c in row)
                       + "</tr>")
        out.append("</table>")
        return "\n".join(out) + "\n"


# -------------------------------------------------------------------------- decks
DECK_CSS = """
.reveal { font-size: 30px; }
.reveal .slides section { text-align: left; }
.reveal h1 { font-size: 54px; text-transform: none; line-height: 1.15; }
.reveal h2 { font-size: 40px; text-transform: none; margin: 0 0 18px 0; }
.reveal p { margin: 10px 0; line-height: 1.3; }
.reveal ul, .reveal ol { display: block; margin: 0 0 0 1.1em; }
.reveal li { margin: 8px 0; line-height: 1.28; }
.reveal li li { font-size: 0.9em; }
.reveal figure { margin: 8px auto 0 auto; text-align: center; }
.reveal figure img { max-width: 100%; margin: 0; height: auto; }
.reveal figcaption { font-size: 20px; color: #555; margin-top: 2px; }
.reveal table { font-size: 24px; border-collapse: collapse; margin: 8px 0; }
.reveal table th, .reveal table td { border-bottom: 1px solid #bbb; padding: 4px 10px;
  text-align: left; vertical-align: top; }
.reveal .statement { border-left: 6px solid #2a76dd; background: #f2f6fc;
  padding: 6px 18px; font-size: 25px; margin: 8px 0; }
.reveal .statement-title { font-weight: bold; margin: 4px 0; }
.reveal .statement ol, .reveal .statement ul { margin-left: 1.2em; }
.reveal section.cover { text-align: center; }
.reveal section.cover h1 { margin-top: 40px; }
.reveal .chapter-number { color: #2a76dd; font-size: 30px; letter-spacing: 1px; }
.reveal .subtitle { color: #555; font-style: italic; }
.reveal .licence { font-size: 18px; color: #777; margin-top: 40px; }
.reveal code { font-size: 0.85em; }
.reveal div.math { margin: 6px 0; }
"""

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="_static/reveal.js/dist/reveal.css">
<link rel="stylesheet" href="_static/reveal.js/dist/theme/white.css">
<link rel="stylesheet" href="_static/deck.css">
<script>window.MathJax = {mathjax};</script>
<script defer src="_static/mathjax/tex-chtml-full.js"></script>
</head><body>
<div class="reveal"><div class="slides">
{sections}
</div></div>
<script src="_static/reveal.js/dist/reveal.js"></script>
<script src="_static/reveal.js/plugin/notes/notes.js"></script>
<script>
Reveal.initialize({{width: {width}, height: {height}, margin: 0.04, center: true,
  hash: true, controls: true, progress: true, slideNumber: "c/t",
  transition: "slide", plugins: [RevealNotes]}});
</script>
</body></html>
"""


def _mathjax_config() -> str:
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    macros = (cfg.get("sphinx", {}).get("config", {}).get("mathjax3_config", {})
              .get("tex", {}).get("macros", {}))
    return json.dumps({
        "tex": {"macros": macros, "inlineMath": [["\\(", "\\)"]],
                "displayMath": [["\\[", "\\]"]], "processEscapes": False},
        "chtml": {"fontURL": "_static/mathjax/output/chtml/fonts/woff-v2"},
        "options": {"ignoreHtmlClass": "tex2jax_ignore"},
    })


def build_deck(source: Path, index: BookIndex, out: Path) -> tuple[str, int]:
    """Write the deck of one slide source; return its file name and slide count."""
    meta, slides = read_source(source)
    deck = source.name
    chapter = meta.get("chapter") or source.stem
    if chapter not in index.chapters:
        raise ValueError(f"{deck}: chapter {chapter!r} is not a numbered chapter of "
                         f"_toc.yml")
    info = index.chapters[chapter]
    renderer = Renderer(index, chapter, deck, out / "img")
    if not slides or not slides[0].cover:
        slides.insert(0, Slide(info.title, "", cover=True))
    sections = []
    for slide in slides:
        body = renderer.render(slide.body)
        if slide.cover:
            title = renderer.inline(slide.title)
            sections.append(
                f'<section class="cover"><p class="chapter-number">Chapter {info.number}'
                f'</p><h1>{title}</h1><p class="subtitle">{html.escape(SUBTITLE)}</p>'
                f'{body}<p class="licence">Text and figures CC BY 4.0</p></section>')
        else:
            sections.append(f"<section><h2>{renderer.inline(slide.title)}</h2>\n{body}"
                            "</section>")
    page = PAGE.format(title=html.escape(f"Chapter {info.number}: {info.title}"),
                       mathjax=_mathjax_config(), sections="\n".join(sections),
                       width=WIDTH, height=HEIGHT)
    name = f"{chapter}.slides.html"
    (out / name).write_text(page)
    return name, len(sections)


def write_index(out: Path, decks: dict[str, tuple[str, int, str]]) -> None:
    items = "\n".join(
        f'<li><a href="{html.escape(name)}">{html.escape(title)}</a> ({n} slides)</li>'
        for name, n, title in decks.values())
    (out / "index.html").write_text(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>Slides: the deflation companion</title></head><body>\n"
        "<h1>Slides, one deck per chapter</h1>\n<ul>\n" + items + "\n</ul>\n"
        "<p>Keys: arrows to move, <kbd>S</kbd> for the speaker view with notes, "
        "<kbd>F</kbd> for full screen, <kbd>Esc</kbd> for the overview.</p>\n"
        "<p>Text and figures: CC BY 4.0. Decks work offline (reveal.js "
        f"{VENDOR['reveal.js'][0]} and MathJax are in <code>_static/</code>).</p>\n"
        "</body></html>\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "slides",
                        help="output folder (default _build/slides)")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.slides.html"):
        old.unlink()
    shutil.rmtree(out / "img", ignore_errors=True)
    shutil.rmtree(out / "_template", ignore_errors=True)
    write_static(out)
    index = BookIndex()
    decks = {}
    sources = sorted(SOURCES.glob("ch*.md"))
    for chapter in index.chapters:
        if not (SOURCES / f"{chapter}.md").is_file():
            print(f"{chapter}: no slide source slides/{chapter}.md, no deck")
    for source in sources:
        name, n = build_deck(source, index, out)
        chapter = index.chapters[name.removesuffix(".slides.html")]
        decks[name] = (name, n, f"Chapter {chapter.number}: {chapter.title}")
        print(f"{name}: {n} slides")
    write_index(out, decks)
    print(f"decks: {len(decks)} in {out}; elapsed {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
