"""Large registries for list tests, and walking a paged list through its ▶ buttons."""

from __future__ import annotations

from bot.harness import BotHarness, FakeUser
from bot.harness.records import MessageRecord
from bot.signatures.identifiers import compute_check_digit
from bot.signatures.registry import import_registry
from bot.tghtml import MAX_MESSAGE_LENGTH, utf16_len

HEADER = "serial_number,iin,full_name,phone,key_type,valid_from,valid_to,status,org_bin,org_name\n"
ORG_BIN = "150340000003"
# The longest names the registry accepts make the longest items.
ORG_NAME = "ТОО «" + "Дала Сервис Логистик Инжиниринг " * 9 + "»"
NEXT = "Next ▶"
BACK = "◀ Back"


def iin(n: int) -> str:
    """A valid IIN for each n < 1000 (distinct n, distinct IIN)."""
    for bump in range(10):
        first = f"8503154{n:03d}{bump}"
        digit = compute_check_digit(first)
        if digit is not None:
            return first + str(digit)
    raise AssertionError(f"no IIN for {n}")


def holder(n: int) -> str:
    return f"СОТРУДНИК{n:03d} " + "ҚҰРМАНҒАЛИҰЛЫ-БЕЙСЕНБАЕВ " * 7


def employee_rows(count: int, certificates_each: int = 2) -> list[str]:
    rows = []
    for n in range(count):
        for k in range(certificates_each):
            kind = "sign" if k % 2 == 0 else "auth"
            rows.append(
                f"E{n:03X}{k:03X},{iin(n)},{holder(n)},+7701{n:07d},{kind},"
                f"2026-01-10,2027-01-10,valid,{ORG_BIN},{ORG_NAME}\n"
            )
    return rows


async def load(harness: BotHarness, rows: list[str]) -> None:
    app = harness.application
    report = await import_registry(
        app.deps.sessionmaker, [HEADER, *rows], secret=app.deps.settings.pii_key()
    )
    assert report.applied, report.errors


def fits(record: MessageRecord) -> bool:
    """Within Telegram's limit as the harness counts it (it would have refused it otherwise)."""
    return 0 < utf16_len(record.text or "") <= MAX_MESSAGE_LENGTH


async def walk(user: FakeUser, first: MessageRecord, *, limit: int = 200) -> list[str]:
    """Press ▶ until there is none; the text of every page, each checked against the limit."""
    pages = [first.text or ""]
    assert fits(first)
    for _ in range(limit):
        if not any(b.get("text") == NEXT for b in first.buttons):
            return pages
        pressed = await user.press(NEXT, message=first)
        assert pressed.edited, "▶ did not turn the page"
        assert fits(first)
        pages.append(first.text or "")
    raise AssertionError("the list never ended")
