"""Who gets warnings: /start, /subscribe, /unsubscribe, groups, and chats that block the bot."""

from __future__ import annotations

from bot.broadcasts import subscriptions
from bot.broadcasts.models import SubscriberStatus
from bot.harness import BotHarness
from tests.broadcasts.helpers import my_chat_member, plain, t


async def status(harness: BotHarness, chat_id: int) -> str | None:
    async with harness.application.deps.sessionmaker() as session:
        return await subscriptions.status_of(session, chat_id)


async def test_start_subscribes_and_says_so(bh: BotHarness) -> None:
    user = bh.user(language_code="kk")
    reply = await user.send("/start")
    assert "/unsubscribe" in reply.text
    assert await status(bh, user.id) == SubscriberStatus.ACTIVE
    async with bh.application.deps.sessionmaker() as session:
        assert (await subscriptions.count_by_language(session))["kk"] == 1


async def test_unsubscribe_and_subscribe_again(bh: BotHarness) -> None:
    user = bh.user(language_code="en")
    await user.send("/start")
    reply = await user.send("/unsubscribe")
    assert reply.text == plain(t("en", "broadcasts.subscription.private.unsubscribed"))
    assert await status(bh, user.id) == SubscriberStatus.UNSUBSCRIBED
    again = await user.send("/unsubscribe")
    assert again.text == plain(t("en", "broadcasts.subscription.private.already_unsubscribed"))
    back = await user.send("/subscribe")
    assert back.text == plain(t("en", "broadcasts.subscription.private.subscribed"))
    assert await status(bh, user.id) == SubscriberStatus.ACTIVE
    twice = await user.send("/subscribe")
    assert twice.text == plain(t("en", "broadcasts.subscription.private.already_subscribed"))


async def test_start_subscribes_again_as_the_welcome_says(bh: BotHarness) -> None:
    user = bh.user(language_code="ru")
    await user.send("/unsubscribe")
    assert await status(bh, user.id) is None
    await user.send("/start")
    await user.send("/unsubscribe")
    await user.send("/start")
    assert await status(bh, user.id) == SubscriberStatus.ACTIVE


async def test_only_group_admins_subscribe_a_group(bh: BotHarness) -> None:
    admin = bh.user("Admin", language_code="kk")
    member = bh.user("Member", language_code="ru")
    group = bh.group(members=[member])
    admin.in_group(group, "administrator")
    refused = await member.send("/subscribe", chat=group)
    assert refused.text == plain(t("ru", "broadcasts.subscription.group_admins_only"))
    assert await status(bh, group.id) is None
    done = await admin.send("/subscribe@esign_safety_bot", chat=group)
    assert done.text == plain(t("kk", "broadcasts.subscription.group.subscribed"))
    assert await status(bh, group.id) == SubscriberStatus.ACTIVE
    async with bh.application.deps.sessionmaker() as session:
        # The group reads warnings in the language of the admin who subscribed it.
        assert (await subscriptions.count_by_language(session))["kk"] == 1
    refused_stop = await member.send("/unsubscribe", chat=group)
    assert refused_stop.text == plain(t("ru", "broadcasts.subscription.group_admins_only"))
    stopped = await admin.send("/unsubscribe", chat=group)
    assert stopped.text == plain(t("kk", "broadcasts.subscription.group.unsubscribed"))
    assert await status(bh, group.id) == SubscriberStatus.UNSUBSCRIBED


async def test_blocking_and_unblocking_the_bot(bh: BotHarness) -> None:
    user = bh.user(language_code="en")
    await user.send("/start")
    await my_chat_member(bh, user.chat, user, "member", "kicked")
    assert await status(bh, user.id) == SubscriberStatus.BLOCKED
    await my_chat_member(bh, user.chat, user, "kicked", "member")
    assert await status(bh, user.id) == SubscriberStatus.ACTIVE


async def test_removed_from_a_group_and_added_back(bh: BotHarness) -> None:
    admin = bh.user("Admin", language_code="en")
    group = bh.group()
    admin.in_group(group, "creator")
    await admin.send("/subscribe", chat=group)
    await my_chat_member(bh, group, admin, "member", "left")
    assert await status(bh, group.id) == SubscriberStatus.LEFT
    await my_chat_member(bh, group, admin, "left", "member")
    assert await status(bh, group.id) == SubscriberStatus.ACTIVE


async def test_an_opt_out_survives_a_block_and_return(bh: BotHarness) -> None:
    user = bh.user(language_code="en")
    await user.send("/start")
    await user.send("/unsubscribe")
    await my_chat_member(bh, user.chat, user, "member", "kicked")
    await my_chat_member(bh, user.chat, user, "kicked", "member")
    assert await status(bh, user.id) == SubscriberStatus.UNSUBSCRIBED
