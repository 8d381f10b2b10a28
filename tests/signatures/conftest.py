"""Fixtures for the My signatures core. The builders live in pki.py for reuse elsewhere."""

import pytest

from bot.signatures.identifiers import compute_check_digit
from tests.signatures.pki import (
    DEFAULT_BIN,
    CertificateAuthority,
    Issued,
    make_ca,
    make_citizen_cert,
)


def with_check_digit(first_eleven: str) -> str:
    """Complete 11 digits into a valid IIN/BIN (the prefix must admit a check digit)."""
    digit = compute_check_digit(first_eleven)
    assert digit is not None, f"{first_eleven} admits no check digit"
    return f"{first_eleven}{digit}"


EMPLOYEE_IIN = with_check_digit("85031440012")


@pytest.fixture(scope="session")
def ca() -> CertificateAuthority:
    return make_ca()


@pytest.fixture(scope="session")
def citizen(ca: CertificateAuthority) -> Issued:
    """ИВАНОВ ИВАН ИВАНОВИЧ, IIN 061211600012, signing key."""
    return make_citizen_cert(ca)


@pytest.fixture(scope="session")
def employee(ca: CertificateAuthority) -> Issued:
    """An employee's authentication certificate with OU=BIN…, O=ТОО "РОМАШКА"."""
    return make_citizen_cert(
        ca,
        iin=EMPLOYEE_IIN,
        surname="СЕРІКОВА",
        first_name="АЙГҮЛ",
        patronymic="НҰРЛАНҚЫЗЫ",
        purpose="auth",
        org_bin=DEFAULT_BIN,
    )
