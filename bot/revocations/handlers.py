"""Thin handlers: citizens file, heads of organisations record departures, operators decide."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from babel.dates import format_date
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.core import flows, paging
from bot.core.callbacks import ID, START, callback_id, list_start
from bot.core.filters import PRIVATE, is_private
from bot.core.private import private_only
from bot.db import dialogs
from bot.db.base import utcnow
from bot.db.dialogs import Pending
from bot.revocations import audit, cli, demo, notices, org_reminder_job, probes, service
from bot.revocations.models import REJECTED, RevocationRequest
from bot.revocations.service import CITIZEN_REASONS, NotAllowed
from bot.runtime import (
    Background,
    BotContext,
    EntryPoint,
    Feature,
    Links,
    MenuItem,
    Ops,
    Step,
    TelegramParts,
)
from bot.signatures import registry
from bot.signatures.models import Certificate
from bot.signatures.views import masked, today_in_almaty, view_of

log = logging.getLogger(__name__)

REJECT_STEP = "revocations:reject"
REJECT_TTL = timedelta(minutes=15)
_ID = ID
_BIN = r"(\d{12})"
_REASON = "(" + "|".join(CITIZEN_REASONS) + ")"
_NONCE = flows.NONCE
# Button flows (bot/core/flows.py): a citizen's request, a departure, an approval.
CITIZEN_FLOW = "revocations.citizen"
DEPARTURE_FLOW = "revocations.departure"
APPROVE_FLOW = "revocations.approve"


CB_MENU = "rv:menu"
CB_ORG_MENU = "org:menu"
CB_PICK = "rv:pick"  # and a certificate id
# Where a citizen proves who they are before a request: the signatures feature's /status.
VERIFY_PHONE = "signatures.status"


def certificate_action(certificate_id: int) -> str:
    return f"{CB_PICK}:{certificate_id}"


def _verify_data(context: BotContext) -> str:
    entry = context.deps.entry_point(VERIFY_PHONE)
    assert entry is not None  # a need: checked when the bot starts
    return entry.data()


def _markup(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


def _date(context: BotContext, value: object) -> str:
    return format_date(value, format="medium", locale=context.lang)  # type: ignore[arg-type]


def _kind(context: BotContext, certificate: Certificate) -> str:
    return context.t(f"signatures.kind.{certificate.key_type}")


async def _refuse(update: Update, context: BotContext, error: NotAllowed) -> None:
    user = update.effective_user
    query = update.callback_query
    log.warning(
        "refused %r from user_id=%s: %s",
        query.data if query else None,
        user.id if user else None,
        error,
    )
    if query is not None:
        await query.answer(context.t("revocations.not_allowed"), show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(context.t("revocations.not_allowed"))


@dataclass(frozen=True)
class Press:
    """A button press: who pressed, and the parts of its (re-parsed, never trusted) data."""

    query: CallbackQuery
    user_id: int
    match: re.Match[str]

    def number(self, group: int = 1) -> int:
        """A row id from the data, refused before any query when no row could have it."""
        value = callback_id(self.match.group(group))
        if value is None:
            raise NotAllowed(f"id out of range in {self.query.data!r}")
        return value

    def start(self, group: int) -> int:
        """The position a list's page starts at (0 when the data names none)."""
        text = self.match.group(group)
        value = list_start(text) if text else 0
        if value is None:
            raise NotAllowed(f"bad list position in {self.query.data!r}")
        return value

    @property
    def nonce(self) -> str:
        return self.match.group("nonce")


def guarded(
    callback: Callable[[Update, BotContext, Press], Awaitable[None]],
) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    """Turn a press into a Press, and NotAllowed (forged, stale, not theirs) into a refusal."""

    async def handler(update: Update, context: BotContext) -> None:
        query, user, match = update.callback_query, update.effective_user, context.match
        if query is None or user is None or match is None:
            return
        try:
            await callback(update, context, Press(query, user.id, match))
        except NotAllowed as error:
            await _refuse(update, context, error)

    return handler


