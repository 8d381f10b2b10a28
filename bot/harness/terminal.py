"""The terminal chat: the real bot against the embedded harness, typed at like Telegram.

A demo that survives a restart: the bot's state is in the database under BOT_DATA_DIR, the
simulated Telegram's in BOT_DATA_DIR/terminal-chat.json (demo_state.py), and update numbering
continues above what the database remembers handling. Its people, phones and work chat are
content/demo/cast.toml (demo.py); sample files are made on the first run (demo_files.py).
"""

from __future__ import annotations

import asyncio
import shlex
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.harness import demo, demo_files
from bot.harness.demo_state import STATE_FILE, ChatState, SavedAccount, load_state, save_state
from bot.harness.driver import BotHarness, FakeUser
from bot.harness.records import ChatRecord, Event, FakeAccount, MessageRecord
from bot.harness.render import Choice, render_message

COMMANDS = """\
esign-bot terminal chat: the real bot, a simulated Telegram. Type as you would in Telegram.
  a number           press that button (only while buttons are on screen; otherwise it is text)
  \\TEXT              send TEXT literally (e.g. \\1)
  /contact [PHONE]   share your own contact (without PHONE: your demo phone)
  /contact-other PHONE   share someone else's contact (the bot must refuse it)
  /file [NAME|PATH]  send a file; /file alone lists the sample files
  /user ID [NAME]    become another user (messages they got meanwhile are shown)
  /group, /private   speak in the demo work chat, or back in your private chat
  /langcode CODE     your Telegram app language (kk, ru, en, …)
  /inline WORDS      what `@bot WORDS` offers in any chat (inline mode; empty: featured cards)
  /demo              this help again        /quit (or Ctrl-D)   leave (the demo is kept)"""
DEFAULT_LANGUAGE = "ru"

Special = Callable[[str], Awaitable[bool]]


