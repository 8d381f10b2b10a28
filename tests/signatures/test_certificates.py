import random
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from bot.signatures.certificates import (
    MAX_CERTIFICATE_BYTES,
    CertificateError,
    days_left,
    load_certificate,
    parse_certificate,
)
from bot.signatures.enums import KeyType
from tests.signatures.pki import (
    DEFAULT_BIN,
    DEFAULT_OCSP_URL,
    CertificateAuthority,
    Issued,
    make_p12,
    rsa_key,
)


def custom_cert(
    ca: CertificateAuthority,
    attributes: list[x509.NameAttribute[str]],
    extensions: Sequence[x509.ExtensionType] = (),
) -> bytes:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attributes))
        .issuer_name(ca.name)
        .public_key(rsa_key().public_key())
        .serial_number(0x00A1B2)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    return builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def test_citizen_certificate_as_nca_shapes_it(citizen: Issued) -> None:
    info = parse_certificate(citizen.pem)
    assert info.common_name == "ИВАНОВ ИВАН"
    assert info.surname == "ИВАНОВ"
    assert info.given_name == "ИВАНОВИЧ"
    assert info.iin == "061211600012"
    assert (info.org_bin, info.org_name) == (None, None)
    assert info.issuer_common_name == "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST"
    assert info.issuer == "C=KZ,CN=ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST"
    assert info.serial_number == f"{citizen.serial:X}"
    assert info.not_before == citizen.cert.not_valid_before_utc
    assert info.not_after == citizen.cert.not_valid_after_utc
    assert info.not_after.tzinfo == UTC
    assert info.key_usage == ("digital_signature", "content_commitment")
    assert info.extended_key_usage == ("email_protection", "1.2.398.3.3.4.1.1")
    assert info.purpose is KeyType.SIGN
    assert info.ocsp_url == DEFAULT_OCSP_URL
    assert info.fingerprint_sha256 == citizen.cert.fingerprint(hashes.SHA256()).hex()


def test_der_gives_the_same_facts(citizen: Issued) -> None:
    assert parse_certificate(citizen.der) == parse_certificate(citizen.pem)


def test_employee_auth_certificate(employee: Issued) -> None:
    info = parse_certificate(employee.der)
    assert info.org_bin == DEFAULT_BIN
    assert info.org_name == 'ТОО "РОМАШКА"'
    assert info.given_name == "НҰРЛАНҚЫЗЫ"
    assert info.key_usage == ("digital_signature", "key_encipherment")
    assert "client_auth" in info.extended_key_usage
    assert info.purpose is KeyType.AUTH


@pytest.mark.parametrize(
    "attribute",
    [
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"BIN{DEFAULT_BIN}"),
        x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, f"BIN{DEFAULT_BIN}"),
        x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, f"NTRKZ-{DEFAULT_BIN}"),
        x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, DEFAULT_BIN),
    ],
)
def test_bin_from_other_attributes(
    ca: CertificateAuthority, attribute: x509.NameAttribute[str]
) -> None:
    der = custom_cert(ca, [x509.NameAttribute(NameOID.COMMON_NAME, "ТОО"), attribute])
    assert parse_certificate(der).org_bin == DEFAULT_BIN


def test_numbers_with_a_wrong_check_digit_are_not_reported(ca: CertificateAuthority) -> None:
    der = custom_cert(
        ca,
        [
            x509.NameAttribute(NameOID.SERIAL_NUMBER, "IIN061211600013"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "BIN971240001316"),
        ],
    )
    info = parse_certificate(der)
    assert (info.iin, info.org_bin) == (None, None)


