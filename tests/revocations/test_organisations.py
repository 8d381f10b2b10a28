"""Heads of organisations: see their organisation, record a departure, get weekly reminders."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.words import Words
from bot.db.base import utcnow
from bot.revocations import org_reminder_job, service
from bot.revocations.models import Departure, RevocationRequest
from bot.signatures.api import today_in_almaty
from bot.signatures.models import Certificate
from tests.revocations.conftest import World

DALA = "150340000003"
STEP = "081240000003"


async def _appoint(world: World, user_id: int, org_bin: str) -> None:
    async with world.harness.application.deps.sessionmaker() as session:
        assert await service.appoint_admin(session, "test", org_bin, user_id)


async def _serials_requested(world: World) -> set[str]:
    async with world.harness.application.deps.sessionmaker() as session:
        rows = await session.execute(
            select(Certificate.serial_number).join(
                RevocationRequest, RevocationRequest.certificate_id == Certificate.id
            )
        )
        return {serial for (serial,) in rows}


async def test_departure_files_requests_for_exactly_that_employees_org_certificates(
    world: World,
) -> None:
    head = world.harness.user("Head", language_code="en")
    await _appoint(world, head.id, DALA)
    overview = await head.send("/org")
    text = overview.text
    assert "ТОО «Дала» (BIN 150340000003): certificates of 3 employees" in text
    assert "ИВАНОВ СЕРГЕЙ (IIN 781102****08)" in text
    assert "BB01" not in text
    assert "АО «Степь»" not in text
    # The revoked one (CC05) says since when the registry says so; the valid ones have no date.
    [dated] = [line for line in text.splitlines() if "marked so in the registry" in line]
    today = Words(world.harness.application.deps.texts, "en").date(today_in_almaty(utcnow()))
    assert dated.endswith(f"revoked (marked so in the registry this bot reads on {today})")
    picker = await head.press("An employee left", message=overview.last)
    assert picker.edited[0].text == (
        "Who left? I will request revocation of all their valid certificates of this organisation."
    )
    await head.press("ИВАНОВ СЕРГЕЙ", message=overview.last)
    assert "has left? I will request revocation of 2 valid certificates." in (
        overview.last.text or ""
    )
    await head.press("Yes, this employee left", message=overview.last)
    done = overview.last.text or ""
    assert done.startswith("Recorded. Revocation requests filed: REV-")
    assert "They do not stop the keys" in done
    # CC01 and CC02: Дала's valid ones. Not CC03 (personal), CC04 (another org), CC05 (revoked).
    assert await _serials_requested(world) == {"CC01", "CC02"}
    async with world.harness.application.deps.sessionmaker() as session:
        departures = (await session.scalars(select(Departure))).all()
    assert [(d.org_bin, d.iin, d.recorded_by) for d in departures] == [
        (DALA, "781102300008", head.id)
    ]


async def test_an_admin_acts_only_on_their_own_organisation(world: World) -> None:
    head = world.harness.user("Head", language_code="en")
    await _appoint(world, head.id, STEP)
    overview = await head.send("/org")
    async with world.harness.application.deps.sessionmaker() as session:
        dala = await session.scalar(select(Certificate).where(Certificate.serial_number == "CC01"))
    assert dala is not None
    # The nonce of the head's own, current flow: only the organisation is forged.
    await head.press("An employee left", message=overview.last)
    nonce = str(overview.last.buttons[0]["callback_data"]).rsplit(":", 1)[1]
    for data in (f"org:left:{DALA}", f"org:emp:{dala.id}:{nonce}", f"org:gone:{dala.id}:{nonce}"):
        refused = await head.press(data=data, message=overview.last)
        assert head.answer_to(refused) == {"text": "This action is not available to you."}
    assert await _serials_requested(world) == set()


async def test_not_an_admin(world: World) -> None:
    reply = await world.citizen.send("/org")
    assert reply.text.startswith("You are not registered as the head of an organisation.")


async def test_weekly_reminder_until_revoked(world: World) -> None:
    head = world.harness.user("Head", language_code="ru")
    await _appoint(world, head.id, DALA)
    app = world.harness.application
    assert await org_reminder_job.run_once(app) == 0  # nobody has left yet
    overview = await head.send("/org")
    await head.press("Сотрудник уволился", message=overview.last)
    await head.press("ИВАНОВ СЕРГЕЙ", message=overview.last)
    await head.press("Да, сотрудник уволился", message=overview.last)
    assert await org_reminder_job.run_once(app) == 1
    assert await org_reminder_job.run_once(app) == 0  # once a week
    reminder = world.harness.messages_to(head.id)[-1].text or ""
    assert reminder.startswith(
        "⚠️ ТОО «Дала»: 2 сертификата уволившихся сотрудников всё ещё действуют в реестре,"
        " который читает этот бот."
    )
    assert "не останавливают" in reminder
    assert "дождитесь" not in reminder
    assert "Что делать сейчас" in reminder
