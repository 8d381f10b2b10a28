"""A digest of folders' files, names and bytes: the key under which content built from them is
kept per process, so edited files are never served from what was built before."""

from __future__ import annotations

import hashlib
from pathlib import Path


def files_digest(root: Path, *folders: str) -> str:
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                data = path.read_bytes()
                digest.update(f"{path.relative_to(root)}\0{len(data)}\0".encode())
                digest.update(data)
    return digest.hexdigest()
