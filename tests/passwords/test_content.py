"""content/passwords and the passwords strings: valid, consistent, complete."""

from __future__ import annotations

from pathlib import Path

from zxcvbn.adjacency_graphs import ADJACENCY_GRAPHS

from bot.i18n import CONTENT_DIR, Texts, check_strings
from bot.passwords import check_content, resources
from bot.passwords.keyboard import QWERTY
from bot.passwords.report import message_keys
from bot.passwords.resources import CYRILLIC_GRAPH

DICTIONARY_DIR = CONTENT_DIR / "passwords"


def test_password_content_is_valid() -> None:
    assert check_content() == []


def test_strings_pass_the_i18n_checks(strings_dir: Path) -> None:
    assert check_strings(strings_dir) == []


def test_every_key_the_feature_uses_exists(texts: Texts) -> None:
    # Texts.load has checked that every language has the same keys and placeholders.
    missing = sorted(key for key in message_keys(resources()) if not texts.has(key))
    assert missing == []


def test_layout_puts_a_cyrillic_character_on_every_qwerty_key() -> None:
    graph = resources().graphs[CYRILLIC_GRAPH]
    assert len(graph) == len(ADJACENCY_GRAPHS[QWERTY])
    assert graph["й"][4] == "фФ"  # below-left of Q is A, below-left of Й is Ф
    assert "ё" in graph


FREQUENCY_LISTS = frozenset({"words_ru.txt"})


def test_wrong_layout_and_simplified_spellings_are_generated() -> None:
    lexicon = resources().lexicon
    assert lexicon.entries["gfhjkm"].wrong_layout  # пароль
    assert lexicon.entries["cjkysirj"].wrong_layout  # солнышко
    assert lexicon.entries["казакстан"].kind == "places"  # қазақстан
    assert lexicon.entries["rfpfrcnfy"].wrong_layout  # казакстан on the Latin layout
    assert "qwerty" not in lexicon.entries  # йцукен is a walk, not a word in disguise


def test_generated_spellings_are_not_also_listed() -> None:
    # The lists written by hand; a frequency list may well contain a word that is also another
    # word's simplified spelling (ага is Russian, and аға simplified).
    spelling = resources().spelling
    listed = {
        line.strip()
        for path in DICTIONARY_DIR.glob("*.txt")
        if path.name not in FREQUENCY_LISTS
        for line in path.read_text(encoding="utf-8").splitlines()
    }
    generated = {
        form for word in listed for form, wrong_layout in spelling.variants(word) if form != word
    }
    assert sorted(generated & listed) == []


def test_lists_are_most_common_first_by_construction() -> None:
    lexicon = resources().lexicon
    assert lexicon.ranked["пароль"] == 1
    assert lexicon.ranked["астана"] == 1
