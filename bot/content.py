"""The one way into content/: which directory is in use, and what is read from it, once.

`CONTENT_DIR` (Settings.content_dir) names the directory; the composition root (build_deps)
and every CLI command (clikit.settings_for_cli) put it in use before anything is read, and the
password workers are started with it. What is read once per process (the password
dictionaries, the credential vocabulary) is cached per directory, so `content check`, the
bot and its workers all read the same files: the ones CONTENT_DIR names.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# The content shipped with the code: the default, and what tests compare against.
PACKAGED_DIR = Path(__file__).resolve().parent.parent / "content"

_in_use: list[Path] = [PACKAGED_DIR]


class ContentError(ValueError):
    """Content failed validation; `problems` names file and key for each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if len(problems) == 1 else f"{len(problems)} content problems")
        self.problems = problems


def use(directory: Path) -> None:
    """Read content from `directory` from now on (this process's one content directory)."""
    _in_use[0] = directory


def directory() -> Path:
    return _in_use[0]


def per_directory(read: Callable[[Path], T]) -> Callable[[], T]:
    """`read` applied to the directory in use, once per directory."""
    cached = cache(read)

    def load() -> T:
        return cached(directory())

    load.__doc__ = read.__doc__
    return load
