"""/stats for operators: the charts as one album, then each feature's detailed lines."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import CommandHandler

from bot.core.filters import PRIVATE
from bot.core.rights import operator_gate
from bot.db.base import utcnow
from bot.insights import album, cli, digest
from bot.runtime import Background, BotContext, Feature, Ops, TelegramParts


async def stats_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or not await operator_gate(update, context, "insights.operators_only"):
        return
    await message.chat.send_action(ChatAction.UPLOAD_PHOTO)
    media = await album.build(context.deps, context.session, utcnow(), context.lang)
    await message.reply_media_group(media)
    lines = []
    for feature in context.deps.features:
        for section in feature.ops.stats:
            lines.extend(await section(context.session, context.t))
    if lines:
        await message.reply_text("\n\n".join([context.t("insights.details_title"), *lines]))


feature = Feature(
    name="insights",
    handlers=[CommandHandler("stats", stats_command, filters=PRIVATE)],
    telegram=TelegramParts(operator_commands=["stats"]),
    background=Background(on_startup=digest.start, on_shutdown=digest.stop),
    ops=Ops(cli=cli.register),
)
