"""Everything the password check page needs from the Python side, as one JSON document.

The page (bot/passwords/webapp/) rates passwords with zxcvbn-ts on the person's device. It must
give the verdict the bot gives, so it gets the checker's own data from here at build time: the
dictionaries (zxcvbn's and ours), the keyboard graphs, the layout and folding tables, the
checker's constants and the texts of the verdict in every language. Nothing is maintained twice.

    python -m bot.passwords.webapp_data OUT.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from zxcvbn import matching as zxcvbn_matching
from zxcvbn import scoring
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from bot.i18n import CONTENT_DIR, DEFAULT_LANG, LANGS, Texts
from bot.passwords import matching
from bot.passwords.checker import MAX_ANALYSED_LENGTH
from bot.passwords.dictionaries import (
    MAX_CONTEXT_INPUTS,
    MAX_CONTEXT_LENGTH,
    MIN_WORD_LENGTH,
    MIN_WRONG_LAYOUT_LENGTH,
)
from bot.passwords.nca import NCA_FAILURES, NCA_MIN_LENGTH
from bot.passwords.report import HANDLER_KEYS, PREFIX, STRENGTHS, TIME_UNITS, message_keys
from bot.passwords.resources import CYRILLIC_GRAPH, LEXICON, Resources, read_resources
from bot.passwords.verdict import STRONG_ENOUGH_SCORE

# The page's own texts, under [webapp] in content/strings/<lang>/passwords.toml.
WEBAPP_KEYS = tuple(
    f"{PREFIX}webapp.{key}"
    for key in ("title", "privacy", "label", "placeholder", "show", "hide", "empty", "hint")
)
# zxcvbn 4.5.0's time_estimates.guesses_to_score: a score goes up at each of these numbers of
# guesses plus DELTA (tests/passwords/test_webapp_data.py holds them to zxcvbn's function).
SCORE_THRESHOLDS = (1e3, 1e6, 1e8, 1e10)
SCORE_DELTA = 5
# time_estimates' "offline_slow_hashing_1e4_per_second", the rate the verdict quotes.
GUESSES_PER_SECOND = 1e4


def page_data(content_dir: Path = CONTENT_DIR) -> dict[str, Any]:
    res = read_resources(content_dir)
    texts = Texts.load(content_dir)
    keys = sorted((message_keys(res) - set(HANDLER_KEYS)) | set(WEBAPP_KEYS))
    return {
        "langs": list(LANGS),
        "defaultLang": DEFAULT_LANG,
        "texts": {lang: {key: texts.entry(lang, key) for key in keys} for lang in LANGS},
        "frequencyLists": {name: "\n".join(words) for name, words in FREQUENCY_LISTS.items()},
        "lexicon": {
            "name": LEXICON,
            "lists": [
                {"kind": w.kind, "wrongLayout": w.wrong_layout, "words": "\n".join(w.words)}
                for w in res.word_lists
            ],
            "feedbackAs": matching._FEEDBACK_AS,
            "minWordLength": MIN_WORD_LENGTH,
            "minWrongLayoutLength": MIN_WRONG_LAYOUT_LENGTH,
            "maxContextInputs": MAX_CONTEXT_INPUTS,
            "maxContextLength": MAX_CONTEXT_LENGTH,
        },
        "layout": _layout(res),
        "graphs": res.graphs,
        "cyrillicGraph": CYRILLIC_GRAPH,
        "l33tTable": zxcvbn_matching.L33T_TABLE,
        "maxL33tChoices": matching.MAX_L33T_CHOICES,
        "recentYear": matching._REGEXEN["recent_year"].pattern,
        "decoration": {
            "symbol": matching._SYMBOL,
            "maxDigits": matching.MAX_DECORATION_DIGITS,
            "maxSymbols": matching.MAX_DECORATION_SYMBOLS,
            "guessesPerSymbol": matching.GUESSES_PER_SYMBOL,
        },
        "scoring": {
            "referenceYear": scoring.REFERENCE_YEAR,
            "minYearSpace": scoring.MIN_YEAR_SPACE,
            "keyboardAverageDegree": scoring.KEYBOARD_AVERAGE_DEGREE,
            "keyboardStartingPositions": scoring.KEYBOARD_STARTING_POSITIONS,
            "keypadAverageDegree": scoring.KEYPAD_AVERAGE_DEGREE,
            "keypadStartingPositions": scoring.KEYPAD_STARTING_POSITIONS,
            "thresholds": list(SCORE_THRESHOLDS),
            "delta": SCORE_DELTA,
            "guessesPerSecond": GUESSES_PER_SECOND,
        },
        "standardPasswords": res.standard_passwords,
        "maxAnalysedLength": MAX_ANALYSED_LENGTH,
        "strongEnoughScore": STRONG_ENOUGH_SCORE,
        "nca": {"minLength": NCA_MIN_LENGTH, "failures": list(NCA_FAILURES)},
        "strengths": list(STRENGTHS),
        "timeUnits": [list(unit) for unit in TIME_UNITS],
    }


def _layout(res: Resources) -> dict[str, Any]:
    layout = res.spelling.layout
    return {
        "toLatin": layout.to_latin,
        "toCyrillic": layout.to_cyrillic,
        "cyrillicShifted": "".join(sorted(layout.cyrillic_shifted)),
        "shiftedSymbols": layout.shifted_symbols,
        "folding": {chr(code): letter for code, letter in res.spelling.folding.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="where to write the JSON")
    parser.add_argument("--content-dir", type=Path, default=CONTENT_DIR)
    args = parser.parse_args(argv)
    data = json.dumps(page_data(args.content_dir), ensure_ascii=False, separators=(",", ":"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(data, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
