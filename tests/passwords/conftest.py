"""The password check's strings alone, loaded and validated by bot.i18n."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.i18n import CONTENT_DIR, LANGS, Texts


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
