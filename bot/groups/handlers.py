"""Thin handlers for the work-chat guard: joining a group, caught messages, /guard.

/stats lives in bot/insights; the guard adds its lines there (Feature.ops.stats, stats.py).

The guard watches group messages as observers (TelegramParts.observers, in a PTB handler group
of the guard's own): they see every group message whether or not another handler answers it,
so a password in a question addressed to the bot is still caught, and the answer to the
question is still given.
"""

from __future__ import annotations

import html
import logging

from telegram import (
    Chat,
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberOwner,
    Document,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import ChatMemberHandler, CommandHandler, MessageHandler, filters
from telegram.helpers import mention_html

from bot.core import credentials
from bot.core.credentials import off_loop
from bot.core.filters import GROUPS, NEW
from bot.core.messages import delete_message
from bot.core.rights import is_chat_admin
from bot.groups import service
from bot.groups.rights import RightsCache
from bot.groups.service import CatchKind, GroupSettings
from bot.groups.stats import guard_lines
from bot.i18n import Html
from bot.runtime import Background, BotContext, Deps, Feature, Ops, TelegramParts
from bot.signatures.api import HEAD_BYTES, is_key_container_name, looks_like_key_container

log = logging.getLogger(__name__)

# Key containers are a few kilobytes (an NCA .p12 is under 10 KB); only documents this small are
# downloaded to look for a renamed one, so a chat sharing PDFs costs no bandwidth.
MAX_SNIFF_BYTES = 64 * 1024
_PRESENT = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.RESTRICTED)
_GROUP_TYPES = (Chat.GROUP, Chat.SUPERGROUP)


def setup(deps: Deps) -> None:
    deps.provide(RightsCache())


# Edits count: a password added to a message by editing it is just as exposed. The detector
# runs in the handler, not in a filter, so that a long message is judged off the event loop.
GROUP_TEXTS = GROUPS & filters.UpdateType.MESSAGES & (filters.TEXT | filters.CAPTION)
GROUP_DOCUMENTS = GROUPS & NEW & filters.Document.ALL


# ---- the bot joins a group -------------------------------------------------------------------


def _can_delete(member: ChatMember) -> bool:
    if isinstance(member, ChatMemberOwner):
        return True
    return isinstance(member, ChatMemberAdministrator) and member.can_delete_messages


async def on_my_chat_member(update: Update, context: BotContext) -> None:
    change = update.my_chat_member
    if change is None or change.chat.type not in _GROUP_TYPES:
        return
    chat, old, new = change.chat, change.old_chat_member, change.new_chat_member
    rights = context.deps.get(RightsCache)
    if new.status not in _PRESENT:
        rights.forget(chat.id)
        return
    can_delete = _can_delete(new)
    rights.put(chat.id, can_delete)
    if old.status not in _PRESENT:
        # The update's language is the adder's: the best guess at the group's.
        await service.remember_group(context.session, chat.id, context.lang)
        intro = "groups.intro.ready" if can_delete else "groups.intro.needs_rights"
        await context.bot.send_message(chat.id, context.t(intro, bot=f"@{context.bot.username}"))
    elif can_delete and not _can_delete(old):
        await context.bot.send_message(chat.id, context.t("groups.rights_granted"))


# ---- caught messages -------------------------------------------------------------------------


