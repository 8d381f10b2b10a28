"""Content validation: every key in every language, same placeholders, HTML Telegram accepts."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bot.i18n import CONTENT_DIR, ContentError, Html, Texts, check_strings
from tests.cli_runner import run_cli


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def test_shipped_strings_are_valid() -> None:
    assert check_strings(CONTENT_DIR) == []


def test_missing_key_is_named(content: Path) -> None:
    path = content / "strings" / "kk" / "core.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace('menu_title = "Не істегіңіз келеді?"\n', ""),
        encoding="utf-8",
    )
    assert (
        "content/strings/kk/core.toml: missing key core.menu_title (present in ru, en)"
        in check_strings(content)
    )


def test_placeholder_mismatch_is_named(content: Path) -> None:
    path = content / "strings" / "ru" / "core.toml"
    text = path.read_text(encoding="utf-8").replace("{limit}", "{limt}")
    path.write_text(text, encoding="utf-8")
    problems = check_strings(content)
    assert any("ru/core.toml: core.too_long: placeholders ['limt'] differ" in p for p in problems)


def test_bad_html_is_named(content: Path) -> None:
    path = content / "strings" / "en" / "core.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("<b>What I can do</b>", "<b>What I can do"),
        encoding="utf-8",
    )
    problems = check_strings(content)
    assert any("en/core.toml: core.help: Telegram would refuse this HTML" in p for p in problems)


def test_broken_toml_is_named(content: Path) -> None:
    (content / "strings" / "en" / "core.toml").write_text(
        'welcome = "unterminated\n', encoding="utf-8"
    )
    with pytest.raises(ContentError) as caught:
        Texts.load(content)
    assert "core.toml: not valid TOML" in caught.value.problems[0]


def test_russian_plurals_come_from_cldr(content: Path) -> None:
    (content / "strings" / "ru" / "x.toml").write_text(
        'days = { one = "{count} день", few = "{count} дня", many = "{count} дней", '
        'other = "{count} дня" }\n',
        encoding="utf-8",
    )
    for lang in ("kk", "en"):
        (content / "strings" / lang / "x.toml").write_text(
            'days = { one = "{count} day", other = "{count} days" }\n', encoding="utf-8"
        )
    texts = Texts.load(content)
    assert [texts.get("ru", "x.days", count=n) for n in (1, 2, 5, 11, 21, 22, 111)] == [
        "1 день",
        "2 дня",
        "5 дней",
        "11 дней",
        "21 день",
        "22 дня",
        "111 дней",
    ]
    assert texts.get("en", "x.days", count=1) == "1 day"


def test_missing_plural_form_is_named(content: Path) -> None:
    for lang in ("kk", "en", "ru"):
        (content / "strings" / lang / "x.toml").write_text(
            'days = { one = "{count} d", other = "{count} d" }\n', encoding="utf-8"
        )
    problems = check_strings(content)
    assert any("ru/x.toml: x.days: plural forms missing: ['few', 'many']" in p for p in problems)


def test_shared_texts_are_loaded_once_per_content(content: Path) -> None:
    first = Texts.shared(content)
    assert Texts.shared(content) is first
    path = content / "strings" / "en" / "core.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("<b>What I can do</b>", "<b>What I do</b>"),
        encoding="utf-8",
    )
    edited = Texts.shared(content)
    assert edited is not first
    assert "<b>What I do</b>" in edited.get("en", "core.help")
    assert "<b>What I can do</b>" in first.get("en", "core.help")
    # Content that fails its checks is refused each time, never kept.
    path.write_text('welcome = "unterminated\n', encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ContentError):
            Texts.shared(content)


def test_parameters_are_escaped_unless_marked_html() -> None:
    texts = Texts.load()
    assert "&lt;script&gt;" in texts.get("en", "core.welcome", name="<script>")
    assert "<i>x</i>" in texts.get("en", "core.welcome", name=Html("<i>x</i>"))


def _cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, env=env)


def test_content_check_passes_on_shipped_content(tmp_path: Path) -> None:
    result = _cli("content", "check", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("content OK")


def test_broken_content_stops_the_start_with_one_line(content: Path, tmp_path: Path) -> None:
    path = content / "strings" / "en" / "core.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("<b>What I can do</b>", "<b>What I can do"),
        encoding="utf-8",
    )
    result = _cli("db", "upgrade", cwd=tmp_path, CONTENT_DIR=str(content))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("esign-bot: error: content: ")
    assert "en/core.toml: core.help: Telegram would refuse this HTML" in result.stderr
    check = _cli("content", "check", "--json", cwd=tmp_path, CONTENT_DIR=str(content))
    assert check.returncode == 1
    assert '"ok": false' in check.stdout
