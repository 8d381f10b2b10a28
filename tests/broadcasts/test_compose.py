"""Operators compose a warning in Telegram: texts, validation, preview, counts, confirmation."""

from __future__ import annotations

from bot.broadcasts import actions, campaigns
from bot.broadcasts.models import CampaignState
from bot.harness import BotHarness, FakeUser
from tests.broadcasts.helpers import (
    operator,
    plain,
    send_bold_prefix,
    subscribers,
    t,
    warnings_to,
)


async def campaign_state(harness: BotHarness, campaign_id: int) -> str | None:
    async with harness.application.deps.sessionmaker() as session:
        found = await campaigns.get(session, campaign_id)
    return found.state if found else None


async def compose_per_language(op: FakeUser, texts: dict[str, str]) -> int:
    """Walk the /broadcast dialog with a text per language; return the draft's number."""
    await op.send("/broadcast")
    await op.press(t("en", "broadcasts.buttons.mode_per"))
    for lang in ("kk", "ru", "en"):
        reply = await op.send(texts[lang])
    summary = reply.last
    parsed = actions.parse(summary.buttons[0]["callback_data"])
    assert parsed is not None
    assert parsed.name == "send"
    assert parsed.campaign_id is not None
    return parsed.campaign_id


async def test_each_subscriber_gets_their_language(any_db_bh: BotHarness) -> None:
    bh = any_db_bh
    kk = (await subscribers(bh, 1, "kk"))[0]
    ru = await subscribers(bh, 2, "ru")
    en = (await subscribers(bh, 1, "de"))[0]  # unknown Telegram language: English
    chose_kk = (await subscribers(bh, 1, "ru"))[0]
    await chose_kk.send("/language")
    await chose_kk.press("Қазақша")
    admin = bh.user("Admin", language_code="kk")
    group = bh.group()
    admin.in_group(group, "administrator")
    await admin.send("/subscribe", chat=group)
    op = operator(bh)
    texts = {lang: f"W-{lang}: fraud call from 1414" for lang in ("kk", "ru", "en")}

    await op.send("/broadcast")
    await op.press(t("en", "broadcasts.buttons.mode_per"))
    for lang in ("kk", "ru", "en"):
        await send_bold_prefix(op, texts[lang], bold=4)
    preview = bh.messages_to(op.id)
    # Each language's text is shown exactly as subscribers will see it, then the counts.
    shown = [m for m in preview if (m.text or "").startswith("W-")]
    assert [m.text for m in shown] == list(texts.values())
    assert all(m.entities == [{"type": "bold", "offset": 0, "length": 4}] for m in shown)
    preview = [m for m in preview if m.buttons]
    assert preview[-1].text == plain(
        t("en", "broadcasts.compose.summary", id=1, total=6, kk=3, ru=2, en=1)
    )
    assert preview[-1].buttons[0]["text"] == t("en", "broadcasts.buttons.send", count=6)
    started = await op.press(t("en", "broadcasts.buttons.send", count=6))
    assert op.answer_to(started) == {"text": t("en", "broadcasts.toast.send", id=1)}

    everyone = [kk, *ru, en, chose_kk]
    await bh.wait_for(lambda: all(warnings_to(bh, p.id, "W-") for p in everyone))
    await bh.wait_for(lambda: bool(warnings_to(bh, group.id, "W-")))
    assert warnings_to(bh, kk.id, "W-") == ["W-kk: fraud call from 1414"]
    assert all(warnings_to(bh, p.id, "W-") == ["W-ru: fraud call from 1414"] for p in ru)
    assert warnings_to(bh, en.id, "W-") == ["W-en: fraud call from 1414"]
    assert warnings_to(bh, chose_kk.id, "W-") == ["W-kk: fraud call from 1414"]
    assert warnings_to(bh, group.id, "W-") == ["W-kk: fraud call from 1414"]
    # Formatting arrives as formatting, not as tags.
    message = bh.messages_to(kk.id)[-1]
    assert message.entities == [{"type": "bold", "offset": 0, "length": 4}]

    report = plain(
        t(
            "en",
            "broadcasts.report.done",
            id=1,
            took="0:00:00",
            total=6,
            sent=6,
            failed=0,
            blocked=0,
            left=0,
            not_sent=0,
        )
    ).split("\n", 1)[1]
    await bh.wait_for(lambda: any(report in (m.text or "") for m in bh.messages_to(op.id)))
    progress = bh.api.messages[(op.id, started.events[-1].message_id or 0)]
    done = plain(
        t("en", "broadcasts.progress.done", id=1, total=6, sent=6, failed=0, blocked=0, left=0)
    )
    # The progress message's last edit and the report are separate sends: either may be first.
    await bh.wait_for(lambda: progress.text == done)
    assert progress.buttons == []
    assert await campaign_state(bh, 1) == CampaignState.DONE


