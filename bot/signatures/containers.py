"""Recognise private-key containers (.p12 and friends) without ever opening them.

Key containers are deleted on sight. Recognition never decrypts, parses a key or runs a
library loader on the bytes: it compares file names and the first few dozen bytes of
structure, so a renamed ``report.pdf`` that is really a PKCS#12 file is caught, while PDFs,
Office files, images and public certificates pass.
"""

import binascii
import re

from bot.signatures.der import (
    INTEGER,
    OBJECT_IDENTIFIER,
    OCTET_STRING,
    SEQUENCE,
    Header,
    first_child,
    next_sibling,
    read_header,
    read_value,
)

# Read at least this much of a file before deciding; more is fine (a PEM key block may
# follow a certificate chain).
HEAD_BYTES = 4096

KEY_CONTAINER_EXTENSIONS = frozenset(
    {".p12", ".pfx", ".jks", ".jceks", ".bks", ".key", ".keystore", ".p8", ".pk8"}
)

_PEM_PRIVATE_KEY = re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
_JAVA_KEYSTORE_MAGICS = (b"\xfe\xed\xfe\xed", b"\xce\xce\xce\xce")  # JKS, JCEKS
_PKCS7_DATA = bytes.fromhex("2a864886f70d010701")
_PKCS7_SIGNED_DATA = bytes.fromhex("2a864886f70d010702")
_PKCS5_OID_PREFIX = bytes.fromhex("2a864886f70d0105")  # PBES2 and PBES1 schemes
_PKCS12_PBE_OID_PREFIX = bytes.fromhex("2a864886f70d010c01")
_PKCS12_VERSION = 3
_MIN_RSA_MODULUS_BYTES = 64
_EC_KEY_BYTES = range(16, 81)
# Base64 text of a DER SEQUENCE with a long-form length starts with "MI".
_BASE64_DER_START = b"MI"
_BASE64_PROBE_CHARS = 128
_BASE64_CHARS = re.compile(rb"[A-Za-z0-9+/=]+")


def is_key_container_name(filename: str | None) -> bool:
    """True if the name alone says key container (``.p12``, ``.pfx``, ``.jks``, ``.key``...).

    For deciding before a download. False proves nothing: a renamed container or a ``.pem``
    holding a private key is only caught by :func:`looks_like_key_container` on the content.
    """
    if not filename:
        return False
    # Windows drops trailing dots and spaces, so "key.p12 ." opens as key.p12.
    name = filename.strip().rstrip(". ").lower()
    dot = name.rfind(".")
    return dot >= 0 and name[dot:] in KEY_CONTAINER_EXTENSIONS


def looks_like_key_container(filename: str | None, head: bytes) -> bool:
    """True if the file is a private-key container by its name or by its first bytes.

    ``head`` is the start of the file (at least :data:`HEAD_BYTES`, or the whole file).
    Detected by content: PKCS#12 (DER or BER), JKS/JCEKS, PEM private keys of any kind, DER
    PKCS#8 (plain or encrypted), PKCS#1 RSA and SEC1 EC private keys, and PKCS#12 or DER
    keys pasted as bare base64.
    """
    return is_key_container_name(filename) or _content_is_key(head)


def _content_is_key(head: bytes) -> bool:
    if head.startswith(_JAVA_KEYSTORE_MAGICS):
        return True
    if _PEM_PRIVATE_KEY.search(head):
        return True
    if _is_der_key(head):
        return True
    decoded = _decode_base64_start(head)
    return decoded is not None and _is_der_key(decoded)


def _is_der_key(data: bytes) -> bool:
    outer = read_header(data)
    if outer is None or outer.tag != SEQUENCE:
        return False
    first = first_child(data, outer)
    if first is None:
        return False
    if first.tag == INTEGER:
        return _is_versioned_key(data, first)
    if first.tag == SEQUENCE:
        return _is_encrypted_pkcs8(data, first)
    return False


def _is_versioned_key(data: bytes, version_header: Header) -> bool:
    """PKCS#12 (version 3), PKCS#8 (0/1), PKCS#1 RSA (0) or SEC1 EC (1) private key."""
    version = read_value(data, version_header)
    if version is None or len(version) != 1:
        return False
    second = next_sibling(data, version_header)
    if second is None:
        return False
    if version[0] == _PKCS12_VERSION:
        return second.tag == SEQUENCE and _oid_in(
            data, first_child(data, second), {_PKCS7_DATA, _PKCS7_SIGNED_DATA}
        )
    if version[0] in (0, 1) and second.tag == SEQUENCE:
        oid = first_child(data, second)
        return oid is not None and oid.tag == OBJECT_IDENTIFIER
    if version[0] == 0 and second.tag == INTEGER:
        return second.length is not None and second.length >= _MIN_RSA_MODULUS_BYTES
    if version[0] == 1 and second.tag == OCTET_STRING:
        return second.length in _EC_KEY_BYTES
    return False


def _is_encrypted_pkcs8(data: bytes, algorithm: Header) -> bool:
    oid = first_child(data, algorithm)
    if oid is None or oid.tag != OBJECT_IDENTIFIER:
        return False
    value = read_value(data, oid)
    return value is not None and value.startswith((_PKCS5_OID_PREFIX, _PKCS12_PBE_OID_PREFIX))


def _oid_in(data: bytes, header: Header | None, accepted: set[bytes]) -> bool:
    if header is None or header.tag != OBJECT_IDENTIFIER:
        return False
    return read_value(data, header) in accepted


def _decode_base64_start(head: bytes) -> bytes | None:
    text = head.lstrip()
    if not text.startswith(_BASE64_DER_START):
        return None
    chunk = b"".join(text[: _BASE64_PROBE_CHARS * 2].split())[:_BASE64_PROBE_CHARS]
    match = _BASE64_CHARS.match(chunk)
    if match is None:
        return None
    usable = match.group()
    usable = usable[: len(usable) - len(usable) % 4]
    try:
        return binascii.a2b_base64(usable)
    except binascii.Error:
        return None
