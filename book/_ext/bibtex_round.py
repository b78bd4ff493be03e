"""Sphinx extension: author-year citations with round brackets, as the text reads.

sphinxcontrib-bibtex's ``author_year`` style writes ``Ge et al. [2021]`` and
``[Ge et al., 2021]``. The book reads "Ge et al. (2021)" (``{cite:t}``) and
"(Ge et al., 2021)" (``{cite:p}``): this registers the same style with round brackets as
``bibtex_reference_style: author_year_round`` (the recipe of sphinxcontrib-bibtex's docs).
"""

from __future__ import annotations

import dataclasses

import sphinxcontrib.bibtex.plugin
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle


def _round() -> BracketStyle:
    return BracketStyle(left="(", right=")")


@dataclasses.dataclass
class AuthorYearRoundReferenceStyle(AuthorYearReferenceStyle):
    bracket_parenthetical: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_textual: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_author: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_label: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_year: BracketStyle = dataclasses.field(default_factory=_round)


sphinxcontrib.bibtex.plugin.register_plugin(
    "sphinxcontrib.bibtex.style.referencing", "author_year_round",
    AuthorYearRoundReferenceStyle)


def setup(app):
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
