"""End to end through the harness: the guard in a work chat."""

from __future__ import annotations

import html

import pytest

from bot.harness import BotHarness
from bot.harness.server import BOT_USERNAME
from tests.groups.helpers import OPERATOR_ID, last_from, p12, plain, t, work_chat
from tests.signatures.pki import make_citizen_cert


def _warning(lang: str, kind: str, state: str, name: str) -> str:
    """The warning as a client shows it (the mention is a link on the sender's name)."""
    parts = [
        t(lang, f"groups.warning.{kind}_{state}", mention=name),
        t(lang, f"groups.steps.{kind}"),
    ]
    if state == "left":
        parts.append(t(lang, "groups.warning.ask_admins"))
    return plain("\n\n".join(parts))


# ---- joining ---------------------------------------------------------------------------------


async def test_added_as_a_member_introduces_itself_and_asks_for_the_delete_right(
    gh: BotHarness,
) -> None:
    adder = gh.user("Нұрлан", language_code="kk")
    group = gh.group()
    joined = await gh.change_bot_status(group, "member", by=adder, from_status="left")
    assert joined.text == plain(t("kk", "groups.intro.needs_rights", bot=f"@{BOT_USERNAME}"))
    promoted = await gh.change_bot_status(group, "administrator", by=adder)
    assert promoted.text == plain(t("kk", "groups.rights_granted"))


async def test_added_as_an_admin_says_it_is_ready(gh: BotHarness) -> None:
    adder = gh.user("Dana", language_code="en-GB")
    group = gh.group()
    joined = await gh.change_bot_status(group, "administrator", by=adder, from_status="left")
    assert joined.text == plain(t("en", "groups.intro.ready", bot=f"@{BOT_USERNAME}"))


async def test_removed_from_a_group_says_nothing(gh: BotHarness) -> None:
    admin = gh.user("Dana", language_code="en")
    group = gh.group(bot_admin=True)
    removed = await gh.change_bot_status(group, "kicked", by=admin)
    assert removed.messages == []


# ---- key containers --------------------------------------------------------------------------


async def test_container_where_the_bot_is_admin_is_deleted_then_warned(gh: BotHarness) -> None:
    chat = work_chat(gh, bot_admin=True)
    reply = await chat.member.send_document("AUTH_RSA256_a1b2c3.p12", p12(), chat=chat.chat)
    posted = last_from(gh, chat.chat, chat.member)
    assert reply.kinds() == ["deleted", "sent"]  # gone before a word is said
    assert posted.deleted
    assert reply.text == _warning("en", "container", "deleted", "Aigerim")
    mention = reply.last.entities[0]
    assert mention["type"] == "text_link"
    assert mention["url"] == f"tg://user?id={chat.member.id}"
    # Named by name only; the container was never downloaded.
    assert "getFile" not in gh.api.requests


async def test_container_where_the_bot_is_not_admin_is_answered_and_left_to_admins(
    gh: BotHarness,
) -> None:
    chat = work_chat(gh, bot_admin=False)
    reply = await chat.member.send_document("keys.pfx", p12(), chat=chat.chat)
    posted = last_from(gh, chat.chat, chat.member)
    assert not posted.deleted
    assert reply.kinds() == ["sent"]
    assert reply.last.reply_to == posted.message_id
    assert reply.text == _warning("en", "container", "left", "Aigerim")


@pytest.mark.parametrize(
    ("name", "mime"),
    [("report.pdf", "application/pdf"), ("photo.jpg", "image/jpeg"), ("key", None)],
)
async def test_renamed_container_is_caught_by_its_content(
    gh: BotHarness, name: str, mime: str | None
) -> None:
    chat = work_chat(gh, bot_admin=True)
    reply = await chat.member.send_document(
        name, p12(), mime_type=mime or "application/octet-stream", chat=chat.chat
    )
    assert last_from(gh, chat.chat, chat.member).deleted
    assert reply.text == _warning("en", "container", "deleted", "Aigerim")


async def test_ordinary_files_are_left_alone(gh: BotHarness) -> None:
    chat = work_chat(gh, bot_admin=True)
    certificate = make_citizen_cert().pem
    for name, content in [
        ("act.pdf", b"%PDF-1.7\n" + b"x" * 2000),
        ("my_certificate.cer", certificate),
        ("big.zip", b"PK\x03\x04" + b"\0" * 200_000),
    ]:
        reply = await chat.member.send_document(name, content, chat=chat.chat)
        assert reply.messages == []
        assert not last_from(gh, chat.chat, chat.member).deleted
    # The small files were looked at; the big one was not even downloaded.
    assert gh.api.requests.count("getFile") == 2


