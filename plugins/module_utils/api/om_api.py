# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""A small JSON-over-HTTP client for the OpenMetadata REST API and for Elasticsearch/OpenSearch.

Uses ``ansible.module_utils.urls.open_url`` (stdlib urllib underneath), so it runs on any managed
node. Every failure becomes an :class:`ApiError` whose message says what went wrong and what to
do about it: connection refused, name not resolved, TLS problems, timeouts, 401, 403, 404, 5xx and
answers that are not JSON.

Typical use::

    client = ApiClient("http://127.0.0.1:8585", token=jwt)
    version = client.get("/api/v1/system/version").json()["version"]
"""
from __future__ import annotations

import base64
import json
import socket
import ssl
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple
from urllib.error import HTTPError, URLError
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit

from ansible.module_utils.urls import ConnectionError as UrlsConnectionError
from ansible.module_utils.urls import SSLValidationError, open_url

DEFAULT_TIMEOUT = 30.0
_BODY_PREVIEW = 300

# The hint appended to an authentication or authorization failure, per kind of service.
_AUTH_HINTS = {
    "OpenMetadata server": {
        401: "the JWT token is missing, expired or not accepted by this server; give a valid bot token "
             "(Settings > Bots > ingestion-bot > token) in jwt_token / openmetadata_jwt_token",
        403: "the token's bot or user lacks the rights for this call; use a bot with the admin role",
    },
    "search engine": {
        401: "wrong or missing credentials; set username/password (basic auth) or api_key "
             "(openmetadata_search_username / _password / _api_key)",
        403: "the user or API key lacks the privileges for this call (it needs monitor and "
             "delete_index/manage on OpenMetadata's indexes)",
    },
}


class ApiError(Exception):
    """A call failed. ``status`` is the HTTP status (None when no HTTP answer came back)."""

    def __init__(self, msg: str, status: Optional[int] = None, body: Any = None, url: str = "") -> None:
        super().__init__(msg)
        self.msg = msg
        self.status = status
        self.body = body
        self.url = url

    def __str__(self) -> str:
        return self.msg


class Response:
    """An HTTP answer: status, headers, raw text and (lazily) its JSON."""

    def __init__(self, method: str, url: str, status: int, headers: Mapping[str, str], raw: bytes, service: str) -> None:
        self.method = method
        self.url = url
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.raw = raw
        self.service = service

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; an :class:`ApiError` naming the URL when it is not JSON."""
        try:
            return json.loads(self.text) if self.raw.strip() else None
        except ValueError:
            raise ApiError(
                "%s %s answered HTTP %d with a body that is not JSON (is this really the %s? a proxy or "
                "login page in between?): %s" % (self.method, self.url, self.status, self.service, _preview(self.text)),
                status=self.status, body=self.text, url=self.url)

    def json_or_text(self) -> Any:
        try:
            return json.loads(self.text) if self.raw.strip() else None
        except ValueError:
            return self.text


def _is_certificate_problem(reason: str) -> bool:
    lowered = reason.lower()
    return "certificate" in lowered or "hostname mismatch" in lowered or "doesn't match" in lowered


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _BODY_PREVIEW else text[:_BODY_PREVIEW] + "..."


def error_message_of(body: Any) -> str:
    """The human part of an error body: OpenMetadata's {"code","message"}, Elasticsearch's
    {"error":{"type","reason"}} (or a plain string), else the text itself."""
    if isinstance(body, dict):
        if isinstance(body.get("message"), str):
            return body["message"]
        error = body.get("error")
        if isinstance(error, dict):
            kind = error.get("type")
            reason = error.get("reason")
            if kind and reason:
                return "%s: %s" % (kind, reason)
            return str(reason or kind or error)
        if isinstance(error, str):
            return error
        return json.dumps(body, sort_keys=True)[:_BODY_PREVIEW]
    if body is None:
        return ""
    return _preview(str(body))


def basic_auth_header(username: str, password: str) -> str:
    token = base64.b64encode(("%s:%s" % (username, password or "")).encode("utf-8")).decode("ascii")
    return "Basic " + token


