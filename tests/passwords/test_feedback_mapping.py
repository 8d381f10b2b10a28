"""Every feedback string zxcvbn 4.5.0 can emit maps to a key translated in every language."""

from __future__ import annotations

import ast
import inspect

import pytest
from zxcvbn import feedback as zxcvbn_feedback

from bot.i18n import LANGS, Texts
from bot.passwords import check_password, resources
from bot.passwords.zxcvbn_keys import EXTRA_SUGGESTIONS, EXTRA_WARNINGS


def _zxcvbn_strings() -> tuple[set[str], set[str]]:
    """(warnings, suggestions): the string arguments of every gettext call in zxcvbn's
    feedback module; a warning is one assigned to `warning` or to a 'warning' dict key."""
    tree = ast.parse(inspect.getsource(zxcvbn_feedback))
    every: set[str] = set()
    warnings: set[str] = set()

    def texts_in(node: ast.AST) -> set[str]:
        return {
            call.args[0].value
            for call in ast.walk(node)
            if isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == "_"
            and isinstance(call.args[0], ast.Constant)
            and isinstance(call.args[0].value, str)
        }

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "warning" for target in node.targets
        ):
            warnings |= texts_in(node.value)
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "warning":
                    warnings |= texts_in(value)
    every = texts_in(tree)
    return warnings, every - warnings


WARNINGS, SUGGESTIONS = _zxcvbn_strings()


def test_zxcvbn_source_was_read() -> None:
    # zxcvbn 4.5.0 has 14 warnings and 13 suggestions; a change here means a new version.
    assert (len(WARNINGS), len(SUGGESTIONS)) == (14, 13)


def test_every_zxcvbn_string_has_a_key_and_no_key_is_stale() -> None:
    res = resources()
    assert set(res.warning_keys) == WARNINGS
    assert set(res.suggestion_keys) == SUGGESTIONS


@pytest.mark.parametrize("lang", LANGS)
def test_every_key_is_translated(texts: Texts, lang: str) -> None:
    res = resources()
    keys = [f"passwords.warnings.{key}" for key in (*res.warning_keys.values(), *EXTRA_WARNINGS)]
    keys += [
        f"passwords.suggestions.{key}"
        for key in (*res.suggestion_keys.values(), *EXTRA_SUGGESTIONS)
    ]
    for key in keys:
        assert texts.get(lang, key).strip(), key


def test_keys_are_unique() -> None:
    res = resources()
    assert len(set(res.warning_keys.values())) == len(res.warning_keys)
    assert len(set(res.suggestion_keys.values())) == len(res.suggestion_keys)
    assert not set(EXTRA_WARNINGS) & set(res.warning_keys.values())
    assert not set(EXTRA_SUGGESTIONS) & set(res.suggestion_keys.values())


# A password per zxcvbn message, so that each is seen to arrive as its key at run time.
EMITTED = [
    ("123456", {"top_10"}, {"add_word"}),
    ("qwertyuiop", {"top_100"}, set()),
    ("elephant", {"very_common"}, set()),
    ("drowssap", {"similar_to_common"}, {"reversed_words"}),
    ("P4ssw0rd", {"similar_to_common"}, {"predictable_substitutions", "capitalization"}),
    ("Government", {"word_by_itself"}, {"capitalization"}),
    ("smithson", {"name_by_itself"}, set()),
    ("johnsmith", {"common_names"}, set()),
    ("ertyuio", {"straight_row"}, {"longer_keyboard_pattern"}),
    ("qwsxcd", {"keyboard_pattern"}, {"longer_keyboard_pattern"}),
    ("aaaaaa", {"repeated_character"}, {"avoid_repeats"}),
    ("abcabcabc", {"repeated_pattern"}, {"avoid_repeats"}),
    ("abcdefgh", {"sequence"}, {"avoid_sequences"}),
    ("1994", {"recent_year"}, {"avoid_recent_years", "avoid_personal_years"}),
    ("12.05.1990", {"date"}, {"avoid_personal_dates"}),
    ("MONKEY", set(), {"all_uppercase"}),
    ("", set(), {"use_few_words", "no_need_for_symbols"}),
]


def test_the_examples_cover_every_zxcvbn_message() -> None:
    res = resources()
    assert set().union(*(warnings for _, warnings, _ in EMITTED)) == set(res.warning_keys.values())
    assert set().union(*(suggestions for _, _, suggestions in EMITTED)) == set(
        res.suggestion_keys.values()
    )


@pytest.mark.parametrize(("password", "warnings", "suggestions"), EMITTED)
def test_zxcvbn_feedback_arrives_as_keys(
    password: str, warnings: set[str], suggestions: set[str]
) -> None:
    verdict = check_password(password)
    assert warnings <= set(verdict.warnings)
    assert suggestions <= set(verdict.suggestions)
