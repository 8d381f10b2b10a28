"""Logging setup: text or JSON, with secrets kept out of every line."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from pythonjsonlogger.json import JsonFormatter

# PTB logs whole updates and request parameters at DEBUG (message texts, passwords sent to the
# password check). Those loggers never go below INFO, whatever LOG_LEVEL says. httpx logs
# request URLs, which contain the bot token, at INFO: it stays at WARNING.
_LIBRARY_FLOORS = {
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    # Alembic narrates every plugin at INFO; a start-up log should show our own lines.
    "alembic": logging.WARNING,
    # aiosqlite logs every statement with its parameters at DEBUG.
    "aiosqlite": logging.INFO,
    "aiohttp.access": logging.WARNING,
}
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactSecrets(logging.Filter):
    """Replace known secrets in the rendered message, a last line of defence."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self._secrets:
            redacted = redacted.replace(secret, "[redacted]")
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            for secret in self._secrets:
                text = text.replace(secret, "[redacted]")
            record.exc_text, record.exc_info = text, None
        return True


LOG_FILE_MODE = 0o600


def setup_logging(
    level: str, fmt: str, secrets: Iterable[str] = (), *, path: Path | None = None
) -> None:
    """Log to stderr, or to the file `path` (the terminal chat: not between chat lines)."""
    handler: logging.Handler
    if path is None:
        handler = logging.StreamHandler(sys.stderr)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Logs hold ids and the chat's own lines: private like the database beside them, not
        # whatever the umask gives (often 0644).
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, LOG_FILE_MODE))
        os.chmod(path, LOG_FILE_MODE)
        handler = logging.FileHandler(path, encoding="utf-8")
        # Library warnings (deprecations and the like) would print between chat lines too.
        logging.captureWarnings(True)
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", timestamp=True)
        )
    else:
        handler.setFormatter(logging.Formatter(_TEXT_FORMAT))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    floor_libraries(level)


def floor_libraries(level: str) -> None:
    numeric = logging.getLevelName(level)
    for name, floor in _LIBRARY_FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, numeric if isinstance(numeric, int) else 0))
