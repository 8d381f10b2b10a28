"""Retry loops must not outlive their task's cancellation.

A cancellation that reaches a database driver mid-call can surface as an ordinary exception
(the driver's own error about the interrupted operation). A loop that catches Exception and
retries would then swallow the cancellation and run for ever, and nothing could stop it: a
shutdown, a lost leadership or the end of a test would hang. Loops call this in their handler.
"""

from __future__ import annotations

import asyncio


def reraise_if_cancelled() -> None:
    """Raise CancelledError if the current task has been asked to stop."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
