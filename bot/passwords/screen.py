"""A password sent outside the check is taken out of the private chat before anything else.

The screen looks at every private message, new or edited, text or caption, before flood
control (so a flood-muted user's password goes too) and before any feature sees it. A message
that holds a password (bot.core.credentials.holds_password) is deleted at once; then, if flood
control lets the update through, the user is told why and offered the check, or, within the
password step, the check runs on it as it would have anyway. Nothing of the message is kept:
the note passed to the answer holds only whether the deletion worked and the pending step.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import (
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
    User,
)

from bot.core.credentials import holds_password, off_loop
from bot.core.messages import delete_message as core_delete
from bot.db import dialogs
from bot.db.dialogs import Pending
from bot.passwords.actions import CB_START, STEP
from bot.passwords.pool import CheckPool
from bot.passwords.report import (
    CHECK_ANOTHER,
    DELETE_FAILED,
    EXPIRED,
    MENU_BUTTON,
    SCREENED,
    render,
    verdict_report,
)
from bot.runtime import BotContext, Screen

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Taken:
    """What the screen did: no text of the message, only whether it is gone."""

    deleted: bool
    pending: Pending | None


async def take(update: Update, context: BotContext) -> Taken | None:
    # What the user wrote: a button press carries the bot's own message, not theirs.
    message = update.message or update.edited_message
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type != Chat.PRIVATE or user is None or message is None:
        return None
    text = message.text or message.caption
    if not text or not await off_loop(holds_password, text):
        return None
    pending = await dialogs.get_step(context.session, chat.id, user.id)
    if pending is not None and not pending.expired:
        step = context.deps.steps.get(pending.step)
        if step is not None and step.takes_prose:
            return None
    log.debug("a message holding a password goes (chat_id=%s)", chat.id)
    return Taken(await delete_message(message), pending)


async def answer(update: Update, context: BotContext, note: object) -> None:
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if not isinstance(note, Taken) or chat is None or user is None or message is None:
        return
    pending = note.pending
    if pending is not None and pending.step == STEP:
        if not pending.expired and update.message is not None and _is_plain_text(message):
            # The password step: the check runs on it as on any password sent there.
            await dialogs.clear_step(context.session, chat.id, user.id)
            await send_verdict(message.chat, context, user, message.text or "", note.deleted)
            return
        if pending.expired:
            # A late answer to the step: say that the check had timed out.
            await dialogs.clear_step(context.session, chat.id, user.id)
            await _offer(chat, context, note.deleted, EXPIRED)
            return
    await _offer(chat, context, note.deleted, SCREENED)


async def _offer(chat: Chat, context: BotContext, deleted: bool, key: str) -> None:
    await chat.send_message(
        with_delete_warning(context, deleted, context.t(key)),
        reply_markup=_button(context, MENU_BUTTON),
    )


async def send_verdict(
    chat: Chat, context: BotContext, user: User, password: str, deleted: bool
) -> None:
    """Rate the password off the event loop and answer, with a button to check another."""
    verdict = await context.deps.get(CheckPool).check(password, _user_inputs(user))
    answer = render(verdict_report(verdict), context.t)
    await chat.send_message(
        with_delete_warning(context, deleted, answer),
        reply_markup=_button(context, CHECK_ANOTHER),
    )


async def delete_message(message: Message) -> bool:
    return await core_delete(message, "a message of the password check")


def with_delete_warning(context: BotContext, deleted: bool, text: str) -> str:
    return text if deleted else f"{context.t(DELETE_FAILED)}\n\n{text}"


def _button(context: BotContext, key: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(context.t(key), callback_data=CB_START)]])


def _is_plain_text(message: Message) -> bool:
    """Text that is not a command: "/password Qwerty1" in the step is not a password to rate."""
    return message.text is not None and not any(
        entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0
        for entity in message.entities
    )


def _user_inputs(user: User) -> list[str]:
    """What someone targeting this user tries first: their name and username."""
    return [value for value in (user.first_name, user.last_name, user.username) if value]


SCREEN = Screen(take=take, answer=answer)
