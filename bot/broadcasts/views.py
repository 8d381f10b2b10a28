"""What the operators' broadcast screens say and which buttons they show: pure functions from
data and words in one language to text and keyboards (the progress message is progress.py).
No Telegram calls, no database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.broadcasts import actions, campaigns, progress
from bot.broadcasts.campaigns import Summary, TextCheck, TextProblem, Transition
from bot.broadcasts.models import CampaignState, DeliveryState
from bot.core.words import Words
from bot.i18n import Lang

Screen = tuple[str, InlineKeyboardMarkup]
# The states an operator can still pause, resume or cancel.
ACTIVE = (CampaignState.RUNNING, CampaignState.PAUSED)


def _column(buttons: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data)] for text, data in buttons]
    )


def mode_picker(w: Words) -> Screen:
    """/broadcast: one text for everyone, or one per language."""
    return w("broadcasts.compose.choose_mode"), _column(
        [
            (w(f"broadcasts.buttons.mode_{choice}"), actions.mode(choice))
            for choice in (actions.MODE_ALL, actions.MODE_PER_LANGUAGE)
        ]
    )


def ask_for_text(w: Words, awaiting: str, *, everyone: bool) -> str:
    if everyone:
        return w("broadcasts.compose.ask_all", limit=campaigns.MAX_LENGTH)
    return w(
        "broadcasts.compose.ask_language",
        # "на русском языке", "орыс тілінде", "in Russian": each language's own form.
        language=w(f"broadcasts.languages_in.{awaiting}"),
        limit=campaigns.MAX_LENGTH,
    )


def text_problem(w: Words, check: TextCheck) -> str | None:
    """Why a warning's text cannot go out as it is; None when it can."""
    if check.problem is TextProblem.TOO_LONG:
        return w("broadcasts.compose.too_long", length=check.length, limit=campaigns.MAX_LENGTH)
    if check.problem is TextProblem.EMPTY:
        return w("broadcasts.compose.empty")
    if check.problem is TextProblem.BAD_HTML:
        return w("broadcasts.compose.bad_html", detail=check.detail)
    return None


def preview_heading(w: Words, lang: str | None) -> str:
    """Above the preview of the text for everyone (None) or for one language."""
    if lang is None:
        return w("broadcasts.compose.preview_all")
    return w("broadcasts.compose.preview_one", language=w(f"broadcasts.languages.{lang}"))


def send_or_discard(w: Words, campaign_id: int, counts: Mapping[Lang, int], nonce: str) -> Screen:
    """After the preview: who will get it, and the two taps of the send flow."""
    total = sum(counts.values())
    per_language = {str(lang): count for lang, count in counts.items()}
    text = w("broadcasts.compose.summary", id=campaign_id, total=total, **per_language)
    return text, _column(
        [
            (
                w("broadcasts.buttons.send", count=total),
                actions.in_flow("send", campaign_id, nonce),
            ),
            (w("broadcasts.buttons.discard"), actions.in_flow("drop", campaign_id, nonce)),
        ]
    )


def confirm_cancel(w: Words, summary: Summary, nonce: str) -> Screen:
    """Cancelling cannot be undone: what it will stop, and one more tap."""
    text = w(
        "broadcasts.compose.confirm_cancel",
        id=summary.id,
        remaining=summary.remaining,
        total=summary.total,
        sent=summary.count(DeliveryState.SENT),
    )
    return text, _column(
        [
            (
                w("broadcasts.buttons.stop_id", id=summary.id),
                actions.in_flow("stop", summary.id, nonce),
            ),
            (w("broadcasts.buttons.keep"), actions.in_flow("keep", summary.id, nonce)),
        ]
    )


def wrong_state(w: Words, campaign_id: int, state: str) -> str:
    state_name = w(f"broadcasts.states.{state}")
    return w("broadcasts.toast.wrong_state", id=campaign_id, state=state_name)


def transition_toast(
    w: Words, campaign_id: int, action: str, result: campaigns.TransitionResult
) -> tuple[str, bool]:
    """The answer to a pause, resume, cancel or send press: (text, as an alert)."""
    if result.outcome is Transition.NOT_FOUND:
        return w("core.stale_button"), True
    if result.outcome is Transition.WRONG_STATE:
        return wrong_state(w, campaign_id, f"{result.state}"), False
    return w(f"broadcasts.toast.{action}", id=campaign_id), False


def _when(moment: datetime) -> str:
    return moment.astimezone(progress.ASTANA).strftime("%Y-%m-%d %H:%M")


def list_item(w: Words, item: Summary) -> str:
    return w(
        "broadcasts.list.item",
        id=item.id,
        state=w(f"broadcasts.states.{item.state}"),
        created=_when(item.created_at),
        total=item.total,
        sent=item.count(DeliveryState.SENT),
        failed=item.count(DeliveryState.FAILED),
        blocked=item.count(DeliveryState.BLOCKED),
        left=item.count(DeliveryState.LEFT),
    )


def list_rows(w: Words, items: Sequence[Summary]) -> list[list[InlineKeyboardButton]]:
    """Pause or resume, and cancel, under each campaign still running or paused."""
    rows = []
    for item in items:
        if item.state in ACTIVE:
            toggle = "pause" if item.state == CampaignState.RUNNING else "resume"
            rows.append(
                [
                    InlineKeyboardButton(
                        w(f"broadcasts.buttons.{name}_id", id=item.id),
                        callback_data=actions.campaign(name, item.id),
                    )
                    for name in (toggle, "cancel")
                ]
            )
    return rows
