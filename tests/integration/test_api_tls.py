"""A private CA for the OpenMetadata API and another for the search engine: ca_path and search_ca_path, through
ansible-playbook (module info), against local HTTPS servers with certificates of
test CAs (tls_support.py). The search engine is the protocol stand-in (tests/simulator/search_engine) over TLS."""
from __future__ import annotations

import http.server
import json
import ssl
import threading
from typing import Any, Iterator

import pytest

from harness import free_port
from simulator.search_engine import SearchEngineProcess
from tls_support import Pki, make_pki


class _VersionHandler(http.server.BaseHTTPRequestHandler):
    """What these tests need of an OpenMetadata server: GET /api/v1/system/version (no token needed)."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path != "/api/v1/system/version":
            self.send_error(404)
            return
        body = json.dumps({"version": "1.1.7", "revision": "tls-test"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def api_pki(tmp_path_factory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("api-pki"))


@pytest.fixture(scope="module")
def search_pki(tmp_path_factory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("search-pki"))


@pytest.fixture(scope="module")
def https_api(api_pki) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _VersionHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(api_pki.server_cert), str(api_pki.server_key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "https://127.0.0.1:%d" % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def https_search(search_pki) -> Iterator[str]:
    with SearchEngineProcess("elasticsearch", "8.10.2", tls_cert=search_pki.server_cert,
                             tls_key=search_pki.server_key) as engine:
        assert engine.url.startswith("https://")
        yield engine.url


# info's database options are required; the database part is not gathered here
NO_DB = {"engine": "mysql", "login_user": "unused", "admin_url": ""}


def info(name: str, **args: Any) -> dict[str, Any]:
    args = dict(NO_DB, **args)
    return {"name": name, "ignore_errors": True, "openmetadata.ops.info": dict(args, gather=["server", "search"])}


def test_info_verifies_the_server_and_the_search_engine_each_with_its_own_ca(https_api, https_search, api_pki,
                                                                             search_pki, playbook):
    run = playbook([
        info("both cas", server_url=https_api, ca_path=str(api_pki.ca), search_url=https_search,
             search_ca_path=str(search_pki.ca)),
        info("no ca", server_url=https_api, search_url=https_search),
        info("server ca only", server_url=https_api, ca_path=str(api_pki.ca), search_url=https_search),
        info("unchecked search", server_url=https_api, ca_path=str(api_pki.ca), search_url=https_search,
             search_validate_certs=False),
    ])
    both = run.result("both cas")
    assert both["server"]["version"] == "1.1.7" and not both["server"]["error"], both["server"]
    assert both["search"]["version"] == "8.10.2" and not both["search"]["error"], both["search"]
    no_ca = run.result("no ca")
    assert no_ca["server"]["version"] is None and "ca_path" in no_ca["server"]["error"], no_ca["server"]
    assert "could not be verified" in no_ca["server"]["error"]
    search_error = run.result("server ca only")["search"]["error"]
    assert search_error and "search_ca_path" in search_error and "search_validate_certs" in search_error, search_error
    assert run.result("unchecked search")["search"]["version"] == "8.10.2"


def test_a_wrong_ca_path_fails_naming_it(https_api, api_pki, playbook):
    """A CA that did not sign the server's certificate fails with the option's name (ca_path, not search_ca_path)."""
    run = playbook([
        {"name": "with ca", "ignore_errors": True, "openmetadata.ops.info": dict(NO_DB, **{
            "server_url": https_api, "ca_path": str(api_pki.ca), "gather": ["server"],
            "required": ["server"]})},
        {"name": "other ca", "ignore_errors": True, "openmetadata.ops.info": dict(NO_DB, **{
            "server_url": https_api, "ca_path": str(api_pki.other_ca), "gather": ["server"],
            "required": ["server"]})},
    ])
    assert not run.result("with ca").get("failed"), run.result("with ca").get("msg")
    other = run.result("other ca")
    assert other["failed"] and "ca_path" in other["msg"] and "could not be verified" in other["msg"], other["msg"]
    assert "search_ca_path" not in other["msg"]
