"""A throwaway PKI shaped like Kazakhstan's NCA, generated at test time.

Import it from any test: ``from tests.signatures.pki import make_ca, make_citizen_cert``.

* :func:`make_ca` - a CA named like NCA's (cached: the same arguments give the same CA).
* :func:`make_citizen_cert` - a citizen's (or, with ``org_bin``, an employee's) certificate.
* :func:`make_p12` - a PKCS#12 key container for a certificate, as NCA hands them out.
* :func:`ocsp_responder` - a local OCSP responder (aiohttp on 127.0.0.1) for a CA, yielding
  its URL; pass a :class:`ResponderState` to make it revoke, hang, or misbehave mid-test.

Keys are RSA 2048 and cached per process by "slot", so a test run generates only a few.
"""

import asyncio
import functools
import os
import socket
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

DEFAULT_CA_NAME = "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) TEST"
DEFAULT_OCSP_URL = "http://ocsp.pki.test.invalid/"
DEFAULT_CA_ISSUERS_URL = "http://pki.test.invalid/cert/nca_rsa_test.cer"
DEFAULT_IIN = "061211600012"
DEFAULT_BIN = "971240001315"
DEFAULT_ORG_NAME = 'ТОО "РОМАШКА"'
DEFAULT_P12_PASSWORD = b"Qwerty12"
# NCA's policy OIDs for individuals' and legal entities' certificates, as NCA puts them in EKU.
NCA_INDIVIDUAL_OID = x509.ObjectIdentifier("1.2.398.3.3.4.1.1")
NCA_LEGAL_ENTITY_OID = x509.ObjectIdentifier("1.2.398.3.3.4.1.2")

Purpose = Literal["auth", "sign"]
ResponderMode = Literal[
    "normal",  # signed by the CA itself, echoes the nonce
    "delegated",  # signed by an OCSP-signing certificate the CA issued, included in the answer
    "rogue_delegate",  # signed by a look-alike delegate issued by another CA of the same name
    "wrong_key",  # claims to be the CA but is signed with another key
    "tampered",  # signed by the CA, then one bit of the signature flipped
    "unauthorised_delegate",  # signed by a CA-issued certificate that lacks id-kp-OCSPSigning
    "huge",  # HTTP 200 with a 100 KiB body
    "garbage",  # HTTP 200 with bytes that are not an OCSP response
    "http_error",  # HTTP 500
    "unsuccessful",  # a well-formed tryLater response
    "hang",  # never answers (until the responder is shut down)
    "unknown_status",  # certStatus unknown
    "wrong_nonce",  # echoes a different nonce
    "no_nonce",  # ignores the nonce, like a responder with pre-generated answers
    "stale",  # nextUpdate already in the past
    "wrong_serial",  # answers about another serial number
    "sha256_certid",  # answers with a SHA-256 CertID although asked with SHA-1
]


