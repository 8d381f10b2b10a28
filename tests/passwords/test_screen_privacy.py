"""Every way of sending a password outside the check, then a search for it everywhere: every
table, the SQLite file and its WAL, and everything logged at DEBUG. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.harness import BotHarness
from bot.harness.server import BOT_USERNAME
from tests.passwords.test_handlers import all_rows, expire_step, last_user_message

# Distinctive, and shaped as people write them: letters around digits, so that masking only
# the digits (as before) would have kept "vortexiq***zulp".
SECRETS = {
    "after a verdict": "Vortexiq1985Zulp",
    "after the step expired": "Brontal2024Kwez",
    "in a question": "Kairatox1985kzq",
    "with a slash": "Zhelquin77Trap",
    "while muted": "Mufflex4321Yorb",
    "edited in": "Quorvid6060Blen",
    "in a caption": "Caption9Zyxwar",
    "to the bot in a group": "Grouplin8080Pex",
}
FLOOD_LIMIT = 3


def forms(secret: str) -> list[str]:
    """What a store might keep: as typed, lower-cased (the unmatched store folds case), and
    each run of four or more letters of it ("vortexiq", "zulp")."""
    runs = re.findall(r"[^\W\d_]{4,}", secret)
    return [secret, secret.lower(), *{run.lower() for run in runs}]


def found_in(haystack: str | bytes) -> list[str]:
    hits = []
    for secret in SECRETS.values():
        for form in forms(secret):
            if isinstance(haystack, str):
                if form in haystack.lower() or json.dumps(form)[1:-1] in haystack:
                    hits.append(form)
            elif any(
                encoded in haystack.lower() for encoded in (form.encode(), form.encode("utf-16-le"))
            ):
                hits.append(form)
    return hits


@pytest.fixture
def screen_settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        database_url=database_url,
        bot_data_dir=tmp_path,
        pii_secret="test-pii-secret-0123456789",
        flood_limit_per_minute=FLOOD_LIMIT,
        flood_cooldown_seconds=120,
    )


@pytest.fixture
async def screen_harness(screen_settings: Settings) -> AsyncIterator[BotHarness]:
    async with BotHarness(screen_settings) as running:
        yield running


async def test_no_password_sent_outside_the_check_is_kept_anywhere(
    screen_harness: BotHarness, screen_settings: Settings, debug_logs: Callable[[], str]
) -> None:
    harness = screen_harness
    debug_logs()

    user = harness.user("Aigerim", language_code="ru", username="aigerim_kz")
    await user.send("/password")
    await user.send("Qwerty12")  # the verdict; the step is over
    await user.send(SECRETS["after a verdict"])
    harness_user = harness.user("Nurlan", language_code="kk")
    await harness_user.send("/password")
    await expire_step(harness, harness_user)
    await harness_user.send(SECRETS["after the step expired"])
    asker = harness.user("Dana", language_code="en")
    await asker.send(f"is my password {SECRETS['in a question']} ok?")
    slasher = harness.user("Erlan", language_code="ru")
    await slasher.send(f"/{SECRETS['with a slash']}")
    muted = harness.user("Muted", language_code="en")
    for _ in range(FLOOD_LIMIT + 1):
        await muted.send("what is an e-signature?")
    reply = await muted.send(f"пароль {SECRETS['while muted']}")
    assert reply.kinds() == ["deleted"]
    editor = harness.user("Editor", language_code="en")
    await editor.send("what is an e-signature?")
    await editor.edit(last_user_message(harness, editor), f"pin {SECRETS['edited in']}")
    sender = harness.user("Sender", language_code="en")
    await sender.send_document("a.pdf", b"%PDF-1.4", caption=SECRETS["in a caption"])
    member = harness.user("Member", language_code="en")
    group = harness.group(members=[member])
    await member.send(
        f"@{BOT_USERNAME} is my password {SECRETS['to the bot in a group']} ok?", chat=group
    )
    for person in (user, harness_user, asker, slasher, muted, editor, sender):
        assert last_user_message(harness, person).deleted

    assert found_in(await all_rows(harness.application.deps.engine)) == []
    url = screen_settings.resolved_database_url()
    if "sqlite" in url:
        database = Path(url.split("///", 1)[1])
        stored = b"".join(
            path.read_bytes()
            for path in (database, database.with_name(database.name + "-wal"))
            if path.exists()
        )
        assert len(stored) > 0
        assert found_in(stored) == []
    logs = debug_logs()
    assert " DEBUG " in logs  # the capture really saw DEBUG lines
    assert found_in(logs) == []


def test_the_search_would_find_what_the_old_store_kept() -> None:
    kept_before = "is my password kairatox***kzq ok?"  # digits masked, letters kept
    assert found_in(kept_before) == ["kairatox"]
