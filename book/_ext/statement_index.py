"""Sphinx extension: an index of the book's statements, by number and title.

sphinx-proof's own index (``prf-prf.html``) lists bare labels (``prop-ch3-growth``) and is
not reachable from the table of contents. This extension records every labelled
sphinx-proof block (theorem, proposition, lemma, definition, assumption, remark, ...)
while the chapters are read, and the directive ::

    ```{statement-index}
    ```

renders them, chapter by chapter, as "Proposition 3.2 (Growth of the first component)"
links. Proofs are left out (they follow their statement).
"""

from __future__ import annotations

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

SKIP = {"proof"}


class statement_index_node(nodes.General, nodes.Element):
    """Placeholder, replaced by the list once every chapter has been read."""


class StatementIndex(SphinxDirective):
    has_content = False

    def run(self):
        return [statement_index_node()]


def _collect(app, doctree):
    env = app.env
    store = env.__dict__.setdefault("dfl_statements", {})
    found = []
    for node in doctree.findall(nodes.Element):
        realtype = node.get("realtype")
        label = node.get("label")
        if not realtype or realtype in SKIP or not label:
            continue
        title = next(iter(node.findall(nodes.title)), None)
        found.append({
            "label": label,
            "realtype": realtype,
            "countertype": node.get("countertype", realtype),
            "title": title.deepcopy() if title is not None else None,
        })
    if found:
        store[env.docname] = found


def _purge(app, env, docname):
    env.__dict__.setdefault("dfl_statements", {}).pop(docname, None)


def _merge(app, env, docnames, other):
    store = env.__dict__.setdefault("dfl_statements", {})
    store.update({d: v for d, v in getattr(other, "dfl_statements", {}).items() if d in docnames})


def _resolve(app, doctree, fromdocname):
    env = app.env
    store = getattr(env, "dfl_statements", {})
    # Chapters in table-of-contents order (the order in which they are numbered).
    ranked = {d: i for i, d in enumerate(_toc_walk(env))}
    docs = sorted((d for d in env.found_docs if d in store),
                  key=lambda d: (ranked.get(d, len(ranked)), d))
    for placeholder in list(doctree.findall(statement_index_node)):
        if not docs:
            placeholder.replace_self(nodes.paragraph(text="No statements yet."))
            continue
        out = []
        for docname in docs:
            title = env.titles.get(docname)
            heading = nodes.rubric()
            heading += nodes.reference(
                "", "", *(title.deepcopy().children if title is not None
                          else [nodes.Text(docname)]),
                internal=True, refuri=app.builder.get_relative_uri(fromdocname, docname))
            out.append(heading)
            items = nodes.bullet_list()
            for entry in store[docname]:
                number = env.toc_fignumbers.get(docname, {}).get(
                    entry["countertype"], {}).get(entry["label"])
                name = entry["realtype"].capitalize()
                text = name + (" " + ".".join(map(str, number)) if number else "")
                ref = nodes.reference(
                    "", "", internal=True,
                    refuri=app.builder.get_relative_uri(fromdocname, docname)
                    + "#" + entry["label"])
                ref += nodes.strong(text=text)
                if entry["title"] is not None and entry["title"].astext().strip():
                    # sphinx-proof's title text already reads " (Title)".
                    ref += entry["title"].deepcopy().children
                para = nodes.paragraph()
                para += ref
                items += nodes.list_item("", para)
            out.append(items)
        placeholder.replace_self(out)
        # Titles may hold math: load MathJax on this page (Sphinx decided at read time,
        # before the list existed, that the page had none).
        if any(True for _ in doctree.findall(nodes.math)):
            env.get_domain("math").data.setdefault("has_equations", {})[fromdocname] = True


def _toc_walk(env):
    """Document names in table-of-contents order, starting at the root."""
    seen, result = set(), []

    def walk(doc):
        if doc in seen:
            return
        seen.add(doc)
        result.append(doc)
        for child in env.toctree_includes.get(doc, []):
            walk(child)

    walk(env.config.root_doc)
    return result


def setup(app):
    app.add_node(statement_index_node)
    app.add_directive("statement-index", StatementIndex)
    app.connect("doctree-read", _collect)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("doctree-resolved", _resolve)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True,
            "env_version": 1}
