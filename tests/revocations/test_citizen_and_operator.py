"""End to end: a citizen files, an operator decides, the citizen is told, the registry and the
audit log show it; forged and replayed presses are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from bot.harness.driver import FakeUser
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
    assert "Which key should be revoked?" in picker.text
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
    # Filing does not stop the key, and the citizen's own pki.gov.kz account comes first.
    assert "Filing it does not stop the key" in message.text
    assert "wait" not in message.text.lower()
    steps = message.text[message.text.index("What to do now") :]
    assert steps.index("pki.gov.kz") < steps.index("I will tell you")
    reference = message.text.split()[2]
    announced = world.harness.messages_to(OPERATOR_CHAT_ID)
    assert announced[-1].text is not None
    assert f"Revocation request {reference}" in announced[-1].text
    assert "850315****05" in announced[-1].text

    listing = await world.operator.send("/requests")
    assert "1 open request" in listing.text
    asked = await world.operator.press(f"Approve {reference}", message=listing.last)
    # One more tap, naming what will happen; nothing is decided yet.
    assert asked.text.startswith(f"Approve {reference}?")
    assert "will be marked as revoked in the registry and the requester will be told" in asked.text
    assert (await _certificate(world, "AA01")).status == "valid"
    approved = await world.operator.press(f"Yes, approve {reference}", message=asked.last)
    assert asked.last.buttons == []
    assert (
        approved.text
        == f"Approved {reference}: the certificate is marked as revoked and the requester is notified."
    )
    told = world.harness.messages_to(world.citizen.id)[-1].text
    assert told is not None
    assert told.startswith(
        f"✅ Your request {reference} was approved by an operator: the key AA01 is marked revoked"
        " in the registry this bot reads. What to do now: check in your personal account on"
        " pki.gov.kz"
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
    assert told is not None
    assert told.startswith(
        f"Your request {reference} was rejected by an operator: the key keeps working."
        " Reason: Please use the <b>pki.gov.kz</b> account\n\nWhat to do now: revoke the key"
        " yourself in your personal account on pki.gov.kz"
    )
    assert (await _certificate(world, "AA01")).status == "valid"
    # /revoke shows the reason and the next step too.
    mine = await world.citizen.send("/revoke")
    assert (
        f"{reference}: Signing key AA01, rejected. Reason: Please use the <b>pki.gov.kz</b>"
        " account. What to do now: revoke the key in your personal account on pki.gov.kz"
    ) in mine.text


OUT_OF_DATE = (
    "These buttons are out of date: that step was cancelled or started again, and nothing was "
    "done. Start again from /menu if you need to."
)


async def _requests(world: World) -> int:
    async with world.harness.application.deps.sessionmaker() as session:
        return len((await session.scalars(select(RevocationRequest))).all())


async def _to_confirmation(world: World, serial: str = "AA01") -> MessageRecord:
    """Pick a certificate and a reason; stop at the confirmation."""
    certificate = await _certificate(world, serial)
    picker = await world.citizen.send("/revoke")
    await world.citizen.press(data=f"rv:pick:{certificate.id}", message=picker.last)
    await world.citizen.press("lost or stolen", message=picker.last)
    assert [b["text"] for b in picker.last.buttons] == ["✅ Yes, request revocation", "✖ Cancel"]
    return picker.last


def _nonce(message: MessageRecord) -> str:
    return str(message.buttons[0]["callback_data"]).rsplit(":", 1)[1]


async def test_pressing_confirm_twice_files_one_request(world: World) -> None:
    confirmation = await _to_confirmation(world)
    data = confirmation.buttons[0]["callback_data"]
    await world.citizen.press(data=data, message=confirmation)
    second = await world.citizen.press(data=data, message=confirmation)
    assert world.citizen.answer_to(second) == {"text": OUT_OF_DATE}
    assert await _requests(world) == 1


async def test_cancel_makes_an_unfinished_revocation_out_of_date(world: World) -> None:
    confirmation = await _to_confirmation(world)
    data = confirmation.buttons[0]["callback_data"]
    cancelled = await world.citizen.send("/cancel")
    assert cancelled.text == "Cancelled. What next?"
    late = await world.citizen.press(data=data, message=confirmation)
    assert world.citizen.answer_to(late) == {"text": OUT_OF_DATE}
    assert confirmation.buttons == []  # the dead buttons are taken away
    assert await _requests(world) == 0
    nothing = await world.citizen.send("/cancel")
    assert nothing.text == "There is nothing to cancel. /menu shows what I can do."


async def test_a_new_flow_supersedes_the_unfinished_one(world: World) -> None:
    first = await _to_confirmation(world, "AA01")
    stale = first.buttons[0]["callback_data"]
    second = await _to_confirmation(world, "AA02")
    late = await world.citizen.press(data=stale, message=first)
    assert world.citizen.answer_to(late) == {"text": OUT_OF_DATE}
    await world.citizen.press("Yes, request revocation", message=second)
    assert await _requests(world) == 1
    assert (await _certificate(world, "AA02")).id in await _requested_ids(world)


async def test_the_flows_cancel_button_ends_it(world: World) -> None:
    confirmation = await _to_confirmation(world)
    confirm = confirmation.buttons[0]["callback_data"]
    cancelled = await world.citizen.press("Cancel", message=confirmation)
    assert cancelled.edited[0].text == "Nothing was filed."
    late = await world.citizen.press(data=confirm, message=confirmation)
    assert world.citizen.answer_to(late) == {"text": OUT_OF_DATE}
    assert await _requests(world) == 0


async def test_another_users_nonce_does_not_work(world: World) -> None:
    confirmation = await _to_confirmation(world)
    intruder: FakeUser = world.harness.user("Intruder", language_code="en")
    forged = await intruder.press(
        data=confirmation.buttons[0]["callback_data"], message=confirmation
    )
    assert intruder.answer_to(forged) is not None
    assert await _requests(world) == 0


async def _requested_ids(world: World) -> set[int]:
    async with world.harness.application.deps.sessionmaker() as session:
        return {r.certificate_id for r in await session.scalars(select(RevocationRequest))}


async def test_cancelling_an_approval_leaves_the_request_open(world: World) -> None:
    message = await _file(world)
    reference = (message.text or "").split()[2]
    listing = await world.operator.send("/requests")
    asked = await world.operator.press(f"Approve {reference}", message=listing.last)
    approve = asked.last.buttons[0]["callback_data"]
    back = await world.operator.press("Back, do not approve", message=asked.last)
    assert back.edited[0].text == f"{reference} was not approved; it stays open."
    late = await world.operator.press(data=approve, message=asked.last)
    assert world.operator.answer_to(late) == {"text": OUT_OF_DATE}
    assert (await _certificate(world, "AA01")).status == "valid"
    # /cancel ends a pending approval as well.
    again = await world.operator.press(f"Approve {reference}", message=listing.last)
    assert (await world.operator.send("/cancel")).text == "Cancelled. What next?"
    late = await world.operator.press(data=again.last.buttons[0]["callback_data"])
    assert world.operator.answer_to(late) == {"text": OUT_OF_DATE}
    assert (await _certificate(world, "AA01")).status == "valid"


@pytest.mark.parametrize("action", ["pick", "why", "ok"])
async def test_someone_elses_certificate_is_refused(world: World, action: str) -> None:
    other = await _certificate(world, "BB01")
    # With the nonce of the citizen's own, current flow: only the certificate is forged.
    nonce = _nonce(await _to_confirmation(world))
    data = f"rv:{action}:{other.id}" + ("" if action == "pick" else f":lost:{nonce}")
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
    nonce = _nonce(await _to_confirmation(world))
    refused = await world.citizen.press(data=f"rv:ok:999999:lost:{nonce}")
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
    assert [b["text"] for b in buttons] == [
        "⛔ Request revocation: no. 1",
        "⛔ Request revocation: no. 2",
    ]
    reasons = await world.citizen.press("Request revocation: no. 1", message=listing.last)
    assert reasons.edited[0].text == "Why should it be revoked?"
