"""Strip what could identify someone or give a secret away before a question is kept for editors.

A question is kept only as words nobody could log in with: every run of four or more digits
(IINs, phones, PINs, dates) and every word that mixes letters and digits or otherwise looks
like a secret (bot.core.credentials.looks_secret: "p12" and "Kairat1985kz" alike, at the cost
of a few product names) is masked. A question that holds a password is not kept at all
(editor_notes.remember_unmatched).
"""

from __future__ import annotations

import re

from bot.core.credentials import looks_secret

MASK = "***"
MIN_DIGITS = 4
# Digit groups joined the way phones and IINs get typed: "+7 (701) 123-45-67", "900101 300 123".
_NUMBER_RUN = re.compile(r"\+?\d(?:[ \t\u00a0\-\u2010-\u2015.()/]{0,3}\d)*")
_WORD = re.compile(r"\S+")


def _mask_number(match: re.Match[str]) -> str:
    run = match.group(0)
    return MASK if sum(ch.isdigit() for ch in run) >= MIN_DIGITS else run


def _mask_word(match: re.Match[str]) -> str:
    return MASK if looks_secret(match.group(0)) else match.group(0)


def scrub_question(text: str) -> str:
    """`text` with secret-looking words and every run of 4+ digits masked."""
    return _NUMBER_RUN.sub(_mask_number, _WORD.sub(_mask_word, text))
