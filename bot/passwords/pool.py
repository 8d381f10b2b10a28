"""Where password checks run: worker processes, so they cannot starve the event loop.

zxcvbn is pure Python and CPU-bound: run in a thread it holds the GIL, and under a flood of
checks the bot's replies to everyone else slowed 55-fold at p99 (bench_password_concurrency.py).
A worker process has a GIL of its own. The password travels to it over a pipe, in memory only;
a failure comes back as its type and location, never its message.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import traceback
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

from bot.passwords.checker import check_password
from bot.passwords.resources import resources
from bot.passwords.verdict import PasswordVerdict

_TRACE_FRAMES = 4


class PasswordCheckError(RuntimeError):
    """A check failed. Names the original exception's type and where it was raised, never its
    message or arguments, which could quote the password."""


def describe_failure(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)[-_TRACE_FRAMES:]
    trail = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames))
    return f"{type(exc).__name__} at {trail}" if trail else type(exc).__name__


def checked(password: str, user_inputs: Sequence[str]) -> PasswordVerdict | str:
    """The check, or a description of its failure: nothing else may cross the process edge."""
    try:
        return check_password(password, user_inputs)
    except Exception as exc:  # any failure: reported by type and place only
        return describe_failure(exc)


class CheckPool:
    """`workers` processes rate passwords; with 0, a thread of this process does (tests)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor: Executor | None = None

    def _pool(self) -> Executor | None:
        if self.workers and self._executor is None:
            # spawn, not fork: forking a process that runs an event loop and threads is unsafe.
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=resources,
            )
        return self._executor

    async def check(self, password: str, user_inputs: Sequence[str]) -> PasswordVerdict:
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(self._pool(), checked, password, tuple(user_inputs))
        if isinstance(result, str):
            raise PasswordCheckError(result)
        return result

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