# ---- citizens ------------------------------------------------------------------------------


async def revoke_command(update: Update, context: BotContext) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    since = _verified_since(context)
    if await registry.verified_phone(context.session, user.id, since) is None:
        await message.reply_text(
            context.t("revocations.need_verification"),
            reply_markup=_markup(
                [[(context.t("revocations.verify_button"), _verify_data(context))]]
            ),
        )
        return
    requests = await service.requests_of(context.session, user.id)
    if requests:
        lines = [context.t("revocations.my_requests")] + [
            context.t(
                # A rejection names its reason and the next step here too, not only in the notice.
                "revocations.request_line_rejected"
                if r.status == REJECTED
                else "revocations.request_line",
                reference=r.reference,
                kind=_kind(context, c),
                serial=c.serial_number,
                status=context.t(f"revocations.status.{r.status}"),
                reason=r.decision_reason or "—",
            )
            for r, c in requests
        ]
        await message.reply_text("\n".join(lines))
    certificates = await service.revocable_certificates(context.session, user.id, since=since)
    if not certificates:
        await message.chat.send_message(context.t("revocations.no_revocable"))
        return
    rows = [
        [
            (
                context.t(
                    "revocations.certificate_button",
                    kind=_kind(context, c),
                    serial=c.serial_number,
                    end=_date(context, c.valid_to),
                ),
                certificate_action(c.id),
            )
        ]
        for c in certificates
    ]
    await message.chat.send_message(
        context.t("revocations.pick_certificate"), reply_markup=_markup(rows)
    )


def _verified_since(context: BotContext) -> datetime:
    return registry.verified_since(context.deps.settings.phone_verification_days)


async def _own(context: BotContext, user_id: int, certificate_id: int) -> Certificate:
    async with context.session.begin():
        return await service.own_certificate(
            context.session, user_id, certificate_id, since=_verified_since(context)
        )


def _cancel_row(context: BotContext, nonce: str) -> list[tuple[str, str]]:
    return [(context.t("revocations.cancel_button"), flows.button_data("rv:no", nonce=nonce))]


async def on_pick(update: Update, context: BotContext, press: Press) -> None:
    """The first tap of a citizen's request: a new flow (an unfinished one goes out of date)."""
    query = press.query
    certificate = await _own(context, press.user_id, press.number())
    nonce = await flows.begin(update, context, CITIZEN_FLOW)
    await query.answer()
    rows = [
        [
            (
                context.t(f"revocations.reason.{reason}"),
                flows.button_data("rv:why", certificate.id, reason, nonce=nonce),
            )
        ]
        for reason in CITIZEN_REASONS
    ]
    rows.append(_cancel_row(context, nonce))
    await query.edit_message_text(context.t("revocations.pick_reason"), reply_markup=_markup(rows))


async def on_reason(update: Update, context: BotContext, press: Press) -> None:
    query = press.query
    if not await flows.check(update, context, CITIZEN_FLOW, press.nonce):
        return
    certificate = await _own(context, press.user_id, press.number())
    reason = press.match.group(2)
    await query.answer()
    await query.edit_message_text(
        context.t(
            "revocations.confirm",
            kind=_kind(context, certificate),
            serial=certificate.serial_number,
            end=_date(context, certificate.valid_to),
            reason=context.t(f"revocations.reason.{reason}"),
        ),
        reply_markup=_markup(
            [
                [
                    (
                        context.t("revocations.confirm_button"),
                        flows.button_data("rv:ok", certificate.id, reason, nonce=press.nonce),
                    )
                ],
                _cancel_row(context, press.nonce),
            ]
        ),
    )


async def on_confirm(update: Update, context: BotContext, press: Press) -> None:
    query = press.query
    if not await flows.check(update, context, CITIZEN_FLOW, press.nonce):
        return
    filed = await service.file_citizen_request(
        context.session,
        press.user_id,
        press.number(),
        press.match.group(2),
        since=_verified_since(context),
    )
    await flows.finish(update, context, press.nonce)
    await query.answer()
    key = "revocations.filed" if filed.created else "revocations.already_open"
    await query.edit_message_text(context.t(key, reference=filed.request.reference))
    if filed.created:
        await _announce(context, filed.request)


