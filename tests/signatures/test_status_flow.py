"""End to end: the registry imported, a citizen proves their phone and sees their certificates;
certificate files are inspected, key containers deleted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings, load_settings
from bot.harness import BotHarness
from bot.i18n import Texts
from bot.signatures.registry import import_registry
from bot.tghtml import parse
from tests.signatures.pki import make_ca, make_citizen_cert, make_p12, ocsp_responder

TEXTS = Texts.load()
HEADER = "serial_number,iin,full_name,phone,key_type,valid_from,valid_to,status,org_bin,org_name\n"
MINE = "+77011112233"
ROWS = [
    "AA01,850315400005,АХМЕТОВА АЙГЕРИМ,+7 701 111 22 33,sign,2026-01-10,2027-01-10,valid,,\n",
    "AA02,850315400005,АХМЕТОВА АЙГЕРИМ,87011112233,auth,2026-01-10,2027-01-10,revoked,,\n",
    "BB01,920721400008,СЕРІКОВ НҰРЛАН,+77019998877,sign,2026-01-10,2027-01-10,valid,,\n",
]


async def _load(harness: BotHarness, rows: list[str]) -> None:
    app = harness.application
    report = await import_registry(
        app.deps.sessionmaker, [HEADER, *rows], secret=app.deps.settings.pii_key()
    )
    assert report.applied, report.errors


@pytest.fixture
async def registry_harness(any_db_harness: BotHarness) -> BotHarness:
    await _load(any_db_harness, ROWS)
    return any_db_harness


async def test_own_contact_shows_exactly_that_phones_certificates(
    registry_harness: BotHarness,
) -> None:
    user = registry_harness.user("Aigerim", language_code="en")
    ask = await user.send("/status")
    assert ask.text.startswith(TEXTS.get("en", "signatures.ask_contact")[:40])
    assert ask.last.reply_markup is not None
    assert ask.last.reply_markup["keyboard"][0][0]["request_contact"] is True
    shown = await user.share_contact(MINE)
    listing = shown.messages[-1].text or ""
    assert "2 keys are registered to your phone number" in listing
    assert "850315****05" in listing
    assert "850315400005" not in listing  # the IIN is masked
    # Serial endings tell the keys apart; a revoked key says so and is never "valid from … to".
    assert "Signing key …AA01: ✅ valid" in listing
    assert "Authentication key …AA02: ⛔ revoked" in listing
    revoked_item = listing[listing.index("…AA02") :]
    assert "Revoked: marked so in the registry this bot reads on" in revoked_item
    assert "Valid from" not in revoked_item.split("\n\n")[0]
    assert listing.count("Valid from") == 1
    # What the list is, and where the full list for an IIN is.
    assert "what is registered to this phone number" in listing
    assert "The full list of keys issued to your IIN is the report" in listing
    assert "СЕРІКОВ" not in listing
    # Verified once: /status now answers at once.
    again = await user.send("/status")
    assert "2 keys are registered" in again.text


def _row(serial: str, key_type: str, issued: date, status: str = "valid") -> str:
    until = issued + timedelta(days=365)
    return f"{serial},850315400005,АХМЕТОВА АЙГЕРИМ,+77011112233,{key_type},{issued},{until},{status},,\n"


async def test_unrequested_question_only_for_recent_keys(any_db_harness: BotHarness) -> None:
    today = datetime.now(UTC).date()
    old = today - timedelta(days=200)
    await _load(any_db_harness, [_row("CC01", "sign", old), _row("CC02", "auth", old)])
    user = any_db_harness.user("Aigerim", language_code="en")
    listing = (await user.share_contact(MINE)).messages[-1].text or ""
    assert "Did you request each of them?" not in listing
    assert "🆕" not in listing
    await _load(any_db_harness, [_row("CC03", "sign", today - timedelta(days=3))])
    listing = (await user.send("/status")).text
    assert "3 keys are registered" in listing
    assert "🆕 Signing key …CC03" in listing
    assert (
        "Keys marked 🆕 were issued in the last 30 days. Did you request each of them?" in listing
    )
    assert listing.index("eGov Mobile") < listing.index("revoke the keys you do not know")


@pytest.mark.parametrize(
    ("lang", "header"),
    [
        ("ru", "На ваш номер зарегистрировано 4 ключа:"),
        ("kk", "Нөміріңізге 4 кілт тіркелген:"),
        ("en", "4 keys are registered to your phone number:"),
    ],
)
async def test_keys_are_counted_in_each_language(
    any_db_harness: BotHarness, lang: str, header: str
) -> None:
    old = datetime.now(UTC).date() - timedelta(days=100)
    rows = [_row(f"DD0{i}", "sign", old) for i in range(3)]
    rows.append(_row("DD09", "auth", old, status="suspended"))
    await _load(any_db_harness, rows)
    listing = (await any_db_harness.user(language_code=lang).share_contact(MINE)).messages[-1]
    assert header in (listing.text or "")
    suspended = {
        "ru": "Приостановлен: так отмечен",
        "kk": "Тоқтатылған: осы бот",
        "en": "Suspended: marked so",
    }
    assert suspended[lang] in (listing.text or "")


async def test_someone_elses_contact_is_refused(registry_harness: BotHarness) -> None:
    intruder = registry_harness.user("Mallory", language_code="ru")
    victim = registry_harness.user("Aigerim", language_code="ru")
    forwarded = await intruder.share_contact(MINE, own=False, owner_id=victim.id)
    typed = await intruder.share_contact(MINE, own=False)
    for reply in (forwarded, typed):
        assert reply.text == _plain(TEXTS.get("ru", "signatures.not_own_contact"))
        assert reply.last.reply_markup is not None
        assert reply.last.reply_markup["keyboard"][0][0]["request_contact"] is True
        assert "АХМЕТОВА" not in reply.text
    status = await intruder.send("/status")
    assert "АХМЕТОВА" not in status.text  # nothing was linked


async def test_phone_with_no_certificates_and_a_foreign_number(harness: BotHarness) -> None:
    user = harness.user(language_code="kk")
    none = await user.share_contact("+77470000000")
    assert none.messages[-1].text == TEXTS.get("kk", "signatures.none_found")
    foreign = await user.share_contact("+12025550100")
    assert foreign.text == TEXTS.get("kk", "signatures.bad_phone")


async def test_status_in_a_group_links_to_the_private_chat(harness: BotHarness) -> None:
    user = harness.user(language_code="en")
    group = harness.group(members=[user])
    reply = await user.send("/status@esign_safety_bot", chat=group)
    assert reply.text == TEXTS.get("en", "core.private_only")
    assert reply.last.buttons[0]["url"] == "https://t.me/esign_safety_bot?start=status"


@pytest.mark.parametrize("name", ["AUTH_RSA256_a1b2c3.p12", "keys.pfx", "report.pdf", "key"])
async def test_key_container_is_deleted_unopened_and_warned(harness: BotHarness, name: str) -> None:
    user = harness.user(language_code="en")
    container = make_p12(make_citizen_cert())
    reply = await user.send_document(name, container)
    user_message_id = harness.api.events[-len(reply.events) - 1].message_id
    kinds = reply.kinds()
    assert kinds[0] == "deleted"  # before any word is said
    assert reply.events[0].message_id == user_message_id
    assert harness.api.messages[(user.id, user_message_id)].deleted
    assert reply.text.startswith("🚫 I deleted your message: it contained a key file.")
    # Treat the file as copied: a new key first, then revoke; never "change the password" first.
    steps = reply.text[reply.text.index("What to do now") :]
    assert steps.index("new key") < steps.index("revoke the old key")
    assert "a new password will not help" in steps


async def test_certificate_known_to_the_registry(harness: BotHarness) -> None:
    cert = make_citizen_cert(serial=0xAA01)
    await _load(harness, ROWS)
    user = harness.user(language_code="en")
    reply = await user.send_document("me.cer", cert.der)
    assert "Holder: ИВАНОВ ИВАН" in reply.text
    assert "IIN: 061211****12" in reply.text
    assert "Serial number: AA01" in reply.text
    assert "Status: ✅ valid" in reply.text


@pytest.fixture
async def ocsp_settings(tmp_path: Path, sqlite_url: str) -> AsyncIterator[tuple[Settings, int]]:
    ca = make_ca()
    (tmp_path / "ca.pem").write_bytes(ca.pem)
    revoked = make_citizen_cert(serial=0xDEAD01)
    async with ocsp_responder(ca, [revoked.serial]) as url:
        yield (
            load_settings(
                database_url=sqlite_url,
                pii_secret="test-pii-secret-0123456789",
                ocsp_url=url,
                ca_certs_path=tmp_path / "ca.pem",
            ),
            revoked.serial,
        )


async def test_unknown_serial_asks_the_ca(ocsp_settings: tuple[Settings, int]) -> None:
    settings, revoked_serial = ocsp_settings
    async with BotHarness(settings) as harness:
        user = harness.user(language_code="ru")
        good = await user.send_document("cert.pem", make_citizen_cert(serial=0xC0FFEE).pem)
        assert "Статус: ✅ действует (подтверждено удостоверяющим центром)" in good.text
        revoked = await user.send_document("cert.cer", make_citizen_cert(serial=revoked_serial).der)
        assert "Статус: ⛔ отозван (по данным удостоверяющего центра)" in revoked.text


async def test_unreachable_ca_says_unknown_never_guesses(tmp_path: Path, sqlite_url: str) -> None:
    ca = make_ca()
    (tmp_path / "ca.pem").write_bytes(ca.pem)
    settings = load_settings(
        database_url=sqlite_url,
        ocsp_url="http://127.0.0.1:9/",
        ocsp_timeout=1,
        ca_certs_path=tmp_path / "ca.pem",
    )
    async with BotHarness(settings) as harness:
        user = harness.user(language_code="en")
        reply = await user.send_document("c.crt", make_citizen_cert(serial=0xBEEF).der)
        assert "Status: ❔ unknown right now" in reply.text


async def test_expired_certificate_file(harness: BotHarness) -> None:
    now = datetime.now(UTC)
    old = make_citizen_cert(
        serial=0x0DD, not_before=now - timedelta(days=800), not_after=now - timedelta(days=400)
    )
    reply = await harness.user(language_code="en").send_document("old.cer", old.der)
    assert "Status: ⌛ expired" in reply.text


@pytest.mark.parametrize(
    ("name", "content", "key"),
    [
        ("notes.txt", b"just some text, not a certificate", "signatures.file_not_certificate"),
        ("scan.pdf", b"%PDF-1.7\n" + b"0" * 100, "signatures.file_not_certificate"),
        (
            "broken.cer",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "signatures.file_malformed",
        ),
        ("huge.cer", b"0" * (70 * 1024), "signatures.file_too_large"),
    ],
)
async def test_files_that_are_not_certificates(
    harness: BotHarness, name: str, content: bytes, key: str
) -> None:
    reply = await harness.user(language_code="en").send_document(name, content)
    assert reply.text == TEXTS.get("en", key, limit=64)


async def test_an_oversized_file_is_refused_before_any_download(harness: BotHarness) -> None:
    asked: list[object] = []
    get_file = harness.api._methods["getfile"]

    async def counting(params: dict[str, Any]) -> Any:
        asked.append(params.get("file_id"))
        return await get_file(params)

    harness.api._methods["getfile"] = counting
    user = harness.user(language_code="ru")
    reply = await user.send_document("big.cer", b"0" * (64 * 1024 + 1))
    assert reply.text == TEXTS.get("ru", "signatures.file_too_large", limit=64)
    assert asked == []
    # At the limit it is read: 64 KiB of BEGIN lines and no END is simply not a certificate.
    begin_lines = (b"-----BEGIN CERTIFICATE-----\n" * 3000)[: 64 * 1024]
    reply = await user.send_document("begin.pem", begin_lines)
    assert reply.text == TEXTS.get("ru", "signatures.file_not_certificate")
    assert len(asked) == 1


def _plain(html: str) -> str:
    return parse(html).text
