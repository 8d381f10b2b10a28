"""Where password checks run: worker processes, so they cannot starve the event loop.

zxcvbn is pure Python and CPU-bound: run in a thread it holds the GIL, and under a flood of
checks the bot's replies to everyone else slowed 55-fold at p99 (bench_password_concurrency.py).
A worker process has a GIL of its own. The password travels to it over a pipe, in memory only;
a failure comes back as its type and location, never its message.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor
from functools import partial
from pathlib import Path

from bot import content
from bot.passwords.checker import check_password
from bot.passwords.resources import resources
from bot.passwords.verdict import PasswordVerdict

log = logging.getLogger(__name__)

_TRACE_FRAMES = 4
# A check whose worker died is tried once more on a fresh pool: the death may be another
# check's doing. If its own input kills the worker again, it fails.
_ATTEMPTS = 2
# Starting a worker loads the dictionaries: a few seconds on a loaded machine.
REVIVE_TIMEOUT = 20.0


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


def start_worker(content_dir: Path) -> None:
    content.use(content_dir)
    resources()


class CheckPool:
    """`workers` processes rate passwords; with 0, a thread of this process does (tests).

    A worker can die (killed, out of memory); CPython then marks the whole pool broken and
    every later submit fails at once. The pool is replaced when that is seen, by a check (which
    is then tried once more) or by /healthz (`revive`), and each replacement is counted.
    """

    def __init__(self, workers: int, *, initializer: Callable[[], object] | None = None) -> None:
        self.workers = workers
        self.restarts = 0
        # A spawned worker starts with the packaged content: it is told which directory is
        # in use, and loads the dictionaries before its first check.
        self._initializer = initializer or partial(start_worker, content.directory())
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor | None:
        if self.workers and self._executor is None:
            # spawn, not fork: forking a process that runs an event loop and threads is unsafe.
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=self._initializer,
            )
        return self._executor

    @property
    def broken(self) -> bool:
        """A worker died and the pool has not been replaced yet."""
        # Set by CPython's executor when a worker exits abruptly (there is no public flag).
        return self._executor is not None and bool(getattr(self._executor, "_broken", False))

    async def check(self, password: str, user_inputs: Sequence[str]) -> PasswordVerdict:
        loop = asyncio.get_running_loop()
        for attempt in range(1, _ATTEMPTS + 1):
            executor = self._pool()
            try:
                result = await loop.run_in_executor(executor, checked, password, tuple(user_inputs))
            except BrokenExecutor:
                if attempt == _ATTEMPTS:
                    # Left broken, so /healthz sees it; the next check or probe replaces it.
                    raise PasswordCheckError(
                        "the password worker died twice in one check"
                    ) from None
                self._replace(executor)
                continue
            if isinstance(result, str):
                raise PasswordCheckError(result)
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    async def revive(self, within: float = REVIVE_TIMEOUT) -> bool:
        """Replace a broken pool and wait for a worker to answer; False if none does."""
        if not self.broken:
            return True
        self._replace(self._executor)
        try:
            async with asyncio.timeout(within):
                await asyncio.get_running_loop().run_in_executor(self._pool(), os.getpid)
        except (BrokenExecutor, TimeoutError):
            log.error("password workers cannot be started")
            return False
        return not self.broken

    def _replace(self, executor: Executor | None) -> None:
        """Drop the broken pool (once, however many checks saw it break); the next use starts
        a new one."""
        current = self._executor
        if current is None or executor is not current:
            return
        self._executor = None
        current.shutdown(wait=False, cancel_futures=True)
        self.restarts += 1
        log.error("a password worker died; the pool is restarted (restart %d)", self.restarts)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
