"""The import rule: layers below the features import no feature; features plug in only
through their `Feature` record, which app.py (the composition root) lists.

Read from the source with ast, so an import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import bot

BOT = Path(bot.__file__).resolve().parent
FEATURES = {
    "guidance",
    "passwords",
    "signatures",
    "revocations",
    "broadcasts",
    "groups",
    "inline",
    "insights",
}
# Below the features: they may import each other, never a feature.
LOW = {
    "db",
    "config",
    "i18n",
    "runtime",
    "ops",
    "core",
    "harness",
    "tghtml",
    "clikit",
    "content",
    "digest",
}
# The composition root: the one module that names the features.
ROOT = "bot.app"


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(BOT.rglob("*.py")):
        parts = path.relative_to(BOT.parent).with_suffix("").parts
        yield ".".join(p for p in parts if p != "__init__"), path


def imported(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
            # `from bot import guidance` names a feature too.
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_package_and_module_is_placed() -> None:
    found = {layer(name) for name, _ in modules()} - {"", "app", "cli", "__main__"}
    assert found - (FEATURES | LOW) == set()


def test_no_low_layer_imports_a_feature() -> None:
    upward = [
        f"{name} imports {target}"
        for name, path in modules()
        if layer(name) in LOW
        for target in imported(path)
        if target.startswith("bot.") and layer(target) in FEATURES
    ]
    assert upward == []


def test_the_command_line_entry_loads_no_module_by_name() -> None:
    source = (BOT / "cli.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert "importlib" not in set(imported(BOT / "cli.py"))
    assert not {"__import__", "import_module"} & (names | attributes)
    # It reaches the features only through the composition root's FEATURES.
    features = [t for t in imported(BOT / "cli.py") if layer(t) in FEATURES]
    assert features == []
    assert ROOT in set(imported(BOT / "cli.py"))
