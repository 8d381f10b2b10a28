"""Thin handlers: /status with a verified phone, certificate files, key containers."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime

from babel.dates import format_date
from telegram import (
    InlineKeyboardButton,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.core import paging
from bot.core.callbacks import START, list_start
from bot.core.filters import NEW, PRIVATE
from bot.core.private import private_only
from bot.db.base import utcnow
from bot.i18n import Html
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
from bot.signatures import cli, registry, reminder_job
from bot.signatures.certificates import MAX_CERTIFICATE_BYTES, CertificateError
from bot.signatures.containers import is_key_container_name, looks_like_key_container
from bot.signatures.inspection import Inspection, StatusSource
from bot.signatures.phones import PhoneError, normalize_phone, phone_hash
from bot.signatures.views import (
    CertificateView,
    asks_about_unrequested,
    masked,
    today_in_almaty,
    view_of,
)

log = logging.getLogger(__name__)

CB_STATUS = "sig:status"
STATUS_PAYLOAD = "status"  # t.me/<bot>?start=status
# The revocation feature's "request revocation of this certificate", when it is in the bot.
REVOKE_CERTIFICATE = "revocations.certificate"
CB_PAGE = "sig:page:"
ITEMS_PER_PAGE = 8


def setup(deps: Deps) -> None:
    settings = deps.settings
    deps.provide(StatusSource(settings.ocsp_url, settings.ocsp_timeout, settings.ca_certs_path))


def _date(context: BotContext, value: object) -> str:
    return format_date(value, format="long", locale=context.lang)  # type: ignore[arg-type]


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
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(context.t("signatures.share_button"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    key = "signatures.reconfirm_contact" if lapsed else "signatures.ask_contact"
    await message.chat.send_message(context.t(key), reply_markup=keyboard)


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
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(context.t("signatures.share_button"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await message.reply_text(context.t("signatures.not_own_contact"), reply_markup=keyboard)


async def _show_certificates(message: Message, context: BotContext, hashed: str) -> None:
    page = await _certificates_page(context, hashed, 0)
    if page is None:
        await message.chat.send_message(context.t("signatures.none_found"))
        return
    await message.chat.send_message(
        page.text, reply_markup=page.markup(_revoke_rows(context, page.items))
    )


async def _certificates_page(
    context: BotContext, hashed: str, start: int
) -> paging.Page[tuple[int, CertificateView]] | None:
    certificates = await registry.certificates_of(context.session, hashed)
    if not certificates:
        return None
    today = today_in_almaty(utcnow())
    views = [view_of(c, today) for c in certificates]
    numbered = list(enumerate(views, 1))
    # The "did you request these?" line only where a key is new enough for it to matter.
    footer = [context.t("signatures.unexpected")] if asks_about_unrequested(views) else []
    footer.append(context.t("signatures.revoke_hint"))
    listing: paging.Listing[tuple[int, CertificateView]] = paging.Listing(
        lambda item: _item(context, *item),
        lambda position: f"{CB_PAGE}{position}",
        max_items=ITEMS_PER_PAGE,
    )
    return await listing.page(
        context,
        paging.from_list(numbered),
        start,
        header=lambda count: context.t("signatures.list_header", count=count),
        footer="\n\n".join(footer),
    )


async def status_page(update: Update, context: BotContext) -> None:
    """◀ / ▶ under the list: re-read for the presser's own verified phone, never the data's."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    start = list_start((query.data or "").removeprefix(CB_PAGE))
    hashed = await registry.verified_phone(context.session, user.id, verified_since(context.deps))
    page = (
        await _certificates_page(context, hashed, start) if hashed and start is not None else None
    )
    if page is None:
        await query.answer(context.t("core.stale_button"), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(
        page.text, reply_markup=page.markup(_revoke_rows(context, page.items))
    )


def _item(context: BotContext, number: int, view: CertificateView) -> str:
    organisation = (
        context.t("signatures.organisation", name=view.org_name, bin=view.org_bin)
        if view.org_name and view.org_bin
        else ""
    )
    if view.days_left is None:
        left = ""
    elif view.days_left == 0:
        left = context.t("signatures.expires_today")
    else:
        left = context.t("signatures.days_left", count=view.days_left)
    dates = context.t(
        view.dates_key,
        start=_date(context, view.valid_from),
        end=_date(context, view.valid_to),
        since=_date(context, view.status_since) if view.status_since else "",
        left=Html(left),
    )
    return context.t(
        "signatures.item",
        number=number,
        new=Html(context.t("signatures.new") if view.recent else ""),
        kind=context.t(view.kind_key),
        serial_end=view.serial_end,
        status=context.t(f"signatures.status.{view.status_key}"),
        holder=view.holder,
        iin=view.masked_iin,
        organisation=Html(organisation),
        dates=Html(dates),
    )


def _revoke_rows(
    context: BotContext, items: Sequence[tuple[int, CertificateView]]
) -> list[list[InlineKeyboardButton]]:
    revoke = context.deps.entry_point(REVOKE_CERTIFICATE)
    if revoke is None:
        return []
    return [
        [
            InlineKeyboardButton(
                context.t("signatures.revoke_button", number=number),
                callback_data=revoke.data(view.id),
            )
        ]
        for number, view in items
        if view.revocable
    ]


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
    await message.reply_text(_describe(context, inspection))


async def _too_large(message: Message, context: BotContext) -> None:
    limit = MAX_CERTIFICATE_BYTES // 1024
    await message.reply_text(context.t("signatures.file_too_large", limit=limit))


async def _delete_container(message: Message, context: BotContext) -> None:
    """Delete first, then explain: the file must not stay in the chat a moment longer."""
    try:
        await message.delete()
    except TelegramError:
        log.warning("could not delete a key container (chat_id=%s)", message.chat_id)
    await message.chat.send_message(context.t("signatures.container_deleted"))


def _describe(context: BotContext, inspection: Inspection) -> str:
    info = inspection.info
    not_stated = context.t("signatures.not_stated")
    usage = ", ".join(
        context.t(f"signatures.usage.{u}")
        if context.deps.texts.has(f"signatures.usage.{u}")
        else context.t("signatures.usage.other")
        for u in info.key_usage
    )
    return context.t(
        "signatures.certificate",
        holder=info.common_name or not_stated,
        iin=masked(info.iin) if info.iin else not_stated,
        bin=info.org_bin or not_stated,
        issuer=info.issuer_common_name or info.issuer,
        serial=info.serial_number,
        start=_date(context, today_in_almaty(info.not_before)),
        end=_date(context, today_in_almaty(info.not_after)),
        usage=usage or not_stated,
        status=context.t(f"signatures.status.{inspection.status_key}"),
    )


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
        CallbackQueryHandler(private_only("status", status_button), pattern=f"^{CB_STATUS}$"),
        CallbackQueryHandler(
            private_only("status", status_page), pattern=f"^{re.escape(CB_PAGE)}{START}$"
        ),
        MessageHandler(PRIVATE & NEW & filters.CONTACT, on_contact),
        MessageHandler(PRIVATE_DOCUMENTS, on_document),
    ],
    telegram=TelegramParts(
        commands=["status"],
        menu=[MenuItem("signatures.menu_button", CB_STATUS, private_only=True)],
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
        publishes={"signatures.status": EntryPoint(CB_STATUS, STATUS_PAYLOAD)},
        may_use=[REVOKE_CERTIFICATE],
    ),
)
