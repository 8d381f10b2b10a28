"""`esign-bot ask QUESTION` and `esign-bot content unmatched`."""

from __future__ import annotations

import argparse

from bot.clikit import CommandError, CommandGroups, in_session, print_json, settings_for_cli
from bot.guidance import editor_notes
from bot.guidance.matcher import Matcher
from bot.guidance.topics import load_topics
from bot.i18n import LANGS, as_lang
from bot.tghtml import parse

MAX_QUESTION = 4096


def register(commands: CommandGroups) -> None:
    sub, content_sub = commands.top, commands.content
    ask = sub.add_parser("ask", help="match a question to a guidance topic")
    ask.add_argument("question", help="the question, as a citizen would write it")
    ask.add_argument("--lang", choices=LANGS, help="answer language when the question's is unclear")
    ask.add_argument("--json", action="store_true", help="machine-readable output")
    ask.set_defaults(handler=cmd_ask)

    unmatched = content_sub.add_parser(
        "unmatched", help="the most frequent questions no topic answered"
    )
    unmatched.add_argument("--limit", type=int, default=50, help="how many (default 50)")
    unmatched.add_argument("--json", action="store_true", help="machine-readable output")
    unmatched.set_defaults(handler=cmd_unmatched)


def cmd_ask(args: argparse.Namespace) -> int:
    question = args.question.strip()
    if not question:
        raise CommandError("QUESTION: empty")
    if len(question) > MAX_QUESTION:
        raise CommandError(f"QUESTION: longer than {MAX_QUESTION} characters")
    settings = settings_for_cli()
    matcher = Matcher.from_content(settings.content_dir)
    result = matcher.match(question)
    if args.json:
        print_json(
            {
                "topic": result.topic,
                "score": round(result.score, 4),
                "lang": result.lang,
                "alternatives": [[t, round(s, 4)] for t, s in result.alternatives],
            }
        )
        return 0
    if result.topic is None:
        print(f"no topic ({result.kind}); score {result.score:.2f}")
        return 0
    lang = as_lang(result.lang) or args.lang or "en"
    text = load_topics(settings.content_dir)[result.topic].text(lang)
    print(f"{result.topic} (score {result.score:.2f}, language {result.lang or 'unclear'})")
    print(f"\n{text.title}\n\n{parse(text.answer).text}")
    return 0


def cmd_unmatched(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise CommandError("--limit: must be at least 1")
    settings = settings_for_cli()

    found = in_session(settings, lambda s: editor_notes.most_frequent_unmatched(s, args.limit))
    rows = [
        {"text": r.text, "count": r.count, "lang": r.lang, "last_seen": r.last_seen.isoformat()}
        for r in found
    ]
    if args.json:
        print_json({"questions": rows})
    else:
        for row in rows:
            print(f"{row['count']:>5}  [{row['lang'] or '--'}]  {row['text']}")
        print(f"{len(rows)} question(s)")
    return 0
