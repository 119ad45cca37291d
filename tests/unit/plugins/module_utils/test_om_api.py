"""om_api against a throw-away local HTTP server that answers with given statuses and bodies."""
from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.openmetadata.ops.plugins.module_utils.api.om_api import ApiClient, ApiError, error_message_of

SCRIPT = {
    "/ok": (200, "application/json", json.dumps({"version": "1.2.5"})),
    "/text": (200, "text/plain", "Application Triggered"),
    "/html": (200, "text/html", "<html>login</html>"),
    "/401": (401, "application/json", json.dumps({"code": 401, "message": "Not Authorized! Token not present"})),
    "/403": (403, "application/json", json.dumps({"code": 403, "message": "operations [EditAll] not allowed"})),
    "/404": (404, "application/json", json.dumps({"code": 404, "message": "App not found"})),
    "/500": (500, "text/plain", "boom"),
    "/es404": (404, "application/json", json.dumps({"error": {"type": "index_not_found_exception",
                                                              "reason": "no such index [x]"}, "status": 404})),
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path == "/echo":
            payload = json.dumps({"method": self.command, "auth": self.headers.get("Authorization"),
                                  "ctype": self.headers.get("Content-Type"), "body": body.decode()})
            status, ctype = 200, "application/json"
        else:
            status, ctype, payload = SCRIPT[self.path]
        raw = payload.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = do_PATCH = do_DELETE = _answer


@pytest.fixture(scope="module")
def base():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


def test_json_and_text(base):
    client = ApiClient(base, token="t")
    assert client.get("/ok").json() == {"version": "1.2.5"}
    assert client.post("/text").json_or_text() == "Application Triggered"
    with pytest.raises(ApiError, match="not JSON"):
        client.get("/html").json()


def test_headers_and_bodies(base):
    echo = ApiClient(base, token="jwt-1").patch("/echo", [{"op": "replace"}]).json()
    assert echo["auth"] == "Bearer jwt-1" and echo["ctype"] == "application/json-patch+json"
    assert json.loads(echo["body"]) == [{"op": "replace"}]
    basic = ApiClient(base, username="u", password="p").get("/echo").json()
    assert basic["auth"] == "Basic dTpw"
    key = ApiClient(base, api_key="id:key").get("/echo").json()
    assert key["auth"] == "ApiKey aWQ6a2V5"


@pytest.mark.parametrize("path,status,words", [
    ("/401", 401, ["Token not present", "jwt_token"]),
    ("/403", 403, ["not allowed", "admin role"]),
    ("/404", 404, ["App not found", "older servers"]),
    ("/500", 500, ["boom", "see its log"]),
])
def test_http_errors(base, path, status, words):
    with pytest.raises(ApiError) as caught:
        ApiClient(base, token="t").get(path)
    assert caught.value.status == status
    for word in words:
        assert word in caught.value.msg


def test_allowed_status_is_returned(base):
    answer = ApiClient(base, service="search engine").get("/es404", ok=(404,))
    assert answer.status == 404
    assert error_message_of(answer.json()) == "index_not_found_exception: no such index [x]"


def test_search_engine_auth_hint(base):
    with pytest.raises(ApiError, match="username/password"):
        ApiClient(base, service="search engine").get("/401")


def test_connection_refused_and_bad_urls():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ApiError, match="connection refused"):
        ApiClient("http://127.0.0.1:%d" % port, timeout=3).get("/")
    with pytest.raises(ApiError, match="not a URL"):
        ApiClient("localhost:8585")
    with pytest.raises(ApiError, match="only http"):
        ApiClient("ftp://x:1")


def test_timeout():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers
    try:
        with pytest.raises(ApiError, match="timeout"):
            ApiClient("http://127.0.0.1:%d" % listener.getsockname()[1], timeout=0.5).get("/")
    finally:
        listener.close()


def test_credentials_in_the_url_become_basic_auth_and_stay_out_of_messages(base):
    host_port = base.split("://", 1)[1]
    echo = ApiClient("http://elastic:s%%40cret@%s" % host_port).get("/echo").json()
    assert echo["auth"] == "Basic ZWxhc3RpYzpzQGNyZXQ="  # elastic:s@cret
    with pytest.raises(ApiError) as failure:
        ApiClient("http://elastic:s%%40cret@%s" % host_port).get("/500")
    assert "cret" not in str(failure.value) and "cret" not in failure.value.url
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ApiError, match="connection refused") as refused:
        ApiClient("http://elastic:hunter2@127.0.0.1:%d" % port, timeout=3).get("/")
    assert "hunter2" not in str(refused.value)
