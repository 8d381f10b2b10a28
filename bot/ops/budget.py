"""The send budget shared by every instance of one bot token, in PostgreSQL.

One row per token holds the budget's cursor: the next send slot nobody has taken, slots being
numbered from the epoch at the configured rate (slot n is due at n / rate seconds, on the
database's clock). An instance leases a few slots at a time with one UPDATE that moves the
cursor (never further ahead of now than the asking lane's horizon) and returns the slots it
passed over; it then sends at those times without asking again. So the database sees one
statement per lease (up to eight slots), not per message, and all instances together never
have more slots than the rate gives. A lease that finds saved-up slots (due already, nobody
took them) takes up to eight of them even when it asked for fewer: the next few messages of a
quiet instance go without a trip to the database, and the cursor never passes now for them.
A 429 pushes the cursor past retry_after: every instance's next lease starts after it.

A lease needs no release: slots not used by their time (plus a grace) are simply lost. An
instance that dies holding a lease loses those few slots (at most eight, under half a second
of budget) and nothing else; nothing waits for it.

The per-group allowance (20 messages a minute) is a token bucket per group in a second table,
taken with one upsert per message to a group; a group's row idle for an hour holds a full
bucket, the same as no row, and housekeeping deletes it. Per-chat pacing of private chats
stays in each process (see bot/ops/sendqueue.py): one chat's notices and broadcast come from
the leader.
"""

from __future__ import annotations

import time

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.ops.lanes import Lane
from bot.ops.models import SendGroupBudget
from bot.ops.sendqueue import GROUP_BURST, GROUP_RATE, HORIZON, MAX_CHUNK, Grant
from bot.runtime import Deps

# The same arithmetic as sendqueue.cursor_grant, on the database's clock, in one statement.
_LEASE = text(
    """
    WITH c AS (
        SELECT t, CEIL(t * :rate)::bigint AS now_slot
        FROM (SELECT EXTRACT(EPOCH FROM clock_timestamp())::float8 AS t) AS clock
    ), s AS (
        SELECT c.t, c.now_slot, GREATEST(b.next_slot, c.now_slot - :burst) AS start
        FROM send_budget AS b, c WHERE b.name = :name FOR UPDATE OF b
    ), g AS (
        SELECT s.t, s.start, GREATEST(0, LEAST(
            GREATEST(:count, LEAST(:most, s.now_slot - s.start)),
            s.now_slot + :horizon - s.start
        )) AS n
        FROM s
    )
    UPDATE send_budget AS b
    SET granted = g.n, next_slot = g.start + g.n
    FROM g WHERE b.name = :name
    RETURNING b.next_slot, b.granted, g.t
    """
)
_HOLD = text(
    """
    UPDATE send_budget
    SET next_slot = GREATEST(
        next_slot,
        CEIL((EXTRACT(EPOCH FROM clock_timestamp())::float8 + :seconds) * :rate)::bigint
    )
    WHERE name = :name
    """
)
_CREATE = text(
    "INSERT INTO send_budget (name, next_slot, granted) VALUES (:name, 0, 0) "
    "ON CONFLICT (name) DO NOTHING"
)
_GROUP = text(
    """
    INSERT INTO send_group_budget AS g (name, chat_id, tokens, stamp, taken)
    VALUES (:name, :chat_id, :capacity - 1, EXTRACT(EPOCH FROM clock_timestamp())::float8, true)
    ON CONFLICT (name, chat_id) DO UPDATE SET
        tokens = LEAST(:capacity, g.tokens + (EXCLUDED.stamp - g.stamp) * :rate)
            - CASE WHEN LEAST(:capacity, g.tokens + (EXCLUDED.stamp - g.stamp) * :rate) >= 1
                   THEN 1 ELSE 0 END,
        taken = LEAST(:capacity, g.tokens + (EXCLUDED.stamp - g.stamp) * :rate) >= 1,
        stamp = EXCLUDED.stamp
    RETURNING g.tokens, g.taken
    """
)


def budget_name(token: str) -> str:
    """The bot's id (the token's public part): instances of one bot share one budget."""
    return f"bot{token.partition(':')[0]}"


class SharedSlots:
    """`Slots` leased from the budget row of this bot token."""

    def __init__(self, engine: AsyncEngine, name: str, rate: float, *, burst: float | None = None):
        self.engine = engine
        self.name = name
        self.rate = rate
        # Smaller than one instance's own: the harness and Telegram save up a second's worth.
        self.burst = int(rate / 2 if burst is None else burst)
        self._created = False
        self.leases = 0

    async def _ensure_row(self) -> None:
        if not self._created:
            async with self.engine.begin() as conn:
                await conn.execute(_CREATE, {"name": self.name})
            self._created = True

    async def take(self, count: int, lane: Lane) -> Grant:
        await self._ensure_row()
        horizon = max(1, int(HORIZON[lane] * self.rate))
        before = time.monotonic()
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    _LEASE,
                    {
                        "name": self.name,
                        "rate": self.rate,
                        "burst": self.burst,
                        "count": count,
                        "most": max(count, MAX_CHUNK),
                        "horizon": horizon,
                    },
                )
            ).one()
        after = time.monotonic()
        self.leases += 1
        cursor, granted, db_now = int(row[0]), int(row[1]), float(row[2])
        # The database's clock read mid-statement: about halfway through the round trip here.
        offset = (before + after) / 2 - db_now
        if granted == 0:
            return Grant(retry_at=(cursor - horizon) / self.rate + offset)
        start = cursor - granted
        return Grant(times=tuple((start + i) / self.rate + offset for i in range(granted)))

    async def hold(self, seconds: float) -> None:
        await self._ensure_row()
        async with self.engine.begin() as conn:
            await conn.execute(
                _HOLD,
                {"name": self.name, "seconds": seconds, "rate": self.rate},
            )


class SharedGroupLimit:
    """`GroupLimit` counted in PostgreSQL, so all instances together keep 20 a minute."""

    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self.engine = engine
        self.name = name

    async def take(self, chat_id: int) -> float:
        async with self.engine.begin() as conn:
            tokens, taken = (
                await conn.execute(
                    _GROUP,
                    {
                        "name": self.name,
                        "chat_id": chat_id,
                        "capacity": GROUP_BURST,
                        "rate": GROUP_RATE,
                    },
                )
            ).one()
        return 0.0 if taken else (1.0 - float(tokens)) / GROUP_RATE


# A bucket refills in GROUP_BURST / GROUP_RATE seconds (a minute); an hour leaves room for
# any difference between this machine's clock and the database's.
IDLE_GROUP = 3600.0


async def purge_idle_groups(deps: Deps) -> int:
    """Forget the allowances of groups sent nothing for an hour (housekeeping)."""
    async with deps.sessionmaker() as session, session.begin():
        result = await session.execute(
            delete(SendGroupBudget).where(SendGroupBudget.stamp < time.time() - IDLE_GROUP)
        )
    return int(getattr(result, "rowcount", 0) or 0)