# ---- credentials -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("пароль от эцп 123456", "ru"),
        ("ЭЦҚ құпия сөзі: Astana2024", "kk"),
        ("ecp password is Qwerty12", "en"),
    ],
)
async def test_shared_password_is_deleted_and_never_repeated(
    gh: BotHarness, text: str, lang: str
) -> None:
    chat = work_chat(gh, bot_admin=True, member_lang=lang)
    reply = await chat.member.send(text, chat=chat.chat)
    assert last_from(gh, chat.chat, chat.member).deleted
    assert reply.kinds() == ["deleted", "sent"]
    assert reply.text == _warning(lang, "credentials", "deleted", "Aigerim")
    secret = text.rsplit(" ", 1)[-1]
    assert secret not in reply.text


async def test_shared_password_where_the_bot_is_not_admin(gh: BotHarness) -> None:
    chat = work_chat(gh, bot_admin=False)
    reply = await chat.member.send("EDS password: Qwerty123", chat=chat.chat)
    posted = last_from(gh, chat.chat, chat.member)
    assert not posted.deleted
    assert reply.last.reply_to == posted.message_id
    assert reply.text == _warning("en", "credentials", "left", "Aigerim")


@pytest.mark.parametrize(
    "text",
    [
        "подпиши документ ЭЦП",
        "ЭЦП истекает, продлите",
        "скинь пароль от wifi",
        "Құжатқа ЭЦҚ-мен қол қойыңыз",
        "never share your ecp password with anyone",
    ],
)
async def test_ordinary_chatter_is_left_alone(gh: BotHarness, text: str) -> None:
    chat = work_chat(gh, bot_admin=True)
    reply = await chat.member.send(text, chat=chat.chat)
    assert reply.events == []
    assert not last_from(gh, chat.chat, chat.member).deleted


async def test_password_added_by_editing_is_caught(gh: BotHarness) -> None:
    chat = work_chat(gh, bot_admin=True)
    await chat.member.send("ЭЦП на флешке", chat=chat.chat)
    posted = last_from(gh, chat.chat, chat.member)
    reply = await chat.member.edit(posted, "ЭЦП на флешке, пароль 123456")
    assert posted.deleted
    assert reply.text == _warning("en", "credentials", "deleted", "Aigerim")


async def test_password_in_a_document_caption_is_caught(gh: BotHarness) -> None:
    chat = work_chat(gh, bot_admin=True)
    reply = await chat.member.send_document(
        "act.pdf", b"%PDF-1.7\n", caption="пароль от эцп 123456", chat=chat.chat
    )
    assert last_from(gh, chat.chat, chat.member).deleted
    assert reply.text == _warning("en", "credentials", "deleted", "Aigerim")


async def test_warnings_speak_the_groups_language(gh: BotHarness) -> None:
    adder = gh.user("Нұрлан", language_code="kk")
    sender = gh.user("Иван", language_code="ru")
    group = gh.group(members=[sender])
    await gh.change_bot_status(group, "administrator", by=adder, from_status="left")
    reply = await sender.send_document("key.p12", p12(), chat=group)
    assert reply.text == _warning("kk", "container", "deleted", "Иван")


# ---- names are escaped -----------------------------------------------------------------------


async def test_hostile_sender_name_is_escaped_in_the_mention(gh: BotHarness) -> None:
    name = '<a href="https://evil.example">Boss</a> & <b>'
    hostile = gh.user(name, language_code="en")
    group = gh.group(bot_admin=True, members=[hostile])
    reply = await hostile.send_document("key.p12", p12(), chat=group)
    warning = reply.last
    assert warning.html is not None
    assert f'<a href="tg://user?id={hostile.id}">{html.escape(name)}</a>' in warning.html
    assert "evil.example" not in str(warning.entities)
    assert warning.text is not None
    assert warning.text.startswith(f"🚫 {name}, ")


async def test_anonymous_sender_is_named_by_the_chat(gh: BotHarness) -> None:
    chat = work_chat(gh, bot_admin=True)
    reply = await chat.admin.send_raw(
        {
            "text": "пароль от эцп 123456",
            "sender_chat": {"id": chat.chat.id, "type": "supergroup", "title": "<Accounting>"},
        },
        chat=chat.chat,
    )
    assert reply.last.html is not None
    assert reply.last.html.startswith("🚫 <b>&lt;Accounting&gt;</b>, ")


# ---- rate limits -----------------------------------------------------------------------------


