"""Where Guidance content lives and how its TOML files are read."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from bot.content import PACKAGED_DIR

# The shipped content (tests, benchmarks); the bot reads the directory CONTENT_DIR names.
DEFAULT_CONTENT_DIR = PACKAGED_DIR


def display_name(path: Path) -> str:
    """`topics/lost-key.toml`: short enough for a problem line, enough to find the file."""
    return f"{path.parent.name}/{path.name}"


def read_toml(path: Path, problems: list[str]) -> dict[str, Any] | None:
    """The parsed file, or None with the reason appended to `problems`."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        problems.append(f"{display_name(path)}: file is missing")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        problems.append(f"{display_name(path)}: not valid TOML: {exc}")
    return None


def string_list(
    value: object, where: str, problems: list[str], *, allow_empty: bool = False
) -> tuple[str, ...]:
    """A list of non-empty strings, or () with a problem naming `where`."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where}: must be a list of non-empty strings")
        return ()
    if not value and not allow_empty:
        problems.append(f"{where}: must not be empty")
    return tuple(v.strip() for v in value)
