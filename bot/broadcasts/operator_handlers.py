"""Operators: /broadcast composes a warning (a text per language or one for all, a preview,
Send or Discard), the buttons pause, resume or cancel a campaign, /broadcasts lists them.

One pattern takes every operator button; on_button sends each action where it belongs."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Update

from bot.broadcasts import (
    actions,
    campaigns,
    compose,
    progress,
    subscriptions,
    views,
    worker,
)
from bot.broadcasts.models import CampaignState
from bot.core import flows, paging
from bot.core.filters import is_private
from bot.core.rights import operator_gate
from bot.core.words import words
from bot.db.dialogs import Pending
from bot.i18n import LANGS
from bot.runtime import BotContext

# ---- composing ------------------------------------------------------------------------------


async def _refuse(update: Update, context: BotContext) -> bool:
    """True (and a polite refusal) when the sender is not an operator. Checked every time."""
    return not await operator_gate(update, context, "broadcasts.operators_only")


async def broadcast_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or await _refuse(update, context):
        return
    if not is_private(update):
        await message.reply_text(context.t("broadcasts.compose.in_private"))
        return
    text, markup = views.mode_picker(words(context))
    await message.reply_text(text, reply_markup=markup)


async def _ask_for_text(update: Update, context: BotContext, draft: compose.Draft) -> None:
    chat = update.effective_chat
    awaiting = draft.awaiting
    if chat is None or awaiting is None:
        return
    await chat.send_message(
        views.ask_for_text(words(context), awaiting, everyone=awaiting == compose.ALL)
    )


async def on_text(update: Update, context: BotContext, pending: Pending) -> None:
    """A text while composing: check it as Telegram would, then ask for the next or preview."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or user is None or message is None or message.text is None:
        return
    draft = compose.Draft.from_data(pending.data)
    if draft is None or await _refuse(update, context):
        await compose.abandon(context.session, chat.id, user.id)
        return
    # What the operator typed, formatting included, is what subscribers will see.
    html = message.text_html
    problem = views.text_problem(words(context), campaigns.check_text(html))
    if problem is not None:
        await message.reply_text(problem)
        return
    draft = await compose.add_text(context.session, chat.id, user.id, draft, html)
    if draft.awaiting is not None:
        await _ask_for_text(update, context, draft)
        return
    await _preview(update, context, draft)


async def _preview(update: Update, context: BotContext, draft: compose.Draft) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    campaign_id = await campaigns.create_draft(
        context.session,
        draft.texts,
        created_by=user.id,
        report_chat_id=chat.id,
        report_lang=context.lang,
    )
    w = words(context)
    if draft.mode == actions.MODE_ALL:
        await chat.send_message(views.preview_heading(w, None))
        await chat.send_message(draft.texts[compose.ALL])
    else:
        for lang in LANGS:
            await chat.send_message(views.preview_heading(w, lang))
            await chat.send_message(draft.texts[lang])
    counts = await subscriptions.count_by_language(context.session)
    if sum(counts.values()) == 0:
        await campaigns.discard(context.session, campaign_id)
        await chat.send_message(context.t("broadcasts.compose.no_recipients"))
        return
    # Send and Discard are a flow: /cancel or a newer draft makes them out of date.
    nonce = await flows.begin(update, context, actions.SEND_FLOW)
    text, markup = views.send_or_discard(w, campaign_id, counts, nonce)
    await chat.send_message(text, reply_markup=markup)


# ---- buttons --------------------------------------------------------------------------------


async def on_button(update: Update, context: BotContext) -> None:
    query, chat, user = update.callback_query, update.effective_chat, update.effective_user
    if query is None or chat is None or user is None:
        return
    action = actions.parse(query.data)
    if action is None:
        await query.answer(context.t("core.stale_button"), show_alert=True)
        return
    if await _refuse(update, context):
        return
    if action.name == "mode":
        assert action.mode is not None
        await query.answer()
        await query.edit_message_reply_markup(None)
        draft = await compose.begin(context.session, chat.id, user.id, action.mode)
        await _ask_for_text(update, context, draft)
        return
    if action.name == "page":
        assert action.start is not None
        text, markup = await _campaigns_page(context, action.start)
        await query.answer()
        await query.edit_message_text(text, reply_markup=markup)
        return
    assert action.campaign_id is not None
    if action.name in actions.FLOW_ACTIONS:
        await _in_flow(update, context, action)
    elif action.name == "cancel":
        await _ask_to_cancel(update, context, action.campaign_id)
    else:
        result = await campaigns.transition(context.session, action.campaign_id, action.name)
        await _answer_transition(update, context, action.campaign_id, action.name, result)