@functools.cache
def rsa_key(slot: str = "leaf") -> rsa.RSAPrivateKey:
    """An RSA 2048 key, generated once per slot name for the whole test run."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class CertificateAuthority:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def name(self) -> x509.Name:
        return self.cert.subject

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)


@dataclass(frozen=True)
class Issued:
    """A certificate with its private key."""

    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def serial(self) -> int:
        return self.cert.serial_number


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@functools.cache
def make_ca(common_name: str = DEFAULT_CA_NAME, *, slot: str = "ca") -> CertificateAuthority:
    """A self-signed CA like NCA's: ``CN=<common_name>, C=KZ``. Cached per arguments.

    A different ``slot`` with the same name gives a look-alike CA with another key.
    """
    key = rsa_key(slot)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=365))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return CertificateAuthority(cert=cert, key=key)


def _key_usage(
    *,
    digital_signature: bool = False,
    content_commitment: bool = False,
    key_encipherment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=content_commitment,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _leaf_builder(
    ca: CertificateAuthority,
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    serial: int | None,
    not_before: datetime | None,
    not_after: datetime | None,
) -> x509.CertificateBuilder:
    now = _now()
    start = not_before or now - timedelta(days=1)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.name)
        .public_key(key.public_key())
        .serial_number(serial if serial is not None else x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(not_after or start + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def make_citizen_cert(
    ca: CertificateAuthority | None = None,
    *,
    iin: str = DEFAULT_IIN,
    surname: str = "ИВАНОВ",
    first_name: str = "ИВАН",
    patronymic: str | None = "ИВАНОВИЧ",
    purpose: Purpose = "sign",
    org_bin: str | None = None,
    org_name: str | None = None,
    serial: int | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    ocsp_url: str | None = DEFAULT_OCSP_URL,
    key: rsa.RSAPrivateKey | None = None,
) -> Issued:
    """A certificate with NCA's subject layout.

    ``CN=<SURNAME NAME>, SURNAME, SERIALNUMBER=IIN…, C=KZ, [O, OU=BIN…], givenName`` issued
    by ``ca`` (default: :func:`make_ca`). With ``org_bin`` it is an employee's certificate.
    ``purpose`` sets key usage as NCA does: sign = digitalSignature + nonRepudiation,
    auth = digitalSignature + keyEncipherment (+ clientAuth).
    """
    ca = ca or make_ca()
    key = key or rsa_key()
    attributes = [
        x509.NameAttribute(NameOID.COMMON_NAME, f"{surname} {first_name}"),
        x509.NameAttribute(NameOID.SURNAME, surname),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        x509.NameAttribute(NameOID.LOCALITY_NAME, "АСТАНА"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "АСТАНА"),
    ]
    if org_bin is not None:
        attributes.append(
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org_name or DEFAULT_ORG_NAME)
        )
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{org_bin}"))
    if patronymic is not None:
        attributes.append(x509.NameAttribute(NameOID.GIVEN_NAME, patronymic))
    usages = [ExtendedKeyUsageOID.EMAIL_PROTECTION]
    if purpose == "auth":
        usages.insert(0, ExtendedKeyUsageOID.CLIENT_AUTH)
    usages.append(NCA_LEGAL_ENTITY_OID if org_bin is not None else NCA_INDIVIDUAL_OID)
    builder = (
        _leaf_builder(ca, x509.Name(attributes), key, serial, not_before, not_after)
        .add_extension(
            _key_usage(
                digital_signature=True,
                content_commitment=purpose == "sign",
                key_encipherment=purpose == "auth",
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    )
    access = [
        x509.AccessDescription(
            AuthorityInformationAccessOID.CA_ISSUERS,
            x509.UniformResourceIdentifier(DEFAULT_CA_ISSUERS_URL),
        )
    ]
    if ocsp_url is not None:
        access.append(
            x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
            )
        )
    builder = builder.add_extension(x509.AuthorityInformationAccess(access), critical=False)
    return Issued(cert=builder.sign(ca.key, hashes.SHA256()), key=key)


def make_ocsp_signer(ca: CertificateAuthority | None = None, *, slot: str = "ocsp") -> Issued:
    """A delegated OCSP responder certificate (id-kp-OCSPSigning) issued by ``ca``."""
    ca = ca or make_ca()
    key = rsa_key(slot)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "OCSP RESPONDER TEST"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )
    cert = (
        _leaf_builder(ca, subject, key, None, None, None)
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]), critical=False)
        .add_extension(x509.OCSPNoCheck(), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    return Issued(cert=cert, key=key)


def make_p12(
    issued: Issued,
    password: bytes | None = DEFAULT_P12_PASSWORD,
    *,
    ca: CertificateAuthority | None = None,
    legacy: bool = False,
    friendly_name: bytes | None = b"RSA256",
) -> bytes:
    """A PKCS#12 container holding ``issued``'s key and certificate (and ``ca``'s, if given).

    ``legacy`` uses SHA-1/3DES encryption like older tools; otherwise AES with PBKDF2.
    """
    encryption: serialization.KeySerializationEncryption
    if password is None:
        encryption = serialization.NoEncryption()
    elif legacy:
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(2048)
            .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
            .hmac_hash(hashes.SHA1())
            .build(password)
        )
    else:
        encryption = serialization.BestAvailableEncryption(password)
    cas = [ca.cert] if ca is not None else None
    return pkcs12.serialize_key_and_certificates(
        friendly_name, issued.key, issued.cert, cas, encryption
    )


@dataclass
class ResponderState:
    """What the local OCSP responder does; change it while the responder runs."""

    mode: ResponderMode = "normal"
    revoked: dict[int, x509.ReasonFlags | None] = field(default_factory=dict)
    revoked_at: datetime = field(default_factory=lambda: _now() - timedelta(days=2))
    requests: list[bytes] = field(default_factory=list)


def _issuer_hashes(
    ca: CertificateAuthority, algorithm: hashes.HashAlgorithm
) -> tuple[bytes, bytes]:
    name_digest = hashes.Hash(algorithm)
    name_digest.update(ca.cert.subject.public_bytes())
    key_digest = hashes.Hash(algorithm)
    # For RSA the subjectPublicKey BIT STRING holds exactly the PKCS#1 RSAPublicKey.
    key_digest.update(
        ca.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.PKCS1
        )
    )
    return name_digest.finalize(), key_digest.finalize()


def _ocsp_answer(ca: CertificateAuthority, state: ResponderState, body: bytes) -> bytes:
    try:
        request = ocsp.load_der_ocsp_request(body)
    except ValueError:
        malformed = ocsp.OCSPResponseBuilder.build_unsuccessful(
            ocsp.OCSPResponseStatus.MALFORMED_REQUEST
        )
        return malformed.public_bytes(serialization.Encoding.DER)
    mode = state.mode
    if mode == "unsuccessful":
        try_later = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER)
        return try_later.public_bytes(serialization.Encoding.DER)
    now = _now()
    algorithm: hashes.HashAlgorithm = (
        hashes.SHA256() if mode == "sha256_certid" else request.hash_algorithm
    )
    name_hash, key_hash = _issuer_hashes(ca, request.hash_algorithm)
    known = (request.issuer_name_hash, request.issuer_key_hash) == (name_hash, key_hash)
    serial = request.serial_number + (1 if mode == "wrong_serial" else 0)
    revocation_time = None
    revocation_reason = None
    if not known or mode == "unknown_status":
        status = ocsp.OCSPCertStatus.UNKNOWN
    elif serial in state.revoked:
        status = ocsp.OCSPCertStatus.REVOKED
        revocation_time = state.revoked_at
        revocation_reason = state.revoked[serial]
    else:
        status = ocsp.OCSPCertStatus.GOOD
    this_update, next_update = now - timedelta(minutes=1), now + timedelta(hours=1)
    if mode == "stale":
        this_update, next_update = now - timedelta(days=10), now - timedelta(days=9)
    answer_name_hash, answer_key_hash = _issuer_hashes(ca, algorithm)
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=answer_name_hash,
        issuer_key_hash=answer_key_hash,
        serial_number=serial,
        algorithm=algorithm,
        cert_status=status,
        this_update=this_update,
        next_update=next_update,
        revocation_time=revocation_time,
        revocation_reason=revocation_reason,
    )
    try:
        nonce = request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        nonce = None
    if nonce is not None and mode != "no_nonce":
        echoed = os.urandom(len(nonce)) if mode == "wrong_nonce" else nonce
        builder = builder.add_extension(x509.OCSPNonce(echoed), critical=False)
    signer_cert, signer_key = ca.cert, ca.key
    if mode == "delegated":
        delegate = make_ocsp_signer(ca)
        signer_cert, signer_key = delegate.cert, delegate.key
        builder = builder.certificates([delegate.cert])
    elif mode == "rogue_delegate":
        rogue_ca = make_ca(_common_name(ca), slot="rogue-ca")
        delegate = make_ocsp_signer(rogue_ca, slot="rogue-ocsp")
        signer_cert, signer_key = delegate.cert, delegate.key
        builder = builder.certificates([delegate.cert])
    elif mode == "unauthorised_delegate":
        citizen = make_citizen_cert(ca)
        signer_cert, signer_key = citizen.cert, citizen.key
        builder = builder.certificates([citizen.cert])
    elif mode == "wrong_key":
        # A look-alike CA: same name, so the responder ID names the real CA, other key.
        impostor = make_ca(_common_name(ca), slot="rogue-ca")
        signer_cert, signer_key = impostor.cert, impostor.key
    encoding = (
        ocsp.OCSPResponderEncoding.NAME if mode == "wrong_key" else ocsp.OCSPResponderEncoding.HASH
    )
    builder = builder.responder_id(encoding, signer_cert)
    der = builder.sign(signer_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    if mode == "tampered":
        # Without embedded certificates the DER ends with the signature's last byte.
        der = der[:-1] + bytes([der[-1] ^ 0x01])
    return der


def _common_name(ca: CertificateAuthority) -> str:
    value = ca.name.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert isinstance(value, str)
    return value


@asynccontextmanager
async def ocsp_responder(
    ca: CertificateAuthority | None = None,
    revoked_serials: Iterable[int] = (),
    *,
    mode: ResponderMode = "normal",
    reason: x509.ReasonFlags | None = x509.ReasonFlags.key_compromise,
    state: ResponderState | None = None,
) -> AsyncIterator[str]:
    """Run an OCSP responder for ``ca`` on 127.0.0.1; yields its URL (POST to it).

    Serials in ``revoked_serials`` answer "revoked" with ``reason``; others "good"; requests
    about another CA's certificates "unknown". ``mode`` (or ``state.mode``, changeable while
    running) makes it misbehave, see :data:`ResponderMode`.
    """
    ca = ca or make_ca()
    state = state or ResponderState()
    state.mode = mode if mode != "normal" else state.mode
    for serial in revoked_serials:
        state.revoked.setdefault(serial, reason)
    release = asyncio.Event()

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        state.requests.append(body)
        if state.mode == "hang":
            await release.wait()
            return web.Response(status=503)
        if state.mode == "http_error":
            return web.Response(status=500, text="internal error")
        if state.mode == "huge":
            return web.Response(
                body=b"\x30" * (100 * 1024), content_type="application/ocsp-response"
            )
        if state.mode == "garbage":
            return web.Response(
                body=b"\x30\x0bnot an OCSP response at all",
                content_type="application/ocsp-response",
            )
        return web.Response(
            body=_ocsp_answer(ca, state, body), content_type="application/ocsp-response"
        )

    app = web.Application()
    app.router.add_post("/", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    site = web.SockSite(runner, sock, shutdown_timeout=1.0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        release.set()
        await runner.cleanup()


def free_port_url() -> str:
    """A loopback URL where nothing listens (the port was just closed), for "unreachable"."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"
