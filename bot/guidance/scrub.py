"""Strip numbers that could identify someone before a question is kept for editors."""

from __future__ import annotations

import re

MASK = "***"
MIN_DIGITS = 4
# Digit groups joined the way phones and IINs get typed: "+7 (701) 123-45-67", "900101 300 123".
_NUMBER_RUN = re.compile(r"\+?\d(?:[ \t\u00a0\-\u2010-\u2015.()/]{0,3}\d)*")


def _mask(match: re.Match[str]) -> str:
    run = match.group(0)
    return MASK if sum(ch.isdigit() for ch in run) >= MIN_DIGITS else run


def scrub_question(text: str) -> str:
    """`text` with every run of 4+ digits (IINs, phones, PINs, passwords, dates) masked."""
    return _NUMBER_RUN.sub(_mask, text)