def _without_credentials(url: str) -> Tuple[str, Optional[str], Optional[str]]:
    """``url`` without its ``user:password@`` part, and that user and password (URL-decoded)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None, None
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, _sep, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=host)), unquote(user), unquote(password)


class ApiClient:
    """JSON over HTTP(S) against one base URL.

    Authentication: ``token`` (``Authorization: Bearer``, OpenMetadata JWT), ``username``/``password``
    (basic auth) or ``api_key`` (``Authorization: ApiKey``, Elasticsearch; give the base64 ``id:key``
    form, or ``id:key`` which is encoded here). ``service`` names the other side in messages
    ("OpenMetadata server" or "search engine")."""

    def __init__(self, base_url: str, token: Optional[str] = None, username: Optional[str] = None,
                 password: Optional[str] = None, api_key: Optional[str] = None, validate_certs: bool = True,
                 ca_path: Optional[str] = None, timeout: float = DEFAULT_TIMEOUT, service: str = "OpenMetadata server") -> None:
        base_url, url_username, url_password = _without_credentials(base_url or "")
        if not base_url or not urlsplit(base_url).scheme or not urlsplit(base_url).netloc:
            raise ApiError("%r is not a URL: give scheme, host and port, e.g. http://127.0.0.1:8585" % (base_url,))
        if urlsplit(base_url).scheme not in ("http", "https"):
            raise ApiError("%r: only http:// and https:// URLs are supported" % (base_url,))
        # Every message names the URL, so user:password@ in it becomes basic auth instead.
        self.base_url = base_url.rstrip("/")
        if url_username and not username:
            username, password = url_username, url_password
        self.validate_certs = validate_certs
        self.ca_path = ca_path or None
        self.timeout = float(timeout)
        self.service = service
        self.headers: Dict[str, str] = {"Accept": "application/json"}
        if token:
            self.headers["Authorization"] = "Bearer " + token
        elif api_key:
            key = api_key
            if ":" in key:
                key = base64.b64encode(key.encode("utf-8")).decode("ascii")
            self.headers["Authorization"] = "ApiKey " + key
        elif username:
            self.headers["Authorization"] = basic_auth_header(username, password or "")

    # -- the one place where requests are made --------------------------------------------------
    def request(self, method: str, path: str, body: Any = None, query: Optional[Mapping[str, Any]] = None,
                content_type: str = "application/json", ok: Iterable[int] = (), raw_body: Optional[bytes] = None,
                timeout: Optional[float] = None) -> Response:
        """Send one request. 2xx answers and statuses listed in ``ok`` are returned; anything
        else raises :class:`ApiError` with a clear message."""
        url = self.base_url + "/" + path.lstrip("/")
        if query:
            url += "?" + urlencode([(k, v) for k, v in query.items() if v is not None])
        headers = dict(self.headers)
        data: Optional[bytes] = raw_body
        if data is None and body is not None:
            data = json.dumps(body).encode("utf-8")
        if data is not None:
            headers["Content-Type"] = content_type
        allowed = set(ok)
        try:
            resp = open_url(url, data=data, headers=headers, method=method, validate_certs=self.validate_certs,
                            ca_path=self.ca_path, timeout=timeout or self.timeout, follow_redirects="safe",
                            use_netrc=False, use_proxy=True)
            return Response(method, url, resp.getcode() or 200, dict(resp.headers.items()), resp.read(), self.service)
        except HTTPError as exc:
            try:
                raw = exc.read() or b""
            except Exception:  # the error body is a nicety; never hide the status for it
                raw = b""
            headers_in = dict(exc.headers.items()) if exc.headers else {}
            answer = Response(method, url, exc.code, headers_in, raw, self.service)
            if exc.code in allowed:
                return answer
            raise self._http_error(answer)
        except SSLValidationError as exc:
            raise ApiError(self._tls_message(url, str(exc)), url=url)
        except UrlsConnectionError as exc:
            raise ApiError(self._connect_message(url, str(exc)), url=url)
        except URLError as exc:
            reason = exc.reason
            if _is_certificate_problem(str(reason)):
                raise ApiError(self._tls_message(url, str(reason)), url=url)
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise ApiError(self._timeout_message(url, timeout), url=url)
            raise ApiError(self._connect_message(url, str(reason)), url=url)
        except (socket.timeout, TimeoutError):
            raise ApiError(self._timeout_message(url, timeout), url=url)
        except ssl.SSLError as exc:
            if _is_certificate_problem(str(exc)):
                raise ApiError(self._tls_message(url, str(exc)), url=url)
            raise ApiError(self._connect_message(url, str(exc)), url=url)
        except (ConnectionError, OSError) as exc:
            raise ApiError(self._connect_message(url, str(exc)), url=url)

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        return self.request("POST", path, body=body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        return self.request("PUT", path, body=body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        kwargs.setdefault("content_type", "application/json-patch+json")
        return self.request("PATCH", path, body=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.request("DELETE", path, **kwargs)

    def head(self, path: str, **kwargs: Any) -> Response:
        return self.request("HEAD", path, **kwargs)

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return self.get(path, **kwargs).json()

    # -- messages -------------------------------------------------------------------------------
    def _where(self) -> str:
        return "%s at %s" % (self.service, self.base_url)

    def _connect_message(self, url: str, reason: str) -> str:
        lowered = reason.lower()
        if "refused" in lowered:
            why = "connection refused: nothing listens there. Is the %s running, and are host and port right?" % self.service
        elif "name or service not known" in lowered or "nodename nor servname" in lowered or "getaddrinfo" in lowered \
                or "name resolution" in lowered:
            why = "the host name does not resolve (%s). Check the URL." % reason
        elif "timed out" in lowered:
            return self._timeout_message(url, None)
        elif "unreachable" in lowered or "no route" in lowered:
            why = "network unreachable (%s). Check the URL and firewalls." % reason
        elif "wrong version number" in lowered or "unknown protocol" in lowered or "record layer" in lowered:
            why = ("TLS handshake failed (%s): the URL says https but the server speaks plain http, or the other way "
                   "round. Check the scheme." % reason)
        elif "remote end closed" in lowered or "connection reset" in lowered or "badstatusline" in lowered:
            why = ("the server closed the connection without an HTTP answer (%s); is it plain http behind an https URL "
                   "or still starting?" % reason)
        else:
            why = reason
        return "Cannot reach the %s (%s): %s" % (self._where(), url, why)

    def _tls_message(self, url: str, reason: str) -> str:
        # the options' names as the modules and roles spell them for this kind of service
        prefix = "search_" if self.service == "search engine" else ""
        return ("TLS certificate of the %s could not be verified (%s): %s. Give the CA bundle that signed it "
                "(%sca_path, openmetadata_%sca_path), or set %svalidate_certs=false to skip the check (not for "
                "production)." % (self._where(), url, _preview(reason), prefix, prefix, prefix))

    def _timeout_message(self, url: str, timeout: Optional[float]) -> str:
        return ("The %s did not answer %s within %s s (timeout). Is it overloaded or still starting? Raise timeout "
                "if it is just slow." % (self._where(), url, timeout or self.timeout))

    def _http_error(self, answer: Response) -> ApiError:
        body = answer.json_or_text()
        detail = error_message_of(body)
        status = answer.status
        head = "%s %s answered HTTP %d" % (answer.method, answer.url, status)
        if detail:
            head += " (%s)" % detail
        if status in (401, 403):
            hint = _AUTH_HINTS.get(self.service, _AUTH_HINTS["OpenMetadata server"])[status]
            msg = "%s: %s." % (head, hint)
        elif status == 404:
            msg = "%s: not found on the %s. Check the URL (and the server version: older servers lack newer endpoints)." % (
                head, self._where())
        elif status >= 500:
            msg = "%s: the %s failed internally; see its log." % (head, self._where())
        else:
            msg = head
        return ApiError(msg, status=status, body=body, url=answer.url)


def split_status(exc: ApiError) -> Tuple[Optional[int], str]:
    """(status, message) of an error, for modules that return them."""
    return exc.status, exc.msg