async def on_document(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or message.document is None:
        return
    group = await service.settings_of(context.session, chat.id)
    if not group.enabled:
        return
    if await _is_key_container(message.document):
        await _caught(message, context, group, CatchKind.CONTAINER)
    elif message.caption and await off_loop(credentials.shares_secret, message.caption):
        await _caught(message, context, group, CatchKind.CREDENTIALS)


async def on_text(update: Update, context: BotContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    text = message.text or message.caption
    if not text or not await off_loop(credentials.shares_secret, text):
        return
    group = await service.settings_of(context.session, chat.id)
    if group.enabled:
        await _caught(message, context, group, CatchKind.CREDENTIALS)


async def _is_key_container(document: Document) -> bool:
    """By name without a download; else by the first bytes of a small file, never kept."""
    if is_key_container_name(document.file_name):
        return True
    if document.file_size is not None and document.file_size > MAX_SNIFF_BYTES:
        return False
    try:
        data = await (await document.get_file()).download_as_bytearray()
    except TelegramError:
        log.warning("could not download a group document to check it")
        return False
    return looks_like_key_container(document.file_name, bytes(data[:HEAD_BYTES]))


async def _caught(
    message: Message, context: BotContext, group: GroupSettings, kind: CatchKind
) -> None:
    """Delete first, then explain: the secret must not stay in the chat a moment longer."""
    chat_id = message.chat_id
    deleted = False
    if await _bot_may_delete(context, chat_id):
        deleted = await delete_message(message, "a caught message")
        if not deleted:
            # The right was taken away within the cache's minute: ask the admins instead.
            context.deps.get(RightsCache).put(chat_id, False)
    sender = message.sender_chat.id if message.sender_chat else _user_id(message)
    warn = await service.record_catch(
        context.session, chat_id=chat_id, sender_id=sender, kind=kind, deleted=deleted
    )
    if not warn:
        return
    if group.language is not None:
        context.set_lang(group.language)
    state = "deleted" if deleted else "left"
    parts = [
        context.t(f"groups.warning.{kind}_{state}", mention=_sender_mention(message)),
        context.t(f"groups.steps.{kind}"),
    ]
    reply_to = None
    if not deleted:
        parts.append(context.t("groups.warning.ask_admins"))
        # Point the admins at the message; if one deleted it meanwhile, the warning still goes.
        reply_to = ReplyParameters(message.message_id, allow_sending_without_reply=True)
    # In a forum the warning belongs in the topic the message was posted to.
    topic = message.message_thread_id if message.is_topic_message else None
    await context.bot.send_message(
        chat_id, "\n\n".join(parts), reply_parameters=reply_to, message_thread_id=topic
    )


async def _bot_may_delete(context: BotContext, chat_id: int) -> bool:
    rights = context.deps.get(RightsCache)
    known = rights.get(chat_id)
    if known is None:
        try:
            known = _can_delete(await context.bot.get_chat_member(chat_id, context.bot.id))
        except TelegramError:
            log.warning("could not read the bot's rights (chat_id=%s)", chat_id)
            return False
        rights.put(chat_id, known)
    return known


def _user_id(message: Message) -> int:
    return message.from_user.id if message.from_user else 0


def _sender_mention(message: Message) -> Html:
    if message.sender_chat is not None:
        # A channel or an anonymous admin: there is no person to link to.
        return Html(f"<b>{html.escape(message.sender_chat.title or '')}</b>")
    user = message.from_user
    if user is None:
        return Html("")
    return Html(mention_html(user.id, user.full_name))


# ---- /guard ----------------------------------------------------------------------------------


async def guard_command(update: Update, context: BotContext) -> None:
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None:
        return
    if chat.type not in _GROUP_TYPES:
        await message.reply_text(context.t("groups.guard.groups_only"))
        return
    if not await is_chat_admin(message, context):
        await message.reply_text(context.t("groups.guard.admins_only"))
        return
    choice = context.args[0].lower() if context.args else ""
    if choice in ("on", "off"):
        await service.set_enabled(context.session, chat.id, choice == "on", user.id)
        await message.reply_text(context.t(f"groups.guard.turned_{choice}"))
        return
    group = await service.settings_of(context.session, chat.id)
    await message.reply_text(context.t(f"groups.guard.status_{'on' if group.enabled else 'off'}"))


feature = Feature(
    name="groups",
    handlers=[
        CommandHandler("guard", guard_command),
    ],
    telegram=TelegramParts(
        observers=[
            ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
            MessageHandler(GROUP_DOCUMENTS, on_document),
            MessageHandler(GROUP_TEXTS, on_text),
        ]
    ),
    background=Background(setup=setup),
    ops=Ops(stats=[guard_lines]),
)