async def test_one_warning_per_sender_every_few_minutes(gh: BotHarness) -> None:
    chat = work_chat(gh, bot_admin=True)
    first = await chat.member.send_document("a.p12", p12(), chat=chat.chat)
    second = await chat.member.send_document("b.p12", p12(), chat=chat.chat)
    third = await chat.member.send("пароль от эцп 123456", chat=chat.chat)
    assert first.kinds() == ["deleted", "sent"]
    assert second.kinds() == ["deleted"]  # still deleted, not warned again
    assert third.kinds() == ["deleted"]
    other = await chat.admin.send_document("c.p12", p12(), chat=chat.chat)
    assert other.kinds() == ["deleted", "sent"]


async def test_warnings_stay_under_telegrams_group_limit(gh: BotHarness) -> None:
    senders = [gh.user(f"U{i}", language_code="en") for i in range(14)]
    group = gh.group(bot_admin=True, members=senders)
    warned = 0
    for sender in senders:
        reply = await sender.send_document("key.p12", p12(), chat=group)
        assert "deleted" in reply.kinds()
        warned += reply.kinds().count("sent")
    assert warned == 10
    assert gh.api.rate_limited == 0


# ---- /guard ----------------------------------------------------------------------------------


async def test_guard_is_switched_only_by_the_chats_admins(gh: BotHarness) -> None:
    chat = work_chat(gh, bot_admin=True)
    refused = await chat.member.send("/guard off", chat=chat.chat)
    assert refused.text == plain(t("en", "groups.guard.admins_only"))
    still_on = await chat.member.send_document("key.p12", p12(), chat=chat.chat)
    assert "deleted" in still_on.kinds()


async def test_guard_off_stops_it_and_on_brings_it_back(gh: BotHarness) -> None:
    chat = work_chat(gh, bot_admin=True)
    status = await chat.admin.send("/guard", chat=chat.chat)
    assert status.text == plain(t("en", "groups.guard.status_on"))
    off = await chat.admin.send(f"/guard@{BOT_USERNAME} off", chat=chat.chat)
    assert off.text == plain(t("en", "groups.guard.turned_off"))
    ignored = await chat.member.send_document("key.p12", p12(), chat=chat.chat)
    assert ignored.events == []
    assert (await chat.member.send("пароль от эцп 123456", chat=chat.chat)).events == []
    status = await chat.admin.send("/guard", chat=chat.chat)
    assert status.text == plain(t("en", "groups.guard.status_off"))
    on = await chat.admin.send("/guard ON", chat=chat.chat)
    assert on.text == plain(t("en", "groups.guard.turned_on"))
    caught = await chat.member.send_document("key.p12", p12(), chat=chat.chat)
    assert "deleted" in caught.kinds()


async def test_group_creator_and_anonymous_admin_may_switch_it(gh: BotHarness) -> None:
    chat = work_chat(gh, bot_admin=True)
    creator = gh.user("Owner", language_code="ru").in_group(chat.chat, "creator")
    off = await creator.send("/guard off", chat=chat.chat)
    assert off.text == plain(t("ru", "groups.guard.turned_off"))
    anonymous = await chat.admin.send_raw(
        {
            "text": "/guard on",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            "sender_chat": {"id": chat.chat.id, "type": "supergroup", "title": "Accounting"},
        },
        chat=chat.chat,
    )
    assert anonymous.text == plain(t("en", "groups.guard.turned_on"))


async def test_guard_in_a_private_chat_points_to_groups(gh: BotHarness) -> None:
    reply = await gh.user(language_code="en").send("/guard off")
    assert reply.text == plain(t("en", "groups.guard.groups_only"))


# ---- questions and private-only flows still work in groups -----------------------------------


async def test_question_addressed_to_the_bot_in_a_group_is_answered(gh: BotHarness) -> None:
    chat = work_chat(gh, bot_admin=True)
    reply = await chat.member.send(
        f"@{BOT_USERNAME} можно ли передать ЭЦП коллеге?", chat=chat.chat
    )
    assert len(reply.messages) == 1
    assert "deleted" not in reply.kinds()
    private = await chat.member.send("можно ли передать ЭЦП коллеге?")
    assert reply.text == private.text


async def test_password_in_a_question_to_the_bot_is_still_removed(gh: BotHarness) -> None:
    chat = work_chat(gh, bot_admin=True)
    reply = await chat.member.send(
        f"@{BOT_USERNAME} пароль от эцп 123456 надёжный?", chat=chat.chat
    )
    assert last_from(gh, chat.chat, chat.member).deleted
    assert reply.last.text == _warning("en", "credentials", "deleted", "Aigerim")


