"""Sphinx extension: resolve references to names that ``deflation`` re-exports.

The API page documents every object where it is defined (``deflation.tensors.small_init``),
while docstrings and chapters naturally write the public spelling (``deflation.small_init``,
``dfl.small_init``) or a bare name (``LowRankTensor``). With ``-n`` (nitpicky) those would be
unresolved references. On ``missing-reference`` this handler maps such a target to the
object's canonical dotted path and lets the Python domain resolve it; anything it cannot
map is left alone, so a genuinely broken reference still fails the strict build.
"""

from __future__ import annotations

import importlib
import types

PACKAGES = ("deflation",)
ALIASES = {"dfl": "deflation"}


def _canonical(target: str) -> str | None:
    """Return the canonical dotted path for ``target``, or None if unknown."""
    target = target.lstrip("~.")
    for alias, real in ALIASES.items():
        if target == alias or target.startswith(alias + "."):
            target = real + target[len(alias):]
    head, _, rest = target.partition(".")
    for package in PACKAGES:
        try:
            pkg = importlib.import_module(package)
        except Exception:  # the build reports the import error itself
            return None
        if head == package:
            if not rest:
                return None
            name, _, tail = rest.partition(".")
        else:
            # A bare name: only if the package exports it publicly.
            name, tail = head, rest
            exported = getattr(pkg, "__all__", None)
            if exported is not None and name not in exported:
                continue
            if name.startswith("_"):
                continue
        obj = getattr(pkg, name, None)
        if obj is None:
            continue
        if isinstance(obj, types.ModuleType) and tail:
            # deflation.<module>.<name>: follow a name that module re-exports (an alias
            # left behind by a move) to where the object is defined and documented.
            first, _, rest2 = tail.partition(".")
            inner = getattr(obj, first, None)
            module = getattr(inner, "__module__", None) or ""
            qualname = getattr(inner, "__qualname__", None)
            if (inner is not None and not isinstance(inner, types.ModuleType) and qualname
                    and module.startswith(package) and module != obj.__name__):
                base = f"{module}.{qualname}"
                return f"{base}.{rest2}" if rest2 else base
        if isinstance(obj, types.ModuleType):
            base = obj.__name__
        else:
            module = getattr(obj, "__module__", None) or ""
            qualname = getattr(obj, "__qualname__", None)
            if not qualname or not module.startswith(package):
                continue
            base = f"{module}.{qualname}"
        return f"{base}.{tail}" if tail else base
    return None


def _resolve(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    # A bare lower-case word in a type field ("rows", "optional") is vocabulary, not a name.
    if "." not in target and node.get("reftype") in ("class", "obj") and not target[:1].isupper():
        return None
    canonical = _canonical(target)
    if canonical is None or canonical == target:
        return None
    domain = env.get_domain("py")
    return domain.resolve_xref(
        env, node.get("refdoc"), app.builder, node["reftype"], canonical, node, contnode
    )


def setup(app):
    app.connect("missing-reference", _resolve)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
