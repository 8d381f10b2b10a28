"""Ask an OCSP responder (RFC 6960) whether a certificate is revoked.

The answer is "good" or "revoked" only when a fresh response about exactly this certificate
arrived, signed by its issuer or by a responder the issuer delegated to. Every other outcome
is "unknown", with a stable ``detail`` key saying why: a guess would be worse than no answer.

``responder_url`` should come from configuration (NCA: ``http://ocsp.pki.gov.kz/``), not from
a certificate a user sent: its AIA field can point anywhere, including inside our network.
"""

import asyncio
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, SignatureAlgorithmOID

from bot.signatures.issuers import is_issued_by

DEFAULT_TIMEOUT = 3.0
MAX_RESPONSE_BYTES = 64 * 1024
NONCE_BYTES = 16
# Clocks drift; a response a few minutes "from the future" is still plausible.
CLOCK_SKEW = timedelta(minutes=5)
# A response without nextUpdate is accepted only if produced this recently.
MAX_AGE_WITHOUT_NEXT_UPDATE = timedelta(hours=24)

_log = logging.getLogger(__name__)

_REVOCATION_REASONS = {
    x509.ReasonFlags.unspecified: "unspecified",
    x509.ReasonFlags.key_compromise: "key_compromise",
    x509.ReasonFlags.ca_compromise: "ca_compromise",
    x509.ReasonFlags.affiliation_changed: "affiliation_changed",
    x509.ReasonFlags.superseded: "superseded",
    x509.ReasonFlags.cessation_of_operation: "cessation_of_operation",
    x509.ReasonFlags.certificate_hold: "certificate_hold",
    x509.ReasonFlags.privilege_withdrawn: "privilege_withdrawn",
    x509.ReasonFlags.aa_compromise: "aa_compromise",
    x509.ReasonFlags.remove_from_crl: "remove_from_crl",
}


class OcspStatus(StrEnum):
    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class OcspResult:
    """The outcome of one check.

    ``detail`` says why the status is unknown: ``bad_url``, ``issuer_mismatch``,
    ``request_failed``, ``timeout``, ``network``, ``http_status``, ``too_large``,
    ``malformed``, ``unsuccessful``, ``cert_mismatch``, ``nonce_mismatch``,
    ``bad_signature``, ``stale``, or ``responder_unknown`` (the responder does not know the
    certificate). ``revocation_reason`` uses snake_case RFC 5280 names (``key_compromise``,
    ``certificate_hold``...); it is None if the responder gave none.
    """

    status: OcspStatus
    detail: str | None = None
    revoked_at: datetime | None = None
    revocation_reason: str | None = None
    this_update: datetime | None = None
    next_update: datetime | None = None


def _unknown(detail: str) -> OcspResult:
    return OcspResult(OcspStatus.UNKNOWN, detail=detail)


class _TooLarge(Exception):
    pass


async def check_ocsp(
    cert: x509.Certificate,
    issuer_cert: x509.Certificate,
    responder_url: str,
    # A plain number keeps the call simple for the service; applied below with asyncio.timeout.
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109
    *,
    client: httpx.AsyncClient | None = None,
    now: datetime | None = None,
    use_nonce: bool = True,
) -> OcspResult:
    """Query ``responder_url`` about ``cert``; never raises for network or response problems.

    ``timeout`` bounds the whole exchange. Pass a shared ``client`` to reuse connections;
    otherwise one is made for this call. ``now`` (aware) is for tests; a naive one is a
    programming error and raises ValueError.
    """
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not _is_http_url(responder_url):
        return _unknown("bad_url")
    if cert.issuer != issuer_cert.subject:
        return _unknown("issuer_mismatch")
    nonce = os.urandom(NONCE_BYTES) if use_nonce else None
    try:
        request = build_request(cert, issuer_cert, nonce)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return _unknown("request_failed")
    try:
        async with asyncio.timeout(timeout):
            if client is not None:
                status_code, body = await _post(client, responder_url, request)
            else:
                async with httpx.AsyncClient(timeout=httpx.Timeout(timeout)) as own_client:
                    status_code, body = await _post(own_client, responder_url, request)
    except (TimeoutError, httpx.TimeoutException):
        return _log_unknown("timeout", responder_url)
    except _TooLarge:
        return _log_unknown("too_large", responder_url)
    except Exception:  # any transport failure means "no answer", never a crash
        _log.debug("OCSP request to %s failed", responder_url, exc_info=True)
        return _log_unknown("network", responder_url)
    if status_code != httpx.codes.OK:
        return _log_unknown("http_status", responder_url)
    result = parse_response(body, cert, issuer_cert, nonce=nonce, now=now)
    if result.status is OcspStatus.UNKNOWN:
        _log.info("OCSP answer from %s unusable: %s", responder_url, result.detail)
    return result


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _log_unknown(detail: str, url: str) -> OcspResult:
    _log.info("OCSP responder %s gave no answer: %s", url, detail)
    return _unknown(detail)


def build_request(
    cert: x509.Certificate, issuer_cert: x509.Certificate, nonce: bytes | None = None
) -> bytes:
    """DER OCSPRequest for one certificate; SHA-1 CertID as RFC 5019 responders expect."""
    # SHA-1 here only names the certificate (CertID); nothing's security rests on it.
    builder = ocsp.OCSPRequestBuilder().add_certificate(
        cert,
        issuer_cert,
        hashes.SHA1(),  # noqa: S303
    )
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