@pytest.mark.parametrize("command", ["status", "password", "revoke"])
async def test_private_only_flows_link_to_the_private_chat(gh: BotHarness, command: str) -> None:
    chat = work_chat(gh, bot_admin=True)
    reply = await chat.member.send(f"/{command}@{BOT_USERNAME}", chat=chat.chat)
    assert reply.last.buttons[0]["url"].startswith(f"https://t.me/{BOT_USERNAME}?start=")


# ---- /stats ----------------------------------------------------------------------------------


async def test_stats_are_refused_to_non_operators(gh: BotHarness) -> None:
    reply = await gh.user(language_code="en").send("/stats")
    assert reply.text == plain(t("en", "insights.operators_only"))


async def test_stats_count_what_the_guard_caught(any_db_gh: BotHarness) -> None:
    gh = any_db_gh
    admin_chat = work_chat(gh, bot_admin=True)
    await admin_chat.member.send_document("key.p12", p12(), chat=admin_chat.chat)
    await admin_chat.member.send("пароль от эцп 123456", chat=admin_chat.chat)
    plain_chat = work_chat(gh, bot_admin=False)
    await plain_chat.member.send_document("key.pfx", p12(), chat=plain_chat.chat)
    await plain_chat.admin.send("/guard off", chat=plain_chat.chat)
    operator = gh.user("Operator", language_code="en", user_id=OPERATOR_ID)
    reply = await operator.send("/stats")
    expected = t(
        "en",
        "groups.stats.guard",
        containers=2,
        containers_deleted=1,
        credentials=1,
        credentials_deleted=1,
        warnings=2,  # the second catch from the same sender was not warned again
        groups_off=1,
    )
    # /stats is the charts' album (bot/insights), then each feature's lines: the guard's here.
    assert len(reply.photos) == 6
    assert reply.last.text == plain(t("en", "insights.details_title") + "\n\n" + expected)


# ---- the bot's rights ------------------------------------------------------------------------


async def test_rights_are_asked_once_then_cached(gh: BotHarness) -> None:
    chat = work_chat(gh, bot_admin=True)
    await chat.member.send_document("a.p12", p12(), chat=chat.chat)
    await chat.admin.send_document("b.p12", p12(), chat=chat.chat)
    assert gh.api.requests.count("getChatMember") == 1


async def test_right_taken_away_silently_falls_back_to_asking_admins(gh: BotHarness) -> None:
    chat = work_chat(gh, bot_admin=True)
    await chat.member.send_document("a.p12", p12(), chat=chat.chat)
    chat.chat.bot_can_delete = False  # no my_chat_member reached us: the cache still says yes
    reply = await chat.admin.send_document("b.p12", p12(), chat=chat.chat)
    posted = last_from(gh, chat.chat, chat.admin)
    assert not posted.deleted
    assert reply.last.reply_to == posted.message_id
    assert reply.text == _warning("en", "container", "left", "Dana")


async def test_promotion_is_seen_at_once(gh: BotHarness) -> None:
    chat = work_chat(gh, bot_admin=False)
    await chat.member.send_document("a.p12", p12(), chat=chat.chat)
    await gh.change_bot_status(chat.chat, "administrator", by=chat.admin)
    reply = await chat.admin.send_document("b.p12", p12(), chat=chat.chat)
    assert reply.kinds() == ["deleted", "sent"]


# ---- what the warnings advise (issue 12) -----------------------------------------------------

_NEW_KEY = {"kk": "жаңа кілт", "ru": "новый ключ", "en": "new key"}
_REVOKE = {"kk": "кері қайтарып алыңыз", "ru": "отзовите", "en": "revoke"}
_CHANGE_PASSWORD_FIRST = {
    "kk": "1. Кілт контейнерінің құпиясөзін ауыстырыңыз",
    "ru": "1. Смените пароль",
    "en": "1. Change the password",
}
_MINISTRY = {
    "kk": "Жасанды интеллект және цифрлық даму министрлігінің",
    "ru": "Министерства искусственного интеллекта и цифрового развития",
    "en": "Ministry of Artificial Intelligence and Digital Development",
}


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_a_posted_key_file_is_treated_as_copied(lang: str) -> None:
    # The warning posted in the chat (the harness tests above compare it with these texts).
    steps = plain(t(lang, "groups.steps.container"))
    # A new key first, then revoke: a new password does not close the copies already taken.
    assert steps.index(_NEW_KEY[lang]) < steps.index(_REVOKE[lang])
    assert _CHANGE_PASSWORD_FIRST[lang] not in steps


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_the_introduction_names_the_ministry_by_its_current_name(
    gh: BotHarness, lang: str
) -> None:
    adder = gh.user("Dana", language_code=lang)
    joined = await gh.change_bot_status(gh.group(), "member", by=adder, from_status="left")
    assert _MINISTRY[lang] in joined.text
