"""End to end: a citizen files, an operator decides, the citizen is told, the registry and the
audit log show it; forged and replayed presses are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from bot.harness.records import MessageRecord
from bot.revocations.models import AuditEntry, RevocationRequest
from bot.signatures.models import Certificate
from tests.revocations.conftest import OPERATOR_CHAT_ID, World


async def _certificate(world: World, serial: str) -> Certificate:
    async with world.harness.application.deps.sessionmaker() as session:
        found = await session.scalar(select(Certificate).where(Certificate.serial_number == serial))
    assert found is not None
    return found


async def _file(
    world: World, serial: str = "AA01", reason: str = "lost or stolen"
) -> MessageRecord:
    certificate = await _certificate(world, serial)
    picker = await world.citizen.send("/revoke")
    assert "Which signature should be revoked?" in picker.text
    labels = [b["text"] for b in picker.last.buttons]
    assert any("AA01" in label for label in labels)
    assert not any("BB01" in label for label in labels)  # someone else's
    await world.citizen.press(data=f"rv:pick:{certificate.id}", message=picker.last)
    await world.citizen.press(reason, message=picker.last)
    await world.citizen.press("Yes, request revocation", message=picker.last)
    return picker.last


async def test_file_approve_notify_revoke_audit(world: World) -> None:
    message = await _file(world)
    assert message.text is not None
    assert message.text.startswith("Your request REV-")
    reference = message.text.split()[2]
    announced = world.harness.messages_to(OPERATOR_CHAT_ID)
    assert announced[-1].text is not None
    assert f"Revocation request {reference}" in announced[-1].text
    assert "850315****05" in announced[-1].text

    listing = await world.operator.send("/requests")
    assert "1 open request" in listing.text
    approved = await world.operator.press(f"Approve {reference}", message=listing.last)
    assert (
        approved.text
        == f"Approved {reference}: the certificate is marked as revoked and the requester is notified."
    )
    told = world.harness.messages_to(world.citizen.id)[-1].text
    assert (
        told
        == f"✅ Your request {reference} was approved: the signature AA01 is marked as revoked."
    )
    assert (await _certificate(world, "AA01")).status == "revoked"

    async with world.harness.application.deps.sessionmaker() as session:
        actions = [(e.action, e.subject) for e in await session.scalars(select(AuditEntry))]
    assert actions == [("request_filed", reference), ("request_approved", reference)]

    again = await world.operator.press(f"Approve {reference}", message=listing.last)
    assert again.text == f"{reference} was already decided (approved)."
    status = await world.citizen.send("/revoke")
    assert f"{reference}: Signing key AA01, approved" in status.text


async def test_reject_asks_for_a_reason_and_passes_it_on(world: World) -> None:
    message = await _file(world, reason="no longer needed")
    reference = (message.text or "").split()[2]
    listing = await world.operator.send("/requests")
    asked = await world.operator.press(f"Reject {reference}", message=listing.last)
    assert asked.text.startswith(f"Write the reason for rejecting {reference}")
    empty = await world.operator.send("   ")
    assert empty.text == "The reason is empty. Write it as text, or /cancel."
    done = await world.operator.send("Please use the <b>pki.gov.kz</b> account")
    assert done.text == f"Rejected {reference}; the requester is notified."
    told = world.harness.messages_to(world.citizen.id)[-1].text
    assert (
        told
        == f"Your request {reference} was rejected. Reason: Please use the <b>pki.gov.kz</b> account"
    )
    assert (await _certificate(world, "AA01")).status == "valid"


async def test_pressing_confirm_twice_files_one_request(world: World) -> None:
    message = await _file(world)
    certificate = await _certificate(world, "AA01")
    second = await world.citizen.press(data=f"rv:ok:{certificate.id}:lost", message=message)
    assert "There is already an open request" in (second.edited[0].text or "")
    async with world.harness.application.deps.sessionmaker() as session:
        count = len((await session.scalars(select(RevocationRequest))).all())
    assert count == 1


@pytest.mark.parametrize("action", ["pick", "why", "ok"])
async def test_someone_elses_certificate_is_refused(world: World, action: str) -> None:
    other = await _certificate(world, "BB01")
    data = f"rv:{action}:{other.id}" + ("" if action == "pick" else ":lost")
    await world.citizen.send("/revoke")
    refused = await world.citizen.press(data=data)
    assert world.citizen.answer_to(refused) == {"text": "This action is not available to you."}
    async with world.harness.application.deps.sessionmaker() as session:
        assert (await session.scalars(select(RevocationRequest))).all() == []


async def test_non_operators_cannot_decide_or_list(world: World) -> None:
    message = await _file(world)
    listing = await world.citizen.send("/requests")
    assert listing.text == "This command is for the ministry's operators."
    async with world.harness.application.deps.sessionmaker() as session:
        request = await session.scalar(select(RevocationRequest))
    assert request is not None
    forged = await world.citizen.press(data=f"rq:ok:{request.id}", message=message)
    assert world.citizen.answer_to(forged) == {"text": "This action is not available to you."}
    assert (await _certificate(world, "AA01")).status == "valid"


async def test_malformed_callback_data_gets_the_stale_answer(world: World) -> None:
    await world.citizen.send("/revoke")
    stale = {"text": "This button is no longer active. Open /menu for a fresh one."}
    for data in ("rv:ok:1:drop table", "rv:pick:-1", "rq:ok:", "rv:ok:99999999999999:lost"):
        reply = await world.citizen.press(data=data)
        assert world.citizen.answer_to(reply) == stale, data
        assert reply.messages == [], data
    async with world.harness.application.deps.sessionmaker() as session:
        assert await session.scalar(select(RevocationRequest)) is None


async def test_a_request_for_a_missing_certificate_is_refused(world: World) -> None:
    await world.citizen.send("/revoke")
    refused = await world.citizen.press(data="rv:ok:999999:lost")
    assert world.citizen.answer_to(refused) == {"text": "This action is not available to you."}


async def test_unverified_user_is_sent_to_verify(world: World) -> None:
    stranger = world.harness.user(language_code="ru")
    reply = await stranger.send("/revoke")
    assert reply.text.startswith("Сначала нужно подтвердить ваш номер телефона")
    assert reply.last.buttons[0]["callback_data"] == "sig:status"


async def test_audit_log_is_append_only(world: World) -> None:
    await _file(world)
    async with world.harness.application.deps.sessionmaker() as session:
        with pytest.raises(DBAPIError, match="append-only"):
            async with session.begin():
                await session.execute(update(AuditEntry).values(actor="someone else"))
        with pytest.raises(DBAPIError, match="append-only"):
            async with session.begin():
                await session.execute(text("DELETE FROM audit_log"))


async def test_status_list_offers_revocation_of_each_valid_signature(world: World) -> None:
    listing = await world.citizen.send("/status")
    buttons = listing.last.buttons
    assert [b["text"] for b in buttons] == ["⛔ Revoke no. 1", "⛔ Revoke no. 2"]
    reasons = await world.citizen.press("Revoke no. 1", message=listing.last)
    assert reasons.edited[0].text == "Why should it be revoked?"
