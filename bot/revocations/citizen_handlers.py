"""A citizen's revocation request: /revoke (and the main menu's button), then pick a
certificate, a reason, confirm, or cancel."""

from __future__ import annotations

from datetime import datetime

from telegram import Update

from bot.core import flows
from bot.core.words import words
from bot.revocations import notices, service, views
from bot.revocations.actions import CITIZEN_FLOW
from bot.revocations.presses import Press
from bot.runtime import BotContext
from bot.signatures.api import CertificateRecord, verified_since

# Where /revoke sends someone whose phone is not proved yet: the signatures feature's /status.
VERIFY_PHONE = "signatures.status"


def _verify_data(context: BotContext) -> str:
    entry = context.deps.entry_point(VERIFY_PHONE)
    assert entry is not None  # a need (Links.needs): checked when the bot starts
    return entry.data()


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
        await notices.announce(context, filed.request)


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
