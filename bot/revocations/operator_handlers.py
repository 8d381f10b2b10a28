"""Ministry operators: /requests (the open queue, page by page), approval with one more tap,
and rejection with a reason typed as the next message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from telegram import Chat, InlineKeyboardMarkup, Update

from bot.core import flows, paging
from bot.core.rights import operator_gate
from bot.core.words import words
from bot.db import dialogs
from bot.db.dialogs import Pending
from bot.revocations import actions, audit, notices, service, views
from bot.revocations.actions import APPROVE_FLOW
from bot.revocations.models import RevocationRequest
from bot.revocations.presses import Press, refuse
from bot.revocations.service import NotAllowed
from bot.runtime import BotContext
from bot.signatures.api import CertificateRecord

REJECT_STEP = "revocations:reject"
REJECT_TTL = timedelta(minutes=15)


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
        await refuse(update, context, error)
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
