"""/status with 60 certificates: one message, paged with ◀ / ▶, every certificate reachable,
and the revoke buttons of exactly the certificates on the page."""

from __future__ import annotations

import re

from bot.harness import BotHarness
from tests.core.lists import BACK, NEXT, holder, iin, load, walk

PHONE = "+77011112233"
COUNT = 60


def _rows() -> list[str]:
    rows = []
    for n in range(COUNT):
        kind = "sign" if n % 2 else "auth"
        status = "revoked" if n % 5 == 0 else "valid"
        rows.append(
            f"F{n:03X},{iin(7)},{holder(7)},{PHONE},{kind},2026-01-10,2027-01-10,{status},"
            f"150340000003,ТОО «Дала»\n"
        )
    return rows


def _numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"^(\d+)\. ", text, flags=re.MULTILINE)]


async def test_sixty_certificates_are_one_paged_message(harness: BotHarness) -> None:
    await load(harness, _rows())
    user = harness.user("Aigerim", language_code="en")
    shown = await user.share_contact(PHONE)
    listing = shown.last
    assert len([m for m in shown.messages if m.buttons]) == 1  # not a burst of messages
    first_buttons = list(listing.buttons)
    pages = await walk(user, listing)
    assert len(pages) >= COUNT // 8
    numbers = [n for page in pages for n in _numbers(page)]
    assert numbers == list(range(1, COUNT + 1))
    for page in pages:
        assert "60 keys are registered to your phone number" in page
        # What to do, on every page; no "did you request them?" for keys issued long ago.
        assert "pki.gov.kz" in page
        assert "🆕" not in page
    # Revoke buttons: the valid certificates of the page shown, by their numbers.
    last = _numbers(listing.text or "")
    revoke = [b["text"] for b in listing.buttons if b["text"].startswith("⛔")]
    assert revoke == [f"⛔ Request revocation: no. {n}" for n in last if (n - 1) % 5]
    assert [b["text"] for b in first_buttons][-1] == NEXT
    await user.press(BACK, message=listing)
    assert _numbers(listing.text or "")[-1] == last[0] - 1


async def test_a_stale_or_forged_page_is_harmless(harness: BotHarness) -> None:
    await load(harness, _rows())
    user = harness.user("Aigerim", language_code="en")
    listing = (await user.share_contact(PHONE)).last
    beyond = await user.press(data="sig:page:999999", message=listing)
    assert _numbers(listing.text or "")[-1] == COUNT  # the last page, not an empty one
    assert beyond.messages == []
    stranger = harness.user("Stranger", language_code="en")
    refused = await stranger.press(data="sig:page:0", message=listing)
    assert stranger.answer_to(refused) == {
        "text": "This button is no longer active. Open /menu for a fresh one."
    }