async def _announce(context: BotContext, request: RevocationRequest) -> None:
    async with context.session.begin():
        certificate = await context.session.get(Certificate, request.certificate_id)
    assert certificate is not None
    settings = context.deps.settings
    await notices.announce_to_operators(
        context.bot,
        context.deps.texts,
        settings.operator_chat_id,
        settings.operator_language,
        request,
        certificate,
    )


async def on_menu_button(update: Update, context: BotContext) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()
    await revoke_command(update, context)


async def on_cancel(update: Update, context: BotContext, press: Press) -> None:
    """The flow's own cancel button: ends it; on a flow already over it is out of date."""
    if not await flows.finish(update, context, press.nonce):
        await flows.answer_out_of_date(update, context)
        return
    await press.query.answer()
    await press.query.edit_message_text(context.t("revocations.cancelled"))


# ---- heads of organisations ----------------------------------------------------------------


@dataclass(frozen=True)
class _Employee:
    name: str
    iin: str
    certificates: list[Certificate]


def _employees(certificates: Sequence[Certificate]) -> list[_Employee]:
    return [
        _Employee(name, iin, list(group))
        for (name, iin), group in groupby(certificates, key=lambda c: (c.full_name, c.iin))
    ]


def _org_listing(context: BotContext, org_bin: str) -> paging.Listing[_Employee]:
    today = today_in_almaty(utcnow())

    def render(employee: _Employee) -> str:
        lines = [
            context.t("revocations.org_employee", holder=employee.name, iin=masked(employee.iin))
        ]
        for certificate in employee.certificates:
            lines.append(
                context.t(
                    "revocations.org_certificate",
                    kind=_kind(context, certificate),
                    end=_date(context, certificate.valid_to),
                    status=context.t(f"signatures.status.{view_of(certificate, today).status_key}"),
                )
            )
        return "\n".join(lines)

    return paging.Listing(render, lambda start: f"org:page:{org_bin}:{start}", separator="\n")


