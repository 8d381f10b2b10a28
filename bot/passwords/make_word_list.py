"""Write a ranked word list for content/passwords/ from wordfreq's frequency data (dev time).

    pip install wordfreq   # in a scratch virtualenv: ~57 MB, not a dependency of the bot
    python -m bot.passwords.make_word_list ru 30000 > content/passwords/words_ru.txt

wordfreq's data is CC BY-SA 4.0, and so is the list written from it (see the README). The bot
reads the committed list; wordfreq is needed only to regenerate it.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
import unicodedata

from bot.passwords.dictionaries import MIN_WORD_LENGTH

# Words of one script only: a token mixing scripts or holding digits is not a dictionary word.
_SCRIPTS = {"ru": re.compile(r"[а-яё]+"), "en": re.compile(r"[a-z]+")}


def ranked_words(lang: str, count: int) -> list[str]:
    """The `count` most frequent words of `lang`, most frequent first, as the reader wants them:
    lower case, NFC, at least MIN_WORD_LENGTH letters, each once."""
    wordfreq = importlib.import_module("wordfreq")
    script = _SCRIPTS[lang]
    words: dict[str, None] = {}
    # wordfreq's tokens include numbers, short words and other scripts: over-fetch, then filter.
    for token in wordfreq.top_n_list(lang, count * 3, wordlist="large"):
        # ё is mostly written е: the checker derives the е spelling of every ё word itself.
        word = unicodedata.normalize("NFC", str(token).lower()).replace("ё", "е")
        if len(word) >= MIN_WORD_LENGTH and script.fullmatch(word):
            words[word] = None
            if len(words) == count:
                break
    return list(words)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lang", choices=sorted(_SCRIPTS))
    parser.add_argument("count", type=int)
    args = parser.parse_args(argv)
    sys.stdout.write("".join(f"{word}\n" for word in ranked_words(args.lang, args.count)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
