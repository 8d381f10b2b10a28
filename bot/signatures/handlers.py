"""Thin handlers: /status with a verified phone, certificate files, key containers.

Callback data is in actions.py, the screens in views.py."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import InlineKeyboardMarkup, Message, ReplyKeyboardRemove, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.core import paging
from bot.core.filters import NEW, PRIVATE
from bot.core.messages import delete_message
from bot.core.private import private_only
from bot.core.words import words
from bot.db.base import utcnow
from bot.runtime import (
    Background,
    BotContext,
    Deps,
    EntryPoint,
    Feature,
    Links,
    MenuItem,
    Ops,
    TelegramParts,
)
from bot.signatures import actions, cli, registry, reminder_job, views
from bot.signatures.certificates import MAX_CERTIFICATE_BYTES, CertificateError
from bot.signatures.containers import is_key_container_name, looks_like_key_container
from bot.signatures.inspection import StatusSource
from bot.signatures.phones import PhoneError, normalize_phone, phone_hash
from bot.signatures.views import CertificateView, today_in_almaty, view_of

log = logging.getLogger(__name__)

STATUS_PAYLOAD = "status"  # t.me/<bot>?start=status
# The revocation feature's "request revocation of this certificate", when it is in the bot.
REVOKE_CERTIFICATE = "revocations.certificate"
ITEMS_PER_PAGE = 8


def setup(deps: Deps) -> None:
    settings = deps.settings
    deps.provide(StatusSource(settings.ocsp_url, settings.ocsp_timeout, settings.ca_certs_path))


async def status(update: Update, context: BotContext) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    link = await registry.phone_link(context.session, user.id)
    if link is None or not link.in_force(verified_since(context.deps)):
        await _ask_for_contact(message, context, lapsed=link is not None)
        return
    await _show_certificates(message, context, link.phone_hash)


def verified_since(deps: Deps) -> datetime:
    return registry.verified_since(deps.settings.phone_verification_days)


async def status_button(update: Update, context: BotContext) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()
    await status(update, context)


async def _ask_for_contact(message: Message, context: BotContext, *, lapsed: bool) -> None:
    w = words(context)
    await message.chat.send_message(
        views.ask_for_contact(w, lapsed=lapsed), reply_markup=views.contact_keyboard(w)
    )


async def on_contact(update: Update, context: BotContext) -> None:
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or message.contact is None:
        return
    # Only the sender's own contact proves anything: a forwarded or typed one names someone else.
    if message.contact.user_id != user.id:
        log.info("refused a contact that is not the sender's own (user_id=%s)", user.id)
        await _ask_for_contact_again(message, context)
        return
    try:
        phone = normalize_phone(message.contact.phone_number)
    except PhoneError:
        await message.reply_text(
            context.t("signatures.bad_phone"), reply_markup=ReplyKeyboardRemove()
        )
        return
    hashed = phone_hash(phone, context.deps.settings.pii_key())
    await registry.link_phone(context.session, user.id, hashed)
    await message.reply_text(
        context.t("signatures.phone_verified"), reply_markup=ReplyKeyboardRemove()
    )
    await _show_certificates(message, context, hashed)


async def _ask_for_contact_again(message: Message, context: BotContext) -> None:
    await message.reply_text(
        context.t("signatures.not_own_contact"), reply_markup=views.contact_keyboard(words(context))
    )


async def _show_certificates(message: Message, context: BotContext, hashed: str) -> None:
    page = await _certificates_page(context, hashed, 0)
    if page is None:
        await message.chat.send_message(context.t("signatures.none_found"))
        return
    await message.chat.send_message(page.text, reply_markup=_markup(context, page))


def _markup(
    context: BotContext, page: paging.Page[tuple[int, CertificateView]]
) -> InlineKeyboardMarkup | None:
    revoke = context.deps.entry_point(REVOKE_CERTIFICATE)
    rows = views.revoke_rows(words(context), page.items, revoke.data if revoke else None)
    return page.markup(rows)


async def _certificates_page(
    context: BotContext, hashed: str, start: int
) -> paging.Page[tuple[int, CertificateView]] | None:
    certificates = await registry.certificates_of(context.session, hashed)
    if not certificates:
        return None
    w, today = words(context), today_in_almaty(utcnow())
    shown = [view_of(c, today) for c in certificates]
    listing: paging.Listing[tuple[int, CertificateView]] = paging.Listing(
        lambda numbered: views.item(w, *numbered), actions.page, max_items=ITEMS_PER_PAGE
    )
    return await listing.page(
        context,
        paging.from_list(list(enumerate(shown, 1))),
        start,
        header=lambda count: views.list_header(w, count),
        footer=views.list_footer(w, shown),
    )


async def status_page(update: Update, context: BotContext) -> None:
    """◀ / ▶ under the list: re-read for the presser's own verified phone, never the data's."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    action = actions.parse(query.data)
    hashed = await registry.verified_phone(context.session, user.id, verified_since(context.deps))
    page = await _certificates_page(context, hashed, action.start) if hashed and action else None
    if page is None:
        await query.answer(context.t("core.stale_button"), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(page.text, reply_markup=_markup(context, page))


async def on_document(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or message.document is None:
        return
    document = message.document
    if is_key_container_name(document.file_name):
        await _delete_container(message, context)
        return
    # Judged by the size Telegram states, before any download: a certificate is a few KB, and
    # so is a key container (renamed ones are caught by their first bytes below).
    if (document.file_size or 0) > MAX_CERTIFICATE_BYTES:
        await _too_large(message, context)
        return
    try:
        data = bytes(await (await document.get_file()).download_as_bytearray())
    except TelegramError:
        await message.reply_text(context.t("signatures.file_unavailable"))
        return
    if looks_like_key_container(document.file_name, data):
        await _delete_container(message, context)
        return
    if len(data) > MAX_CERTIFICATE_BYTES:  # the stated size was missing or wrong
        await _too_large(message, context)
        return
    try:
        inspection = await context.deps.get(StatusSource).inspect(context.session, data, utcnow())
    except CertificateError as exc:
        await message.reply_text(context.t(f"signatures.file_{exc.reason}"))
        return
    await message.reply_text(views.inspected(words(context), inspection))


async def _too_large(message: Message, context: BotContext) -> None:
    await message.reply_text(views.too_large(words(context), MAX_CERTIFICATE_BYTES))


async def _delete_container(message: Message, context: BotContext) -> None:
    """Delete first, then explain: the file must not stay in the chat a moment longer."""
    await delete_message(message, "a key container")
    await message.chat.send_message(context.t("signatures.container_deleted"))


async def forget_lapsed_links(deps: Deps) -> int:
    """Housekeeping: a lapsed verification links an account to a phone for nothing."""
    async with deps.sessionmaker() as session:
        return await registry.purge_lapsed_links(session, verified_since(deps))


PRIVATE_DOCUMENTS = PRIVATE & NEW & filters.Document.ALL

feature = Feature(
    name="signatures",
    handlers=[
        CommandHandler("status", status, filters=PRIVATE),
        # Someone's certificates are shown in their private chat only, whatever the data says.
        CallbackQueryHandler(
            private_only("status", status_button), pattern=actions.PATTERNS["status"]
        ),
        CallbackQueryHandler(private_only("status", status_page), pattern=actions.PATTERNS["page"]),
        MessageHandler(PRIVATE & NEW & filters.CONTACT, on_contact),
        MessageHandler(PRIVATE_DOCUMENTS, on_document),
    ],
    telegram=TelegramParts(
        commands=["status"],
        menu=[MenuItem("signatures.menu_button", actions.STATUS, private_only=True)],
        deep_links={STATUS_PAYLOAD: status},
    ),
    background=Background(
        setup=setup,
        on_startup=reminder_job.start,
        on_shutdown=reminder_job.stop,
        housekeeping=[forget_lapsed_links],
    ),
    ops=Ops(cli=cli.register, demo=cli.prepare_demo),
    links=Links(
        publishes={"signatures.status": EntryPoint(actions.STATUS, STATUS_PAYLOAD)},
        may_use=[REVOKE_CERTIFICATE],
    ),
)