async def _org_page(
    context: BotContext, user_id: int, org_bin: str, start: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    certificates = await service.org_certificates(context.session, user_id, org_bin)
    employees = _employees(certificates)
    name = certificates[0].org_name if certificates else org_bin
    page = await _org_listing(context, org_bin).page(
        context,
        paging.from_list(employees),
        start,
        header=lambda count: context.t(
            "revocations.org_header", name=name, bin=org_bin, count=count
        ),
    )
    left = [
        InlineKeyboardButton(
            context.t("revocations.employee_left_button"), callback_data=f"org:left:{org_bin}"
        )
    ]
    return page.text, page.markup([left] if employees else [])


async def org_command(update: Update, context: BotContext) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    orgs = await service.admin_orgs(context.session, user.id)
    if not orgs:
        await message.reply_text(context.t("revocations.org_none"))
        return
    for org_bin in orgs:
        text, markup = await _org_page(context, user.id, org_bin, 0)
        await message.chat.send_message(text, reply_markup=markup)


async def on_org_page(update: Update, context: BotContext, press: Press) -> None:
    query = press.query
    text, markup = await _org_page(context, press.user_id, press.match.group(1), press.start(2))
    await query.answer()
    await query.edit_message_text(text, reply_markup=markup)


async def on_org_button(update: Update, context: BotContext) -> None:
    """The employee-left topic's button: /org, which re-checks who may see what."""
    query = update.callback_query
    if query is None:
        return
    # The organisation's list is for a private chat only, whatever a forged press says.
    if not is_private(update):
        await query.answer(context.t("core.private_only"), show_alert=True)
        return
    await query.answer()
    await org_command(update, context)


async def on_employee_left(update: Update, context: BotContext, press: Press) -> None:
    query = press.query
    org_bin = press.match.group(1)
    certificates = await service.org_certificates(context.session, press.user_id, org_bin)
    listing: paging.Listing[_Employee] = paging.Listing(
        lambda _: "",  # the employees are the buttons; the text only asks
        lambda start: f"org:left:{org_bin}:{start}",
    )
    page = await listing.page(
        context,
        paging.from_list(_employees(certificates)),
        press.start(2),
        header=context.t("revocations.pick_employee"),
    )
    nonce = await flows.begin(update, context, DEPARTURE_FLOW)
    await query.answer()
    rows = [
        [
            (
                context.t("revocations.employee_button", holder=e.name, iin=masked(e.iin)),
                flows.button_data("org:emp", e.certificates[0].id, nonce=nonce),
            )
        ]
        for e in page.items
    ]
    rows.append(_cancel_row(context, nonce))
    await query.edit_message_text(
        page.text, reply_markup=page.markup(_markup(rows).inline_keyboard)
    )


async def on_employee(update: Update, context: BotContext, press: Press) -> None:
    query = press.query
    if not await flows.check(update, context, DEPARTURE_FLOW, press.nonce):
        return
    anchor = await service.employee_of(context.session, press.user_id, press.number())
    certificates = await service.org_certificates(
        context.session, press.user_id, anchor.org_bin or ""
    )
    valid = [c for c in certificates if c.iin == anchor.iin and c.status in service.REVOCABLE]
    await query.answer()
    await query.edit_message_text(
        context.t(
            "revocations.confirm_departure",
            holder=anchor.full_name,
            iin=masked(anchor.iin),
            count=len(valid),
        ),
        reply_markup=_markup(
            [
                [
                    (
                        context.t("revocations.confirm_departure_button"),
                        flows.button_data("org:gone", anchor.id, nonce=press.nonce),
                    )
                ],
                _cancel_row(context, press.nonce),
            ]
        ),
    )


async def on_departure(update: Update, context: BotContext, press: Press) -> None:
    query = press.query
    if not await flows.check(update, context, DEPARTURE_FLOW, press.nonce):
        return
    filed = await service.record_departure(context.session, press.user_id, press.number())
    await flows.finish(update, context, press.nonce)
    await query.answer()
    if not filed:
        await query.edit_message_text(context.t("revocations.departure_nothing"))
        return
    references = ", ".join(f.request.reference or "" for f in filed)
    await query.edit_message_text(context.t("revocations.departure_filed", references=references))
    for item in filed:
        if item.created:
            await _announce(context, item.request)


# ---- operators ------------------------------------------------------------------------------


async def requests_command(update: Update, context: BotContext) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    if not context.is_operator(user.id):
        await message.reply_text(context.t("revocations.operators_only"))
        return
    text, markup = await _requests_page(context, 0)
    await message.reply_text(text, reply_markup=markup)


async def _requests_page(
    context: BotContext, start: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    def render(row: tuple[RevocationRequest, Certificate]) -> str:
        request, certificate = row
        return notices.request_summary(
            context.deps.texts, context.lang, "revocations.request_card", request, certificate
        )

    async def fetch(
        offset: int, limit: int
    ) -> tuple[int, Sequence[tuple[RevocationRequest, Certificate]]]:
        return await service.open_requests(context.session, offset, limit)

    listing = paging.Listing(render, lambda position: f"rq:page:{position}", max_items=5)
    page = await listing.page(
        context,
        fetch,
        start,
        header=lambda total: context.t("revocations.open_requests", count=total),
    )
    if not page.total:
        return context.t("revocations.no_open_requests"), None
    rows = [
        [
            InlineKeyboardButton(
                context.t("revocations.approve_button", reference=request.reference),
                callback_data=f"rq:ok:{request.id}",
            ),
            InlineKeyboardButton(
                context.t("revocations.reject_button", reference=request.reference),
                callback_data=f"rq:no:{request.id}",
            ),
        ]
        for request, _ in page.items
    ]
    return page.text, page.markup(rows)


def _require_operator(update: Update, context: BotContext) -> int:
    user = update.effective_user
    if user is None or not context.is_operator(user.id):
        raise NotAllowed(f"user {user.id if user else None} is not an operator")
    return user.id


async def on_page(update: Update, context: BotContext, press: Press) -> None:
    query = press.query
    _require_operator(update, context)
    await query.answer()
    text, markup = await _requests_page(context, press.start(1))
    await query.edit_message_text(text, reply_markup=markup)


async def on_approve(update: Update, context: BotContext, press: Press) -> None:
    """Approving cannot be undone: say what will happen and ask for one more tap."""
    query = press.query
    chat = update.effective_chat
    assert chat is not None
    _require_operator(update, context)
    request = await service.find_request(context.session, press.match.group(1))
    if request is None:
        raise NotAllowed(f"no request {press.match.group(1)}")
    await query.answer()
    if request.status != "open":
        await chat.send_message(_already(context, request))
        return
    async with context.session.begin():
        certificate = await context.session.get(Certificate, request.certificate_id)
    assert certificate is not None
    nonce = await flows.begin(update, context, APPROVE_FLOW)
    reference = request.reference
    await chat.send_message(
        notices.request_summary(
            context.deps.texts, context.lang, "revocations.confirm_approve", request, certificate
        ),
        reply_markup=_markup(
            [
                [
                    (
                        context.t("revocations.confirm_approve_button", reference=reference),
                        flows.button_data("rq:yes", request.id, nonce=nonce),
                    )
                ],
                [
                    (
                        context.t("revocations.keep_open_button"),
                        flows.button_data("rq:back", request.id, nonce=nonce),
                    )
                ],
            ]
        ),
    )


async def on_approve_confirmed(update: Update, context: BotContext, press: Press) -> None:
    query = press.query
    operator_id = _require_operator(update, context)
    if not await flows.check(update, context, APPROVE_FLOW, press.nonce):
        return
    decision = await service.decide(
        context.session,
        press.number(),
        actor=audit.telegram_actor(operator_id),
        operator_id=operator_id,
        approve=True,
    )
    await flows.finish(update, context, press.nonce)
    await query.answer()
    await query.edit_message_reply_markup(None)
    await _report_decision(update, context, decision)


async def on_approve_dropped(update: Update, context: BotContext, press: Press) -> None:
    query = press.query
    _require_operator(update, context)
    if not await flows.finish(update, context, press.nonce):
        await flows.answer_out_of_date(update, context)
        return
    request = await service.find_request(context.session, press.match.group(1))
    await query.answer()
    await query.edit_message_text(
        context.t("revocations.approve_dropped", reference=request.reference if request else "")
    )


async def on_reject(update: Update, context: BotContext, press: Press) -> None:
    query = press.query
    chat = update.effective_chat
    assert chat is not None
    operator_id = _require_operator(update, context)
    request = await service.find_request(context.session, str(press.number()))
    if request is None:
        raise NotAllowed(f"no request {press.number()}")
    await query.answer()
    if request.status != "open":
        await chat.send_message(_already(context, request))
        return
    await dialogs.set_step(
        context.session,
        chat.id,
        operator_id,
        REJECT_STEP,
        ttl=REJECT_TTL,
        data={"request_id": request.id},
    )
    await chat.send_message(context.t("revocations.ask_reject_reason", reference=request.reference))


async def reject_reason_step(update: Update, context: BotContext, pending: Pending) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    try:
        operator_id = _require_operator(update, context)
    except NotAllowed as error:
        await _refuse(update, context, error)
        return
    reason = (message.text or "").strip()
    if not reason:
        await message.reply_text(context.t("revocations.reason_empty"))
        return
    await dialogs.clear_step(context.session, chat.id, operator_id)
    decision = await service.decide(
        context.session,
        int(pending.data.get("request_id", 0)),
        actor=audit.telegram_actor(operator_id),
        operator_id=operator_id,
        approve=False,
        reason=reason,
    )
    await _report_decision(update, context, decision)


def _already(context: BotContext, request: RevocationRequest) -> str:
    return context.t(
        "revocations.already_decided",
        reference=request.reference,
        status=context.t(f"revocations.status.{request.status}"),
    )


async def _report_decision(update: Update, context: BotContext, decision: service.Decision) -> None:
    chat = update.effective_chat
    assert chat is not None
    request = decision.request
    if not decision.decided_now:
        await chat.send_message(_already(context, request))
        return
    key = (
        "revocations.decided_approved"
        if request.status == "approved"
        else "revocations.decided_rejected"
    )
    await chat.send_message(context.t(key, reference=request.reference))
    lang = await notices.language_of(context.session, request.requester_id)
    await notices.tell_requester(
        context.bot, context.deps.texts, lang, request, decision.certificate
    )


feature = Feature(
    name="revocations",
    handlers=[
        CommandHandler("revoke", revoke_command, filters=PRIVATE),
        CommandHandler("org", org_command, filters=PRIVATE),
        CommandHandler("requests", requests_command),
        # A citizen's certificates and an organisation's staff never go to a group.
        CallbackQueryHandler(private_only("revoke", guarded(on_pick)), pattern=rf"^rv:pick:{_ID}$"),
        CallbackQueryHandler(
            private_only("revoke", guarded(on_reason)),
            pattern=rf"^rv:why:{_ID}:{_REASON}:{_NONCE}$",
        ),
        CallbackQueryHandler(
            private_only("revoke", guarded(on_confirm)),
            pattern=rf"^rv:ok:{_ID}:{_REASON}:{_NONCE}$",
        ),
        CallbackQueryHandler(guarded(on_cancel), pattern=rf"^rv:no:{_NONCE}$"),
        CallbackQueryHandler(private_only("revoke", on_menu_button), pattern=r"^rv:menu$"),
        CallbackQueryHandler(on_org_button, pattern=r"^org:menu$"),
        CallbackQueryHandler(
            private_only("org", guarded(on_org_page)), pattern=rf"^org:page:{_BIN}:{START}$"
        ),
        CallbackQueryHandler(
            private_only("org", guarded(on_employee_left)),
            pattern=rf"^org:left:{_BIN}(?::{START})?$",
        ),
        CallbackQueryHandler(
            private_only("org", guarded(on_employee)), pattern=rf"^org:emp:{_ID}:{_NONCE}$"
        ),
        CallbackQueryHandler(
            private_only("org", guarded(on_departure)), pattern=rf"^org:gone:{_ID}:{_NONCE}$"
        ),
        CallbackQueryHandler(guarded(on_page), pattern=rf"^rq:page:{START}$"),
        CallbackQueryHandler(guarded(on_approve), pattern=rf"^rq:ok:{_ID}$"),
        CallbackQueryHandler(guarded(on_approve_confirmed), pattern=rf"^rq:yes:{_ID}:{_NONCE}$"),
        CallbackQueryHandler(guarded(on_approve_dropped), pattern=rf"^rq:back:{_ID}:{_NONCE}$"),
        CallbackQueryHandler(guarded(on_reject), pattern=rf"^rq:no:{_ID}$"),
    ],
    telegram=TelegramParts(
        commands=["revoke", "org"],
        operator_commands=["requests"],
        menu=[MenuItem("revocations.menu_button", CB_MENU, private_only=True)],
        steps={REJECT_STEP: Step(reject_reason_step, takes_prose=True)},
        deep_links={"revoke": revoke_command, "org": org_command},
    ),
    background=Background(on_startup=org_reminder_job.start, on_shutdown=org_reminder_job.stop),
    ops=Ops(cli=cli.register, demo=demo.appoint_heads, probes=[probes.open_requests]),
    links=Links(
        publishes={
            "revocations.menu": EntryPoint(CB_MENU, "revoke"),
            "revocations.org": EntryPoint(CB_ORG_MENU, "org"),
            # Request revocation of one registry certificate: data(certificate_id).
            "revocations.certificate": EntryPoint(CB_PICK),
        },
        needs=[VERIFY_PHONE],
    ),
)
