"""The trusted CA certificates, and finding the one that issued a given certificate.

The CA set is configuration: a directory of certificate files (``.pem``, ``.crt``, ``.cer``,
``.der``; PEM bundles or DER) or certificates already in memory. NCA publishes its CA
certificates at pki.gov.kz/cert/.
"""

import os
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

CA_FILE_SUFFIXES = frozenset({".pem", ".crt", ".cer", ".der"})

CaSource = str | os.PathLike[str] | bytes | Iterable[bytes | x509.Certificate]


def load_ca_certificates(source: CaSource) -> tuple[x509.Certificate, ...]:
    """Load CA certificates from a directory, one file, PEM/DER bytes, or a list of either.

    Fails loudly (ValueError naming the file) on an unreadable file: a CA silently missing
    from the set would turn every check against it into "unknown".
    """
    if isinstance(source, bytes):
        return tuple(_certificates_in(source))
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        files = (
            sorted(
                p for p in path.iterdir() if p.is_file() and p.suffix.lower() in CA_FILE_SUFFIXES
            )
            if path.is_dir()
            else [path]
        )
        loaded: list[x509.Certificate] = []
        for file in files:
            try:
                loaded.extend(_certificates_in(file.read_bytes()))
            except ValueError as error:
                raise ValueError(f"{file}: {error}") from None
        return tuple(loaded)
    result: list[x509.Certificate] = []
    for item in source:
        result.extend([item] if isinstance(item, x509.Certificate) else _certificates_in(item))
    return tuple(result)


def _certificates_in(data: bytes) -> list[x509.Certificate]:
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise ValueError("not a certificate (PEM or DER)") from None


def is_issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    """True if ``issuer``'s name matches and its key verifies ``certificate``'s signature.

    False also when the algorithm is not supported by cryptography (GOST keys): unproven.
    """
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def find_issuer(
    certificate: x509.Certificate, candidates: Iterable[x509.Certificate]
) -> x509.Certificate | None:
    """The candidate that issued ``certificate``, matched by name and key id, then verified.

    A candidate whose name matches but whose key does not verify the signature (a look-alike
    CA, or a renewed CA key) is skipped.
    """
    wanted_key_id = _authority_key_id(certificate)
    for candidate in candidates:
        if candidate.subject != certificate.issuer:
            continue
        if wanted_key_id is not None:
            key_id = _subject_key_id(candidate)
            if key_id is not None and key_id != wanted_key_id:
                continue
        if is_issued_by(certificate, candidate):
            return candidate
    return None


def _authority_key_id(certificate: x509.Certificate) -> bytes | None:
    try:
        extension = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    except (x509.ExtensionNotFound, ValueError):
        return None
    return extension.value.key_identifier


def _subject_key_id(certificate: x509.Certificate) -> bytes | None:
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    except (x509.ExtensionNotFound, ValueError):
        return None
    return extension.value.digest
