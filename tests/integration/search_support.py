"""Shared helpers of the search tests: raw HTTP to a cluster, seeding indexes, a test CA."""
from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import pathlib
import ssl
import urllib.error
import urllib.request
from typing import Any, Optional, Tuple


def http(url: str, method: str = "GET", body: Any = None, ndjson: Optional[str] = None, auth: Optional[Tuple[str, str]] = None,
         context: Optional[ssl.SSLContext] = None) -> Tuple[int, Any, dict]:
    """(status, parsed body or text, headers) of one call; never raises on HTTP errors."""
    data = None
    headers = {}
    if ndjson is not None:
        data = ndjson.encode()
        headers["Content-Type"] = "application/x-ndjson"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(("%s:%s" % auth).encode()).decode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30, context=context) as answer:
            status, raw, hdrs = answer.status, answer.read(), dict(answer.headers.items())
    except urllib.error.HTTPError as exc:
        status, raw, hdrs = exc.code, exc.read(), dict(exc.headers.items())
    try:
        parsed = json.loads(raw) if raw.strip() else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return status, parsed, {k.lower(): v for k, v in hdrs.items()}


def seed(url: str, index: str, docs: int, auth: Optional[Tuple[str, str]] = None,
         context: Optional[ssl.SSLContext] = None) -> None:
    """Create ``index`` with a small mapping and ``docs`` documents, visible at once."""
    mapping = {"mappings": {"properties": {"name": {"type": "keyword"}}}}
    status, body, _headers = http("%s/%s" % (url, index), "PUT", mapping, auth=auth, context=context)
    assert status == 200, (status, body)
    if docs:
        lines = []
        for i in range(docs):
            lines.append(json.dumps({"index": {"_index": index, "_id": str(i)}}))
            lines.append(json.dumps({"name": "doc%d" % i}))
        payload = "\n".join(lines) + "\n"
        status, body, _headers = http(url + "/_bulk?refresh=true", "POST", ndjson=payload, auth=auth, context=context)
        assert status == 200 and not body["errors"], body


def index_names(url: str, auth: Optional[Tuple[str, str]] = None, context: Optional[ssl.SSLContext] = None) -> dict:
    status, rows, _headers = http(url + "/_cat/indices?format=json&h=index,docs.count", auth=auth, context=context)
    assert status == 200, rows
    return {row["index"]: int(row["docs.count"]) for row in rows}


def make_ca_and_cert(folder: pathlib.Path) -> Tuple[pathlib.Path, pathlib.Path, pathlib.Path]:
    """A self-signed test CA and a server certificate for 127.0.0.1/localhost signed by it:
    (ca.pem, server.pem, server.key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "openmetadata.ops test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_pem = folder / "ca.pem"
    cert_pem = folder / "server.pem"
    key_pem = folder / "server.key"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return ca_pem, cert_pem, key_pem
