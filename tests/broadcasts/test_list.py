"""/broadcasts: every campaign reachable through ◀ / ▶, with the buttons of the ones shown."""

from __future__ import annotations

import re

from bot.broadcasts.campaigns import complete_texts
from bot.broadcasts.models import Campaign, CampaignState
from bot.harness import BotHarness
from tests.broadcasts.helpers import OPERATOR_ID, operator
from tests.core.lists import NEXT, walk

CAMPAIGNS = 25


async def _paused_campaigns(harness: BotHarness, count: int) -> None:
    """Paused ones: they keep their Resume / Cancel buttons and the dispatcher leaves them."""
    async with harness.application.deps.sessionmaker() as session, session.begin():
        for n in range(count):
            session.add(
                Campaign(
                    state=CampaignState.PAUSED,
                    texts=complete_texts({"all": f"Warning {n}"}),
                    created_by=OPERATOR_ID,
                    total=0,
                )
            )


def _ids(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"^#(\d+) · ", text, flags=re.MULTILINE)]


async def test_every_campaign_is_reachable_page_by_page(bh: BotHarness) -> None:
    await _paused_campaigns(bh, CAMPAIGNS)
    op = operator(bh)
    listing = (await op.send("/broadcasts")).last
    first_page = _ids(listing.text or "")
    assert first_page[0] == CAMPAIGNS  # latest first
    assert [b["text"] for b in listing.buttons if "#" in b["text"]] == [
        label for n in first_page for label in (f"▶️ Resume #{n}", f"✖️ Cancel #{n}")
    ]
    assert any(b["text"] == NEXT for b in listing.buttons)
    pages = await walk(op, listing)
    seen = [n for page in pages for n in _ids(page)]
    assert seen == list(range(CAMPAIGNS, 0, -1))
    # The last page's buttons act on the campaigns it shows.
    shown = _ids(listing.text or "")
    ids_on_buttons = {
        int(m) for b in listing.buttons for m in re.findall(r"#(\d+)", b.get("text", ""))
    }
    assert ids_on_buttons == set(shown)


async def test_forged_list_and_campaign_data_is_a_stale_button(bh: BotHarness) -> None:
    await _paused_campaigns(bh, 3)
    op = operator(bh)
    listing = (await op.send("/broadcasts")).last
    for data in ("bc:page:9999999", "bc:pause:99999999999", "bc:cancel:2147483648", "bc:page:x"):
        pressed = await op.press(data=data, message=listing)
        assert op.answer_to(pressed) == {
            "text": "This button is no longer active. Open /menu for a fresh one."
        }, data
    stranger = bh.user("Stranger", language_code="en")
    refused = await stranger.press(data="bc:page:0", message=listing)
    assert stranger.answer_to(refused) == {"text": "This command is for ministry operators only."}
