"""Sphinx extension: the book's MathJax macros (``mathjax3_config`` in _config.yml) for LaTeX.

The HTML book gets ``\\Tstar``, ``\\ip{x}{y}``, ... from ``mathjax3_config.tex.macros``;
``make pdf`` (the LaTeX builder) needs the same definitions in the preamble. They are
generated from that one table, so the PDF and the HTML cannot drift apart.
``\\providecommand`` then ``\\renewcommand``: a name LaTeX or a package already defines
(``\\R``, ``\\E``, ...) is redefined instead of stopping the build.
"""

from __future__ import annotations


def latex_preamble(macros: dict) -> str:
    lines = ["% The book's notation (generated from mathjax3_config in _config.yml)"]
    for name, body in macros.items():
        nargs = 0
        if isinstance(body, (list, tuple)):
            body, nargs = body[0], int(body[1]) if len(body) > 1 else 0
        args = f"[{nargs}]" if nargs else ""
        lines.append(f"\\providecommand{{\\{name}}}{{}}\\renewcommand{{\\{name}}}{args}{{{body}}}")
    return "\n".join(lines) + "\n"


def _add_preamble(app, config):
    macros = ((config.mathjax3_config or {}).get("tex") or {}).get("macros") or {}
    if not macros:
        return
    elements = dict(config.latex_elements or {})
    elements["preamble"] = elements.get("preamble", "") + "\n" + latex_preamble(macros)
    config.latex_elements = elements


def setup(app):
    app.connect("config-inited", _add_preamble)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
