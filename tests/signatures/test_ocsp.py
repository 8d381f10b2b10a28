import asyncio
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography import x509
from cryptography.x509 import ocsp

from bot.signatures.ocsp import OcspResult, OcspStatus, build_request, check_ocsp, parse_response
from tests.signatures.pki import (
    CertificateAuthority,
    Issued,
    ResponderMode,
    ResponderState,
    free_port_url,
    make_ca,
    make_citizen_cert,
    ocsp_responder,
)


@pytest.fixture(scope="module")
def revoked(ca: CertificateAuthority) -> Issued:
    return make_citizen_cert(ca, serial=0x1234ABCD)


async def test_good(ca: CertificateAuthority, citizen: Issued) -> None:
    async with ocsp_responder(ca) as url:
        result = await check_ocsp(citizen.cert, ca.cert, url)
    assert result.status is OcspStatus.GOOD
    assert result.detail is None
    assert result.revoked_at is None
    assert result.this_update is not None
    assert result.next_update is not None


async def test_revoked_with_time_and_reason(
    ca: CertificateAuthority, citizen: Issued, revoked: Issued
) -> None:
    state = ResponderState()
    async with ocsp_responder(ca, [revoked.serial], state=state) as url:
        result = await check_ocsp(revoked.cert, ca.cert, url)
        other = await check_ocsp(citizen.cert, ca.cert, url)
    assert result.status is OcspStatus.REVOKED
    assert result.revoked_at == state.revoked_at
    assert result.revocation_reason == "key_compromise"
    assert other.status is OcspStatus.GOOD


@pytest.mark.parametrize(
    ("reason", "expected"),
    [(x509.ReasonFlags.certificate_hold, "certificate_hold"), (None, None)],
)
async def test_revocation_reasons(
    ca: CertificateAuthority,
    revoked: Issued,
    reason: x509.ReasonFlags | None,
    expected: str | None,
) -> None:
    async with ocsp_responder(ca, [revoked.serial], reason=reason) as url:
        result = await check_ocsp(revoked.cert, ca.cert, url)
    assert (result.status, result.revocation_reason) == (OcspStatus.REVOKED, expected)


async def test_status_can_change_while_running(ca: CertificateAuthority, citizen: Issued) -> None:
    state = ResponderState()
    async with ocsp_responder(ca, state=state) as url:
        assert (await check_ocsp(citizen.cert, ca.cert, url)).status is OcspStatus.GOOD
        state.revoked[citizen.serial] = x509.ReasonFlags.affiliation_changed
        result = await check_ocsp(citizen.cert, ca.cert, url)
    assert (result.status, result.revocation_reason) == (OcspStatus.REVOKED, "affiliation_changed")


@pytest.mark.parametrize(
    ("mode", "status", "detail"),
    [
        ("delegated", OcspStatus.GOOD, None),
        ("no_nonce", OcspStatus.GOOD, None),
        ("sha256_certid", OcspStatus.GOOD, None),
        ("rogue_delegate", OcspStatus.UNKNOWN, "bad_signature"),
        ("unauthorised_delegate", OcspStatus.UNKNOWN, "bad_signature"),
        ("wrong_key", OcspStatus.UNKNOWN, "bad_signature"),
        ("tampered", OcspStatus.UNKNOWN, "bad_signature"),
        ("garbage", OcspStatus.UNKNOWN, "malformed"),
        ("http_error", OcspStatus.UNKNOWN, "http_status"),
        ("huge", OcspStatus.UNKNOWN, "too_large"),
        ("unsuccessful", OcspStatus.UNKNOWN, "unsuccessful"),
        ("unknown_status", OcspStatus.UNKNOWN, "responder_unknown"),
        ("wrong_nonce", OcspStatus.UNKNOWN, "nonce_mismatch"),
        ("stale", OcspStatus.UNKNOWN, "stale"),
        ("wrong_serial", OcspStatus.UNKNOWN, "cert_mismatch"),
    ],
)
async def test_responder_behaviours(
    ca: CertificateAuthority,
    citizen: Issued,
    mode: ResponderMode,
    status: OcspStatus,
    detail: str | None,
) -> None:
    async with ocsp_responder(ca, mode=mode) as url:
        result = await check_ocsp(citizen.cert, ca.cert, url)
    assert (result.status, result.detail) == (status, detail)


async def test_revoked_through_a_delegated_responder(
    ca: CertificateAuthority, revoked: Issued
) -> None:
    async with ocsp_responder(ca, [revoked.serial], mode="delegated") as url:
        result = await check_ocsp(revoked.cert, ca.cert, url)
    assert result.status is OcspStatus.REVOKED


