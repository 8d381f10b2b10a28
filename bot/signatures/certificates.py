"""Read a public certificate a citizen sends: who it names, who issued it, how long it lasts.

Accepts DER, PEM, or a PEM bundle (the first certificate is read). Problems raise
:class:`CertificateError` with one of the stable keys ``too_large`` (over 64 KiB),
``not_certificate`` (some other kind of file) or ``malformed`` (shaped like a certificate
but unreadable).

What a certificate says is only the holder's claim until its issuer is checked
(:func:`bot.signatures.issuers.find_issuer`). Run
:func:`bot.signatures.containers.looks_like_key_container` first: a PEM file may carry a
private key next to the certificate.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from bot.signatures.der import SEQUENCE, first_child, read_header
from bot.signatures.enums import KeyType
from bot.signatures.errors import InputError
from bot.signatures.identifiers import has_valid_check_digit
from bot.signatures.serials import serial_to_hex
from bot.signatures.text import clean_text

MAX_CERTIFICATE_BYTES = 64 * 1024

# The first BEGIN line, then the first END line after it: two linear searches. (One regex
# "BEGIN.+?END" retried its lazy scan from every BEGIN line: 64 KiB of them took 1.3 s.)
_PEM_BEGIN = re.compile(rb"-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----")
_PEM_END = re.compile(rb"-----END (?:X509 |TRUSTED )?CERTIFICATE-----")
_PEM_ANY = b"-----BEGIN "
_IIN_SERIAL = re.compile(r"IIN([0-9]{12})")
_BIN_SERIAL = re.compile(r"BIN([0-9]{12})")
# organizationIdentifier is "BIN…" in NCA style or "NTRKZ-…" in the ETSI EN 319 412 style.
_BIN_ORGANIZATION_IDENTIFIER = re.compile(r"(?:BIN|NTRKZ-)?([0-9]{12})")

# Attribute names of cryptography's KeyUsage, which double as our stable keys.
_KEY_USAGE_FLAGS = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
)
_EXTENDED_KEY_USAGE_NAMES = {
    ExtendedKeyUsageOID.SERVER_AUTH: "server_auth",
    ExtendedKeyUsageOID.CLIENT_AUTH: "client_auth",
    ExtendedKeyUsageOID.CODE_SIGNING: "code_signing",
    ExtendedKeyUsageOID.EMAIL_PROTECTION: "email_protection",
    ExtendedKeyUsageOID.TIME_STAMPING: "time_stamping",
    ExtendedKeyUsageOID.OCSP_SIGNING: "ocsp_signing",
}


class CertificateError(InputError):
    """Keys: ``too_large``, ``not_certificate``, ``malformed``."""


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    """What a certificate states, in plain values. Names are cleaned of control characters.

    ``given_name`` is the subject's givenName attribute, where NCA puts the patronymic;
    the first name is the part of ``common_name`` after the surname. ``iin``/``org_bin`` are
    set only when the number's check digit is right. ``key_usage`` uses the keys
    ``digital_signature``, ``content_commitment`` (non-repudiation), ``key_encipherment``,
    ``data_encipherment``, ``key_agreement``, ``key_cert_sign``, ``crl_sign``,
    ``encipher_only``, ``decipher_only``; ``extended_key_usage`` uses ``client_auth``,
    ``email_protection``... or the dotted OID for others. ``purpose`` follows NCA:
    digitalSignature + nonRepudiation is a signing key, digitalSignature + keyEncipherment
    (or a clientAuth-only key) an authentication key; None when neither fits.
    """

    common_name: str | None
    surname: str | None
    given_name: str | None
    iin: str | None
    org_bin: str | None
    org_name: str | None
    issuer_common_name: str | None
    issuer: str
    serial_number: str
    not_before: datetime
    not_after: datetime
    key_usage: tuple[str, ...]
    extended_key_usage: tuple[str, ...]
    purpose: KeyType | None
    ocsp_url: str | None
    fingerprint_sha256: str


def load_certificate(data: bytes) -> x509.Certificate:
    """Parse DER, PEM or the first certificate of a PEM bundle; CertificateError otherwise."""
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise CertificateError("too_large")
    if _PEM_ANY in data:
        block = _first_pem_block(data)
        if block is None:
            raise CertificateError("not_certificate")
        try:
            return x509.load_pem_x509_certificate(block)
        except ValueError:
            raise CertificateError("malformed") from None
    if not _shaped_like_der_certificate(data):
        raise CertificateError("not_certificate")
    try:
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise CertificateError("malformed") from None


def _first_pem_block(data: bytes) -> bytes | None:
    begin = _PEM_BEGIN.search(data)
    if begin is None:
        return None
    end = _PEM_END.search(data, begin.end() + 1)
    return None if end is None else data[begin.start() : end.end()]


def parse_certificate(data: bytes) -> CertificateInfo:
    """:func:`load_certificate` then :func:`describe_certificate`."""
    return describe_certificate(load_certificate(data))


def describe_certificate(certificate: x509.Certificate) -> CertificateInfo:
    """The facts of a loaded certificate; CertificateError("malformed") if they are unreadable."""
    try:
        return _describe(certificate)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # cryptography parses extensions lazily, so a broken one only surfaces here.
        raise CertificateError("malformed") from None


def days_left(info: CertificateInfo, now: datetime) -> int:
    """Whole days until ``not_after``: 0 on the last day, negative once expired."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return (info.not_after - now) // timedelta(days=1)


