"""`esign-bot check-password [--json] [--lang LANG]`: rate one password read from stdin.

Never from the command line: arguments end up in shell history and in every process listing.
At a terminal the password is read without echo.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from functools import partial

from bot.clikit import CommandError, CommandGroups, settings_for_cli
from bot.i18n import LANGS, Texts
from bot.passwords.checker import check_password
from bot.passwords.cli_output import password_from_stdin, verdict_json
from bot.passwords.report import render, verdict_report
from bot.tghtml import MAX_MESSAGE_LENGTH, parse

# The longest password the bot can be sent; a longer stdin is a mistake (a file, not a password).
MAX_INPUT_LENGTH = MAX_MESSAGE_LENGTH
MAX_INPUT_BYTES = 4 * MAX_INPUT_LENGTH + len("\r\n")


def register(commands: CommandGroups) -> None:
    sub = commands.top
    parser = sub.add_parser(
        "check-password",
        help="rate a password read from stdin (never from the command line)",
        description="Rate one password, read from stdin (at a terminal: typed without echo).",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable verdict")
    # Caught to refuse with a reason of our own: argparse's would repeat the password.
    parser.add_argument("stray", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument(
        "--lang", choices=LANGS, default="en", help="language of the verdict (default: en)"
    )
    parser.set_defaults(handler=cmd_check_password)


def read_password() -> str:
    """The one password on stdin; CommandError (no text of it) when there is not exactly one."""
    if sys.stdin.isatty():
        try:
            return getpass.getpass("Password (not shown): ")
        except EOFError:
            return ""
    # Bytes, decoded strictly here: a text stdin may turn undecodable bytes into other text.
    data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
    if len(data) > MAX_INPUT_BYTES:
        raise CommandError(f"stdin: longer than {MAX_INPUT_LENGTH} characters")
    try:
        password = password_from_stdin(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise CommandError("stdin: not UTF-8 text") from None
    if len(password) > MAX_INPUT_LENGTH:
        raise CommandError(f"stdin: longer than {MAX_INPUT_LENGTH} characters")
    if "\n" in password or "\r" in password:
        raise CommandError("stdin: more than one line; give one password")
    return password


def cmd_check_password(args: argparse.Namespace) -> int:
    if args.stray:
        raise CommandError(
            "check-password reads the password from stdin, never from arguments "
            "(they stay in shell history and process lists)"
        )
    settings = settings_for_cli()  # the dictionaries and texts of CONTENT_DIR
    password = read_password()
    if not password.strip():
        raise CommandError("stdin: no password (empty input)")
    verdict = check_password(password)
    if args.json:
        print(verdict_json(verdict))
        return 0
    texts = Texts.load(settings.content_dir)
    html = render(verdict_report(verdict), partial(texts.get, args.lang))
    print(parse(html).text)
    return 0
