"""Mail to the SMTP server goes over TLS with its certificate checked, as production demands.

Production accepts only Django's SMTP backend with EMAIL_USE_TLS or EMAIL_USE_SSL
(tsadmin/production.py) and offers no setting to skip the certificate check. Here a real SMTP
server (aiosmtpd) requires STARTTLS with a certificate of our own making: an unknown authority
or another host name stop the message; the authority named by SSL_CERT_FILE (how a private CA
is given in production) lets it through.
"""

import datetime
import ipaddress
import socket
import ssl

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.mail import send_mail


class _Sink:
    def __init__(self) -> None:
        self.received: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
        self.received.append(envelope.content.decode())
        return "250 OK"


def _certificate(tmp_path, host: str):
    """A self-signed certificate for `host` (and 127.0.0.1), written as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(host), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
            if host == "localhost"
            else x509.SubjectAlternativeName([x509.DNSName(host)]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / f"{host}.pem", tmp_path / f"{host}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@pytest.fixture
def tls_smtp(tmp_path, settings):
    """An SMTP server that requires STARTTLS; returns (sink, a function to serve a given certificate)."""
    servers = []

    def serve(host: str):
        cert_file, key_file = _certificate(tmp_path, host)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        sink = _Sink()
        controller = Controller(sink, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True)
        controller.start()
        servers.append(controller)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL, settings.EMAIL_TIMEOUT = True, False, 10
        settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "", ""
        return sink, cert_file

    yield serve
    for controller in servers:
        controller.stop()


def _send() -> int:
    return send_mail("Objet", "Corps", "ne-pas-repondre@teleservices.example", ["parent@familles.example"])


def test_a_certificate_of_an_unknown_authority_stops_the_message(tls_smtp, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    sink, _cert = tls_smtp("localhost")
    with pytest.raises(ssl.SSLCertVerificationError, match="self-signed certificate"):
        _send()
    assert sink.received == []


def test_a_certificate_for_another_host_stops_the_message_even_from_a_trusted_authority(tls_smtp, monkeypatch):
    sink, cert = tls_smtp("mail.other.example")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    with pytest.raises(ssl.SSLCertVerificationError, match="IP address mismatch|Hostname mismatch"):
        _send()
    assert sink.received == []


def test_the_private_authority_given_by_ssl_cert_file_lets_the_message_through(tls_smtp, monkeypatch):
    sink, cert = tls_smtp("localhost")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    assert _send() == 1
    assert len(sink.received) == 1 and "Subject: Objet" in sink.received[0]