def _shaped_like_der_certificate(data: bytes) -> bool:
    # Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, ... }: enough to tell a broken
    # certificate from a PDF, an image or a PKCS#12 file (whose SEQUENCE starts with INTEGER).
    outer = read_header(data)
    if outer is None or outer.tag != SEQUENCE:
        return False
    inner = first_child(data, outer)
    return inner is not None and inner.tag == SEQUENCE


def _describe(certificate: x509.Certificate) -> CertificateInfo:
    subject = certificate.subject
    extensions = certificate.extensions
    key_usage = _key_usage(extensions)
    extended_key_usage = _extended_key_usage(extensions)
    return CertificateInfo(
        common_name=_attribute(subject, NameOID.COMMON_NAME),
        surname=_attribute(subject, NameOID.SURNAME),
        given_name=_attribute(subject, NameOID.GIVEN_NAME),
        iin=_iin(subject),
        org_bin=_org_bin(subject),
        org_name=_attribute(subject, NameOID.ORGANIZATION_NAME),
        issuer_common_name=_attribute(certificate.issuer, NameOID.COMMON_NAME),
        issuer=certificate.issuer.rfc4514_string(),
        serial_number=serial_to_hex(certificate.serial_number),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        key_usage=key_usage,
        extended_key_usage=extended_key_usage,
        purpose=_purpose(key_usage, extended_key_usage),
        ocsp_url=_ocsp_url(extensions),
        fingerprint_sha256=certificate.fingerprint(hashes.SHA256()).hex(),
    )


def _attribute_values(name: x509.Name, oid: x509.ObjectIdentifier) -> list[str]:
    return [
        attribute.value
        for attribute in name.get_attributes_for_oid(oid)
        if isinstance(attribute.value, str)
    ]


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    for value in _attribute_values(name, oid):
        cleaned = clean_text(value)
        if cleaned:
            return cleaned
    return None


def _first_number(values: list[str], pattern: re.Pattern[str]) -> str | None:
    for value in values:
        match = pattern.fullmatch(value.strip())
        # The CA vouches for the number, so only the check digit is verified: a stricter
        # rule (IIN birth date, BIN entity kind) could hide a real certificate's holder.
        if match and has_valid_check_digit(match.group(1)):
            return match.group(1)
    return None


def _iin(subject: x509.Name) -> str | None:
    return _first_number(_attribute_values(subject, NameOID.SERIAL_NUMBER), _IIN_SERIAL)


def _org_bin(subject: x509.Name) -> str | None:
    candidates = (
        (NameOID.ORGANIZATIONAL_UNIT_NAME, _BIN_SERIAL),
        (NameOID.SERIAL_NUMBER, _BIN_SERIAL),
        (NameOID.ORGANIZATION_IDENTIFIER, _BIN_ORGANIZATION_IDENTIFIER),
    )
    for oid, pattern in candidates:
        found = _first_number(_attribute_values(subject, oid), pattern)
        if found is not None:
            return found
    return None


def _key_usage(extensions: x509.Extensions) -> tuple[str, ...]:
    try:
        usage = extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return ()
    names = [flag for flag in _KEY_USAGE_FLAGS if getattr(usage, flag)]
    if usage.key_agreement:
        # encipher_only/decipher_only raise unless key_agreement is set.
        if usage.encipher_only:
            names.append("encipher_only")
        if usage.decipher_only:
            names.append("decipher_only")
    return tuple(names)


def _extended_key_usage(extensions: x509.Extensions) -> tuple[str, ...]:
    try:
        usage = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(_EXTENDED_KEY_USAGE_NAMES.get(oid, oid.dotted_string) for oid in usage)


def _purpose(key_usage: tuple[str, ...], extended: tuple[str, ...]) -> KeyType | None:
    if "digital_signature" in key_usage:
        if "content_commitment" in key_usage:
            return KeyType.SIGN
        if "key_encipherment" in key_usage:
            return KeyType.AUTH
    if not key_usage and "client_auth" in extended:
        return KeyType.AUTH
    return None


def _ocsp_url(extensions: x509.Extensions) -> str | None:
    try:
        access = extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return None
    for description in access:
        location = description.access_location
        if description.access_method != AuthorityInformationAccessOID.OCSP or not isinstance(
            location, x509.UniformResourceIdentifier
        ):
            continue
        try:
            parts = urlsplit(location.value)
        except ValueError:
            continue
        if parts.scheme in ("http", "https") and parts.netloc:
            return location.value
    return None
