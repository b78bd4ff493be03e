"""Every package name a chapter calls is documented on book/api.md (issue 9 section 3).

A name counts as documented when the object it resolves to (following aliases to where
the object is defined) is listed in the ``__all__`` of a module that book/api.md documents
with ``automodule`` (autodoc then documents it), or has an explicit ``autodata`` /
``autofunction`` / ``autoclass`` / ``py:data`` entry there. Functions and classes need a
docstring (autodoc leaves out the others). Modules themselves must have an
``automodule`` entry.
"""

import importlib
import json
import re
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
API = ROOT / "book" / "api.md"
CHAPTERS = sorted((ROOT / "book").glob("ch*.ipynb"))


def _api_entries():
    text = API.read_text()
    modules, no_members, explicit = set(), set(), set()
    for m in re.finditer(r"^\.\. automodule:: (\S+)((?:\n   :[\w-]+:.*)*)", text, re.M):
        modules.add(m.group(1))
        if ":no-members:" in m.group(2):
            no_members.add(m.group(1))
    for m in re.finditer(r"^\.\. (?:auto|py:)(?:data|function|class|attribute):: (\S+)"
                         r"(?:\n   :module: (\S+))?", text, re.M):
        explicit.add(f"{m.group(2)}.{m.group(1)}" if m.group(2) else m.group(1))
    return modules, no_members, explicit


def _chapter_names(path):
    """Dotted package names used in the code cells of one chapter."""
    nb = json.loads(path.read_text())
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    aliases = {"dfl": "deflation"}
    for m in re.finditer(r"^\s*import (deflation[\w.]*) as (\w+)", code, re.M):
        aliases[m.group(2)] = m.group(1)
    for m in re.finditer(r"^\s*from (deflation[\w.]*) import \(?([\w ,\n]+?)\)?$", code, re.M):
        for part in m.group(2).replace("\n", " ").split(","):
            bits = part.split(" as ")
            if bits[0].strip():
                aliases[bits[-1].strip()] = f"{m.group(1)}.{bits[0].strip()}"
    names = set()
    for alias, real in aliases.items():
        if alias != "dfl" and real.count(".") >= 1:
            names.add(real)  # the imported name itself
        for m in re.finditer(rf"(?<![\w.]){alias}((?:\.\w+)+)", code):
            names.add(real + m.group(1))
    return names


def _resolve(dotted):
    """(object, name, module it was reached through) for the longest importable prefix."""
    parts = dotted.split(".")
    obj = importlib.import_module(parts[0])
    owner = obj
    for i, part in enumerate(parts[1:], start=1):
        if not isinstance(obj, types.ModuleType):
            break  # attributes of a documented object (methods, fields) are covered by it
        if not hasattr(obj, part):
            try:
                obj = importlib.import_module(".".join(parts[: i + 1]))
                continue
            except ImportError:
                raise AttributeError(f"{dotted}: {'.'.join(parts[:i])} has no {part}") from None
        owner, obj = obj, getattr(obj, part)
        name = part
    else:
        name = parts[-1]
    return obj, name, owner


def _documented(obj, name, owner, modules, no_members, explicit):
    if isinstance(obj, types.ModuleType):
        return obj.__name__ in modules
    module = getattr(obj, "__module__", None)
    qual = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if module and qual and isinstance(obj, (type, types.FunctionType)):
        if not (obj.__doc__ or "").strip():
            return False  # autodoc leaves out members without a docstring
        mod = importlib.import_module(module)
        return (f"{module}.{qual}" in explicit or (
            module in modules and module not in no_members
            and qual in getattr(mod, "__all__", ())))
    # data: documented where it is defined (the owner, or a module it was aliased from)
    for candidate in {owner.__name__} | set(modules):
        mod = importlib.import_module(candidate)
        for n in getattr(mod, "__all__", ()):
            if getattr(mod, n, None) is obj and f"{candidate}.{n}" in explicit:
                return True
    return False


def test_the_api_page_documents_every_module():
    modules, _, _ = _api_entries()
    pkg = ROOT / "src" / "deflation"
    for path in sorted(pkg.rglob("*.py")):
        rel = path.relative_to(pkg.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        if any(p.startswith("_") and p != "__init__" for p in rel.parts):
            continue
        if name.startswith("deflation.exercises."):
            continue  # answer tables, not API
        assert name in modules, f"book/api.md has no automodule for {name}"


def test_every_public_name_is_in_all():
    """Every module lists its public functions and classes in __all__."""
    modules, no_members, _ = _api_entries()
    for modname in sorted(modules - no_members - {"deflation"}):
        mod = importlib.import_module(modname)
        public = {n for n, v in vars(mod).items()
                  if not n.startswith("_") and isinstance(v, (type, types.FunctionType))
                  and getattr(v, "__module__", None) == modname}
        missing = public - set(getattr(mod, "__all__", ()))
        assert not missing, f"{modname}.__all__ lacks {sorted(missing)}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_name_a_chapter_uses_is_documented(chapter):
    modules, no_members, explicit = _api_entries()
    undocumented = []
    for dotted in sorted(_chapter_names(chapter)):
        obj, name, owner = _resolve(dotted)
        if not _documented(obj, name, owner, modules, no_members, explicit):
            undocumented.append(dotted)
    assert not undocumented, f"{chapter.name} uses names missing from book/api.md: {undocumented}"
