"""What the shipped content may and may not say (facts from /work/shared/DOMAIN.md, issue 12).

These read the files as text, so a wrong fact is caught wherever it hides: a topic, a UI string,
a broadcast template or a lexicon comment.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.guidance import LANGS, Topic, load_topics

# The ministry was renamed in September 2025; the old name must appear nowhere in content/.
# Each pattern finds "digital development" in a language; the new name has it too, so a match
# counts only when the words that make it the new name do not come right before it.
_OLD_NAME = {
    "kk": (re.compile(r"цифрлық\s+даму", re.IGNORECASE), "жасанды интеллект және "),
    "ru": (re.compile(r"цифрового\s+развития", re.IGNORECASE), "искусственного интеллекта и "),
    "en": (re.compile(r"digital\s+development", re.IGNORECASE), "artificial intelligence and "),
}
_OLD_ACRONYMS = re.compile(r"МЦРИАП|МЦР\b|MDDIAI")

# "What to do now" opens a part of every answer, in each language.
WHAT_TO_DO = {"kk": "Қазір не істеу керек", "ru": "Что делать сейчас", "en": "What to do now"}
# The lost-key answer: getting a new key comes before revoking the old one, in each language.
NEW_KEY = {"kk": "жаңа кілт", "ru": "новый ключ", "en": "new key"}
REVOKE = {
    "kk": re.compile(r"кері\s+қайтар", re.IGNORECASE),
    "ru": re.compile(r"отзов|отозв|отзыв", re.IGNORECASE),
    "en": re.compile(r"revok", re.IGNORECASE),
}


def _content_files(content_dir: Path) -> list[Path]:
    return sorted(
        p for p in content_dir.rglob("*") if p.is_file() and p.suffix in {".toml", ".txt", ".csv"}
    )


def old_name_mentions(text: str) -> list[str]:
    found = [m.group(0) for m in _OLD_ACRONYMS.finditer(text)]
    for pattern, new_prefix in _OLD_NAME.values():
        for match in pattern.finditer(text):
            before = text[max(0, match.start() - len(new_prefix)) : match.start()]
            if before.lower() != new_prefix:
                found.append(text[max(0, match.start() - 30) : match.end()])
    return found


@pytest.mark.parametrize(
    ("text", "old"),
    [
        ("Мен Цифрлық даму министрлігінің көмекшісімін", True),
        ("Жасанды интеллект және цифрлық даму министрлігі", False),
        ("помощник Министерства цифрового развития", True),
        ("Министерства искусственного интеллекта и цифрового развития", False),
        ("the Ministry of Digital Development", True),
        ("the Ministry of Artificial Intelligence and Digital Development", False),
        ("МЦРИАП сообщает", True),
    ],
)
def test_old_name_detector(text: str, old: bool) -> None:
    assert bool(old_name_mentions(text)) is old


def test_no_old_ministry_name_anywhere_in_content(content_dir: Path) -> None:
    found = {
        str(path.relative_to(content_dir)): hits
        for path in _content_files(content_dir)
        if (hits := old_name_mentions(path.read_text(encoding="utf-8")))
    }
    assert not found


def test_no_dollars_in_topics(topics: dict[str, Topic]) -> None:
    found = [
        f"{topic.id} [{lang}]"
        for topic in topics.values()
        for lang in LANGS
        if "$" in topic.text(lang).answer or "доллар" in topic.text(lang).answer.lower()
    ]
    assert not found


def test_every_topic_says_what_to_do_now(topics: dict[str, Topic]) -> None:
    missing = [
        f"{topic.id} [{lang}]"
        for topic in topics.values()
        for lang in LANGS
        if WHAT_TO_DO[lang] not in topic.text(lang).answer
    ]
    assert not missing


@pytest.mark.parametrize("lang", LANGS)
def test_lost_key_says_new_key_before_revoke(topics: dict[str, Topic], lang: str) -> None:
    answer = topics["lost-key"].text(lang).answer
    new_key = answer.lower().find(NEW_KEY[lang])
    revoke = REVOKE[lang].search(answer)
    assert new_key != -1, "the lost-key answer must tell to get a new key"
    assert revoke is not None, "the lost-key answer must tell to revoke the old key"
    assert new_key < revoke.start(), f"'revoke' comes before 'new key' in [{lang}]"


def test_no_prison_and_no_passport_in_topics(topics: dict[str, Topic]) -> None:
    # "criminal liability", not "prison"; the 2020 "ID card or passport" for remote issuance.
    banned = [
        "prison",
        "тюрьм",
        "лишение свободы",
        "бас бостандығынан",
        "passport",
        "паспорт",
        "92%",
    ]
    found = [
        f"{topic.id} [{lang}]: {word}"
        for topic in topics.values()
        for lang in LANGS
        for word in banned
        if word in topic.text(lang).answer.lower()
    ]
    assert not found


def test_no_wait_for_the_ministry(content_dir: Path) -> None:
    texts = "\n".join(p.read_text(encoding="utf-8") for p in _content_files(content_dir))
    for phrase in [
        "wait for the ministry",
        "дождитесь решения министерства",
        "министрлік шешімін күтіңіз",
    ]:
        assert phrase not in texts.lower()


def test_one_kazakh_term_for_revocation_and_certificate(content_dir: Path) -> None:
    """«кері қайтарып алу» and «тіркеу куәлігі» in the bot's own Kazakh words; what users type
    (topic examples) may use any word, so examples are left out."""
    texts = [load_topics(content_dir)[t].text("kk").answer for t in load_topics(content_dir)]
    texts += [
        p.read_text(encoding="utf-8") for p in (content_dir / "strings" / "kk").glob("*.toml")
    ]
    bad = re.compile(r"кері\s+шақыр|кері\s+қайтар(?!(?:ып|ылып)\s+ал)|сертификат", re.IGNORECASE)
    found = [m.group(0) for text in texts for m in bad.finditer(text)]
    assert not found
