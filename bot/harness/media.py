"""Photos as the Bot API checks them: a real image, within Telegram's size and shape limits."""

from __future__ import annotations

import struct
from dataclasses import dataclass

# Telegram's documented limits for sendPhoto / sendMediaGroup photos.
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_SIDES = 10_000  # width + height
MAX_PHOTO_RATIO = 20
MIN_MEDIA_GROUP, MAX_MEDIA_GROUP = 2, 10

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE})


class PhotoError(ValueError):
    """Why Telegram would refuse the photo (its own wording where it has one)."""


@dataclass(frozen=True)
class Photo:
    kind: str  # "png" | "jpeg"
    width: int
    height: int
    size: int


def _png_size(data: bytes) -> tuple[int, int]:
    # The first chunk must be IHDR: length (4), type (4), width (4), height (4).
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise PhotoError("IMAGE_PROCESS_FAILED")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _jpeg_size(data: bytes) -> tuple[int, int]:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise PhotoError("IMAGE_PROCESS_FAILED")
        marker = data[at + 1]
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        if marker in _JPEG_SOF and at + 9 <= len(data):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return int(width), int(height)
        at += 2 + length
    raise PhotoError("IMAGE_PROCESS_FAILED")


def inspect_photo(data: bytes) -> Photo:
    """The photo's kind and size, or PhotoError as the Bot API would answer."""
    if not data:
        raise PhotoError("there is no photo in the request")
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoError("PHOTO_SAVE_FILE_INVALID")
    if data.startswith(PNG_SIGNATURE):
        kind, (width, height) = "png", _png_size(data)
    elif data.startswith(b"\xff\xd8"):
        kind, (width, height) = "jpeg", _jpeg_size(data)
    else:
        raise PhotoError("IMAGE_PROCESS_FAILED")
    if width <= 0 or height <= 0:
        raise PhotoError("IMAGE_PROCESS_FAILED")
    if width + height > MAX_PHOTO_SIDES:
        raise PhotoError("PHOTO_INVALID_DIMENSIONS")
    if max(width, height) / min(width, height) > MAX_PHOTO_RATIO:
        raise PhotoError("PHOTO_INVALID_DIMENSIONS")
    return Photo(kind, width, height, len(data))
