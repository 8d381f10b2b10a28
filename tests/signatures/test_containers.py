import base64
import io
import zipfile

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from bot.signatures import containers
from bot.signatures.containers import is_key_container_name, looks_like_key_container
from tests.signatures.pki import DEFAULT_P12_PASSWORD, CertificateAuthority, Issued, make_p12

PKCS7_DATA_OID = bytes.fromhex("06092a864886f70d010701")


@pytest.mark.parametrize(
    "name",
    [
        "AUTH_RSA256_0a1b2c3d.p12",
        "RSA256_0a1b2c3d.P12",
        "GOSTKNCA_0a1b2c3d.p12",
        "key.pfx",
        "store.jks",
        "store.jceks",
        "private.key",
        "android.keystore",
        "key.p12. ",
        "key.p12.",
    ],
)
def test_container_names(name: str) -> None:
    assert is_key_container_name(name)
    assert looks_like_key_container(name, b"")


@pytest.mark.parametrize(
    "name", [None, "", "report.pdf", "cert.cer", "cert.pem", "p12", "photo.p12.jpg", "notes.txt"]
)
def test_other_names(name: str | None) -> None:
    assert not is_key_container_name(name)


def test_p12_renamed_to_pdf_is_caught(citizen: Issued, ca: CertificateAuthority) -> None:
    for p12 in (
        make_p12(citizen),
        make_p12(citizen, legacy=True),
        make_p12(citizen, password=None),
        make_p12(citizen, ca=ca),
    ):
        assert looks_like_key_container("report.pdf", p12)
        assert looks_like_key_container(None, p12[: containers.HEAD_BYTES])
        # The opening structure is within the first few dozen bytes.
        assert looks_like_key_container(None, p12[:40])


def test_test_p12_opens_with_its_password(citizen: Issued) -> None:
    # For end-to-end tests that need a real container; the bot itself never opens one.
    key, cert, _ = pkcs12.load_key_and_certificates(make_p12(citizen), DEFAULT_P12_PASSWORD)
    assert cert == citizen.cert
    assert key is not None


def test_ber_indefinite_length_p12_is_caught() -> None:
    # Java keytool and some Kalkan versions write PFX in BER with indefinite lengths.
    head = b"\x30\x80\x02\x01\x03\x30\x80" + PKCS7_DATA_OID + b"\xa0\x80\x24\x80\x04\x82\x05\x00"
    assert looks_like_key_container("scan.jpg", head + bytes(64))


def test_signed_data_p12_is_caught() -> None:
    signed_oid = bytes.fromhex("06092a864886f70d010702")
    assert looks_like_key_container(
        None, b"\x30\x82\x09\x00\x02\x01\x03\x30\x82\x08\xf0" + signed_oid
    )


def test_detection_never_opens_the_container(
    citizen: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a key container was opened")

    monkeypatch.setattr(pkcs12, "load_key_and_certificates", refuse)
    monkeypatch.setattr(pkcs12, "load_pkcs12", refuse)
    monkeypatch.setattr(serialization, "load_pem_private_key", refuse)
    monkeypatch.setattr(serialization, "load_der_private_key", refuse)
    assert looks_like_key_container("a.pdf", make_p12(citizen))


def _key_encodings(citizen: Issued) -> dict[str, bytes]:
    rsa_key = citizen.key
    ec_key = ec.generate_private_key(ec.SECP256R1())
    plain = serialization.NoEncryption()
    locked = serialization.BestAvailableEncryption(b"Qwerty12")
    pem, der = serialization.Encoding.PEM, serialization.Encoding.DER
    pkcs8, traditional = (
        serialization.PrivateFormat.PKCS8,
        serialization.PrivateFormat.TraditionalOpenSSL,
    )
    openssh = serialization.PrivateFormat.OpenSSH
    return {
        "pem-pkcs8": rsa_key.private_bytes(pem, pkcs8, plain),
        "pem-pkcs8-encrypted": rsa_key.private_bytes(pem, pkcs8, locked),
        "pem-rsa": rsa_key.private_bytes(pem, traditional, plain),
        "pem-rsa-encrypted": rsa_key.private_bytes(pem, traditional, locked),
        "pem-ec": ec_key.private_bytes(pem, traditional, plain),
        "pem-openssh": ec_key.private_bytes(pem, openssh, plain),
        "der-pkcs8": rsa_key.private_bytes(der, pkcs8, plain),
        "der-pkcs8-encrypted": rsa_key.private_bytes(der, pkcs8, locked),
        "der-rsa": rsa_key.private_bytes(der, traditional, plain),
        "der-ec": ec_key.private_bytes(der, traditional, plain),
        "der-ec-pkcs8": ec_key.private_bytes(der, pkcs8, plain),
        "pem-cert-then-key": citizen.pem + rsa_key.private_bytes(pem, pkcs8, plain),
    }


def test_private_keys_in_any_common_encoding_are_caught(citizen: Issued) -> None:
    for label, data in _key_encodings(citizen).items():
        assert looks_like_key_container("notes.txt", data), label
        assert looks_like_key_container(None, data), label


def test_pem_key_named_pem_is_caught_but_pem_certificate_is_not(citizen: Issued) -> None:
    key = _key_encodings(citizen)["pem-pkcs8"]
    assert looks_like_key_container("mykey.pem", key)
    assert not looks_like_key_container("mycert.pem", citizen.pem)


@pytest.mark.parametrize("magic", [b"\xfe\xed\xfe\xed", b"\xce\xce\xce\xce"], ids=["jks", "jceks"])
def test_java_keystores_by_magic(magic: bytes) -> None:
    assert looks_like_key_container("invoice.docx", magic + b"\x00\x00\x00\x02" + bytes(32))


def test_base64_pasted_p12_is_caught(citizen: Issued) -> None:
    text = base64.encodebytes(make_p12(citizen))
    assert looks_like_key_container("key.txt", text)
    assert not looks_like_key_container("cert.txt", base64.encodebytes(citizen.der))


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _pdf() -> bytes:
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"


def _jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(200)


def test_ordinary_files_are_not_key_containers(citizen: Issued, ca: CertificateAuthority) -> None:
    samples = {
        "report.pdf": _pdf(),
        "contract.docx": _docx(),
        "photo.jpg": _jpeg(),
        "cert.cer": citizen.der,
        "cert.pem": citizen.pem,
        "chain.p7b": pkcs7.serialize_certificates(
            [citizen.cert, ca.cert], serialization.Encoding.DER
        ),
        "chain.p7b.pem": pkcs7.serialize_certificates([citizen.cert], serialization.Encoding.PEM),
        "empty.bin": b"",
        "tiny.bin": b"\x30",
        "truncated.bin": b"\x30\x82\x05",
        "text.txt": "Мой ключ ЭЦП — не отправляйте его никому".encode(),
    }
    for name, data in samples.items():
        assert not looks_like_key_container(name, data), name


def test_garbage_that_starts_like_der_does_not_crash() -> None:
    for head in (
        b"\x30\x84\xff\xff\xff\xff\x02",
        b"\x30\x89" + bytes(20),
        b"\x30\x80\x02\x81",
        b"MI!!!!",
    ):
        assert not looks_like_key_container(None, head)
