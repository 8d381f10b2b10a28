"""Thin handlers: free-text questions, the topic browser, "was this helpful?"."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import CallbackQueryHandler

from bot.core.filters import is_private, strip_mention
from bot.core.keyboards import SentOftenMarkup
from bot.core.links import deep_link
from bot.db.base import utcnow
from bot.guidance import cli, daily, editor_notes
from bot.guidance.lexicon import check_lexicon
from bot.guidance.matcher import Matcher
from bot.guidance.retention import purge_unmatched
from bot.guidance.topics import Topic, check_topics, load_topics
from bot.i18n import Lang, as_lang
from bot.runtime import Background, BotContext, Deps, Feature, Links, MenuItem, Ops, TelegramParts

CB_LIST = "gd:list"
CB_TOPIC = "gd:t:"
CB_VOTE = "gd:v:"
# The entry point (another feature's, looked up by name) each action a topic names opens: a
# button in a private chat, a deep link from a group. An action whose feature is not in the
# bot is left out.
ACTION_LINKS = {
    "password": "passwords.check",
    "status": "signatures.status",
    "revoke": "revocations.menu",
    # Heads of organisations act on a departed employee's keys through /org, not /revoke.
    "org": "revocations.org",
}


class Guidance:
    """The topics and the matcher, built once at start."""

    def __init__(self, deps: Deps) -> None:
        content = deps.settings.content_dir
        self.topics: Mapping[str, Topic] = load_topics(content)
        self.matcher = Matcher.shared(content)
        # An answer's buttons depend only on the content, the language, the kind of chat and
        # the bot: built once each (PTB's markups are immutable), not for every answer.
        self.markups: dict[tuple[str, Lang, bool], InlineKeyboardMarkup] = {}


def setup(deps: Deps) -> None:
    deps.provide(Guidance(deps))


def topic_list(context: BotContext, lang: Lang) -> InlineKeyboardMarkup:
    guidance = context.deps.get(Guidance)
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(topic.text(lang).title, callback_data=CB_TOPIC + topic_id)]
            for topic_id, topic in guidance.topics.items()
        ]
    )


def _answer_markup(
    context: BotContext, topic: Topic, lang: Lang, *, private: bool
) -> InlineKeyboardMarkup:
    markups = context.deps.get(Guidance).markups
    key = (topic.id, lang, private)
    markup = markups.get(key)
    if markup is None:
        markup = markups[key] = _build_answer_markup(context, topic, lang, private=private)
    return markup


def _build_answer_markup(
    context: BotContext, topic: Topic, lang: Lang, *, private: bool
) -> InlineKeyboardMarkup:
    guidance = context.deps.get(Guidance)
    texts = context.deps.texts
    rows: list[list[InlineKeyboardButton]] = []
    for action in topic.actions:
        entry = context.deps.entry_point(ACTION_LINKS[action])
        if entry is None:
            continue
        label = texts.get(lang, f"guidance.action.{action}")
        if private or entry.start_payload is None:
            rows.append([InlineKeyboardButton(label, callback_data=entry.data())])
        else:
            url = deep_link(context.bot.username, entry.start_payload)
            rows.append([InlineKeyboardButton(label, url=url)])
    for related in topic.related:
        title = guidance.topics[related].text(lang).title
        rows.append(
            [
                InlineKeyboardButton(
                    texts.get(lang, "guidance.related", title=title),
                    callback_data=CB_TOPIC + related,
                )
            ]
        )
    rows.append(
        [
            InlineKeyboardButton(
                texts.get(lang, "guidance.helpful_yes"), callback_data=f"{CB_VOTE}{topic.id}:1"
            ),
            InlineKeyboardButton(
                texts.get(lang, "guidance.helpful_no"), callback_data=f"{CB_VOTE}{topic.id}:0"
            ),
        ]
    )
    return SentOftenMarkup(rows)


async def _send_answer(
    message: Message, context: BotContext, topic: Topic, lang: Lang, *, private: bool
) -> None:
    await message.reply_text(
        topic.text(lang).answer,
        reply_markup=_answer_markup(context, topic, lang, private=private),
    )


async def send_topic(message: Message, context: BotContext, topic_id: str, lang: Lang) -> bool:
    """A topic's full answer with its buttons, in a private chat (e.g. opened by a deep link);
    False when the topic is unknown (content changed since the link was made)."""
    topic = context.deps.get(Guidance).topics.get(topic_id)
    if topic is None:
        return False
    await _send_answer(message, context, topic, lang, private=True)
    return True


async def answer_question(update: Update, context: BotContext) -> None:
    """Free text that no step took: the best topic, small talk, or an honest "not sure"."""
    message = update.effective_message
    if message is None or not message.text:
        return
    text = strip_mention(message.text, context.bot.username)
    guidance = context.deps.get(Guidance)
    result = guidance.matcher.match(text)
    # The language the question is written in, when it is clear; else the user's.
    lang: Lang = as_lang(result.lang) or context.lang
    texts = context.deps.texts
    if result.kind == "greeting":
        await message.reply_text(texts.get(lang, "guidance.greeting"))
    elif result.kind == "thanks":
        await message.reply_text(texts.get(lang, "guidance.thanks"))
    elif result.topic is not None:
        await daily.count(context.session, daily.ANSWERED, result.topic)
        await _send_answer(
            message, context, guidance.topics[result.topic], lang, private=is_private(update)
        )
    else:
        await editor_notes.remember_unmatched(context.session, text, result.lang)
        await daily.count(context.session, daily.UNMATCHED)
        await message.reply_text(
            texts.get(lang, "guidance.no_match"), reply_markup=topic_list(context, lang)
        )


async def show_topics(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None or query.message is None:
        return
    await query.answer()
    await query.message.chat.send_message(
        context.t("guidance.topics_title"), reply_markup=topic_list(context, context.lang)
    )


async def show_topic(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None or query.data is None or query.message is None:
        return
    topic = context.deps.get(Guidance).topics.get(query.data.removeprefix(CB_TOPIC))
    if topic is None:
        await query.answer(context.t("core.stale_button"), show_alert=True)
        return
    await query.answer()
    await query.message.chat.send_message(
        topic.text(context.lang).answer,
        reply_markup=_answer_markup(context, topic, context.lang, private=is_private(update)),
    )


async def on_vote(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None or query.data is None or query.message is None:
        return
    topic_id, _, value = query.data.removeprefix(CB_VOTE).rpartition(":")
    if topic_id not in context.deps.get(Guidance).topics or value not in ("0", "1"):
        await query.answer(context.t("core.stale_button"), show_alert=True)
        return
    await editor_notes.vote(
        context.session,
        chat_id=query.message.chat.id,
        message_id=query.message.message_id,
        topic=topic_id,
        lang=context.lang,
        helpful=value == "1",
    )
    await query.answer(context.t("guidance.vote_thanks"))


async def forget_old_questions(deps: Deps) -> int:
    """Housekeeping: UNMATCHED_RETENTION_DAYS after a question was last asked, it goes."""
    cutoff = utcnow() - timedelta(days=deps.settings.unmatched_retention_days)
    async with deps.sessionmaker() as session:
        return await purge_unmatched(session, cutoff)


feature = Feature(
    name="guidance",
    handlers=[
        CallbackQueryHandler(show_topics, pattern=f"^{CB_LIST}$"),
        CallbackQueryHandler(show_topic, pattern=r"^gd:t:[a-z-]{1,40}$"),
        CallbackQueryHandler(on_vote, pattern=r"^gd:v:[a-z-]{1,40}:[01]$"),
    ],
    telegram=TelegramParts(
        menu=[MenuItem("guidance.menu_button", CB_LIST)], text_fallback=answer_question
    ),
    background=Background(setup=setup, housekeeping=[forget_old_questions]),
    ops=Ops(cli=cli.register, content_checks=[check_topics, check_lexicon]),
    links=Links(may_use=list(ACTION_LINKS.values())),
)