class TerminalChat:
    def __init__(
        self,
        harness: BotHarness,
        out: TextIO,
        *,
        color: bool,
        cast: demo.Cast,
        state: ChatState,
        files: Path | None = None,
        state_path: Path | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.harness, self.out, self.color = harness, out, color
        self.cast, self.state, self.files = cast, state, files
        self.state_path, self.log_path = state_path, log_path
        # Buttons on screen, numbered from 1; None where a message lost its buttons.
        self.choices: list[Choice | None] = []
        self._fresh_reply = False
        # Bot messages to other people's private chats, shown when you become them.
        self.inbox: dict[int, dict[int, MessageRecord]] = {}
        self.muted = False
        self.group = self._restore_world()
        self.user = self._account(state.user_id or cast.first)
        self.in_group = state.in_group
        harness.api.add_listener(self._on_event)

    # ---- the simulated world -----------------------------------------------------------------

    @property
    def chat(self) -> ChatRecord:
        return self.group if self.in_group else self.user.chat

    def _restore_world(self) -> ChatRecord:
        api = self.harness.api
        for person in self.cast.people:
            saved = self.state.accounts.get(person.id)
            api.add_account(
                FakeAccount(
                    id=person.id,
                    first_name=saved.first_name if saved else person.name,
                    language_code=saved.language_code if saved else person.language,
                    phone=saved.phone if saved else demo.demo_phone(person.id),
                )
            )
        for user_id, saved in self.state.accounts.items():
            if user_id not in api.accounts:
                api.add_account(
                    FakeAccount(
                        id=user_id,
                        first_name=saved.first_name,
                        language_code=saved.language_code,
                        phone=saved.phone,
                    )
                )
        spec = self.cast.group
        group = api.add_group(spec.id, spec.title)
        group.members = {p.id: "member" for p in self.cast.people}
        group.members[spec.admin] = "creator"
        group.bot_status = "administrator" if self.state.group_joined else "left"
        group.bot_can_delete = self.state.group_joined
        for chat_id, next_id in self.state.next_message_ids.items():
            # The bot remembers message ids (votes, progress messages): never reuse one.
            if (chat := api.chats.get(chat_id)) is not None:
                chat.next_message_id = max(chat.next_message_id, next_id)
        return group

    def _account(self, user_id: int, name: str | None = None) -> FakeUser:
        api = self.harness.api
        existing = api.accounts.get(user_id)
        if existing is not None:
            return FakeUser(self.harness, existing, api.chats[user_id])
        return self.harness.user(
            name or f"User {user_id}",
            user_id=user_id,
            language_code=DEFAULT_LANGUAGE,
            phone=demo.demo_phone(user_id),
        )

    async def set_the_scene(self) -> None:
        """The first run, quietly: everyone but you has started the bot (so warnings reach
        them), and the group's admin has added the bot with the right to delete messages."""
        if self.state.group_joined:
            return
        self.muted = True
        try:
            for person in self.cast.people:
                if person.id != self.user.id:
                    await self._account(person.id).send("/start")
            admin = self._account(self.cast.group.admin)
            await self.harness.change_bot_status(
                self.group, "administrator", by=admin, from_status="left"
            )
        finally:
            self.muted = False
        self.state.group_joined = True

    def save(self) -> None:
        api = self.harness.api
        self.state.next_update_id = api.next_update_id
        self.state.user_id = self.user.id
        self.state.in_group = self.in_group
        self.state.accounts = {
            a.id: SavedAccount(a.first_name, a.language_code, a.phone)
            for a in api.accounts.values()
        }
        self.state.next_message_ids = {c.id: c.next_message_id for c in api.chats.values()}
        if self.state_path is not None:
            save_state(self.state_path, self.state)

    # ---- what the bot does -------------------------------------------------------------------

    def _on_event(self, event: Event, record: MessageRecord | None) -> None:
        if self.muted or event.kind == "user_message":
            return
        if event.kind == "answered":
            # Only the person pressing gets a callback answer: that is always you.
            if event.detail:
                self.say(f"  (notice) {event.detail}")
            return
        if record is None:
            return
        if record.chat_id == self.chat.id:
            self._show(event, record)
        elif record.chat_id == self.group.id:
            self._show_elsewhere(event, record, f"[{self.group.title}] ")
        elif record.chat_id in self.harness.api.accounts:
            self._to_inbox(event, record)

    def _show(self, event: Event, record: MessageRecord) -> None:
        if event.kind in ("sent", "document", "photo"):
            if self._fresh_reply:
                # The first message of a reply: numbers now mean its buttons (or none).
                self.choices, self._fresh_reply = [], False
            text, fresh = render_message(record, color=self.color, first=len(self.choices) + 1)
            self.choices.extend(fresh)
            self.say("bot> " + text)
        elif event.kind == "edited":
            if record.buttons or record.keyboard:
                text, fresh = render_message(record, color=self.color)
                self.choices = list(fresh)
            else:
                self._forget_buttons_of(record)
                text, _ = render_message(record, color=self.color)
            self.say("bot (edited)> " + text)
        elif event.kind == "deleted":
            self._forget_buttons_of(record)
            who = "the bot's" if record.from_bot else self._name(record.sender_id) + "'s"
            self.say(f"  ({who} message #{record.message_id} was deleted)")

    def _show_elsewhere(self, event: Event, record: MessageRecord, prefix: str) -> None:
        """The work chat while you are in your private chat: shown, but its buttons are not
        numbered (go there with /group to press them)."""
        if event.kind in ("sent", "document", "photo", "edited"):
            text, _ = render_message(record, color=self.color)
            self.say(f"{prefix}bot> " + text)
        elif event.kind == "deleted":
            who = "the bot's" if record.from_bot else self._name(record.sender_id) + "'s"
            self.say(f"{prefix}  ({who} message #{record.message_id} was deleted)")

    def _to_inbox(self, event: Event, record: MessageRecord) -> None:
        box = self.inbox.setdefault(record.chat_id, {})
        if event.kind == "deleted":
            box.pop(record.message_id, None)
            return
        if event.kind not in ("sent", "document", "photo", "edited") or not record.from_bot:
            return
        if record.message_id not in box and event.kind != "edited":
            if record.chat_id == self.user.id:
                self.say("  (you got a message in your private chat; /private to read it)")
            else:
                name = self._name(record.chat_id)
                self.say(f"  ({name} got a message; /user {record.chat_id} to read it)")
        box[record.message_id] = record

    def _forget_buttons_of(self, record: MessageRecord) -> None:
        self.choices = [None if c is not None and c.message is record else c for c in self.choices]

    def _name(self, user_id: int) -> str:
        account = self.harness.api.accounts.get(user_id)
        return account.first_name if account else f"user {user_id}"

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    # ---- what you type -------------------------------------------------------------------------

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False when the person wants to leave."""
        line = line.rstrip("\n")
        stripped = line.strip()
        if not stripped:
            return True
        try:
            return await self._dispatch(line, stripped)
        except AssertionError as exc:  # the harness's "the bot did not answer in time"
            self.say(f"  ({exc}; the log has the details)")
            return True
        finally:
            self.save()

    async def _dispatch(self, line: str, stripped: str) -> bool:
        if line.startswith("\\"):
            await self._send(line[1:])
            return True
        if stripped.isdigit() and any(c is not None for c in self.choices):
            await self._press(int(stripped))
            return True
        command, _, rest = stripped.partition(" ")
        specials: dict[str, Special] = {
            "/quit": self._quit,
            "/contact": self._contact,
            "/contact-other": self._contact_other,
            "/file": self._file,
            "/user": self._switch_user,
            "/group": self._to_group,
            "/private": self._to_private,
            "/langcode": self._langcode,
            "/inline": self._inline,
            "/demo": self._help,
        }
        special = specials.get(command)
        if special is None:
            await self._send(line)
            return True
        return await special(rest.strip())

    async def _send(self, text: str) -> None:
        self._fresh_reply = True
        await self.user.send(text, chat=self.chat)

    async def _press(self, number: int) -> None:
        if not 1 <= number <= len(self.choices):
            self.say(
                f"  (no button {number}; there are {len(self.choices)}. "
                f"To send {number} as text, type \\{number})"
            )
            return
        choice = self.choices[number - 1]
        if choice is None:
            self.say(f"  (button {number} is gone: its message changed)")
            return
        self._fresh_reply = True
        if choice.inline and "callback_data" in choice.button:
            await self.user.press(data=choice.button["callback_data"], message=choice.message)
        elif choice.inline:
            link = choice.button.get("url") or choice.button.get("web_app", {}).get("url")
            self.say(f"  (a link: {link})")
        elif choice.button.get("request_contact"):
            await self.user.share_contact(self._phone(), chat=self.chat)
        else:
            await self.user.send(choice.label, chat=self.chat)

    def _phone(self) -> str:
        return self.user.account.phone or demo.demo_phone(self.user.id)

    async def _quit(self, _: str) -> bool:
        return False

    async def _contact(self, phone: str) -> bool:
        if phone:
            self.user.account.phone = phone
        self._fresh_reply = True
        await self.user.share_contact(self._phone(), chat=self.chat)
        return True

    async def _contact_other(self, phone: str) -> bool:
        self._fresh_reply = True
        await self.user.share_contact(phone or "+77019999999", own=False, chat=self.chat)
        return True

    async def _file(self, rest: str) -> bool:
        try:
            parts = shlex.split(rest) if rest else []
        except ValueError:
            parts = [rest]
        if not parts:
            self._list_files()
            return True
        path = Path(parts[0])
        if self.files is not None and (self.files / parts[0]).is_file() and path.name == parts[0]:
            path = self.files / parts[0]
        try:
            content = await asyncio.to_thread(_read_file, path)
        except OSError as exc:
            self.say(f"  (cannot read {path}: {exc.strerror}; /file lists the sample files)")
            return True
        self._fresh_reply = True
        await self.user.send_document(path.name, content, chat=self.chat)
        return True

    def _list_files(self) -> None:
        if self.files is None:
            self.say("  (usage: /file PATH)")
            return
        self.say(f"  (sample files, in {self.files}; send one with /file NAME)")
        for sample in demo_files.SAMPLES:
            self.say(f"    {sample.name:<22} {sample.what}")

    async def _switch_user(self, rest: str) -> bool:
        parts = rest.split(maxsplit=1)
        if not parts or not parts[0].isdigit() or not 0 < int(parts[0]) < 10**15:
            self.say("  (usage: /user ID [NAME]; /demo lists the demo's people)")
            return True
        user_id = int(parts[0])
        self.user = self._account(user_id, parts[1] if len(parts) > 1 else None)
        person = self.cast.person(user_id)
        role = f": {person.role}" if person else ""
        self.say(f"  (you are now user {user_id}, {self.user.account.first_name}{role})")
        self.choices, self._fresh_reply = [], False
        if self.in_group:
            if self.inbox.get(user_id):
                self.say("  (messages are waiting in your private chat: /private to read them)")
        else:
            self._show_waiting()
        return True

    def _show_waiting(self) -> None:
        """What the bot sent to your private chat while you were someone else, or in the group."""
        waiting = [r for r in self.inbox.pop(self.user.id, {}).values() if not r.deleted]
        if waiting:
            self.say(f"  (while you were away the bot sent {len(waiting)} message(s):)")
        for record in waiting:
            text, fresh = render_message(record, color=self.color, first=len(self.choices) + 1)
            self.choices.extend(fresh)
            self.say("bot> " + text)

    async def _to_group(self, _: str) -> bool:
        self.in_group = True
        self.group.members.setdefault(self.user.id, "member")
        self.choices, self._fresh_reply = [], False
        self.say(
            f"  (you now write in the group «{self.group.title}» as {self.user.account.first_name};"
            " the bot is its administrator and removes shared keys and passwords."
            " /file aigerim-keys.p12 or a password tests it; /private to go back)"
        )
        return True

    async def _to_private(self, _: str) -> bool:
        self.in_group = False
        self.choices, self._fresh_reply = [], False
        self.say(f"  (back in your private chat with the bot, as {self.user.account.first_name})")
        self._show_waiting()
        return True

    async def _inline(self, words: str) -> bool:
        answer = await self.user.inline(words)
        if answer is None:
            self.say("  (no answer: the bot ignored the query)")
            return True
        for number, result in enumerate(answer.results, 1):
            link = result.get("reply_markup", {}).get("inline_keyboard", [[{}]])[0][0].get("url")
            self.say(f"  [{number}] {result['title']}\n      {result.get('description', '')}")
            if link:
                self.say(f"      → {link}")
        if not answer.results:
            self.say(f"  (no results) {(answer.button or {}).get('text', '')}")
        return True

    async def _langcode(self, code: str) -> bool:
        self.user.account.language_code = code or None
        self.say(f"  (your Telegram language is now {code or 'unset'})")
        return True

    async def _help(self, _: str) -> bool:
        self.say(self.help_text())
        return True

    def help_text(self) -> str:
        people = "\n".join(
            f"  /user {p.id:<3} {p.name} ({p.language}, phone {demo.demo_phone(p.id)}): {p.role}"
            for p in self.cast.people
        )
        where = f"\nLog lines go to {self.log_path}." if self.log_path else ""
        return f"{COMMANDS}\nThe demo's people:\n{people}{where}\n"


async def run_terminal_chat(
    settings: Settings,
    *,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    log_path: Path | None = None,
) -> None:
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    cast = demo.load_cast(settings.content_dir)
    settings = demo.demo_settings(settings, cast)
    data_dir = settings.bot_data_dir
    state_path = data_dir / STATE_FILE
    state = load_state(state_path)
    files = await asyncio.to_thread(demo_files.ensure_sample_files, data_dir)
    async with BotHarness(settings) as harness:
        deps = harness.application.deps
        # The database remembers the update ids it handled: number on from above them.
        handled = await demo.last_handled_update(deps.sessionmaker)
        harness.api.continue_numbering(max(state.next_update_id, handled + 1))
        if settings.demo_mode:
            # Each feature's part of the demo world: the sample registry, the heads, …
            for feature in deps.features:
                if feature.ops.demo is not None:
                    await feature.ops.demo(settings)
        chat = TerminalChat(
            harness,
            out,
            color=out.isatty(),
            cast=cast,
            state=state,
            files=files,
            state_path=state_path,
            log_path=log_path,
        )
        returning = not state.is_new
        await chat.set_the_scene()
        out.write(chat.help_text() + "\n")
        if settings.webapp_url:
            out.write(f"The password check page (the Mini App): {settings.webapp_url}\n\n")
        out.flush()
        if returning:
            where = f"the group «{chat.group.title}»" if chat.in_group else "your private chat"
            chat.say(
                f"  (welcome back: you are user {chat.user.id}, {chat.user.account.first_name},"
                f" in {where}; the bot remembers what you did before)"
            )
            await chat.handle("/menu")
        else:
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
        chat.save()


def _read_file(path: Path) -> bytes:
    return path.expanduser().read_bytes()
