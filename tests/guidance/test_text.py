"""Folding: every spelling of a word reaches the same skeleton."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.guidance import load_lexicon
from bot.guidance.text import Folder, PhraseTagger


@pytest.fixture(scope="module")
def folder(content_dir: Path) -> Folder:
    return Folder.from_lexicon(load_lexicon(content_dir))


@pytest.mark.parametrize(
    "spellings",
    [
        ("ЭЦП", "эцп", "ецп", "ecp", "ECP"),
        ("ЭЦҚ", "эцк"),
        ("кілт", "килт", "kilt"),
        ("ключ", "klyuch", "kluch"),
        ("можно", "mozhno"),
        ("құпиясөз", "купиясоз", "qupiyasoz"),
        ("рахмет", "рахмееет", "rahmet"),
        ("қалай", "qalaı", "калай"),
    ],
)
def test_spellings_share_a_skeleton(folder: Folder, spellings: tuple[str, ...]) -> None:
    assert len({folder.fold(s) for s in spellings}) == 1


def test_tokens_keep_raw_and_script(folder: Folder) -> None:
    tokens = folder.tokens("ЭЦҚ-ны p12 1414!")
    assert [t.raw for t in tokens] == ["эцқ", "ны", "p12", "1414"]
    assert [t.folded for t in tokens] == ["eck", "ni", "p12", "1414"]
    assert [t.script for t in tokens] == ["cyrillic", "cyrillic", "latin", "other"]


def test_tagger_handles_prefixes_phrases_and_one_typo(folder: Folder) -> None:
    tagger = PhraseTagger(
        folder,
        [("подпис*", "sign"), ("что такое", "whatis"), ("заблокир*", "revoke")],
        fuzzy_from=5,
    )

    def labels(text: str) -> set[str]:
        return {span.label for span in tagger.tag(folder.words(text))}

    assert labels("электронной подписью") == {"sign"}
    assert labels("что такое это") == {"whatis"}
    assert labels("что это такое") == set()
    assert labels("забликировать") == {"revoke"}  # one typo
    # A guess never rewrites the first letters: "прописаться" is not "подписаться".
    assert labels("прописаться") == set()
