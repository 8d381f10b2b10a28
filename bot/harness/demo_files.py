"""Sample files for the terminal chat: certificates to inspect and a key container to guard.

Made with `cryptography` on the first run, under BOT_DATA_DIR/demo-files/, by a throwaway demo
CA: they are shaped like NCA's (subject with IIN…, key usage) but prove nothing to anyone.
Serial numbers tie two of them to the sample registry (content/signatures/demo_registry.csv).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

FOLDER = "demo-files"
CA_NAME = "DEMO CA (NOT NCA, NOT TRUSTED)"
# The container's password: a weak one on purpose, it guards nothing.
CONTAINER_PASSWORD = b"Qwerty12"


@dataclass(frozen=True)
class Holder:
    surname: str
    name: str
    iin: str


AIGERIM = Holder("АХМЕТОВА", "АЙГЕРИМ", "850315400005")
STRANGER = Holder("ТЕСТОВ", "ТЕСТ", "061211600012")


@dataclass(frozen=True)
class SampleFile:
    name: str
    what: str  # one line for the chat's /file list (the terminal chat speaks English)


SAMPLES = (
    SampleFile("aigerim-signing.cer", "in the sample registry: Айгерим's valid signing key"),
    SampleFile("aigerim-old.cer", "in the sample registry, revoked"),
    SampleFile("unknown.pem", "not in the registry (the CA cannot be asked in the demo)"),
    SampleFile("aigerim-keys.p12", "a key container: never to be shared (try it in /group)"),
)


def _day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _certificate(
    ca_key: ec.EllipticCurvePrivateKey,
    key: ec.EllipticCurvePrivateKey,
    holder: Holder,
    serial: int,
    valid: tuple[datetime, datetime],
) -> x509.Certificate:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{holder.surname} {holder.name}"),
            x509.NameAttribute(NameOID.SURNAME, holder.surname),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{holder.iin}"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(valid[0])
        .not_valid_after(valid[1])
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .sign(ca_key, hashes.SHA256())
    )


def ensure_sample_files(data_dir: Path, now: Callable[[], datetime] | None = None) -> Path:
    """Write the sample files once (kept between runs); return their folder."""
    folder = data_dir / FOLDER
    if all((folder / sample.name).is_file() for sample in SAMPLES):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    today = (now or (lambda: datetime.now(UTC)))().replace(microsecond=0)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    key = ec.generate_private_key(ec.SECP256R1())
    signing = _certificate(
        ca_key, key, AIGERIM, 0x4D3A0002, (_day("2026-03-01"), _day("2027-03-01"))
    )
    old = _certificate(ca_key, key, AIGERIM, 0x4D3A0004, (_day("2024-05-10"), _day("2025-05-10")))
    unknown = _certificate(
        ca_key,
        ec.generate_private_key(ec.SECP256R1()),
        STRANGER,
        x509.random_serial_number(),
        (today - timedelta(days=30), today + timedelta(days=335)),
    )
    container = pkcs12.serialize_key_and_certificates(
        b"demo",
        key,
        signing,
        None,
        serialization.BestAvailableEncryption(CONTAINER_PASSWORD),
    )
    contents = {
        "aigerim-signing.cer": signing.public_bytes(serialization.Encoding.DER),
        "aigerim-old.cer": old.public_bytes(serialization.Encoding.DER),
        "unknown.pem": unknown.public_bytes(serialization.Encoding.PEM),
        "aigerim-keys.p12": container,
    }
    for name, content in contents.items():
        (folder / name).write_bytes(content)
    return folder
