"""The operators' broadcast screens, without Telegram or a database."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import InlineKeyboardMarkup

from bot.broadcasts import actions, campaigns, views
from bot.broadcasts.campaigns import Summary, TextCheck, TextProblem, Transition, TransitionResult
from bot.broadcasts.models import CampaignState, DeliveryState
from bot.core.words import Words
from bot.i18n import Texts
from bot.tghtml import parse

TEXTS = Texts.load()
EN = Words(TEXTS, "en")
RU = Words(TEXTS, "ru")
NONCE = "0123abcd"


def summary(id: int, state: str, **counts: int) -> Summary:
    return Summary(
        id=id,
        state=state,
        total=sum(counts.values()),
        created_at=datetime(2026, 5, 31, 19, 30, tzinfo=UTC),
        started_at=None,
        finished_at=None,
        counts=dict(counts),
    )


def datas(markup: InlineKeyboardMarkup) -> list[str]:
    return [str(b.callback_data) for row in markup.inline_keyboard for b in row]


def test_the_mode_picker_offers_both_modes() -> None:
    text, markup = views.mode_picker(EN)
    assert text == EN("broadcasts.compose.choose_mode")
    assert [actions.parse(d) for d in datas(markup)] == [
        actions.Action("mode", mode=actions.MODE_ALL),
        actions.Action("mode", mode=actions.MODE_PER_LANGUAGE),
    ]


def test_asking_for_one_language_names_it_in_the_operators_language() -> None:
    asked = views.ask_for_text(RU, "kk", everyone=False)
    assert RU("broadcasts.languages_in.kk") in asked
    assert str(campaigns.MAX_LENGTH) in asked
    assert views.ask_for_text(RU, "all", everyone=True) == RU(
        "broadcasts.compose.ask_all", limit=campaigns.MAX_LENGTH
    )


def test_each_text_problem_has_its_own_answer_and_a_good_text_none() -> None:
    assert views.text_problem(EN, TextCheck()) is None
    too_long = views.text_problem(EN, TextCheck(TextProblem.TOO_LONG, length=5000))
    assert too_long is not None
    assert "5000" in too_long
    assert views.text_problem(EN, TextCheck(TextProblem.EMPTY)) == EN("broadcasts.compose.empty")
    bad = views.text_problem(EN, TextCheck(TextProblem.BAD_HTML, detail="<b> is not closed"))
    assert bad is not None
    assert "&lt;b&gt; is not closed" in bad  # Telegram's words about the HTML, escaped


def test_send_or_discard_counts_every_language_and_carries_the_nonce() -> None:
    text, markup = views.send_or_discard(EN, 7, {"kk": 2, "ru": 3, "en": 1}, NONCE)
    assert "6" in parse(text).text
    assert datas(markup) == [actions.in_flow("send", 7, NONCE), actions.in_flow("drop", 7, NONCE)]


def test_cancelling_says_what_it_stops() -> None:
    running = summary(
        4, CampaignState.RUNNING, **{DeliveryState.SENT: 10, DeliveryState.PENDING: 5}
    )
    text, markup = views.confirm_cancel(EN, running, NONCE)
    assert text == EN("broadcasts.compose.confirm_cancel", id=4, remaining=5, total=15, sent=10)
    assert datas(markup) == [actions.in_flow("stop", 4, NONCE), actions.in_flow("keep", 4, NONCE)]


def test_a_transition_is_answered_by_its_outcome() -> None:
    gone = views.transition_toast(EN, 3, "pause", TransitionResult(Transition.NOT_FOUND))
    late = views.transition_toast(
        EN, 3, "pause", TransitionResult(Transition.WRONG_STATE, CampaignState.DONE)
    )
    done = views.transition_toast(
        EN, 3, "pause", TransitionResult(Transition.OK, CampaignState.PAUSED)
    )
    assert gone == (EN("core.stale_button"), True)
    assert late == (views.wrong_state(EN, 3, CampaignState.DONE), False)
    assert EN(f"broadcasts.states.{CampaignState.DONE}") in late[0]
    assert done == (EN("broadcasts.toast.pause", id=3), False)


def test_the_list_shows_astana_time_and_buttons_only_for_live_campaigns() -> None:
    item = views.list_item(EN, summary(1, CampaignState.DONE, **{DeliveryState.SENT: 3}))
    assert "2026-06-01 00:30" in item  # 19:30 UTC is half past midnight in Astana
    rows = views.list_rows(
        EN,
        [
            summary(1, CampaignState.RUNNING),
            summary(2, CampaignState.PAUSED),
            summary(3, CampaignState.DONE),
        ],
    )
    assert [[b.callback_data for b in row] for row in rows] == [
        [actions.campaign("pause", 1), actions.campaign("cancel", 1)],
        [actions.campaign("resume", 2), actions.campaign("cancel", 2)],
    ]
