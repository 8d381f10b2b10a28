"""check_password: zxcvbn, made to know Kazakhstan's passwords, keyboards and NCA's rule."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from zxcvbn import time_estimates

from bot.passwords.dictionaries import context_words
from bot.passwords.matching import Analyzer
from bot.passwords.nca import nca_failures
from bot.passwords.resources import resources
from bot.passwords.verdict import STRONG_ENOUGH_SCORE, PasswordVerdict
from bot.passwords.zxcvbn_keys import feedback_keys

# zxcvbn refuses longer input (its search grows with the square of the length); a longer
# password is assessed by its start, which only understates it.
MAX_ANALYSED_LENGTH = 72
_CRACK_SCENARIO = "offline_slow_hashing_1e4_per_second"


def check_password(password: str, user_inputs: Sequence[str] = ()) -> PasswordVerdict:
    """Rate `password` (any text Telegram can deliver); `user_inputs` are the user's own name
    and username, which an attacker who targets them tries first."""
    res = resources()
    text = unicodedata.normalize("NFC", password)
    analysed = text[:MAX_ANALYSED_LENGTH]
    analysis = Analyzer(res, context_words(user_inputs, res.spelling)).analyse(analysed)
    attack: dict[str, Any] = time_estimates.estimate_attack_times(analysis.guesses)
    score = int(attack["score"])
    warnings, suggestions = feedback_keys(score, analysis.sequence, res)
    if not text.strip():
        warnings = ("empty", *warnings)
    failures = nca_failures(text)
    return PasswordVerdict(
        score=score,
        guesses_log10=float(analysis.guesses.log10()),
        crack_time_seconds=float(attack["crack_times_seconds"][_CRACK_SCENARIO]),
        meets_nca_rule=not failures,
        nca_failures=failures,
        strong_enough=score >= STRONG_ENOUGH_SCORE,
        truncated=len(text) > MAX_ANALYSED_LENGTH,
        standard_password=res.standard_passwords.get(text.strip()),
        warnings=warnings,
        suggestions=suggestions,
    )
