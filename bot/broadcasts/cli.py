"""`esign-bot broadcast create|status|pause|resume|cancel`: warnings from the command line.

The CLI only writes to the database; a running bot (its leader) notices a new or changed
campaign within a second or two and sends, exactly as for one composed in Telegram.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcasts import campaigns, subscriptions
from bot.broadcasts.campaigns import Summary, TextProblem, Transition
from bot.clikit import CommandError, CommandGroups, in_session, print_json, settings_for_cli
from bot.i18n import DEFAULT_LANG, LANGS, Lang
from bot.tghtml import parse

T = TypeVar("T")


def register(commands: CommandGroups) -> None:
    sub = commands.top
    broadcast = sub.add_parser("broadcast", help="ministry warnings to all subscribers")
    actions = broadcast.add_subparsers(title="broadcast commands", metavar="ACTION", required=True)

    create = actions.add_parser(
        "create",
        help="send a warning (Telegram HTML files; one for all languages or one per language)",
    )
    create.add_argument("--text", type=Path, metavar="FILE", help="the text for every language")
    for lang in LANGS:
        create.add_argument(
            f"--text-{lang}",
            type=Path,
            metavar="FILE",
            dest=f"text_{lang}",
            help=f"the text for subscribers reading {lang} (instead of --text)",
        )
    create.add_argument("--yes", action="store_true", help="send without asking to confirm")
    create.add_argument(
        "--report-lang",
        choices=LANGS,
        default=DEFAULT_LANG,
        help="language of the progress report sent to OPERATOR_CHAT_ID (default: en)",
    )
    create.add_argument("--json", action="store_true", help="machine-readable output")
    create.set_defaults(handler=cmd_create)

    status = actions.add_parser("status", help="the latest campaigns, or one campaign")
    status.add_argument("id", type=int, nargs="?", metavar="ID", help="a campaign number")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(handler=cmd_status)

    for action, what in (
        ("pause", "stop sending for now"),
        ("resume", "go on sending a paused campaign"),
        ("cancel", "stop for good; the rest is not sent"),
    ):
        parser = actions.add_parser(action, help=what)
        parser.add_argument("id", type=int, metavar="ID", help="a campaign number")
        parser.add_argument("--json", action="store_true", help="machine-readable output")
        parser.set_defaults(handler=cmd_transition, action=action)


# ---- plumbing ------------------------------------------------------------------------------


def _read_texts(args: argparse.Namespace) -> dict[str, str]:
    """Language → HTML from the files given; each checked as Telegram would check it."""
    common: Path | None = args.text
    texts: dict[str, str] = {}
    for lang in LANGS:
        path: Path | None = getattr(args, f"text_{lang}") or common
        option = f"--text-{lang}" if getattr(args, f"text_{lang}") else "--text"
        if path is None:
            raise CommandError(f"--text-{lang}: missing (or give --text for every language)")
        texts[lang] = _read_text(path, option)
    return texts


def _read_text(path: Path, option: str) -> str:
    try:
        html = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise CommandError(f"{option} {path}: no such file") from None
    except UnicodeDecodeError:
        raise CommandError(f"{option} {path}: not UTF-8 text") from None
    except OSError as exc:
        raise CommandError(f"{option} {path}: {exc.strerror}") from None
    check = campaigns.check_text(html)
    if check.problem is TextProblem.BAD_HTML:
        raise CommandError(f"{option} {path}: Telegram would refuse this HTML: {check.detail}")
    if check.problem is TextProblem.EMPTY:
        raise CommandError(f"{option} {path}: the text is empty")
    if check.problem is TextProblem.TOO_LONG:
        raise CommandError(
            f"{option} {path}: {check.length} characters after formatting; "
            f"a message may have at most {campaigns.MAX_LENGTH}"
        )
    return html


def _by_language(counts: dict[Lang, int] | dict[str, int]) -> str:
    return ", ".join(f"{lang} {counts.get(lang, 0)}" for lang in LANGS)


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        raise CommandError("not confirmed: add --yes to send without asking")
    answer = input(f"{question} [y/N] ").strip().lower()
    return answer in ("y", "yes")


# ---- commands ------------------------------------------------------------------------------


def cmd_create(args: argparse.Namespace) -> int:
    settings = settings_for_cli()
    texts = _read_texts(args)
    counts = in_session(settings, subscriptions.count_by_language)
    total = sum(counts.values())
    if total == 0:
        raise CommandError("no active subscribers: there is nobody to send the warning to")
    if not args.json:
        shown: set[str] = set()
        for lang in LANGS:
            if texts[lang] in shown:
                continue
            shown.add(texts[lang])
            same = [other for other in LANGS if texts[other] == texts[lang]]
            print(f"--- {', '.join(same)} ---")
            print(parse(texts[lang]).text)
        print(f"--- recipients: {total} ({_by_language(counts)})")
    if not args.yes and not _confirm(f"Send this warning to {total} recipients?"):
        print("nothing sent")
        return 1

    async def create(session: AsyncSession) -> Summary:
        campaign_id = await campaigns.create_draft(
            session,
            texts,
            created_by=None,
            report_chat_id=settings.operator_chat_id,
            report_lang=args.report_lang,
        )
        await campaigns.start(session, campaign_id)
        summary = await campaigns.summary(session, campaign_id)
        assert summary is not None
        return summary

    summary = in_session(settings, create)
    if args.json:
        print_json(summary.to_json())
    else:
        print(
            f"warning #{summary.id} queued for {summary.total} recipients "
            f"({_by_language(summary.by_language)}); the running bot starts sending it"
        )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    settings = settings_for_cli()
    if args.id is not None:
        found = in_session(settings, lambda session: campaigns.summary(session, args.id))
        if found is None:
            raise CommandError(f"no warning #{args.id}")
        items = [found]
    else:
        items = in_session(settings, lambda session: campaigns.recent(session, limit=20))
    if args.json:
        if args.id is not None:
            print_json(items[0].to_json())
        else:
            print_json({"campaigns": [s.to_json() for s in items]})
        return 0
    if not items:
        print("no warnings yet")
    for item in items:
        print(_line(item))
    return 0


def _line(summary: Summary) -> str:
    data = summary.to_json()
    return (
        f"#{summary.id} {summary.state}: sent {data['sent']} of {summary.total}, "
        f"failed {data['failed']}, blocked {data['blocked']}, left {data['left']}, "
        f"remaining {data['remaining']}, not sent {data['cancelled']}; "
        f"created {summary.created_at:%Y-%m-%d %H:%M} UTC"
    )


def cmd_transition(args: argparse.Namespace) -> int:
    settings = settings_for_cli()
    result = in_session(
        settings, lambda session: campaigns.transition(session, args.id, args.action)
    )
    if result.outcome is Transition.NOT_FOUND:
        raise CommandError(f"no warning #{args.id}")
    if result.outcome is Transition.WRONG_STATE:
        raise CommandError(f"warning #{args.id} is {result.state}: cannot {args.action} it")
    if args.json:
        print_json({"id": args.id, "state": result.state})
    else:
        print(f"warning #{args.id}: {result.state}")
    return 0