async def test_one_text_for_all_and_formatting_is_kept(bh: BotHarness) -> None:
    people = await subscribers(bh, 2, "kk")
    op = operator(bh, "ru")
    await op.send("/broadcast")
    await op.press(t("ru", "broadcasts.buttons.mode_all"))
    reply = await op.send("Fraudsters <now> say «1414 & co»")
    assert reply.last.text == plain(
        t("ru", "broadcasts.compose.summary", id=1, total=2, kk=2, ru=0, en=0)
    )
    await op.press(t("ru", "broadcasts.buttons.send", count=2))
    await bh.wait_for(lambda: all(warnings_to(bh, p.id, "Fraudsters") for p in people))
    # Typed text is text: the angle brackets and ampersand arrive as typed.
    assert warnings_to(bh, people[0].id, "Fraudsters") == ["Fraudsters <now> say «1414 & co»"]


async def test_too_long_text_is_refused_before_anything_is_sent(bh: BotHarness) -> None:
    await subscribers(bh, 1, "en")
    op = operator(bh)
    await op.send("/broadcast")
    await op.press(t("en", "broadcasts.buttons.mode_all"))
    refused = await op.send("я" * 4097)
    assert refused.text == plain(t("en", "broadcasts.compose.too_long", length=4097, limit=4096))
    accepted = await op.send("я" * 4096)
    assert accepted.last.text.startswith(
        plain(t("en", "broadcasts.compose.summary", id=1, total=1, kk=0, ru=0, en=1))[:20]
    )


async def test_discard_sends_nothing(bh: BotHarness) -> None:
    person = (await subscribers(bh, 1, "en"))[0]
    op = operator(bh)
    await op.send("/broadcast")
    await op.press(t("en", "broadcasts.buttons.mode_all"))
    await op.send("DRAFT-ONLY")
    dropped = await op.press(t("en", "broadcasts.buttons.discard"))
    assert dropped.events[-1].kind == "edited"
    assert await campaign_state(bh, 1) is None
    assert warnings_to(bh, person.id, "DRAFT-ONLY") == []


async def test_no_subscribers_no_send_button(bh: BotHarness) -> None:
    op = operator(bh)
    await op.send("/broadcast")
    await op.press(t("en", "broadcasts.buttons.mode_all"))
    reply = await op.send("Nobody hears this")
    assert reply.last.text == plain(t("en", "broadcasts.compose.no_recipients"))
    assert reply.last.buttons == []


