"""The password check's strings alone, loaded and validated by bot.i18n; logs as at DEBUG."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.i18n import CONTENT_DIR, LANGS, Texts
from bot.ops.logging import setup_logging

LIBRARY_LOGGERS = ("telegram", "httpx", "httpcore", "alembic", "aiohttp.access")


@pytest.fixture(scope="session")
def strings_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A content directory with only passwords.toml in each language, so other features'
    strings neither help nor break these tests."""
    root = tmp_path_factory.mktemp("content")
    for lang in LANGS:
        target = root / "strings" / lang
        target.mkdir(parents=True)
        shutil.copy(CONTENT_DIR / "strings" / lang / "passwords.toml", target)
    return root


@pytest.fixture(scope="session")
def texts(strings_dir: Path) -> Texts:
    return Texts.load(strings_dir)


@pytest.fixture
def debug_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], str]]:
    """Logging as in production at LOG_LEVEL=DEBUG: call the returned function at the start of
    the test body (capture streams are only final then), and again to read what was logged."""
    root = logging.getLogger()
    saved_level, saved_handlers = root.level, list(root.handlers)
    libraries = {name: logging.getLogger(name).level for name in LIBRARY_LOGGERS}
    started = False

    def logs() -> str:
        nonlocal started
        if not started:
            setup_logging("DEBUG", "text")
            started = True
            return ""
        return "".join(capsys.readouterr())

    try:
        yield logs
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, level in libraries.items():
            logging.getLogger(name).setLevel(level)
