"""Features meet only through what they publish: a feature's code imports another feature's
`api` module (its operations) or `figures` module (what it gives the operators' charts), never
its models, services or handlers. The shared layer (bot/core) imports no feature at all.

The imports are read from the source (every `import` and `from … import`, in functions too), so
a new reach into another feature's internals fails here with the file and line that made it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import bot
from bot.app import FEATURES

BOT = Path(bot.__file__).resolve().parent
PUBLISHED = ("api", "figures")
SHARED = "core"  # the layer every feature builds on: paging, flows, callbacks, Telegram habits
FEATURE_PACKAGES = sorted(
    f.name for f in FEATURES if f.name != SHARED and (BOT / f.name / "__init__.py").exists()
)


def _imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every module an import names, as a dotted path (`from a import b` may name a.b)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                parts = candidate.split(".")
                is_module = (BOT.parent.joinpath(*parts).with_suffix(".py")).exists() or (
                    BOT.parent.joinpath(*parts, "__init__.py")
                ).exists()
                yield node.lineno, candidate if is_module else node.module


def _crossings(package: str) -> Iterator[tuple[str, str]]:
    """(where, what) for each import in `package` of another feature's module."""
    for path in sorted((BOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in _imported_modules(tree):
            parts = module.split(".")
            if len(parts) < 2 or parts[0] != "bot" or parts[1] == package:
                continue
            if parts[1] in FEATURE_PACKAGES:
                yield f"{path.relative_to(BOT.parent)}:{line}", module


def test_the_features_are_found() -> None:
    # A sanity check on the discovery: a renamed or moved feature must not pass by absence.
    assert {"signatures", "revocations", "guidance", "groups", "inline", "insights"} <= set(
        FEATURE_PACKAGES
    )


def test_features_use_each_other_only_through_published_modules() -> None:
    reaches = [
        f"{where}: imports {module}"
        for package in FEATURE_PACKAGES
        for where, module in dict.fromkeys(_crossings(package))
        if len(module.split(".")) != 3 or module.split(".")[2] not in PUBLISHED
    ]
    assert reaches == [], "use the feature's api module instead:\n" + "\n".join(reaches)


def test_the_shared_layer_imports_no_feature() -> None:
    reaches = [f"{where}: imports {module}" for where, module in dict.fromkeys(_crossings(SHARED))]
    assert reaches == [], "\n".join(reaches)


def test_the_check_sees_a_reach_into_internals(tmp_path: Path) -> None:
    """The walker itself: a direct import of another feature's models is named, a published
    one is not (guards against a walker that silently finds nothing)."""
    source = (
        "from bot.signatures.models import Certificate\n"
        "from bot.signatures import api\n"
        "def f():\n"
        "    import bot.guidance.handlers\n"
    )
    found = [module for _, module in _imported_modules(ast.parse(source))]
    assert found == ["bot.signatures.models", "bot.signatures.api", "bot.guidance.handlers"]
