"""Thin handlers: citizens file, heads of organisations record departures, operators decide.

Callback data is written and read in actions.py, every screen is drawn by views.py; these
functions parse, check, call the service, render and send.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import CallbackQuery, Chat, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.core import flows, paging
from bot.core.filters import PRIVATE, is_private
from bot.core.private import private_only
from bot.core.rights import operator_gate
from bot.core.words import words
from bot.db import dialogs
from bot.db.base import utcnow
from bot.db.dialogs import Pending
from bot.ops.clock import kz_day
from bot.revocations import (
    actions,
    audit,
    cli,
    demo,
    notices,
    org_reminder_job,
    probes,
    service,
    views,
)
from bot.revocations.actions import APPROVE_FLOW, CITIZEN_FLOW, DEPARTURE_FLOW, Action
from bot.revocations.models import RevocationRequest
from bot.revocations.service import NotAllowed
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
from bot.signatures.api import CertificateRecord, verified_since

log = logging.getLogger(__name__)

REJECT_STEP = "revocations:reject"
REJECT_TTL = timedelta(minutes=15)
# Where /revoke sends someone whose phone is not proved yet: the signatures feature's /status.
VERIFY_PHONE = "signatures.status"


def _verify_data(context: BotContext) -> str:
    entry = context.deps.entry_point(VERIFY_PHONE)
    assert entry is not None  # a need (Links.needs): checked when the bot starts
    return entry.data()


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
    """A button press: who pressed, and its (re-parsed, never trusted) action."""

    query: CallbackQuery
    user_id: int
    action: Action

    @property
    def id(self) -> int:
        """The row id the data names (actions.parse refused it if no row could have it)."""
        assert self.action.id is not None
        return self.action.id

    @property
    def nonce(self) -> str:
        assert self.action.nonce is not None
        return self.action.nonce


def guarded(
    callback: Callable[[Update, BotContext, Press], Awaitable[None]],
) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    """Turn a press into a Press, and NotAllowed (forged, stale, not theirs) into a refusal."""

    async def handler(update: Update, context: BotContext) -> None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        try:
            action = actions.parse(query.data)
            if action is None:
                raise NotAllowed(f"malformed or out of range: {query.data!r}")
            await callback(update, context, Press(query, user.id, action))
        except NotAllowed as error:
            await _refuse(update, context, error)

    return handler


# ---- citizens ------------------------------------------------------------------------------


async def revoke_command(update: Update, context: BotContext) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    w, since = words(context), _verified_since(context)
    if not await service.has_verified_phone(context.session, user.id, since=since):
        text, markup = views.verify_first(w, _verify_data(context))
        await message.reply_text(text, reply_markup=markup)
        return
    requests = await service.requests_of(context.session, user.id)
    if requests:
        await message.reply_text(views.my_requests(w, requests))
    certificates = await service.revocable_certificates(context.session, user.id, since=since)
    if not certificates:
        await message.chat.send_message(context.t("revocations.no_revocable"))
        return
    text, markup = views.certificate_picker(w, certificates)
    await message.chat.send_message(text, reply_markup=markup)


def _verified_since(context: BotContext) -> datetime:
    return verified_since(context.deps.settings.phone_verification_days)


async def _own(context: BotContext, user_id: int, certificate_id: int) -> CertificateRecord:
    async with context.session.begin():
        return await service.own_certificate(
            context.session, user_id, certificate_id, since=_verified_since(context)
        )


async def on_pick(update: Update, context: BotContext, press: Press) -> None:
    """The first tap of a citizen's request: a new flow (an unfinished one goes out of date)."""
    certificate = await _own(context, press.user_id, press.id)
    nonce = await flows.begin(update, context, CITIZEN_FLOW)
    await press.query.answer()
    text, markup = views.reason_picker(words(context), certificate.id, nonce)
    await press.query.edit_message_text(text, reply_markup=markup)


async def on_reason(update: Update, context: BotContext, press: Press) -> None:
    if not await flows.check(update, context, CITIZEN_FLOW, press.nonce):
        return
    certificate = await _own(context, press.user_id, press.id)
    assert press.action.reason is not None
    await press.query.answer()
    text, markup = views.confirmation(words(context), certificate, press.action.reason, press.nonce)
    await press.query.edit_message_text(text, reply_markup=markup)


async def on_confirm(update: Update, context: BotContext, press: Press) -> None:
    if not await flows.check(update, context, CITIZEN_FLOW, press.nonce):
        return
    assert press.action.reason is not None
    filed = await service.file_citizen_request(
        context.session,
        press.user_id,
        press.id,
        press.action.reason,
        since=_verified_since(context),
    )
    await flows.finish(update, context, press.nonce)
    await press.query.answer()
    await press.query.edit_message_text(views.filed(words(context), filed))
    if filed.created:
        await _announce(context, filed.request)


