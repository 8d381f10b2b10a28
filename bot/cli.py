"""The `esign-bot` command. Each subcommand fails with one line and a non-zero exit."""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import sys
from collections.abc import Sequence
from importlib.metadata import version

from sqlalchemy.exc import SQLAlchemyError
from telegram.error import InvalidToken

from bot.app import FEATURES, build_application
from bot.clikit import CommandError, CommandGroups, Handler, database, print_json, settings_for_cli
from bot.config import Settings, SettingsError, load_settings
from bot.content import ContentError

log = logging.getLogger("bot")

CHAT_LOG = "esign-bot.log"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        # No subcommand: behave like `run`, the thing a newcomer wants.
        handler = cmd_run
    try:
        return handler(args)
    except (SettingsError, CommandError) as exc:
        print(f"esign-bot: error: {exc}", file=sys.stderr)
        return 2
    except ContentError as exc:
        print(f"esign-bot: error: content: {exc.problems[0]}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        # Reached and migrated, then failed mid-command: still one line (parameters are hidden).
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"esign-bot: error: database: {reason}", file=sys.stderr)
        return 2
    except InvalidToken:
        # PTB's message quotes the token itself: it must not reach the terminal or a log.
        print("esign-bot: error: BOT_TOKEN: the token was refused by Telegram", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="esign-bot",
        description="Telegram bot that helps citizens keep control of their e-signatures.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('esign-bot')}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = sub.add_parser("run", help="run the bot (terminal chat when BOT_TOKEN is not set)")
    run.set_defaults(handler=cmd_run)

    chat = sub.add_parser("chat", help="talk to the bot in this terminal (embedded harness)")
    chat.set_defaults(handler=cmd_chat)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(title="db commands", metavar="ACTION", required=True)
    upgrade = db_sub.add_parser("upgrade", help="apply migrations up to the latest schema")
    upgrade.set_defaults(handler=cmd_db_upgrade)
    current = db_sub.add_parser("current", help="print the schema revision of the database")
    current.add_argument("--json", action="store_true", help="machine-readable output")
    current.set_defaults(handler=cmd_db_current)

    content = sub.add_parser("content", help="content (texts, topics) tools")
    content_sub = content.add_subparsers(title="content commands", metavar="ACTION", required=True)
    check = content_sub.add_parser("check", help="validate every content file")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.set_defaults(handler=cmd_content_check)

    # Each feature adds its own subcommands (Feature.ops.cli), in FEATURES order.
    groups = CommandGroups(top=sub, content=content_sub)
    for feature in FEATURES:
        if feature.ops.cli is not None:
            feature.ops.cli(groups)
    return parser


def cmd_run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings.demo_mode:
        return cmd_chat(args)
    settings = settings_for_cli()
    asyncio.run(_preflight(settings, upgrade=settings.auto_migrate))
    application = build_application(settings)
    if settings.webhook_url:
        from bot.ops.webhook import ListenError, serve

        try:
            asyncio.run(serve(application, settings))
        except ListenError as exc:
            raise CommandError(f"WEBHOOK_PORT: {exc}") from None
        return 0
    from bot.ops.webhook import ListenError

    asyncio.run(_check_token(settings))
    log.info("starting the bot in polling mode")
    try:
        application.run_polling(allowed_updates=None, drop_pending_updates=False)
    except ListenError as exc:  # the password check page's server
        raise CommandError(f"WEBAPP_PORT: {exc}") from None
    return 0


async def _check_token(settings: Settings) -> None:
    """Ask Telegram who we are before polling starts: PTB's start-up retry loop would log a
    refused token as a traceback, where the operator needs one line (main() prints it).
    Webhook mode needs no such check: it binds its port first, then initializes the bot
    itself, and the InvalidToken reaches main() unlogged."""
    from telegram import Bot

    async with Bot(settings.token, base_url=settings.bot_api_base_url):
        pass  # entering initializes the bot, which calls getMe; 401/404 raise InvalidToken


def cmd_chat(args: argparse.Namespace) -> int:
    # Log lines would land between chat lines: they go to a file under the data directory.
    settings = settings_for_cli(log_file=CHAT_LOG)
    settings.pii_key()  # phones shared in the chat are hashed: no key outside the demo, no start
    log.info("starting the terminal chat on the embedded harness")
    from bot.harness.terminal import run_terminal_chat

    asyncio.run(_preflight(settings))
    settings = _with_local_page(settings)
    asyncio.run(run_terminal_chat(settings, log_path=settings.bot_data_dir / CHAT_LOG))
    return 0


def _with_local_page(settings: Settings) -> Settings:
    """The terminal chat serves the features' pages (the password check page) on this machine,
    so a person can open them in a browser; the menu shows their buttons too."""
    if settings.webapp_url or not settings.demo_mode:
        return settings
    host, port = settings.webapp_listen, _free_port(settings.webapp_listen, settings.webapp_port)
    url = f"http://{host}:{port}{settings.webapp_path}"
    return settings.model_copy(update={"webapp_url": url, "webapp_port": port})


def _free_port(host: str, wanted: int) -> int:
    """`wanted` if nothing listens there, else any free port: a second demo, or a test run,
    should not stop the chat (the address it prints is where the page is)."""
    for port in (wanted, 0):
        with socket.socket() as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    return wanted


async def _preflight(settings: Settings, *, upgrade: bool = True) -> None:
    """Reach the database and migrate it before anything starts, or with `upgrade` False
    (AUTO_MIGRATE=false) find it migrated already: one clear line if not."""
    from bot.db import migrate
    from bot.i18n import Texts

    Texts.load(settings.content_dir)
    async with database(settings, upgrade=upgrade) as db:
        if not upgrade and await migrate.current_revisions(db.engine) != migrate.head_revisions():
            raise CommandError(
                "the database is not at the latest schema and AUTO_MIGRATE is false: "
                "run `esign-bot db upgrade` (as the role that owns the schema) first"
            )


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = settings_for_cli()
    asyncio.run(_preflight(settings))
    print("database is at the latest schema")
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    settings = settings_for_cli()
    from bot.db import migrate

    async def current() -> frozenset[str]:
        async with database(settings, upgrade=False) as db:
            return await migrate.current_revisions(db.engine)

    revisions, heads = sorted(asyncio.run(current())), sorted(migrate.head_revisions())
    if args.json:
        print_json({"current": revisions, "latest": heads, "up_to_date": revisions == heads})
    else:
        print(f"current: {', '.join(revisions) or 'none'}; latest: {', '.join(heads)}")
    return 0


def cmd_content_check(args: argparse.Namespace) -> int:
    from bot.i18n import check_strings

    content_dir = settings_for_cli().content_dir
    problems = check_strings(content_dir)
    for feature in FEATURES:
        for check in feature.ops.content_checks:
            problems.extend(check(content_dir))
    if args.json:
        print_json({"ok": not problems, "problems": problems})
    else:
        for problem in problems:
            print(problem)
        print("content OK" if not problems else f"{len(problems)} problem(s)")
    return 0 if not problems else 1
