"""Language choice and text lookup. Every user-facing word lives in content/strings/<lang>/.

Files are TOML; a file's stem prefixes its keys (content/strings/ru/core.toml, key `welcome`
→ `core.welcome`). A value is Telegram HTML with {placeholders}, or a plural table keyed by
CLDR categories (one/few/many/other) chosen by the `count` parameter through Babel.
"""

from __future__ import annotations

import html
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal, TypeAlias

from babel import Locale

from bot.content import PACKAGED_DIR
from bot.content import ContentError as ContentError  # where it used to live
from bot.digest import files_digest
from bot.tghtml import TelegramHTMLError, parse

Lang: TypeAlias = Literal["kk", "ru", "en"]
LANGS: tuple[Lang, ...] = ("kk", "ru", "en")
DEFAULT_LANG: Lang = "en"
CONTENT_DIR = PACKAGED_DIR  # the shipped content; Settings.content_dir says which is in use
STRINGS_DIR = "strings"
_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})

Entry: TypeAlias = str | dict[str, str]


class Html(str):
    """Text already in Telegram HTML: passed into a template as is, not escaped."""

    __slots__ = ()


def language_from_code(code: str | None) -> Lang:
    """Telegram's language_code → one of ours: kk, ru, else English."""
    prefix = (code or "").lower().split("-")[0]
    if prefix in ("kk", "kz"):
        return "kk"
    if prefix == "ru":
        return "ru"
    return "en"


def as_lang(value: str | None) -> Lang | None:
    return value if value in LANGS else None


@cache
def _plural_rule(lang: str) -> Locale:
    return Locale.parse(lang)


def required_plural_forms(lang: str) -> frozenset[str]:
    return frozenset(_plural_rule(lang).plural_form.tags) | {"other"}


def _placeholders(template: str) -> set[str]:
    return {
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    }


@dataclass(frozen=True)
class _Source:
    path: Path
    entries: dict[str, Entry]


def _flatten(table: Mapping[str, object], prefix: str, out: dict[str, Entry], path: Path) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}"
        if isinstance(value, str):
            out[full] = value
        elif isinstance(value, dict) and value and set(value) <= _CATEGORIES and "other" in value:
            out[full] = {k: str(v) for k, v in value.items()}
        elif isinstance(value, dict):
            _flatten(value, full, out, path)
        else:
            raise ContentError(
                [f"{path}: {full}: expected text or a table, got {type(value).__name__}"]
            )


def _read_language(lang_dir: Path) -> list[_Source]:
    sources = []
    for path in sorted(lang_dir.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ContentError([f"{path}: not valid TOML: {exc}"]) from None
        entries: dict[str, Entry] = {}
        _flatten(data, path.stem, entries, path)
        sources.append(_Source(path, entries))
    return sources


def _check(sources: dict[Lang, list[_Source]]) -> list[str]:
    problems: list[str] = []
    where: dict[tuple[Lang, str], Path] = {}
    tables: dict[Lang, dict[str, Entry]] = {}
    for lang, files in sources.items():
        tables[lang] = {}
        for source in files:
            for key, entry in source.entries.items():
                where[(lang, key)] = source.path
                tables[lang][key] = entry
    all_keys = set().union(*(t.keys() for t in tables.values())) if tables else set()
    for key in sorted(all_keys):
        present = [lang for lang in LANGS if key in tables.get(lang, {})]
        for lang in LANGS:
            if key not in tables.get(lang, {}):
                file = f"content/strings/{lang}/{key.split('.')[0]}.toml"
                problems.append(f"{file}: missing key {key} (present in {', '.join(present)})")
        shapes = {lang: _placeholders_of(tables[lang][key]) for lang in present}
        reference = shapes[present[0]]
        for lang in present:
            path = where[(lang, key)]
            entry = tables[lang][key]
            if shapes[lang] != reference:
                problems.append(
                    f"{path}: {key}: placeholders {sorted(shapes[lang])} differ from "
                    f"{present[0]} {sorted(reference)}"
                )
            if isinstance(entry, dict):
                missing = required_plural_forms(lang) - set(entry)
                if missing:
                    problems.append(f"{path}: {key}: plural forms missing: {sorted(missing)}")
            for form in entry.values() if isinstance(entry, dict) else [entry]:
                problems.extend(_check_html(path, key, form))
    return problems


def _placeholders_of(entry: Entry) -> set[str]:
    if isinstance(entry, dict):
        return set().union(*(_placeholders(v) for v in entry.values())) - {"count"}
    return _placeholders(entry) - {"count"}


def _check_html(path: Path, key: str, template: str) -> list[str]:
    try:
        sample = template.format_map(_Sample())
    except (ValueError, IndexError) as exc:
        return [f"{path}: {key}: bad placeholder syntax: {exc}"]
    try:
        parse(sample)
    except TelegramHTMLError as exc:
        return [f"{path}: {key}: Telegram would refuse this HTML: {exc}"]
    return []


class _Sample(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "1"


class Texts:
    """All UI strings of all languages, validated once at start."""

    def __init__(self, tables: dict[Lang, dict[str, Entry]]) -> None:
        self._tables = tables

    @classmethod
    def load(cls, content_dir: Path = CONTENT_DIR) -> Texts:
        sources = _load_sources(content_dir)
        problems = _check(sources)
        if problems:
            raise ContentError(problems)
        tables: dict[Lang, dict[str, Entry]] = {}
        for lang, files in sources.items():
            tables[lang] = {k: v for source in files for k, v in source.entries.items()}
        return cls(tables)

    @classmethod
    def shared(cls, content_dir: Path = CONTENT_DIR) -> Texts:
        """`load`, done once per process for the same files: Texts are read-only, and loading
        and checking them takes longer than starting the rest of an Application."""
        return _shared_texts(content_dir.resolve(), files_digest(content_dir, STRINGS_DIR))

    def has(self, key: str) -> bool:
        return key in self._tables[DEFAULT_LANG]

    def entry(self, lang: Lang, key: str) -> Entry:
        """The raw template of `key`, a plural table as a table: for a page that renders the
        texts itself (the password check page)."""
        return self._tables[lang][key]

    def get(self, lang: str, key: str, **params: object) -> str:
        table = self._tables.get(as_lang(lang) or DEFAULT_LANG, self._tables[DEFAULT_LANG])
        entry = table.get(key)
        if entry is None:
            raise KeyError(key)
        if isinstance(entry, dict):
            count = params.get("count")
            if not isinstance(count, int | float):
                raise TypeError(f"{key} is a plural text and needs a numeric count")
            form = _plural_rule(lang).plural_form(count)
            entry = entry.get(form, entry["other"])
        return entry.format_map({k: _escape(v) for k, v in params.items()})


def _escape(value: object) -> object:
    if isinstance(value, (Html, int | float)):
        return value
    return html.escape(str(value), quote=True)


@lru_cache(maxsize=4)
def _shared_texts(content_dir: Path, _digest: str) -> Texts:
    return Texts.load(content_dir)


def _load_sources(content_dir: Path) -> dict[Lang, list[_Source]]:
    root = content_dir / STRINGS_DIR
    if not root.is_dir():
        raise ContentError([f"{root}: missing"])
    return {lang: _read_language(root / lang) for lang in LANGS}


def check_strings(content_dir: Path = CONTENT_DIR) -> list[str]:
    try:
        return _check(_load_sources(content_dir))
    except ContentError as exc:
        return exc.problems