def test_bare_certificate_has_empty_optional_fields(ca: CertificateAuthority) -> None:
    info = parse_certificate(custom_cert(ca, [x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ")]))
    assert info.common_name is None
    assert info.key_usage == info.extended_key_usage == ()
    assert info.purpose is None
    assert info.ocsp_url is None
    assert info.serial_number == "A1B2"


def test_only_http_ocsp_urls_are_reported(ca: CertificateAuthority) -> None:
    access = x509.AuthorityInformationAccess(
        [
            x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP,
                x509.UniformResourceIdentifier("ldap://ocsp.example/"),
            ),
            x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP,
                x509.UniformResourceIdentifier("http://[::1/"),
            ),
            x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP,
                x509.UniformResourceIdentifier("https://ocsp.example/"),
            ),
        ]
    )
    der = custom_cert(ca, [x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ")], [access])
    assert parse_certificate(der).ocsp_url == "https://ocsp.example/"


def test_control_characters_are_removed_from_names(ca: CertificateAuthority) -> None:
    der = custom_cert(ca, [x509.NameAttribute(NameOID.COMMON_NAME, "ИВАНОВ\u202e\tИВАН\x00")])
    assert parse_certificate(der).common_name == "ИВАНОВ ИВАН"


def test_client_auth_only_key_counts_as_authentication(ca: CertificateAuthority) -> None:
    usage = x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH])
    der = custom_cert(ca, [x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ")], [usage])
    assert parse_certificate(der).purpose is KeyType.AUTH


def test_first_certificate_of_a_bundle(citizen: Issued, ca: CertificateAuthority) -> None:
    bundle = b"Bag Attributes\n    friendlyName: x\n" + citizen.pem + ca.pem
    assert parse_certificate(bundle).iin == "061211600012"
    assert parse_certificate(ca.pem + citizen.pem).iin is None


def test_pem_with_key_and_certificate_still_yields_the_certificate(citizen: Issued) -> None:
    key_pem = citizen.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert parse_certificate(key_pem + citizen.pem).iin == "061211600012"


def test_exactly_the_size_limit_is_accepted(citizen: Issued) -> None:
    padded = citizen.pem + b"\n" * (MAX_CERTIFICATE_BYTES - len(citizen.pem))
    assert len(padded) == MAX_CERTIFICATE_BYTES
    assert parse_certificate(padded).iin == "061211600012"


def _random_bytes() -> bytes:
    data = random.Random(7).randbytes(2048)
    assert data[0] != 0x30
    return data


def _pdf() -> bytes:
    return (
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda c: b"", "not_certificate"),
        (lambda c: _random_bytes(), "not_certificate"),
        (lambda c: _pdf(), "not_certificate"),
        (lambda c: b"\x89PNG\r\n\x1a\n" + bytes(100), "not_certificate"),
        (lambda c: make_p12(c), "not_certificate"),
        (
            lambda c: b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "not_certificate",
        ),
        (lambda c: c.der[: len(c.der) // 2], "malformed"),
        (lambda c: c.der[:-1], "malformed"),
        (lambda c: c.der + b"\x00", "malformed"),
        (lambda c: b"\x30\x05\x30\x03\x02\x01\x00", "malformed"),
        (
            lambda c: b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
            "malformed",
        ),
        (lambda c: c.pem + b" " * MAX_CERTIFICATE_BYTES, "too_large"),
        (lambda c: bytes(MAX_CERTIFICATE_BYTES + 1), "too_large"),
    ],
    ids=[
        "empty",
        "random",
        "pdf",
        "png",
        "pkcs12",
        "pem-key-only",
        "truncated-der",
        "der-missing-last-byte",
        "der-trailing-byte",
        "der-shaped-garbage",
        "pem-garbage",
        "oversized-pem",
        "oversized-zeros",
    ],
)
def test_rejections_have_exact_reasons(
    citizen: Issued, make: Callable[[Issued], bytes], reason: str
) -> None:
    with pytest.raises(CertificateError) as caught:
        load_certificate(make(citizen))
    assert caught.value.reason == reason
    with pytest.raises(CertificateError):
        parse_certificate(make(citizen))


def test_days_left(citizen: Issued) -> None:
    info = parse_certificate(citizen.der)
    end = info.not_after
    assert days_left(info, end - timedelta(days=10, seconds=1)) == 10
    assert days_left(info, end - timedelta(days=10)) == 10
    assert days_left(info, end - timedelta(seconds=1)) == 0
    assert days_left(info, end + timedelta(seconds=1)) == -1
    almaty = end.astimezone(ZoneInfo("Asia/Almaty"))
    assert days_left(info, almaty - timedelta(days=3)) == 3
    with pytest.raises(ValueError, match="timezone-aware"):
        days_left(info, end.replace(tzinfo=None))
