from __future__ import annotations

from pathlib import Path

import pytest

from bot.guidance import LanguageDetector, detect_language, load_lexicon


@pytest.fixture(scope="module")
def detector(content_dir: Path) -> LanguageDetector:
    return LanguageDetector(load_lexicon(content_dir))


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        # Kazakh letters settle it.
        ("ЭЦҚ-ны жоғалтып алдым", "kk"),
        ("кілтімді бұғаттау керек", "kk"),
        ("Сәлем", "kk"),
        # Kazakh typed without Kazakh letters.
        ("эцк паролин умыттым не истеймин", "kk"),
        ("айыппул канша эцк бергенге", "kk"),
        ("эцк онлайн алу жолы", "kk"),
        # Kazakh in Latin letters, new alphabet or casual.
        ("ecp-ny jogaltyp aldym", "kk"),
        ("Elektrondyq qoltańba qalaı alýǵa bolady", "kk"),
        # Russian, including Latin transliteration.
        ("можно ли дать эцп бухгалтеру?", "ru"),
        ("ЭЦП", "ru"),
        ("mozhno li dat ecp drugu na vremya", "ru"),
        ("poteryal ecp chto delat", "ru"),
        ("kak poluchit ecp ne hodya v con", "ru"),
        # English, also with a Cyrillic abbreviation inside.
        ("my boss wants my ecp password", "en"),
        ("What does the abbreviation ЭЦП stand for", "en"),
        ("is there a fake egov bot on telegram", "en"),
        # Mixed script: the words decide.
        ("мой ecp украли", "ru"),
        ("ЭЦҚ password ұмыттым", "kk"),
        # Markup pasted into a question is not the question's language.
        ('<a href="https://pki.gov.kz">отозвать</a> ключ', "ru"),
        ("<i>ЭЦП</i>", "ru"),
        ("<b>ЭЦҚ</b> кілтім жоғалды", "kk"),
        ("my key &amp; password <b>lost</b>", "en"),
        # Program names and addresses in Latin letters do not outvote the rest.
        ("как отозвать эцп через egov mobile", "ru"),
        ("NCALayer не видит ключ", "ru"),
        ("ЭЦҚ кілтім NCALayer-де көрінбейді", "kk"),
        ("how do I revoke ecp in egov mobile", "en"),
    ],
)
def test_detects_language(detector: LanguageDetector, text: str, lang: str) -> None:
    assert detector.detect(text) == lang


@pytest.mark.parametrize("text", ["", "   ", "123 456", "?!", "ecp", "p12 pki.gov.kz"])
def test_no_language_when_the_text_does_not_say(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text) is None


def test_module_level_helper_uses_default_content() -> None:
    assert detect_language("Рахмет!") == "kk"
    assert detect_language("Спасибо!") == "ru"
    assert detect_language("Thanks!") == "en"