async def _post(client: httpx.AsyncClient, url: str, request: bytes) -> tuple[int, bytes]:
    headers = {
        "Content-Type": "application/ocsp-request",
        "Accept": "application/ocsp-response",
    }
    async with client.stream("POST", url, content=request, headers=headers) as response:
        if response.status_code != httpx.codes.OK:
            return response.status_code, b""
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > MAX_RESPONSE_BYTES:
                raise _TooLarge
        return response.status_code, bytes(body)


def parse_response(
    data: bytes,
    cert: x509.Certificate,
    issuer_cert: x509.Certificate,
    *,
    nonce: bytes | None,
    now: datetime | None = None,
) -> OcspResult:
    """Judge a DER OCSPResponse about ``cert``; see :class:`OcspResult` for the outcomes."""
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    try:
        response = ocsp.load_der_ocsp_response(data)
    except ValueError:
        return _unknown("malformed")
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return _unknown("unsuccessful")
    try:
        return _judge(response, cert, issuer_cert, nonce, now)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # Fields are decoded lazily; a broken one only shows up when read.
        return _unknown("malformed")


def _judge(
    response: ocsp.OCSPResponse,
    cert: x509.Certificate,
    issuer_cert: x509.Certificate,
    nonce: bytes | None,
    now: datetime,
) -> OcspResult:
    if not _signed_by_authorised_responder(response, issuer_cert, now):
        return _unknown("bad_signature")
    if nonce is not None and not _nonce_matches(response, nonce):
        return _unknown("nonce_mismatch")
    single = _single_response_for(response, cert, issuer_cert)
    if single is None:
        return _unknown("cert_mismatch")
    this_update = single.this_update_utc
    next_update = single.next_update_utc
    if this_update > now + CLOCK_SKEW:
        return _unknown("stale")
    if next_update is not None and next_update < now - CLOCK_SKEW:
        return _unknown("stale")
    if next_update is None and this_update < now - MAX_AGE_WITHOUT_NEXT_UPDATE:
        return _unknown("stale")
    status = single.certificate_status
    if status == ocsp.OCSPCertStatus.GOOD:
        return OcspResult(OcspStatus.GOOD, this_update=this_update, next_update=next_update)
    if status == ocsp.OCSPCertStatus.REVOKED:
        reason = single.revocation_reason
        return OcspResult(
            OcspStatus.REVOKED,
            revoked_at=single.revocation_time_utc,
            revocation_reason=_REVOCATION_REASONS.get(reason) if reason is not None else None,
            this_update=this_update,
            next_update=next_update,
        )
    return OcspResult(
        OcspStatus.UNKNOWN,
        detail="responder_unknown",
        this_update=this_update,
        next_update=next_update,
    )


def _nonce_matches(response: ocsp.OCSPResponse, nonce: bytes) -> bool:
    try:
        echoed = response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        # Many responders (pre-generated answers, RFC 5019) ignore nonces; freshness is then
        # judged by thisUpdate/nextUpdate alone.
        return True
    return echoed == nonce


def _single_response_for(
    response: ocsp.OCSPResponse, cert: x509.Certificate, issuer_cert: x509.Certificate
) -> ocsp.OCSPSingleResponse | None:
    for single in response.responses:
        if single.serial_number != cert.serial_number:
            continue
        # Recompute the CertID with the responder's hash so SHA-256 answers match too.
        expected = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(cert, issuer_cert, single.hash_algorithm)
            .build()
        )
        if (
            single.issuer_name_hash == expected.issuer_name_hash
            and single.issuer_key_hash == expected.issuer_key_hash
        ):
            return single
    return None


def _signed_by_authorised_responder(
    response: ocsp.OCSPResponse, issuer_cert: x509.Certificate, now: datetime
) -> bool:
    signers = [issuer_cert] + [
        candidate
        for candidate in response.certificates
        if _is_delegated_responder(candidate, issuer_cert, now)
    ]
    return any(_verifies(response, signer) for signer in signers)


def _is_delegated_responder(
    candidate: x509.Certificate, issuer_cert: x509.Certificate, now: datetime
) -> bool:
    """RFC 6960 4.2.2.2: issued directly by the CA, with id-kp-OCSPSigning, valid now."""
    if not candidate.not_valid_before_utc <= now <= candidate.not_valid_after_utc:
        return False
    try:
        usage = candidate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except (x509.ExtensionNotFound, ValueError):
        return False
    return ExtendedKeyUsageOID.OCSP_SIGNING in usage and is_issued_by(candidate, issuer_cert)


def _verifies(response: ocsp.OCSPResponse, signer: x509.Certificate) -> bool:
    try:
        key = signer.public_key()
        signature = response.signature
        data = response.tbs_response_bytes
        algorithm = response.signature_hash_algorithm
        if isinstance(key, rsa.RSAPublicKey) and algorithm is not None:
            if response.signature_algorithm_oid == SignatureAlgorithmOID.RSASSA_PSS:
                pss = padding.PSS(mgf=padding.MGF1(algorithm), salt_length=padding.PSS.AUTO)
                key.verify(signature, data, pss, algorithm)
            else:
                key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey) and algorithm is not None:
            key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(signature, data)
        else:
            return False
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True