async def _announce(context: BotContext, request: RevocationRequest) -> None:
    certificate = await service.certificate_of(context.session, request)
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


async def _org_page(
    context: BotContext, user_id: int, org_bin: str, start: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    w, today = words(context), kz_day(utcnow())
    certificates = await service.org_certificates(context.session, user_id, org_bin)
    employees = views.employees(certificates)
    name = certificates[0].org_name if certificates else org_bin
    listing: paging.Listing[views.Employee] = paging.Listing(
        lambda employee: views.org_employee(w, employee, today),
        lambda position: actions.org_page(org_bin, position),
        separator="\n",
    )
    page = await listing.page(
        context,
        paging.from_list(employees),
        start,
        header=lambda count: views.org_header(w, name, org_bin, count),
    )
    return page.text, page.markup(views.org_rows(w, org_bin, bool(employees)))


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
    assert press.action.org_bin is not None
    text, markup = await _org_page(context, press.user_id, press.action.org_bin, press.action.start)
    await press.query.answer()
    await press.query.edit_message_text(text, reply_markup=markup)


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
    org_bin = press.action.org_bin
    assert org_bin is not None
    certificates = await service.org_certificates(context.session, press.user_id, org_bin)
    listing: paging.Listing[views.Employee] = paging.Listing(
        lambda _: "",  # the employees are the buttons; the text only asks
        lambda start: actions.org_left(org_bin, start),
    )
    page = await listing.page(
        context,
        paging.from_list(views.employees(certificates)),
        press.action.start,
        header=context.t("revocations.pick_employee"),
    )
    nonce = await flows.begin(update, context, DEPARTURE_FLOW)
    await press.query.answer()
    rows = views.employee_rows(words(context), page.items, nonce)
    await press.query.edit_message_text(page.text, reply_markup=page.markup(rows))


async def on_employee(update: Update, context: BotContext, press: Press) -> None:
    if not await flows.check(update, context, DEPARTURE_FLOW, press.nonce):
        return
    anchor = await service.employee_of(context.session, press.user_id, press.id)
    certificates = await service.org_certificates(
        context.session, press.user_id, anchor.org_bin or ""
    )
    await press.query.answer()
    text, markup = views.departure_confirmation(words(context), anchor, certificates, press.nonce)
    await press.query.edit_message_text(text, reply_markup=markup)


async def on_departure(update: Update, context: BotContext, press: Press) -> None:
    if not await flows.check(update, context, DEPARTURE_FLOW, press.nonce):
        return
    filed = await service.record_departure(context.session, press.user_id, press.id)
    await flows.finish(update, context, press.nonce)
    await press.query.answer()
    await press.query.edit_message_text(views.departure_filed(words(context), filed))
    for item in filed:
        if item.created:
            await _announce(context, item.request)


# ---- operators ------------------------------------------------------------------------------


async def requests_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or not await operator_gate(update, context, "revocations.operators_only"):
        return
    text, markup = await _requests_page(context, 0)
    await message.reply_text(text, reply_markup=markup)


async def _requests_page(
    context: BotContext, start: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    w = words(context)

    async def fetch(
        offset: int, limit: int
    ) -> tuple[int, Sequence[tuple[RevocationRequest, CertificateRecord]]]:
        return await service.open_requests(context.session, offset, limit)

    listing: paging.Listing[tuple[RevocationRequest, CertificateRecord]] = paging.Listing(
        lambda row: views.request_summary(w, "revocations.request_card", *row),
        actions.queue_page,
        max_items=5,
    )
    page = await listing.page(
        context,
        fetch,
        start,
        header=lambda total: context.t("revocations.open_requests", count=total),
    )
    if not page.total:
        return context.t("revocations.no_open_requests"), None
    return page.text, page.markup(views.queue_rows(w, [request for request, _ in page.items]))


def _require_operator(update: Update, context: BotContext) -> int:
    user = update.effective_user
    if user is None or not context.is_operator(user.id):
        raise NotAllowed(f"user {user.id if user else None} is not an operator")
    return user.id


async def on_page(update: Update, context: BotContext, press: Press) -> None:
    _require_operator(update, context)
    await press.query.answer()
    text, markup = await _requests_page(context, press.action.start)
    await press.query.edit_message_text(text, reply_markup=markup)


async def _open_request(context: BotContext, press: Press, chat: Chat) -> RevocationRequest | None:
    """The request a decision button names, while it is still open; else says it was decided."""
    request = await service.find_request(context.session, str(press.id))
    if request is None:
        raise NotAllowed(f"no request {press.id}")
    await press.query.answer()
    if request.status != "open":
        await chat.send_message(views.already_decided(words(context), request))
        return None
    return request


async def on_approve(update: Update, context: BotContext, press: Press) -> None:
    """Approving cannot be undone: say what will happen and ask for one more tap."""
    chat = update.effective_chat
    assert chat is not None
    _require_operator(update, context)
    request = await _open_request(context, press, chat)
    if request is None:
        return
    certificate = await service.certificate_of(context.session, request)
    nonce = await flows.begin(update, context, APPROVE_FLOW)
    text, markup = views.approve_confirmation(words(context), request, certificate, nonce)
    await chat.send_message(text, reply_markup=markup)


async def on_approve_confirmed(update: Update, context: BotContext, press: Press) -> None:
    operator_id = _require_operator(update, context)
    if not await flows.check(update, context, APPROVE_FLOW, press.nonce):
        return
    decision = await service.decide(
        context.session,
        press.id,
        actor=audit.telegram_actor(operator_id),
        operator_id=operator_id,
        approve=True,
    )
    await flows.finish(update, context, press.nonce)
    await press.query.answer()
    await press.query.edit_message_reply_markup(None)
    await _report_decision(update, context, decision)


async def on_approve_dropped(update: Update, context: BotContext, press: Press) -> None:
    _require_operator(update, context)
    if not await flows.finish(update, context, press.nonce):
        await flows.answer_out_of_date(update, context)
        return
    request = await service.find_request(context.session, str(press.id))
    await press.query.answer()
    await press.query.edit_message_text(
        context.t("revocations.approve_dropped", reference=request.reference if request else "")
    )


async def on_reject(update: Update, context: BotContext, press: Press) -> None:
    chat = update.effective_chat
    assert chat is not None
    operator_id = _require_operator(update, context)
    request = await _open_request(context, press, chat)
    if request is None:
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


async def _report_decision(update: Update, context: BotContext, decision: service.Decision) -> None:
    chat = update.effective_chat
    assert chat is not None
    request = decision.request
    if not decision.decided_now:
        await chat.send_message(views.already_decided(words(context), request))
        return
    await chat.send_message(views.decided(words(context), request))
    lang = await notices.language_of(context.session, request.requester_id)
    await notices.tell_requester(
        context.bot, context.deps.texts, lang, request, decision.certificate
    )


def _press(
    payload: str | None,
    callback: Callable[[Update, BotContext, Press], Awaitable[None]],
    action: str,
) -> CallbackQueryHandler[Any, None]:
    """The handler of one action's buttons; with a payload, a private chat's only (a
    citizen's certificates and an organisation's staff never go to a group)."""
    handler = guarded(callback)
    wrapped = private_only(payload, handler) if payload is not None else handler
    return CallbackQueryHandler(wrapped, pattern=actions.PATTERNS[action])


feature = Feature(
    name="revocations",
    handlers=[
        CommandHandler("revoke", revoke_command, filters=PRIVATE),
        CommandHandler("org", org_command, filters=PRIVATE),
        CommandHandler("requests", requests_command),
        _press("revoke", on_pick, "pick"),
        _press("revoke", on_reason, "why"),
        _press("revoke", on_confirm, "ok"),
        _press(None, on_cancel, "no"),
        CallbackQueryHandler(
            private_only("revoke", on_menu_button), pattern=actions.PATTERNS["menu"]
        ),
        CallbackQueryHandler(on_org_button, pattern=actions.PATTERNS["org_menu"]),
        _press("org", on_org_page, "org_page"),
        _press("org", on_employee_left, "org_left"),
        _press("org", on_employee, "employee"),
        _press("org", on_departure, "departure"),
        _press(None, on_page, "queue_page"),
        _press(None, on_approve, "approve"),
        _press(None, on_approve_confirmed, "approve_confirmed"),
        _press(None, on_approve_dropped, "approve_dropped"),
        _press(None, on_reject, "reject"),
    ],
    telegram=TelegramParts(
        commands=["revoke", "org"],
        operator_commands=["requests"],
        menu=[MenuItem("revocations.menu_button", actions.MENU, private_only=True)],
        steps={REJECT_STEP: Step(reject_reason_step, takes_prose=True)},
        deep_links={"revoke": revoke_command, "org": org_command},
    ),
    background=Background(on_startup=org_reminder_job.start, on_shutdown=org_reminder_job.stop),
    ops=Ops(cli=cli.register, demo=demo.appoint_heads, probes=[probes.open_requests]),
    links=Links(
        publishes={
            "revocations.menu": EntryPoint(actions.MENU, "revoke"),
            "revocations.org": EntryPoint(actions.ORG_MENU, "org"),
            # Request revocation of one registry certificate: data(certificate_id).
            "revocations.certificate": EntryPoint(actions.PICK),
        },
        needs=[VERIFY_PHONE],
    ),
)
