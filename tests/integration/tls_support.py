"""A private test CA and the certificates the TLS tests need, written with the ``cryptography`` library.

The server certificate names only the IP address 127.0.0.1 (no DNS name), so a connection to ``localhost``
is a host-name mismatch that verify-full refuses and verify-ca accepts.
"""
from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import os
import pathlib
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclasses.dataclass(frozen=True)
class Pki:
    """Paths of the PEM files: the CA, a server pair for 127.0.0.1, a client pair, and a CA nobody used."""

    ca: pathlib.Path
    server_cert: pathlib.Path
    server_key: pathlib.Path
    client_cert: pathlib.Path
    client_key: pathlib.Path
    other_ca: pathlib.Path


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _ca(common_name: str) -> tuple[Any, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    usage = x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                          encipher_only=False, decipher_only=False)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_now() - datetime.timedelta(minutes=5)).not_valid_after(_now() + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def _leaf(ca_key: Any, ca_cert: x509.Certificate, common_name: str, server: bool) -> tuple[Any, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
               .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(_now() - datetime.timedelta(minutes=5))
               .not_valid_after(_now() + datetime.timedelta(days=2))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server
                                                     else ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return key, builder.sign(ca_key, hashes.SHA256())


def _write(path: pathlib.Path, data: bytes, mode: int = 0o644) -> pathlib.Path:
    path.write_bytes(data)
    os.chmod(path, mode)
    return path


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: Any) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_pki(folder: pathlib.Path, client_name: str = "om_cert") -> Pki:
    """Write the test PKI into ``folder``; the client certificate's CN is ``client_name`` (PostgreSQL's cert
    method maps it to the login user). Keys are 0600."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = _ca("openmetadata.ops test database CA")
    server_key, server_cert = _leaf(ca_key, ca_cert, "openmetadata.ops test database", server=True)
    client_key, client_cert = _leaf(ca_key, ca_cert, client_name, server=False)
    _other_key, other_ca = _ca("a CA that signed nothing here")
    return Pki(
        ca=_write(folder / "ca.pem", _cert_pem(ca_cert)),
        server_cert=_write(folder / "server.pem", _cert_pem(server_cert)),
        server_key=_write(folder / "server.key", _key_pem(server_key), 0o600),
        client_cert=_write(folder / "client.pem", _cert_pem(client_cert)),
        client_key=_write(folder / "client.key", _key_pem(client_key), 0o600),
        other_ca=_write(folder / "other-ca.pem", _cert_pem(other_ca)),
    )