async def test_non_operators_are_refused_even_with_forged_buttons(bh: BotHarness) -> None:
    person = (await subscribers(bh, 1, "en"))[0]
    op = operator(bh)
    await op.send("/broadcast")
    await op.press(t("en", "broadcasts.buttons.mode_all"))
    await op.send("SECRET-DRAFT")

    intruder = bh.user("Intruder", language_code="en")
    refused = t("en", "broadcasts.operators_only")
    assert (await intruder.send("/broadcast")).text == refused
    assert (await intruder.send("/broadcasts")).text == refused
    await intruder.send("/start")
    nonce = "0123abcd"
    for data in (
        f"bc:send:1:{nonce}",
        "bc:pause:1",
        "bc:cancel:1",
        f"bc:drop:1:{nonce}",
        f"bc:stop:1:{nonce}",
        "bc:mode:all",
    ):
        forged = await intruder.press(data=data)
        assert intruder.answer_to(forged) == {"text": refused}, data
    # Garbage after the prefix is a stale button, not an error.
    junk = await intruder.press(data="bc:send:1;DROP TABLE")
    assert intruder.answer_to(junk) == {"text": t("en", "core.stale_button")}
    assert await campaign_state(bh, 1) == CampaignState.DRAFT
    assert warnings_to(bh, person.id, "SECRET-DRAFT") == []


async def test_an_operator_removed_mid_dialog_is_refused(bh: BotHarness) -> None:
    await subscribers(bh, 1, "en")
    op = operator(bh)
    await op.send("/broadcast")
    await op.press(t("en", "broadcasts.buttons.mode_all"))
    bh.application.deps.settings = bh.application.deps.settings.model_copy(
        update={"operator_ids": frozenset()}
    )
    reply = await op.send("LATE TEXT")
    assert reply.text == t("en", "broadcasts.operators_only")


async def test_broadcast_in_a_group_points_to_the_private_chat(bh: BotHarness) -> None:
    op = operator(bh)
    group = bh.group(members=[op])
    reply = await op.send("/broadcast", chat=group)
    assert reply.text == plain(t("en", "broadcasts.compose.in_private"))


async def test_broadcasts_lists_campaigns_with_controls(bh: BotHarness) -> None:
    await subscribers(bh, 1, "en")
    op = operator(bh)
    empty = await op.send("/broadcasts")
    assert empty.text == plain(t("en", "broadcasts.list.empty"))
    draft = await compose_per_language(op, {lang: f"L-{lang}" for lang in ("kk", "ru", "en")})
    await op.press(t("en", "broadcasts.buttons.send", count=1))
    await bh.wait_for(lambda: bh.messages_to(op.id)[-1].text.startswith("✅"))
    listing = await op.send("/broadcasts")
    assert f"#{draft}" in listing.text
    assert t("en", "broadcasts.states.done") in listing.text
    assert listing.last.buttons == []


async def test_the_prompt_names_each_language_in_its_grammatical_form(bh: BotHarness) -> None:
    for code, expected in (
        ("ru", "Отправьте текст предупреждения на казахском языке одним сообщением"),
        ("kk", "Ескерту мәтінін қазақ тілінде бір хабарламамен жіберіңіз"),
        ("en", "Send the warning text in Kazakh as one message"),
    ):
        op = operator(bh, language_code=code)
        await op.send("/broadcast")
        asked = await op.press(t(code, "broadcasts.buttons.mode_per"))
        assert asked.text.startswith(expected), asked.text
        asked = await op.send("kk text")
        assert (
            "на русском языке" in asked.text
            or "орыс тілінде" in asked.text
            or ("in Russian" in asked.text)
        )
        assert "Русский" not in asked.text
        await op.send("/cancel")


async def test_cancel_makes_send_and_discard_out_of_date(bh: BotHarness) -> None:
    await subscribers(bh, 1, "en")
    op = operator(bh)
    await op.send("/broadcast")
    await op.press(t("en", "broadcasts.buttons.mode_all"))
    preview = await op.send("NEVER-SENT")
    summary = preview.last
    buttons = [b["callback_data"] for b in summary.buttons]
    assert (await op.send("/cancel")).text == t("en", "core.cancelled")
    for data in buttons:
        late = await op.press(data=data, message=summary)
        assert op.answer_to(late) == {"text": t("en", "core.flow_out_of_date")}
    assert summary.buttons == []  # taken away with the first late press
    assert await campaign_state(bh, 1) == CampaignState.DRAFT
