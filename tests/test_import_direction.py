"""The import direction (DESIGN.md, guanxi/layers.py): no module of an app, product code or test, imports an app on
a higher floor, or one beside it on the same floor; an app's product code imports none of the project's top-level
modules but the settings (its tests may mount the project's URLs). Every import counts: module level, inside a
function, under TYPE_CHECKING, relative, and `importlib.import_module("guanxi.…")` with a literal name."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from guanxi.layers import APP_LAYERS, TOP_LEVEL

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Breach:
    path: str  # relative to the tree's root
    line: int
    imported: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: imports {self.imported} ({self.why})"


def _module_name(path: Path, root: Path) -> tuple[str, bool]:
    """("guanxi.customers.dedupe.services", is a package) for a file under root."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    package = parts[-1] == "__init__"
    if package:
        parts = parts[:-1]
    return ".".join(parts), package


def _resolve(node: ast.ImportFrom, module: str, package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imported_names(tree: ast.AST, module: str, package: bool) -> Iterator[tuple[int, str]]:
    """(line, dotted module) of every import in a module, wherever it stands."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node, module, package)
            if target == "guanxi":  # from guanxi import sales
                for alias in node.names:
                    yield node.lineno, f"guanxi.{alias.name}"
            else:
                yield node.lineno, target
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if name == "import_module" and isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield node.lineno, first.value


def import_breaches(
    root: Path, layers: tuple[tuple[str, ...], ...] = APP_LAYERS, top_level: frozenset[str] = TOP_LEVEL
) -> list[Breach]:
    """Every import under root/guanxi that points up or sideways, or comes from a folder that is not declared."""
    floor = {app: n for n, apps in enumerate(layers) for app in apps}
    breaches: list[Breach] = []
    for path in sorted((root / "guanxi").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        owner = path.relative_to(root / "guanxi").with_suffix("").parts[0]
        if owner in top_level:
            continue  # settings, URLs, the mounted API, the command line: above every app
        if owner not in floor:
            breaches.append(Breach(rel, 1, f"guanxi.{owner}", "not an app of guanxi/layers.py nor a top-level module"))
            continue
        module, package = _module_name(path, root)
        is_test = "tests" in path.parts or path.name.startswith("test_") or path.name == "conftest.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        for line, name in imported_names(tree, module, package):
            parts = name.split(".")
            if parts[0] != "guanxi" or len(parts) == 1 or parts[1] in (owner, "__init__"):
                continue  # another library, the package itself, or the app's own modules
            target = parts[1]
            if target in top_level:
                if target == "settings" or is_test:
                    continue  # configuration is read everywhere; a test may mount the project's URLs
                why = f"{target} is above every app"
            elif target not in floor:
                why = f"{target} is not an app of guanxi/layers.py"
            elif floor[target] > floor[owner]:
                why = f"upward: {owner} sits below {target}"
            elif floor[target] == floor[owner]:
                why = f"sideways: {owner} and {target} share a floor"
            else:
                continue
            breaches.append(Breach(rel, line, name, why))
    return breaches


def test_no_app_imports_upward() -> None:
    breaches = import_breaches(REPO)
    assert not breaches, "Imports against the direction of guanxi/layers.py:\n" + "\n".join(map(str, breaches))


# --- the checker itself, on a small tree -----------------------------------------------------------------------
def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """core ← org ← sales, with imports that keep the direction (downward, own app, other libraries, the top level
    importing apps, a test mounting the project's URLs, the settings)."""
    for package in ("guanxi", "guanxi/core", "guanxi/org", "guanxi/sales", "guanxi/sales/tests"):
        _write(tmp_path, f"{package}/__init__.py", "")
    _write(tmp_path, "guanxi/core/registry.py", "import json\nfrom django.db import models\n")
    _write(tmp_path, "guanxi/org/models.py", "from guanxi.core.registry import registry\nfrom . import services\n")
    _write(tmp_path, "guanxi/sales/tests/test_leads.py", "from ..models import Lead\nfrom guanxi.org import models\n")
    _write(tmp_path, "guanxi/urls.py", "from guanxi.sales import views\n")
    _write(
        tmp_path,
        "guanxi/sales/tests/test_urls.py",
        "from guanxi.urls import urlpatterns\nfrom guanxi import settings\n",
    )
    return tmp_path


LAYERS = (("core",), ("org",), ("sales",))


def test_the_checker_passes_a_tree_that_keeps_the_direction(tree: Path) -> None:
    assert import_breaches(tree, LAYERS) == []


def test_the_checker_names_file_and_line_of_every_planted_upward_import(tree: Path) -> None:
    # given upward imports of every form: module level, inside a function, relative, from the package, by name
    _write(tree, "guanxi/core/search.py", "import os\n\nimport guanxi.sales.models\n")
    _write(tree, "guanxi/core/tests/test_search.py", "def test_x():\n    from guanxi.org.models import User\n")
    _write(
        tree,
        "guanxi/org/services.py",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..sales import x\n",
    )
    _write(tree, "guanxi/org/policies.py", "from guanxi import sales\n")
    _write(tree, "guanxi/org/demo.py", "import importlib\nimportlib.import_module('guanxi.sales.demo')\n")
    _write(tree, "guanxi/sales/views.py", "from guanxi.urls import urlpatterns\n")
    # when the tree is checked, then each is reported where it stands
    found = {(b.path, b.line, b.imported) for b in import_breaches(tree, LAYERS)}
    assert found == {
        ("guanxi/core/search.py", 3, "guanxi.sales.models"),
        ("guanxi/core/tests/test_search.py", 2, "guanxi.org.models"),
        ("guanxi/org/services.py", 3, "guanxi.sales"),
        ("guanxi/org/policies.py", 1, "guanxi.sales"),
        ("guanxi/org/demo.py", 2, "guanxi.sales.demo"),
        ("guanxi/sales/views.py", 1, "guanxi.urls"),
    }
    assert "guanxi/core/search.py:3: imports guanxi.sales.models (upward: core sits below sales)" in map(
        str, import_breaches(tree, LAYERS)
    )


def test_a_new_app_is_refused_until_declared_and_then_kept_on_its_floor(tree: Path) -> None:
    # given a new app "service" above sales, importing sales, and sales importing it back
    _write(tree, "guanxi/service/models.py", "from guanxi.sales.models import Lead\n")
    _write(tree, "guanxi/sales/tab.py", "from guanxi.service import models\n")
    # then until it has a floor it is reported as undeclared
    assert {b.why for b in import_breaches(tree, LAYERS) if b.path.startswith("guanxi/service")} == {
        "not an app of guanxi/layers.py nor a top-level module"
    }
    # and with one more floor only the import from below is
    assert [str(b) for b in import_breaches(tree, (*LAYERS, ("service",)))] == [
        "guanxi/sales/tab.py:1: imports guanxi.service (upward: sales sits below service)"
    ]
    # and two apps on one floor may not import each other
    _write(tree, "guanxi/marketing/models.py", "from guanxi.service import models\n")
    side_by_side = [str(b) for b in import_breaches(tree, (*LAYERS, ("service", "marketing")))]
    assert "guanxi/marketing/models.py:1: imports guanxi.service (sideways: marketing and service share a floor)" in (
        side_by_side
    )
