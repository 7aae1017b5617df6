"""bridge/core must stay pure: standard library and itself only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[3] / "bridge" / "core"


def imported_roots(source: str) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_imports_only_the_standard_library_and_itself():
    offenders = {}
    files = sorted(CORE.glob("*.py"))
    assert len(files) >= 7, "the core modules were not found"
    for path in files:
        roots = imported_roots(path.read_text())
        foreign = {r for r in roots if r not in sys.stdlib_module_names and r != "bridge"}
        if "bridge" in roots:
            # bridge.core may import bridge.core.*, nothing else of the relay.
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bridge") and not node.module.startswith("bridge.core"):
                    foreign.add(node.module)
        if foreign:
            offenders[path.name] = sorted(foreign)
    assert offenders == {}


def test_the_checker_catches_a_foreign_import():
    assert "aiohttp" in imported_roots("import aiohttp\nfrom datetime import date")


def test_core_never_reads_the_clock():
    for path in CORE.glob("*.py"):
        text = path.read_text()
        for forbidden in ("datetime.now(", "date.today(", "time.time(", "utcnow("):
            assert forbidden not in text, f"{path.name} reads the clock via {forbidden}"
