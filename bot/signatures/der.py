"""Just enough DER/BER reading to recognise a file format from its first bytes.

Only tag-length headers and a few short values are read; nothing is decoded or decrypted,
and truncated input simply fails to match.
"""

from dataclasses import dataclass

SEQUENCE = 0x30
INTEGER = 0x02
OCTET_STRING = 0x04
OBJECT_IDENTIFIER = 0x06

_CONSTRUCTED = 0x20
_HIGH_TAG = 0x1F
_INDEFINITE = 0x80
_MAX_LENGTH_OCTETS = 4


@dataclass(frozen=True, slots=True)
class Header:
    tag: int
    length: int | None  # None: BER indefinite length (Java tools write PKCS#12 this way)
    value_offset: int


def read_header(data: bytes, offset: int = 0) -> Header | None:
    """The tag-length header at ``offset``, or None if it is truncated or not plausible."""
    if offset + 2 > len(data):
        return None
    tag = data[offset]
    if tag & _HIGH_TAG == _HIGH_TAG:
        return None
    first = data[offset + 1]
    position = offset + 2
    if first < _INDEFINITE:
        return Header(tag, first, position)
    if first == _INDEFINITE:
        return Header(tag, None, position) if tag & _CONSTRUCTED else None
    count = first & 0x7F
    if count > _MAX_LENGTH_OCTETS or position + count > len(data):
        return None
    return Header(tag, int.from_bytes(data[position : position + count], "big"), position + count)


def read_value(data: bytes, header: Header) -> bytes | None:
    """The value of a definite-length element if all of it is in ``data``."""
    if header.length is None or header.value_offset + header.length > len(data):
        return None
    return data[header.value_offset : header.value_offset + header.length]


def first_child(data: bytes, parent: Header | None) -> Header | None:
    """The first element inside a constructed element."""
    if parent is None or not parent.tag & _CONSTRUCTED:
        return None
    return read_header(data, parent.value_offset)


def next_sibling(data: bytes, element: Header | None) -> Header | None:
    """The element that follows a definite-length element."""
    if element is None or element.length is None:
        return None
    return read_header(data, element.value_offset + element.length)
