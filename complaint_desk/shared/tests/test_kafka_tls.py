"""Mutual TLS to the brokers: a CA to trust and this client's certificate, from settings."""

import datetime as dt
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from complaint_desk.shared.kafka import connection_options, tls_context
from complaint_desk.shared.settings import ServiceSettings


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "desk-intake")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_file, key_file = folder / "client.pem", folder / "client.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_plaintext_by_default() -> None:
    settings = ServiceSettings()
    assert tls_context(settings) is None
    assert set(connection_options(settings)) == {"bootstrap_servers"}


def test_ssl_with_a_client_certificate_is_mutual_tls(tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path)
    settings = ServiceSettings(
        KAFKA_SECURITY_PROTOCOL="SSL",
        KAFKA_SSL_CAFILE=str(cert),
        KAFKA_SSL_CERTFILE=str(cert),
        KAFKA_SSL_KEYFILE=str(key),
    )
    context = tls_context(settings)
    assert context is not None
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert any(c["subject"] for c in context.get_ca_certs())
    options = connection_options(settings)
    assert options["security_protocol"] == "SSL" and options["ssl_context"] is not None


def test_a_missing_key_fails_at_start_not_at_the_first_message(tmp_path: Path) -> None:
    cert, _ = _certificate(tmp_path)
    settings = ServiceSettings(
        KAFKA_SECURITY_PROTOCOL="SSL",
        KAFKA_SSL_CERTFILE=str(cert),
        KAFKA_SSL_KEYFILE=str(tmp_path / "missing.key"),
    )
    with pytest.raises(OSError):
        tls_context(settings)
