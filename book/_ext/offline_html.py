"""Sphinx extension: pages that load nothing from the network and log no console error.

* sphinx-thebe (always loaded by Jupyter Book) puts ``const THEBE_JS_URL = "https://unpkg..."``
  on every page, twice (a console SyntaxError), plus ``sphinx-thebe.js``, which fetches thebe
  from a CDN when activated. The book has no live code on its pages (launch_buttons:
  thebe: false), so both are dropped.
* pydata-sphinx-theme sets the colour mode from ``localStorage`` or from the template
  variable ``default_mode``; Jupyter Book leaves that empty, so a first visit logs "Got
  invalid theme mode". "auto" (follow the reader's system setting) is what the theme
  then does anyway.
* ``static/dfl.css``: code and output lines of up to 88 characters fit the text column
  at 1280 px; long API names wrap on phones; the caption of the kernel-free figures.
* ``static/dfl.js``: folded proofs (``prf:proof`` with ``:class: dropdown``) get the title
  line sphinx-togglebutton needs (without it, it throws and leaves every toggle dead).
* Navigation: pydata-sphinx-theme 0.17 draws a top navbar that sphinx-book-theme leaves
  empty, with a second search box and hidden duplicate sidebar toggles that take the
  click handlers; ``navbar_persistent: []`` removes it (see ``_config``).
* Accessibility (axe-core, WCAG 2.0/2.1 A and AA): ``templates/`` overrides two theme
  components whose accessible names hid their visible text; a folded code cell's
  ``<summary>`` is named by its visible "Show code cell source" instead of a fixed
  aria-label; citations are list items (``role="listitem"``) instead of the deprecated
  ``doc-biblioentry``; ``dfl.css`` darkens link colours to 4.5:1 on tinted boxes.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from docutils import nodes

STATIC = Path(__file__).resolve().parent / "static"
TEMPLATES = Path(__file__).resolve().parent / "templates"


def _is_thebe(script) -> bool:
    name = str(getattr(script, "filename", None) or script or "")
    body = str(getattr(script, "attributes", {}).get("body", "") or "")
    return "sphinx-thebe" in name or "THEBE_JS_URL" in body or "thebe" in name.lower()


def _drop_thebe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if scripts:
        context["script_files"] = [s for s in scripts if not _is_thebe(s)]
    css = context.get("css_files")
    if css:
        context["css_files"] = [c for c in css if "sphinx-thebe" not in
                                str(getattr(c, "filename", None) or c)]


def _config(app, config):
    context = dict(config.html_context or {})
    context.setdefault("default_mode", "auto")
    config.html_context = context
    # pydata-sphinx-theme 0.17 fills an unset navbar_persistent with its search field, so
    # the top navbar that sphinx-book-theme leaves empty is drawn: a second search box
    # and a second, hidden pair of .primary-toggle/.secondary-toggle buttons placed before
    # the article header's. Both themes bind their handlers with
    # document.querySelector(".primary-toggle"), i.e. to the hidden pair, so the visible
    # menu and contents buttons did nothing (pydata-sphinx-theme issue 2451). An empty
    # navbar_persistent restores sphinx-book-theme's layout: no top navbar, one pair of
    # toggles, one search box.
    options = dict(config.html_theme_options or {})
    options.setdefault("navbar_persistent", [])
    config.html_theme_options = options
    config.templates_path = [str(TEMPLATES)] + list(config.templates_path or [])
    config.html_static_path = list(config.html_static_path or []) + [str(STATIC)]


def _visit_hidden_cell(self, node):
    """myst-nb's fold of a hidden cell, with the summary named by its visible text.

    myst-nb writes ``<summary aria-label="Toggle hidden content">`` around the visible
    "Show code cell source", so a speech-input user cannot say what they see (axe:
    label-content-name-mismatch). Same markup otherwise.
    """
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n<summary>\n')
    self.body.append(f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def _depart_hidden_cell(self, node):
    self.body.append("</details>\n")


def _visit_citation(self, node):
    """A citation as a list item: docutils' ``doc-biblioentry`` role is deprecated (DPUB-ARIA
    1.1), and a ``role="list"`` may only hold list items (axe: aria-deprecated-role,
    aria-required-children)."""
    if not isinstance(node.previous_sibling(), type(node)):
        self.body.append('<div role="list" class="citation-list">\n')
    self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))


def _depart_citation(self, node):
    self.body.append("</div>\n")
    if not isinstance(node.next_node(descend=False, siblings=True), type(node)):
        self.body.append("</div>\n")


def setup(app):
    app.setup_extension("myst_nb")  # its node first, then the override below
    from myst_nb.sphinx_ import HideCodeCellNode

    app.add_node(HideCodeCellNode, override=True,
                 html=(_visit_hidden_cell, _depart_hidden_cell))
    app.add_node(nodes.citation, override=True, html=(_visit_citation, _depart_citation))
    app.connect("config-inited", _config)
    app.add_css_file("dfl.css")
    # Before togglebutton.js (priority 500): it needs the proofs' title lines.
    app.add_js_file("dfl.js", priority=200)
    app.connect("html-page-context", _drop_thebe, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
