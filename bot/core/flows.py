"""Button flows for handlers: start one, check a press against it, end it.

A flow is a run of taps that belong together (pick → reason → confirm). Its first tap starts
it and every later button carries its nonce as the last part of the callback data
(`button_data`, `NONCE`); a press is acted on only while that nonce is the user's current one.
/cancel, a newer flow, finishing or expiry make the old buttons answer that they are out of
date, and their keyboard is taken away, so a cancelled flow can never file a second request.
The state is bot/db/flows.py; a feature only names its flows.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from telegram import Update
from telegram.error import BadRequest

from bot.db import flows
from bot.runtime import BotContext

# The last part of a flow button's callback data, as a named group for handler patterns.
NONCE = r"(?P<nonce>[0-9a-f]{8})"


def button_data(*parts: object, nonce: str) -> str:
    """Callback data of a button inside a flow: its parts, then the flow's nonce."""
    return ":".join([*(str(part) for part in parts), nonce])


def _ids(update: Update) -> tuple[int, int]:
    chat, user = update.effective_chat, update.effective_user
    # Flows live in a chat, for a user: callback queries and messages always have both.
    assert chat is not None
    assert user is not None
    return chat.id, user.id


async def begin(
    update: Update, context: BotContext, name: str, *, ttl: timedelta = flows.DEFAULT_TTL
) -> str:
    """Start flow `name` for the user in this chat (a previous flow goes out of date)."""
    chat_id, user_id = _ids(update)
    return await flows.begin(context.session, chat_id, user_id, name, ttl=ttl)


async def check(update: Update, context: BotContext, name: str, nonce: str | None) -> bool:
    """True when the pressed button belongs to the user's current flow `name`.

    Otherwise the press is answered as out of date and the old buttons are taken away.
    """
    chat_id, user_id = _ids(update)
    if nonce and await flows.is_current(context.session, chat_id, user_id, name, nonce):
        return True
    await answer_out_of_date(update, context)
    return False


async def finish(update: Update, context: BotContext, nonce: str) -> bool:
    """End the flow whose button was pressed; False when it was already over."""
    chat_id, user_id = _ids(update)
    return await flows.finish(context.session, chat_id, user_id, nonce)


async def cancel(update: Update, context: BotContext) -> bool:
    """/cancel: end the user's flow in this chat, whatever it is; True when one was running."""
    chat_id, user_id = _ids(update)
    return await flows.cancel(context.session, chat_id, user_id)


async def answer_out_of_date(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None:
        return
    await query.answer(context.t("core.flow_out_of_date"), show_alert=True)
    # The message may be gone or already without buttons: nothing more to take away then.
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(None)