async def test_an_expired_delegate_is_not_trusted(
    ca: CertificateAuthority, citizen: Issued
) -> None:
    async with ocsp_responder(ca, mode="delegated") as url:
        later = datetime.now(UTC) + timedelta(days=800)
        result = await check_ocsp(citizen.cert, ca.cert, url, now=later)
    assert (result.status, result.detail) == (OcspStatus.UNKNOWN, "bad_signature")


async def test_timeout(ca: CertificateAuthority, citizen: Issued) -> None:
    async with ocsp_responder(ca, mode="hang") as url:
        started = time.monotonic()
        result = await check_ocsp(citizen.cert, ca.cert, url, timeout=0.3)
        elapsed = time.monotonic() - started
    assert (result.status, result.detail) == (OcspStatus.UNKNOWN, "timeout")
    assert elapsed < 2


async def test_timeout_also_bounds_a_shared_client(
    ca: CertificateAuthority, citizen: Issued
) -> None:
    async with ocsp_responder(ca, mode="hang") as url, httpx.AsyncClient(timeout=60) as client:
        started = time.monotonic()
        result = await check_ocsp(citizen.cert, ca.cert, url, timeout=0.3, client=client)
    assert result.detail == "timeout"
    assert time.monotonic() - started < 3


async def test_unreachable() -> None:
    ca = make_ca()
    citizen = make_citizen_cert(ca)
    result = await check_ocsp(citizen.cert, ca.cert, free_port_url(), timeout=2)
    assert (result.status, result.detail) == (OcspStatus.UNKNOWN, "network")


@pytest.mark.parametrize(
    "url", ["ftp://ocsp.example/", "ocsp.pki.gov.kz", "http://", "", "http://[::1/"]
)
async def test_bad_url(ca: CertificateAuthority, citizen: Issued, url: str) -> None:
    assert (await check_ocsp(citizen.cert, ca.cert, url)).detail == "bad_url"


async def test_wrong_issuer_is_refused_before_any_request(citizen: Issued) -> None:
    other = make_ca("SOME OTHER CA", slot="other-ca")
    state = ResponderState()
    async with ocsp_responder(other, state=state) as url:
        result = await check_ocsp(citizen.cert, other.cert, url)
    assert (result.status, result.detail) == (OcspStatus.UNKNOWN, "issuer_mismatch")
    assert state.requests == []


async def test_request_names_the_certificate_and_carries_a_nonce(
    ca: CertificateAuthority, citizen: Issued
) -> None:
    state = ResponderState()
    async with ocsp_responder(ca, state=state) as url:
        await check_ocsp(citizen.cert, ca.cert, url)
        await check_ocsp(citizen.cert, ca.cert, url, use_nonce=False)
    with_nonce, without_nonce = (ocsp.load_der_ocsp_request(body) for body in state.requests)
    assert with_nonce.serial_number == citizen.serial
    nonces = [e for e in with_nonce.extensions if isinstance(e.value, x509.OCSPNonce)]
    assert len(nonces) == 1
    assert len(nonces[0].value.nonce) == 16
    assert list(without_nonce.extensions) == []


async def test_shared_client_is_used_and_left_open(
    ca: CertificateAuthority, citizen: Issued
) -> None:
    async with ocsp_responder(ca) as url, httpx.AsyncClient() as client:
        results = await asyncio.gather(
            *(check_ocsp(citizen.cert, ca.cert, url, client=client) for _ in range(5))
        )
        assert not client.is_closed
    assert {r.status for r in results} == {OcspStatus.GOOD}


def test_parse_response_rejects_garbage_and_mismatch(
    ca: CertificateAuthority, citizen: Issued
) -> None:
    assert parse_response(b"", citizen.cert, ca.cert, nonce=None) == OcspResult(
        OcspStatus.UNKNOWN, detail="malformed"
    )
    request = build_request(citizen.cert, ca.cert)
    # A request is DER but not a response.
    assert parse_response(request, citizen.cert, ca.cert, nonce=None).detail == "malformed"


async def test_httpx_timeouts_count_as_timeouts(ca: CertificateAuthority, citizen: Issued) -> None:
    async with ocsp_responder(ca, mode="hang") as url, httpx.AsyncClient(timeout=0.2) as client:
        result = await check_ocsp(citizen.cert, ca.cert, url, timeout=5, client=client)
    assert (result.status, result.detail) == (OcspStatus.UNKNOWN, "timeout")


async def test_naive_now_is_a_programming_error(ca: CertificateAuthority, citizen: Issued) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await check_ocsp(citizen.cert, ca.cert, "http://127.0.0.1:1/", now=datetime(2025, 1, 1))
