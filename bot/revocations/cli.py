"""`esign-bot org add-admin|remove-admin`, `requests list|approve|reject`, `audit`."""

from __future__ import annotations

import argparse
import json
import re
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clikit import CommandError, CommandGroups, in_session, print_json, settings_for_cli
from bot.config import Settings
from bot.i18n import Texts
from bot.ops import outbox
from bot.revocations import audit, notices, service
from bot.signatures.api import is_valid_bin

_HASH = re.compile(r"[0-9a-f]{64}")

T = TypeVar("T")
CLI_ACTOR = "cli"


def register(commands: CommandGroups) -> None:
    sub = commands.top
    org = sub.add_parser("org", help="heads of organisations")
    org_actions = org.add_subparsers(title="org commands", metavar="ACTION", required=True)
    for name, handler, text in (
        ("add-admin", cmd_add_admin, "appoint a head of organisation"),
        ("remove-admin", cmd_remove_admin, "remove a head of organisation"),
    ):
        action = org_actions.add_parser(name, help=text)
        action.add_argument("--bin", required=True, help="the organisation's BIN (12 digits)")
        action.add_argument("--telegram-id", required=True, type=int, help="their Telegram id")
        action.set_defaults(handler=handler)

    requests = sub.add_parser("requests", help="revocation requests")
    actions = requests.add_subparsers(title="requests commands", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="open requests")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=cmd_list)
    approve = actions.add_parser("approve", help="approve: the certificate is marked revoked")
    approve.add_argument("request", help="reference (REV-2026-000123) or number")
    approve.set_defaults(handler=cmd_approve)
    reject = actions.add_parser("reject", help="reject, with a reason sent to the requester")
    reject.add_argument("request", help="reference (REV-2026-000123) or number")
    reject.add_argument("--reason", required=True, help="why (sent to the requester)")
    reject.set_defaults(handler=cmd_reject)

    log = sub.add_parser("audit", help="the audit log of revocations")
    log.add_argument("--since", help="from this date or time (ISO 8601), UTC")
    log.add_argument("--json", action="store_true", help='one JSON object: {"entries": [...]}')
    log.set_defaults(handler=cmd_audit)
    log_actions = log.add_subparsers(title="audit commands", metavar="ACTION")
    check = log_actions.add_parser(
        "verify", help="check the hash chain: exit 1 at the first entry that does not hold"
    )
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.add_argument(
        "--expect",
        metavar="HASH",
        help="a newest hash noted from an earlier verify: the log must still contain it",
    )
    check.set_defaults(handler=cmd_audit_verify)


def _bin(value: str) -> str:
    if not is_valid_bin(value):
        raise CommandError(f"--bin {value!r}: not a valid BIN")
    return value


def cmd_add_admin(args: argparse.Namespace) -> int:
    org_bin = _bin(args.bin)
    added = in_session(
        settings_for_cli(),
        lambda s: service.appoint_admin(s, CLI_ACTOR, org_bin, args.telegram_id),
    )
    print("appointed" if added else "already an admin")
    return 0


def cmd_remove_admin(args: argparse.Namespace) -> int:
    org_bin = _bin(args.bin)
    removed = in_session(
        settings_for_cli(),
        lambda s: service.remove_admin(s, CLI_ACTOR, org_bin, args.telegram_id),
    )
    if not removed:
        raise CommandError(f"{args.telegram_id} is not an admin of {org_bin}")
    print("removed")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    _, rows = in_session(settings_for_cli(), lambda s: service.open_requests(s, 0, 10_000))
    items = [
        {
            "id": r.id,
            "reference": r.reference,
            "certificate": c.serial_number,
            "holder": c.full_name,
            "org_bin": c.org_bin,
            "reason": r.reason,
            "requester_id": r.requester_id,
            "created_at": r.created_at.isoformat(),
        }
        for r, c in rows
    ]
    if args.json:
        print_json({"requests": items})
    else:
        for request, certificate in rows:
            print(
                f"{request.reference}  {certificate.serial_number}  {certificate.full_name}  "
                f"{request.reason}  filed {request.created_at:%Y-%m-%d %H:%M}"
            )
        print(f"{len(items)} open request(s)")
    return 0


def _decide(args: argparse.Namespace, approve: bool, reason: str | None) -> int:
    settings = settings_for_cli()
    if reason is not None and not reason.strip():
        raise CommandError("--reason: empty")

    async def work(session: AsyncSession) -> service.Decision:
        request = await service.find_request(session, args.request)
        if request is None:
            raise CommandError(f"{args.request}: no such request")
        return await service.decide(
            session,
            request.id,
            actor=CLI_ACTOR,
            operator_id=None,
            approve=approve,
            reason=reason,
            then=lambda session, decision: _notify(settings, session, decision),
        )

    decision = in_session(settings, work)
    request = decision.request
    if not decision.decided_now:
        raise CommandError(f"{request.reference} was already {request.status}")
    print(f"{request.reference} {request.status}")
    return 0


async def _notify(settings: Settings, session: AsyncSession, decision: service.Decision) -> None:
    """Leave the requester's notice for the running bot, which sends it within about a second
    through the send budget every instance shares (a Bot of our own would send outside it).
    It is written in the decision's transaction: no decision is kept without its notice."""
    request = decision.request
    lang = await notices.language_of(session, request.requester_id)
    text = notices.requester_text(
        Texts.load(settings.content_dir), lang, request, decision.certificate
    )
    outbox.enqueue(session, request.requester_id, text)


def cmd_approve(args: argparse.Namespace) -> int:
    return _decide(args, True, None)


def cmd_reject(args: argparse.Namespace) -> int:
    return _decide(args, False, args.reason)


def cmd_audit(args: argparse.Namespace) -> int:
    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since)
        except ValueError:
            raise CommandError(f"--since {args.since!r}: not an ISO 8601 date") from None
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
    entries = in_session(settings_for_cli(), lambda s: audit.entries(s, since))
    if args.json:
        print_json(
            {
                "entries": [
                    {
                        "at": entry.at.isoformat(),
                        "actor": entry.actor,
                        "action": entry.action,
                        "subject": entry.subject,
                        "details": entry.details,
                    }
                    for entry in entries
                ]
            }
        )
        return 0
    for entry in entries:
        print(
            f"{entry.at:%Y-%m-%d %H:%M:%S}  {entry.actor:<20}  {entry.action:<20}  "
            f"{entry.subject}  {json.dumps(entry.details, ensure_ascii=False)}"
        )
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    expect = args.expect.strip().lower() if args.expect is not None else None
    if expect is not None and not _HASH.fullmatch(expect):
        raise CommandError("--expect: not a hash of this log (64 hexadecimal digits)")
    result = in_session(settings_for_cli(), lambda session: audit.verify(session, expect))
    if args.json:
        print(
            json.dumps(
                {
                    "ok": result.ok,
                    "entries_checked": result.entries,
                    "head": result.head,
                    "broken_at": result.broken_at,
                    "reason": result.reason,
                }
            )
        )
    elif result.ok:
        print(f"audit log OK: {result.entries} entries, newest hash {result.head}")
    elif result.broken_at is None:
        print(f"audit log broken: {result.reason}")
    else:
        print(f"audit log broken at entry {result.broken_at}: {result.reason}")
    return 0 if result.ok else 1
