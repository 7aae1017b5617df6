"""Each external library is imported by the one agent module that owns it."""

from __future__ import annotations

import ast
from pathlib import Path

AGENT = Path(__file__).resolve().parents[2] / "agent"
OWNERS = {
    "aiohttp": {"relay_client"},
    "websockets": {"link"},
    "keyring": {"credentials"},
    "sqlmodel": {"outbox"},
    "sqlalchemy": {"outbox"},
    "cryptography": {"sealing"},
}
#: Modules that must stay free of I/O libraries (pure logic).
PURE = {"framing", "backoff", "clock", "routes", "replay", "state", "command", "errors"}
#: What pure modules may import besides the standard library.
PURE_MAY_IMPORT = {"agent", "bridge"}
STDLIB_IO = {"asyncio", "socket", "subprocess", "threading", "os", "sqlite3"}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_libraries_have_one_owner_and_pure_modules_do_no_io() -> None:
    found: dict[str, set[str]] = {library: set() for library in OWNERS}
    for path in AGENT.glob("*.py"):
        roots = imported_roots(path)
        for library in OWNERS:
            if library in roots:
                found[library].add(path.stem)
        if path.stem in PURE:
            assert not roots & (set(OWNERS) | {"asyncio", "socket", "subprocess"}), path.stem
    assert found == OWNERS


def test_pure_modules_import_only_pure_agent_modules_and_bridge_core() -> None:
    for name in PURE:
        for module in imported_modules(AGENT / f"{name}.py"):
            root = module.split(".")[0]
            assert root not in STDLIB_IO, (name, module)
            if root == "agent":
                assert module.split(".")[1] in PURE, (name, module)
            elif root == "bridge":
                assert module.startswith(("bridge.core", "bridge.settings")), (name, module)
