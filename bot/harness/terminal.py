"""The terminal chat: the real bot against the embedded harness, typed at like Telegram."""

from __future__ import annotations

import asyncio
import shlex
import sys
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from bot.config import Settings
from bot.harness.driver import BotHarness, FakeUser
from bot.harness.records import Event, MessageRecord
from bot.harness.render import Choice, render_message

BANNER = """\
esign-bot terminal chat: the real bot, a simulated Telegram. Type as you would in Telegram.
  a number        press that button          \\TEXT        send TEXT literally (e.g. \\1)
  /contact PHONE  share your own contact     /contact-other PHONE   share someone else's
  /file PATH      send a file                /user ID [NAME]        become another user
  /langcode CODE  your Telegram language     /quit (or Ctrl-D)      leave
"""
DEFAULT_PHONE = "+77010000001"


class TerminalChat:
    def __init__(self, harness: BotHarness, out: TextIO, *, color: bool) -> None:
        self.harness, self.out, self.color = harness, out, color
        self.choices: list[Choice] = []
        self.user: FakeUser = harness.user("Demo", language_code="ru", phone=DEFAULT_PHONE)
        harness.api.add_listener(self._on_event)

    def _on_event(self, event: Event, record: MessageRecord | None) -> None:
        if record is None or record.chat_id != self.user.chat.id:
            if event.kind == "answered" and event.detail:
                self._print(f"  (notice) {event.detail}")
            return
        if event.kind in ("sent", "document", "edited"):
            # Numbers keep pointing at the latest buttons until a message brings new ones.
            fresh: list[Choice] = []
            text = render_message(record, fresh, color=self.color)
            if fresh:
                self.choices = fresh
            prefix = "bot (edited)> " if event.kind == "edited" else "bot> "
            self._print(prefix + text)
        elif event.kind == "deleted":
            who = "the bot's" if record.from_bot else "your"
            self._print(f"  ({who} message #{record.message_id} was deleted)")

    def _print(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False when the person wants to leave."""
        line = line.rstrip("\n")
        if not line.strip():
            return True
        if line.startswith("\\"):
            await self.user.send(line[1:])
            return True
        if line.strip().isdigit() and self.choices:
            await self._press(int(line.strip()))
            return True
        command, _, rest = line.strip().partition(" ")
        special = {
            "/quit": self._quit,
            "/contact": self._contact,
            "/contact-other": self._contact_other,
            "/file": self._file,
            "/user": self._switch_user,
            "/langcode": self._langcode,
        }.get(command)
        if special is None:
            await self.user.send(line)
            return True
        return await special(rest.strip())

    async def _press(self, number: int) -> None:
        if not 1 <= number <= len(self.choices):
            self._print(f"  (no button {number}; there are {len(self.choices)})")
            return
        choice = self.choices[number - 1]
        if choice.inline and "callback_data" in choice.button:
            await self.user.press(data=choice.button["callback_data"], message=choice.message)
        elif choice.inline:
            link = choice.button.get("url") or choice.button.get("web_app", {}).get("url")
            self._print(f"  (a link: {link})")
        elif choice.button.get("request_contact"):
            await self.user.share_contact(self.user.account.phone or DEFAULT_PHONE)
        else:
            await self.user.send(choice.label)

    async def _quit(self, _: str) -> bool:
        return False

    async def _contact(self, phone: str) -> bool:
        if phone:
            self.user.account.phone = phone
        await self.user.share_contact(self.user.account.phone or DEFAULT_PHONE)
        return True

    async def _contact_other(self, phone: str) -> bool:
        await self.user.share_contact(phone or "+77019999999", own=False)
        return True

    async def _file(self, rest: str) -> bool:
        parts = shlex.split(rest) if rest else []
        if not parts:
            self._print("  (usage: /file PATH)")
            return True
        path = Path(parts[0])
        try:
            content = await asyncio.to_thread(_read_file, path)
        except OSError as exc:
            self._print(f"  (cannot read {path}: {exc.strerror})")
            return True
        await self.user.send_document(path.name, content)
        return True

    async def _switch_user(self, rest: str) -> bool:
        parts = rest.split(maxsplit=1)
        if not parts or not parts[0].isdigit():
            self._print("  (usage: /user ID [NAME])")
            return True
        user_id = int(parts[0])
        name = parts[1] if len(parts) > 1 else f"User {user_id}"
        existing = self.harness.api.accounts.get(user_id)
        if existing is not None:
            self.user = FakeUser(self.harness, existing, self.harness.api.chats[user_id])
        else:
            self.user = self.harness.user(
                name, user_id=user_id, language_code="ru", phone=DEFAULT_PHONE
            )
        self.choices = []
        self._print(f"  (you are now user {user_id}, {self.user.account.first_name})")
        return True

    async def _langcode(self, code: str) -> bool:
        self.user.account.language_code = code or None
        self._print(f"  (your Telegram language is now {code or 'unset'})")
        return True


async def run_terminal_chat(
    settings: Settings, *, stdin: TextIO | None = None, out: TextIO | None = None
) -> None:
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    if settings.pii_secret is None:
        # The embedded demo has no real personal data; it hashes phones with the demo key.
        settings = settings.model_copy(
            update={"pii_secret": SecretStr(settings.pii_key().decode())}
        )
    color = out.isatty()
    async with BotHarness(settings) as harness:
        chat = TerminalChat(harness, out, color=color)
        out.write(BANNER + "\n")
        if settings.webapp_url:
            out.write(f"The password check page (the Mini App): {settings.webapp_url}\n\n")
        out.flush()
        await chat.handle("/start")
        loop = asyncio.get_running_loop()
        while True:
            if stdin.isatty():
                out.write("you> ")
                out.flush()
            line = await loop.run_in_executor(None, stdin.readline)
            if not line:
                break
            if not await chat.handle(line):
                break


def _read_file(path: Path) -> bytes:
    return path.expanduser().read_bytes()