async def _in_flow(update: Update, context: BotContext, action: actions.Action) -> None:
    """Send or discard a preview; stop or keep a campaign after "cancel" asked."""
    query = update.callback_query
    campaign_id, nonce = action.campaign_id, action.nonce
    assert query is not None
    assert campaign_id is not None
    assert nonce is not None
    flow = actions.SEND_FLOW if action.name in ("send", "drop") else actions.CANCEL_FLOW
    if not await flows.check(update, context, flow, nonce):
        return
    await flows.finish(update, context, nonce)
    if action.name == "send":
        await _confirm(update, context, campaign_id)
    elif action.name == "drop":
        if await campaigns.discard(context.session, campaign_id):
            await query.answer()
            await query.edit_message_text(context.t("broadcasts.compose.discarded"))
        else:
            await query.answer(context.t("core.stale_button"), show_alert=True)
    elif action.name == "stop":
        result = await campaigns.transition(context.session, campaign_id, "cancel")
        await _answer_transition(update, context, campaign_id, "cancel", result)
        if result.ok:
            await query.edit_message_text(context.t("broadcasts.toast.cancel", id=campaign_id))
    else:
        await query.answer()
        await query.edit_message_text(context.t("broadcasts.compose.kept", id=campaign_id))


async def _ask_to_cancel(update: Update, context: BotContext, campaign_id: int) -> None:
    """Cancelling cannot be undone: say what it will do and ask for one more tap."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    summary = await campaigns.summary(context.session, campaign_id, with_languages=False)
    if summary is None or summary.state == CampaignState.DRAFT:
        await query.answer(context.t("core.stale_button"), show_alert=True)
        return
    if summary.state not in views.ACTIVE:
        await query.answer(views.wrong_state(words(context), campaign_id, summary.state))
        return
    nonce = await flows.begin(update, context, actions.CANCEL_FLOW)
    await query.answer()
    text, markup = views.confirm_cancel(words(context), summary, nonce)
    await chat.send_message(text, reply_markup=markup)


async def _confirm(update: Update, context: BotContext, campaign_id: int) -> None:
    query = update.callback_query
    if query is None or query.message is None:
        return
    result = await campaigns.start(
        context.session, campaign_id, progress_message_id=query.message.message_id
    )
    if not result.ok:
        await _answer_transition(update, context, campaign_id, "send", result)
        return
    await query.answer(context.t("broadcasts.toast.send", id=campaign_id))
    worker.wake(context.deps)
    summary = await campaigns.summary(context.session, campaign_id, with_languages=False)
    if summary is not None:
        texts, lang = context.deps.texts, context.lang
        await query.edit_message_text(
            progress.progress_text(texts, lang, summary, rate=context.deps.settings.broadcast_rate),
            reply_markup=worker.keyboard(progress.buttons(texts, lang, summary)),
        )


async def _answer_transition(
    update: Update,
    context: BotContext,
    campaign_id: int,
    action: str,
    result: campaigns.TransitionResult,
) -> None:
    query = update.callback_query
    if query is None:
        return
    text, alert = views.transition_toast(words(context), campaign_id, action, result)
    if result.ok:
        worker.wake(context.deps)
    if alert:
        await query.answer(text, show_alert=True)
    else:
        await query.answer(text)


# ---- the list -------------------------------------------------------------------------------


async def broadcasts_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or await _refuse(update, context):
        return
    text, markup = await _campaigns_page(context, 0)
    await message.reply_text(text, reply_markup=markup)


async def _campaigns_page(
    context: BotContext, start: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    w = words(context)

    async def fetch(offset: int, limit: int) -> tuple[int, Sequence[campaigns.Summary]]:
        return await campaigns.listed(context.session, offset, limit)

    listing: paging.Listing[campaigns.Summary] = paging.Listing(
        lambda item: views.list_item(w, item), actions.page
    )
    page = await listing.page(context, fetch, start, header=context.t("broadcasts.list.title"))
    if not page.total:
        return context.t("broadcasts.list.empty"), None
    return page.text, page.markup(views.list_rows(w, page.items))
