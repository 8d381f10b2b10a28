"""Lists that grow, paged within Telegram's limits: an organisation of 200 employees, the
employee picker, the operators' open requests; and forged ids that no row can have."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.config import load_settings
from bot.harness import BotHarness, FakeUser
from bot.revocations import service
from bot.signatures.models import Certificate
from tests.core.lists import BACK, NEXT, ORG_BIN, employee_rows, holder, load, walk
from tests.revocations.conftest import OPERATOR_ID, World

EMPLOYEES = 200
_EMPLOYEE = re.compile(r"СОТРУДНИК(\d{3})")


@pytest.fixture
async def big(sqlite_url: str) -> AsyncIterator[BotHarness]:
    settings = load_settings(
        database_url=sqlite_url,
        pii_secret="test-pii-secret-0123456789",
        operator_ids=str(OPERATOR_ID),
        flood_limit_per_minute=0,  # a head reads twenty pages faster than any person would
    )
    async with BotHarness(settings) as harness:
        await load(harness, employee_rows(EMPLOYEES))
        yield harness


async def _head(harness: BotHarness) -> FakeUser:
    head = harness.user("Head", language_code="en")
    async with harness.application.deps.sessionmaker() as session:
        assert await service.appoint_admin(session, "test", ORG_BIN, head.id)
    return head


def _employees(text: str) -> list[int]:
    return [int(n) for n in _EMPLOYEE.findall(text)]


async def test_an_organisation_of_200_employees_is_paged_and_every_one_is_reachable(
    big: BotHarness,
) -> None:
    head = await _head(big)
    overview = await head.send("/org")
    assert len(overview.messages) == 1
    pages = await walk(head, overview.last)
    assert len(pages) > 10
    seen = [n for page in pages for n in _employees(page)]
    assert sorted(seen) == list(range(EMPLOYEES))  # each employee once, none lost
    for page in pages:
        assert "certificates of 200 employees" in page  # the header on every page
        assert "of 200" in page.splitlines()[-1]  # where in the list this page is
        assert page.count("Signing key until") == page.count("Authentication key until")
    # Back from the last page returns to the one before, and "An employee left" stays.
    buttons = [b["text"] for b in overview.last.buttons]
    assert BACK in buttons
    assert NEXT not in buttons
    assert any("An employee left" in b for b in buttons)
    await head.press(BACK, message=overview.last)
    back = _employees(overview.last.text or "")
    assert back
    assert back[-1] == _employees(pages[-1])[0] - 1


async def test_the_employee_picker_is_paged_and_a_departure_is_filed_from_a_later_page(
    big: BotHarness,
) -> None:
    head = await _head(big)
    overview = await head.send("/org")
    await head.press("An employee left", message=overview.last)
    seen: list[int] = []
    for _ in range(40):
        picker = overview.last
        labels = [b["text"] for b in picker.buttons if "СОТРУДНИК" in b.get("text", "")]
        assert 0 < len(labels) <= 10
        seen += [n for label in labels for n in _employees(label)]
        if 150 in _employees(" ".join(labels)):
            break
        await head.press(NEXT, message=picker)
    assert seen == list(range(160))  # ten a page, in order, none skipped
    await head.press("СОТРУДНИК150", message=overview.last)
    await head.press("Yes, this employee left", message=overview.last)
    assert (overview.last.text or "").startswith("Recorded. Revocation requests filed: REV-")


async def test_open_requests_with_the_longest_names_are_paged_within_the_limit(
    big: BotHarness,
) -> None:
    head = await _head(big)
    async with big.application.deps.sessionmaker() as session, session.begin():
        anchors = (
            await session.scalars(
                select(Certificate.id)
                .where(Certificate.key_type == "sign")
                .order_by(Certificate.id)
            )
        ).all()
    async with big.application.deps.sessionmaker() as session:
        for certificate_id in anchors[:23]:
            await service.record_departure(session, head.id, certificate_id)
    operator = big.user("Operator", user_id=OPERATOR_ID, language_code="en")
    listing = await operator.send("/requests")
    pages = await walk(operator, listing.last)
    assert len(pages) >= 5
    references = [r for page in pages for r in re.findall(r"REV-\d{4}-\d{6}", page)]
    assert len(set(references)) == 46  # two certificates for each of 23 employees
    assert holder(0).strip() in pages[0]  # the longest names, in full
    # A request on the last page can be decided from there.
    approve = next(b["text"] for b in listing.last.buttons if b["text"].startswith("✅"))
    asked = await operator.press(approve, message=listing.last)
    assert asked.text.startswith("Approve REV-")  # one more tap, naming what will happen
    confirm = next(b["text"] for b in asked.last.buttons if b["text"].startswith("✅ Yes"))
    decided = await operator.press(confirm, message=asked.last)
    assert decided.text.startswith("Approved REV-")


async def test_forged_ids_beyond_the_column_range_are_refused_before_any_query(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    menu = await world.citizen.send("/revoke")
    operator = world.operator
    listing = await operator.send("/requests")
    forged = {
        world.citizen: [
            "rv:pick:99999999999",
            "rv:why:2147483648:lost",
            "rv:ok:9999999999:lost",
            "org:emp:2147483648",
            "org:gone:99999999999",
            f"org:page:{ORG_BIN}:9999999",
        ],
        operator: ["rq:ok:99999999999", "rq:no:2147483648", "rq:page:9999999"],
    }
    for user, datas in forged.items():
        target = menu.last if user is world.citizen else listing.last
        for data in datas:
            pressed = await user.press(data=data, message=target)
            answer = user.answer_to(pressed)
            assert answer is not None, data
            assert answer["text"] in (
                "This action is not available to you.",
                "This button is no longer active. Open /menu for a fresh one.",
            ), data
            assert pressed.messages == [], data  # no apology: nothing went wrong
    assert "unhandled error" not in caplog.text
    assert "DataError" not in caplog.text
    assert "int32" not in caplog.text  # asyncpg: "value out of int32 range"


async def test_personal_lists_are_never_posted_into_a_group(world: World) -> None:
    citizen = world.citizen
    group = world.harness.group("Accounting", members=[citizen])
    anchor = world.harness.api.new_message(group.id, sender_id=0, from_bot=True)
    anchor.text = "menu"
    async with world.harness.application.deps.sessionmaker() as session:
        own = await session.scalar(
            select(Certificate.id).where(Certificate.serial_number == "AA01")
        )
    for data in (
        "sig:status",
        "rv:menu",
        "sig:page:0",
        f"rv:pick:{own}",
        f"rv:why:{own}:lost:0123abcd",
    ):
        pressed = await citizen.press(data=data, message=anchor)
        posted = [m for m in pressed.messages if m.chat_id == group.id]
        assert len(posted) == 1, data
        text = posted[0].text or ""
        for personal in ("АХМЕТОВА", "850315", "AA01"):
            assert personal not in text, data
        links = [b.get("url", "") for b in posted[0].buttons]
        assert links, data
        assert links[0].startswith("https://t.me/"), data
        assert anchor.edits == 0, data
    # /org in a group: the same way to the private chat.
    redirected = await citizen.send("/org", chat=group)
    assert redirected.last.buttons[0]["url"].endswith("?start=org")
