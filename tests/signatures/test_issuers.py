from pathlib import Path

import pytest

from bot.signatures.issuers import find_issuer, is_issued_by, load_ca_certificates
from tests.signatures.pki import (
    DEFAULT_CA_NAME,
    CertificateAuthority,
    Issued,
    make_ca,
    make_citizen_cert,
)


def test_load_from_a_directory(tmp_path: Path, ca: CertificateAuthority) -> None:
    other = make_ca("ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST", slot="gost-ca")
    (tmp_path / "nca_rsa.pem").write_bytes(ca.pem)
    (tmp_path / "nca_gost.cer").write_bytes(other.der)
    (tmp_path / "bundle.crt").write_bytes(ca.pem + other.pem)
    (tmp_path / "README.txt").write_text("not a certificate")
    (tmp_path / "sub").mkdir()
    loaded = load_ca_certificates(tmp_path)
    # sorted by file name: bundle.crt, nca_gost.cer, nca_rsa.pem
    assert loaded == (ca.cert, other.cert, other.cert, ca.cert)


def test_load_from_one_file_and_from_memory(tmp_path: Path, ca: CertificateAuthority) -> None:
    path = tmp_path / "ca.pem"
    path.write_bytes(ca.pem)
    assert load_ca_certificates(path) == (ca.cert,)
    assert load_ca_certificates(str(path)) == (ca.cert,)
    assert load_ca_certificates([ca.pem, ca.der, ca.cert]) == (ca.cert,) * 3
    assert load_ca_certificates(ca.pem + ca.pem) == (ca.cert,) * 2


def test_a_broken_ca_file_fails_loudly(tmp_path: Path) -> None:
    (tmp_path / "broken.pem").write_bytes(
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    )
    with pytest.raises(ValueError, match=r"broken\.pem: not a certificate"):
        load_ca_certificates(tmp_path)


def test_find_issuer_verifies_the_signature(citizen: Issued, ca: CertificateAuthority) -> None:
    look_alike = make_ca(DEFAULT_CA_NAME, slot="rogue-ca")
    unrelated = make_ca("SOME OTHER CA", slot="other-ca")
    assert look_alike.name == ca.name
    assert find_issuer(citizen.cert, [unrelated.cert, look_alike.cert, ca.cert]) == ca.cert
    assert find_issuer(citizen.cert, [unrelated.cert, look_alike.cert]) is None
    assert find_issuer(citizen.cert, []) is None
    assert is_issued_by(citizen.cert, ca.cert)
    assert not is_issued_by(citizen.cert, look_alike.cert)
    assert not is_issued_by(citizen.cert, unrelated.cert)


def test_a_certificate_from_a_look_alike_ca_has_no_trusted_issuer(ca: CertificateAuthority) -> None:
    forged = make_citizen_cert(make_ca(DEFAULT_CA_NAME, slot="rogue-ca"))
    assert forged.cert.issuer == ca.name
    assert find_issuer(forged.cert, [ca.cert]) is None
