"""A certificate file a citizen sent: parse it, then its status from the registry or the CA."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from sqlalchemy.ext.asyncio import AsyncSession

from bot.signatures import registry
from bot.signatures.certificates import CertificateInfo, describe_certificate, load_certificate
from bot.signatures.issuers import find_issuer, load_ca_certificates
from bot.signatures.ocsp import OcspStatus, check_ocsp
from bot.signatures.views import today_in_almaty, view_of


@dataclass(frozen=True)
class Inspection:
    info: CertificateInfo
    status_key: str  # signatures.status.<...>: from the registry, or ocsp_good/revoked/unknown


class StatusSource:
    """Where statuses come from: the registry first, then the CA's OCSP responder."""

    def __init__(self, responder_url: str, timeout: float, ca_path: Path | None) -> None:
        self.responder_url, self.timeout = responder_url, timeout
        self.issuers: tuple[x509.Certificate, ...] = (
            load_ca_certificates(ca_path) if ca_path is not None else ()
        )

    async def inspect(self, session: AsyncSession, data: bytes, now: datetime) -> Inspection:
        """CertificateError for files that are not certificates; never a guessed status."""
        # Parsing up to 64 KiB takes milliseconds: in a worker thread, not on the event loop.
        certificate, info = await asyncio.to_thread(_parse, data)
        known = await registry.certificate_by_serial(session, info.serial_number)
        if known is not None:
            return Inspection(info, view_of(known, today_in_almaty(now)).status_key)
        if info.not_after < now:
            return Inspection(info, "expired")
        if info.not_before > now:
            return Inspection(info, "not_yet_valid")
        return Inspection(info, await self._ocsp_status(certificate))

    async def _ocsp_status(self, certificate: x509.Certificate) -> str:
        issuer = find_issuer(certificate, self.issuers)
        if issuer is None:
            return "ocsp_unknown"
        result = await check_ocsp(certificate, issuer, self.responder_url, self.timeout)
        return {
            OcspStatus.GOOD: "ocsp_good",
            OcspStatus.REVOKED: "ocsp_revoked",
        }.get(result.status, "ocsp_unknown")


def _parse(data: bytes) -> tuple[x509.Certificate, CertificateInfo]:
    certificate = load_certificate(data)
    return certificate, describe_certificate(certificate)
