"""The broadcasts feature's record, wired from the subscribers' handlers
(subscriber_handlers.py) and the operators' (operator_handlers.py).

Callback data is in actions.py, the screens in views.py (the progress message: progress.py)."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler

from bot.broadcasts import actions, cli, compose, probes, worker
from bot.broadcasts.operator_handlers import (
    broadcast_command,
    broadcasts_command,
    on_button,
    on_text,
)
from bot.broadcasts.subscriber_handlers import (
    on_my_chat_member,
    subscribe_command,
    subscribe_on_start,
    unsubscribe_command,
)
from bot.runtime import Background, Feature, Ops, Step, TelegramParts

feature = Feature(
    name="broadcasts",
    handlers=[
        CommandHandler("subscribe", subscribe_command),
        CommandHandler("unsubscribe", unsubscribe_command),
        CommandHandler("broadcast", broadcast_command),
        CommandHandler("broadcasts", broadcasts_command),
        CallbackQueryHandler(on_button, pattern=actions.PATTERN),
        ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
    ],
    telegram=TelegramParts(
        commands=["subscribe", "unsubscribe"],
        operator_commands=["broadcast", "broadcasts"],
        steps={compose.STEP: Step(on_text, takes_prose=True)},
        start_hooks=[subscribe_on_start],
    ),
    background=Background(on_startup=worker.on_startup, on_shutdown=worker.on_shutdown),
    ops=Ops(cli=cli.register, probes=[probes.broadcast_progress]),
)
