"""Thin handlers: inline queries, chosen results, and the deep link that opens a full answer."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from telegram import Update
from telegram.ext import ChosenInlineResultHandler, InlineQueryHandler

from bot.guidance.api import Guidance, count_shared, send_topic, topic_list
from bot.inline.cards import LINK_PREFIX, CardBook, check_cards
from bot.inline.views import article
from bot.runtime import Background, BotContext, Deps, Feature, Ops, TelegramParts, UpdateCallback

# Cards change only with content, i.e. with a new release: let Telegram keep answers a while.
CACHE_SECONDS = 3600


def setup(deps: Deps) -> None:
    guidance = deps.get(Guidance)
    deps.provide(CardBook.load(deps.settings.content_dir, deps.texts, guidance.topics))


async def on_inline_query(update: Update, context: BotContext) -> None:
    query = update.inline_query
    if query is None:
        return
    guidance = context.deps.get(Guidance)
    selection = context.deps.get(CardBook).select(guidance.matcher, query.query, context.lang)
    results = [
        article(card, selection.lang, context.deps.texts, context.bot.username)
        for card in selection.cards
    ]
    # Shared between users only when the query's own words chose the language; otherwise
    # the answer depends on who asks, and Telegram must keep it for that user alone.
    await query.answer(results, cache_time=CACHE_SECONDS, is_personal=not selection.from_query)


async def on_chosen_result(update: Update, context: BotContext) -> None:
    chosen = update.chosen_inline_result
    if chosen is None:
        return
    topic = context.deps.get(CardBook).topic_of(chosen.result_id)
    if topic is not None:  # anything else is forged or from an older release
        await count_shared(context.session, topic)


async def open_topic(update: Update, context: BotContext) -> None:
    """/start t-<topic> from a card's button: the topic's full answer."""
    message = update.effective_message
    if message is None or not context.args:
        return
    topic_id = context.args[0].removeprefix(LINK_PREFIX)
    if not await send_topic(message, context, topic_id, context.lang):
        await message.reply_text(
            context.t("guidance.topics_title"), reply_markup=topic_list(context, context.lang)
        )


class TopicLinks(Mapping[str, UpdateCallback]):
    """Deep-link payloads `t-<topic>`, whatever topics the content has.

    Iterates as empty: the payloads are not commands, so they add no group redirects.
    """

    def __getitem__(self, payload: str) -> UpdateCallback:
        if payload.startswith(LINK_PREFIX) and len(payload) > len(LINK_PREFIX):
            return open_topic
        raise KeyError(payload)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


feature = Feature(
    name="inline",
    handlers=[
        InlineQueryHandler(on_inline_query),
        ChosenInlineResultHandler(on_chosen_result),
    ],
    telegram=TelegramParts(deep_links=TopicLinks()),
    background=Background(setup=setup),
    ops=Ops(content_checks=[check_cards]),
)
