"""The audit log's hash chain: each entry's hash covers its contents and the previous hash.

Changing, removing or inserting an entry breaks the chain at that point; `esign-bot audit
verify` finds the first broken link. The hash is computed in Python from a canonical JSON form
of the values as stored, so SQLite and PostgreSQL give the same hashes for the same log.
The format is versioned: a change to it must come with a new version, never a silent edit.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

VERSION = "v1"
GENESIS = "0" * 64  # the "previous hash" of the first entry


def entry_hash(
    prev_hash: str, at: datetime, actor: str, action: str, subject: str, details: dict[str, Any]
) -> str:
    canonical = json.dumps(
        [
            VERSION,
            prev_hash,
            at.astimezone(UTC).isoformat(timespec="microseconds"),
            actor,
            action,
            subject,
            details,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
