"""Where Guidance content lives and how its TOML files are read."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"


class ContentError(ValueError):
    """Content failed validation; `problems` names file and key for each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if len(problems) == 1 else f"{len(problems)} content problems")
        self.problems = problems


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
