"""Whether the bot may delete messages in a group, remembered for a minute.

Asking Telegram (getChatMember) before every deletion would double the guard's requests. The
answer lives in memory only: it is a cache, not state. A stale "yes" costs one refused
deleteMessage, after which the guard asks the admins instead and forgets the answer; my_chat_member
updates refresh it the moment an admin changes the bot's rights.
"""

from __future__ import annotations

import time
from collections.abc import Callable

RIGHTS_TTL = 60.0
# Expired entries are swept when the cache grows past this, so it stays small without a timer.
SWEEP_ABOVE = 10_000


class RightsCache:
    def __init__(
        self, ttl: float = RIGHTS_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl, self._clock = ttl, clock
        self._entries: dict[int, tuple[bool, float]] = {}

    def get(self, chat_id: int) -> bool | None:
        entry = self._entries.get(chat_id)
        if entry is None:
            return None
        can_delete, expires = entry
        if expires <= self._clock():
            del self._entries[chat_id]
            return None
        return can_delete

    def put(self, chat_id: int, can_delete: bool) -> None:
        now = self._clock()
        if len(self._entries) >= SWEEP_ABOVE:
            self._entries = {k: v for k, v in self._entries.items() if v[1] > now}
        self._entries[chat_id] = (can_delete, now + self._ttl)

    def forget(self, chat_id: int) -> None:
        self._entries.pop(chat_id, None)
