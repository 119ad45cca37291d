# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""STAND-IN for Elasticsearch 7.16.3 / 8.10.2 and OpenSearch 2.x: a small HTTP server that answers
the REST calls OpenMetadata and this collection make, with the status codes and body shapes of the
public Elasticsearch / OpenSearch REST API documentation. It is not a search engine: no query
language, no scoring, one shard per index.

Calls served: ``GET /`` (root document), ``GET /_cat/indices`` (``format=json``, ``h=``),
``GET /_cluster/health``, ``PUT /<index>`` (create), ``HEAD|GET /<index>``, ``DELETE /<index>[,...]``
(wildcards refused on Elasticsearch 8: ``action.destructive_requires_name`` defaults to true there),
``POST /_bulk`` and ``POST /<index>/_bulk`` (NDJSON index/create/update/delete),
``POST|GET /<index>/_refresh``, ``GET|POST /<index>/_count``, ``GET|POST /<index>/_search``
(match_all only), ``PUT|POST /<index>/_doc/<id>``, ``GET /<index>/_doc/<id>``, ``POST /_aliases``,
``GET /_alias``. Indexes live in memory, or in ``--data-dir`` (one JSON file per index, written on
every change) so that a data folder survives a restart, and a 7.16 folder is refused by 8.x like
the real node refuses it.
"""
from __future__ import annotations

import base64
import copy
import fnmatch
import hmac
import json
import os
import re
import ssl
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

# Per flavor and version: the fields of the root document that differ.
_ROOT_VERSIONS: Dict[Tuple[str, str], Dict[str, Any]] = {
    ("elasticsearch", "7.16.3"): {
        "build_flavor": "default", "build_type": "tar", "build_hash": "4e6e4eab2297e949ec994e688dad46290d018022",
        "build_date": "2022-01-06T23:43:02.825887787Z", "build_snapshot": False, "lucene_version": "8.10.1",
        "minimum_wire_compatibility_version": "6.8.0", "minimum_index_compatibility_version": "6.0.0-beta1"},
    ("elasticsearch", "8.10.2"): {
        "build_flavor": "default", "build_type": "tar", "build_hash": "6d20dd8ce62365be9b1aca96427de4622e970e9e",
        "build_date": "2023-09-19T08:16:24.564900370Z", "build_snapshot": False, "lucene_version": "9.7.0",
        "minimum_wire_compatibility_version": "7.17.0", "minimum_index_compatibility_version": "7.0.0"},
    ("opensearch", "2.7.0"): {
        "distribution": "opensearch", "build_type": "tar", "build_hash": "b7a6e09e492b1e965d827525f7863b366ef0e304",
        "build_date": "2023-04-27T21:43:09.523336706Z", "build_snapshot": False, "lucene_version": "9.5.0",
        "minimum_wire_compatibility_version": "7.10.0", "minimum_index_compatibility_version": "7.0.0"},
    ("opensearch", "2.11.1"): {
        "distribution": "opensearch", "build_type": "tar", "build_hash": "6b1986e964d440be9137eba1413015c31c5a7752",
        "build_date": "2023-11-29T21:43:10.135035992Z", "build_snapshot": False, "lucene_version": "9.7.0",
        "minimum_wire_compatibility_version": "7.10.0", "minimum_index_compatibility_version": "7.0.0"},
}
REFRESH_INTERVAL = 1.0  # index.refresh_interval default
TAGLINES = {"elasticsearch": "You Know, for Search", "opensearch": "The OpenSearch Project: https://opensearch.org/"}


def _major(version: str) -> int:
    return int(version.split(".", 1)[0])


def _version_tuple(version: str) -> Tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


class StartupRefused(Exception):
    """The node refuses to start (like the real one does, e.g. on a data folder of an old major)."""


class Index:
    def __init__(self, name: str, mappings: Optional[Dict[str, Any]] = None, settings: Optional[Dict[str, Any]] = None,
                 aliases: Optional[Dict[str, Any]] = None, created_version: str = "") -> None:
        self.name = name
        self.uuid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")[:22]
        self.mappings = mappings or {}
        self.settings = settings or {}
        self.aliases: Dict[str, Any] = dict(aliases or {})
        self.docs: Dict[str, Dict[str, Any]] = {}
        self.visible: Dict[str, Dict[str, Any]] = {}  # what a search sees: the docs at the last refresh
        self.versions: Dict[str, int] = {}
        self.seq_no = 0
        self.last_write = 0.0
        self.created_version = created_version
        self.creation_date = int(time.time() * 1000)

    def searchable(self) -> Dict[str, Dict[str, Any]]:
        """Documents a search sees: those of the last refresh, or all once the 1 s refresh interval passed."""
        if self.visible is not self.docs and time.time() - self.last_write >= REFRESH_INTERVAL:
            self.visible = dict(self.docs)
        return self.visible

    def to_json(self) -> Dict[str, Any]:
        return {"name": self.name, "uuid": self.uuid, "mappings": self.mappings, "settings": self.settings,
                "aliases": self.aliases, "docs": self.docs, "versions": self.versions, "seq_no": self.seq_no,
                "created_version": self.created_version, "creation_date": self.creation_date}

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Index":
        index = cls(data["name"], data.get("mappings"), data.get("settings"), data.get("aliases"),
                    data.get("created_version", ""))
        index.uuid = data.get("uuid", index.uuid)
        index.docs = data.get("docs", {})
        index.visible = dict(index.docs)
        index.versions = data.get("versions", {})
        index.seq_no = data.get("seq_no", 0)
        index.creation_date = data.get("creation_date", index.creation_date)
        return index


class Cluster:
    """The state of the stand-in node, shared by the request threads."""

    def __init__(self, flavor: str, version: str, data_dir: Optional[str] = None, cluster_name: Optional[str] = None,
                 node_name: str = "standin-node-1", destructive_requires_name: Optional[bool] = None) -> None:
        if flavor not in TAGLINES:
            raise ValueError("flavor must be elasticsearch or opensearch")
        self.flavor = flavor
        self.version = version
        self.cluster_name = cluster_name or ("opensearch" if flavor == "opensearch" else "elasticsearch")
        self.node_name = node_name
        self.cluster_uuid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")[:22]
        if destructive_requires_name is None:
            # Elasticsearch 8.0 changed the default of action.destructive_requires_name to true.
            destructive_requires_name = flavor == "elasticsearch" and _major(version) >= 8
        self.destructive_requires_name = destructive_requires_name
        self.lock = threading.RLock()
        self.indexes: Dict[str, Index] = {}
        self.data_dir = data_dir
        if data_dir:
            self._load(data_dir)

    # -- persistence ---------------------------------------------------------------------------
    def _load(self, data_dir: str) -> None:
        os.makedirs(os.path.join(data_dir, "indices"), exist_ok=True)
        state_path = os.path.join(data_dir, "node.json")
        if os.path.exists(state_path):
            with open(state_path, encoding="utf-8") as handle:
                state = json.load(handle)
            if state.get("flavor") != self.flavor:
                raise StartupRefused("data folder %s belongs to %s %s, not %s" % (
                    data_dir, state.get("flavor"), state.get("version"), self.flavor))
            self._check_upgrade(str(state.get("version", "0")))
            self.cluster_uuid = state.get("cluster_uuid", self.cluster_uuid)
        with open(state_path, "w", encoding="utf-8") as handle:
            json.dump({"flavor": self.flavor, "version": self.version, "cluster_uuid": self.cluster_uuid}, handle)
        folder = os.path.join(data_dir, "indices")
        for entry in sorted(os.listdir(folder)):
            if entry.endswith(".json"):
                with open(os.path.join(folder, entry), encoding="utf-8") as handle:
                    index = Index.from_json(json.load(handle))
                self.indexes[index.name] = index

    def _check_upgrade(self, old: str) -> None:
        if _version_tuple(old) > _version_tuple(self.version):
            raise StartupRefused("cannot downgrade a node from version [%s] to version [%s]" % (old, self.version))
        if self.flavor == "elasticsearch" and _major(self.version) >= 8 and _version_tuple(old) < (7, 17, 0):
            # The real 8.x node refuses data written by anything older than 7.17.
            raise StartupRefused(
                "cannot upgrade a node from version [%s] directly to version [%s], upgrade to version [7.17.0] first."
                % (old, self.version))

    def save(self, name: str) -> None:
        if not self.data_dir:
            return
        path = os.path.join(self.data_dir, "indices", name + ".json")
        index = self.indexes.get(name)
        if index is None:
            if os.path.exists(path):
                os.unlink(path)
            return
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(index.to_json(), handle)
        os.replace(tmp, path)

    # -- documents -------------------------------------------------------------------------------
    def root_document(self) -> Dict[str, Any]:
        version: Dict[str, Any] = {"number": self.version}
        known = _ROOT_VERSIONS.get((self.flavor, self.version))
        if known is None:
            # A version without recorded build facts: same fields, plausible values.
            template = "8.10.2" if self.flavor == "elasticsearch" and _major(self.version) >= 8 else "7.16.3"
            known = dict(_ROOT_VERSIONS[("opensearch", "2.11.1")] if self.flavor == "opensearch"
                         else _ROOT_VERSIONS[("elasticsearch", template)])
        if self.flavor == "opensearch":
            version = {"distribution": "opensearch", "number": self.version}
            version.update({k: v for k, v in known.items() if k != "distribution"})
        else:
            version.update(known)
        return {"name": self.node_name, "cluster_name": self.cluster_name, "cluster_uuid": self.cluster_uuid,
                "version": version, "tagline": TAGLINES[self.flavor]}


# -- error bodies (shapes of the public REST API) ------------------------------------------------
def es_error(kind: str, reason: str, status: int, **extra: Any) -> Tuple[int, Dict[str, Any]]:
    cause = {"type": kind, "reason": reason}
    cause.update(extra)
    error = dict(cause)
    error["root_cause"] = [dict(cause)]
    # root_cause comes first in the real bodies
    ordered = {"root_cause": error.pop("root_cause")}
    ordered.update(error)
    return status, {"error": ordered, "status": status}


def index_not_found(name: str) -> Tuple[int, Dict[str, Any]]:
    return es_error("index_not_found_exception", "no such index [%s]" % name, 404,
                    **{"resource.type": "index_or_alias", "resource.id": name, "index_uuid": "_na_", "index": name})


_INVALID_NAME_CHARS = set('\\/*?"<>| ,#:')


def invalid_name(name: str) -> Optional[str]:
    if not name:
        return "must not be empty"
    if name.lower() != name:
        return "must be lowercase"
    if name[0] in "_-+":
        return "must not start with '_', '-', or '+'"
    if name in (".", ".."):
        return "must not be '.' or '..'"
    bad = [c for c in name if c in _INVALID_NAME_CHARS]
    if bad:
        return "must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?]"
    return None


class Handler(BaseHTTPRequestHandler):
    server_version = "standin"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    cluster: Cluster  # set on the class made per server
    auth_basic: Optional[Tuple[str, str]] = None
    auth_api_key: Optional[str] = None  # "id:key"

    def send_response(self, code: int, message: Optional[str] = None) -> None:
        # Elasticsearch sends neither Server nor Date headers.
        self.log_request(code)
        self.send_response_only(code, message)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        if os.environ.get("SEARCH_STANDIN_LOG"):
            super().log_message(format, *args)

    # -- plumbing -----------------------------------------------------------------------------
    def _send(self, status: int, body: Any = None, content_type: str = "application/json",
              headers: Optional[Dict[str, str]] = None) -> None:
        if body is None:
            raw = b""
        elif isinstance(body, (bytes, str)):
            raw = body.encode("utf-8") if isinstance(body, str) else body
        else:
            raw = json.dumps(body).encode("utf-8")
        self.send_response(status)
        if self.cluster.flavor == "elasticsearch":
            self.send_header("X-elastic-product", "Elasticsearch")
            if content_type == "application/json" and _major(self.cluster.version) < 8:
                content_type = "application/json; charset=UTF-8"
        elif content_type == "application/json":
            content_type = "application/json; charset=UTF-8"
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(raw)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json_body(self) -> Tuple[Optional[Any], Optional[Tuple[int, Dict[str, Any]]]]:
        raw = self._read_body()
        if not raw.strip():
            return None, None
        try:
            return json.loads(raw), None
        except ValueError as exc:
            return None, es_error("parse_exception", "request body is required" if not raw else
                                  "Failed to parse content to map: %s" % exc, 400)

    def _authenticated(self) -> bool:
        if self.auth_basic is None and self.auth_api_key is None:
            return True
        header = self.headers.get("Authorization") or ""
        scheme, _sep, value = header.partition(" ")
        ok = False
        if scheme.lower() == "basic" and self.auth_basic is not None:
            try:
                user, _sep, password = base64.b64decode(value).decode("utf-8").partition(":")
                ok = hmac.compare_digest(user, self.auth_basic[0]) and hmac.compare_digest(password, self.auth_basic[1])
            except (ValueError, UnicodeDecodeError):
                ok = False
            if not ok:
                self._unauthorized("unable to authenticate user [%s] for REST request [%s]" % (
                    (base64.b64decode(value + "==").decode("utf-8", "replace").partition(":")[0] if value else ""),
                    self.path))
                return False
            return True
        if scheme.lower() == "apikey" and self.auth_api_key is not None:
            try:
                ok = hmac.compare_digest(base64.b64decode(value).decode("utf-8"), self.auth_api_key)
            except (ValueError, UnicodeDecodeError):
                ok = False
            if not ok:
                self._unauthorized("unable to authenticate with provided credentials and anonymous access is not "
                                   "allowed for this request")
                return False
            return True
        self._unauthorized("missing authentication credentials for REST request [%s]" % self.path)
        return False

    def _unauthorized(self, reason: str) -> None:
        if self.cluster.flavor == "opensearch":
            # The OpenSearch security plugin answers with a plain-text body.
            self._send(401, "Unauthorized", content_type="text/plain; charset=UTF-8",
                       headers={"WWW-Authenticate": 'Basic realm="OpenSearch Security"'})
            return
        challenge = ['Basic realm="security" charset="UTF-8"', "ApiKey"]
        status, body = es_error("security_exception", reason, 401, header={"WWW-Authenticate": challenge})
        self._send(status, body, headers={"WWW-Authenticate": challenge[0]})

    def _dispatch(self) -> None:
        if not self._authenticated():
            return
        split = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        parts = [unquote(p) for p in split.path.split("/") if p]
        try:
            result = self._route(self.command, parts)
        except Exception as exc:  # a bug in the stand-in must still answer like a server would
            result = es_error("exception", "stand-in error: %r" % exc, 500)
        if result is None:
            return
        status, body = result
        self._send(status, body)

    def do_GET(self) -> None:  # noqa: N802 - BaseHTTPRequestHandler's names
        self._dispatch()

    do_PUT = do_POST = do_DELETE = do_HEAD = do_GET

    # -- routes ---------------------------------------------------------------------------------
    def _route(self, method: str, parts: List[str]) -> Optional[Tuple[int, Any]]:
        c = self.cluster
        if not parts:
            if method in ("GET", "HEAD"):
                return 200, c.root_document()
            return self._no_handler(method)
        head = parts[0]
        if head == "_cat" and len(parts) >= 2 and parts[1] == "indices" and method == "GET":
            return self._cat_indices(parts[2] if len(parts) > 2 else None)
        if head == "_cluster" and parts[1:] == ["health"] and method == "GET":
            return 200, self._health()
        if head == "_bulk" and len(parts) == 1 and method in ("POST", "PUT"):
            return self._bulk(None)
        if head == "_aliases" and len(parts) == 1 and method == "POST":
            return self._aliases()
        if head == "_alias" and method == "GET":
            return self._get_aliases()
        if head == "_refresh" and method in ("POST", "GET"):
            return self._refresh(list(c.indexes))
        if head.startswith("_"):
            return self._no_handler(method)
        # /<index>[/...]
        if len(parts) == 1:
            if method == "PUT":
                return self._create(head)
            if method == "DELETE":
                return self._delete(head)
            if method in ("GET", "HEAD"):
                return self._get_index(head)
            return self._no_handler(method)
        action = parts[1]
        if action == "_refresh" and method in ("POST", "GET"):
            return self._refresh(self._resolve(head))
        if action == "_count" and method in ("GET", "POST"):
            return self._count(head)
        if action == "_search" and method in ("GET", "POST"):
            return self._search(head)
        if action == "_bulk" and method in ("POST", "PUT"):
            return self._bulk(head)
        if action == "_doc" and len(parts) == 3:
            if method in ("PUT", "POST"):
                return self._index_doc(head, parts[2])
            if method in ("GET", "HEAD"):
                return self._get_doc(head, parts[2])
            if method == "DELETE":
                return self._delete_doc(head, parts[2])
        return self._no_handler(method)

    def _no_handler(self, method: str) -> Tuple[int, Any]:
        path = urlsplit(self.path).path
        return 400, {"error": "no handler found for uri [%s] and method [%s]" % (path, method)}

    def _resolve(self, expression: str) -> List[str]:
        """Index names an expression stands for: exact names, aliases, wildcards, comma lists, _all."""
        names: List[str] = []
        with self.cluster.lock:
            for part in expression.split(","):
                if part in ("_all", "*"):
                    names.extend(self.cluster.indexes)
                elif "*" in part or "?" in part:
                    names.extend(n for n in self.cluster.indexes if fnmatch.fnmatchcase(n, part))
                elif part in self.cluster.indexes:
                    names.append(part)
                else:
                    names.extend(n for n, i in self.cluster.indexes.items() if part in i.aliases)
        return list(dict.fromkeys(names))

    def _missing(self, expression: str) -> Optional[str]:
        for part in expression.split(","):
            if "*" in part or "?" in part or part == "_all":
                continue
            if not self._resolve(part):
                return part
        return None

    def _cat_indices(self, expression: Optional[str]) -> Tuple[int, Any]:
        c = self.cluster
        with c.lock:
            if expression:
                missing = self._missing(expression)
                if missing:
                    return index_not_found(missing)
                names = self._resolve(expression)
            else:
                names = sorted(c.indexes)
            rows = []
            for name in names:
                index = c.indexes[name]
                size = sum(len(json.dumps(d)) for d in index.searchable().values()) + 225
                rows.append({"health": "green" if index.settings.get("number_of_replicas") in (0, "0") else "yellow",
                             "status": "open", "index": name, "uuid": index.uuid, "pri": "1", "rep": "1",
                             "docs.count": str(len(index.searchable())), "docs.deleted": "0",
                             "store.size": "%db" % size, "pri.store.size": "%db" % size})
        wanted = self.query.get("h")
        if wanted:
            keys = wanted.split(",")
            rows = [{k: r.get(k) for k in keys} for r in rows]
        if self.query.get("format") == "json":
            return 200, rows
        lines = [" ".join(str(v) for v in r.values()) for r in rows]
        return 200, ("\n".join(lines) + "\n") if lines else ""

    def _health(self) -> Dict[str, Any]:
        count = len(self.cluster.indexes)
        return {"cluster_name": self.cluster.cluster_name, "status": "green" if not count else "yellow",
                "timed_out": False, "number_of_nodes": 1, "number_of_data_nodes": 1, "active_primary_shards": count,
                "active_shards": count, "relocating_shards": 0, "initializing_shards": 0, "unassigned_shards": count,
                "delayed_unassigned_shards": 0, "number_of_pending_tasks": 0, "number_of_in_flight_fetch": 0,
                "task_max_waiting_in_queue_millis": 0, "active_shards_percent_as_number": 50.0 if count else 100.0}

    def _create(self, name: str) -> Tuple[int, Any]:
        problem = invalid_name(name)
        if problem:
            return es_error("invalid_index_name_exception", "Invalid index name [%s], %s" % (name, problem), 400,
                            index_uuid="_na_", index=name)
        body, error = self._json_body()
        if error:
            return error
        body = body or {}
        c = self.cluster
        with c.lock:
            if name in c.indexes:
                existing = c.indexes[name]
                return es_error("resource_already_exists_exception",
                                "index [%s/%s] already exists" % (name, existing.uuid), 400,
                                index_uuid=existing.uuid, index=name)
            settings = body.get("settings") or {}
            if isinstance(settings.get("index"), dict):
                settings = dict(settings["index"], **{k: v for k, v in settings.items() if k != "index"})
            c.indexes[name] = Index(name, body.get("mappings") or {}, settings, body.get("aliases") or {}, c.version)
            c.save(name)
        return 200, {"acknowledged": True, "shards_acknowledged": True, "index": name}

    def _delete(self, expression: str) -> Tuple[int, Any]:
        c = self.cluster
        wildcard = any(("*" in p or "?" in p or p == "_all") for p in expression.split(","))
        if wildcard and c.destructive_requires_name:
            return es_error("illegal_argument_exception", "Wildcard expressions or all indices are not allowed", 400)
        with c.lock:
            missing = self._missing(expression)
            if missing:
                return index_not_found(missing)
            for part in expression.split(","):
                if not wildcard and part not in c.indexes:
                    # An alias: the real node refuses to delete through it.
                    return es_error("illegal_argument_exception",
                                    "The provided expression [%s] matches an alias, specify the corresponding "
                                    "concrete indices instead." % part, 400)
            for name in self._resolve(expression):
                del c.indexes[name]
                c.save(name)
        return 200, {"acknowledged": True}

    def _get_index(self, name: str) -> Tuple[int, Any]:
        c = self.cluster
        with c.lock:
            missing = self._missing(name)
            if missing:
                return index_not_found(missing)
            result = {}
            for index_name in self._resolve(name):
                index = c.indexes[index_name]
                settings = {"index": dict({"number_of_shards": "1", "number_of_replicas": "1", "uuid": index.uuid,
                                           "provided_name": index_name, "creation_date": str(index.creation_date),
                                           "version": {"created": index.created_version}},
                                          **{k: str(v) if not isinstance(v, dict) else v
                                             for k, v in index.settings.items()})}
                result[index_name] = {"aliases": index.aliases, "mappings": index.mappings, "settings": settings}
        return 200, result

    def _refresh(self, names: List[str]) -> Tuple[int, Any]:
        c = self.cluster
        if not names and urlsplit(self.path).path.strip("/") != "_refresh":
            expression = urlsplit(self.path).path.strip("/").split("/")[0]
            return index_not_found(unquote(expression))
        with c.lock:
            for name in names:
                index = c.indexes[name]
                index.visible = dict(index.docs)
                c.save(name)
        return 200, {"_shards": {"total": 2 * len(names), "successful": len(names), "failed": 0}}

    def _count(self, expression: str) -> Tuple[int, Any]:
        self._read_body()
        c = self.cluster
        with c.lock:
            missing = self._missing(expression)
            if missing:
                return index_not_found(missing)
            names = self._resolve(expression)
            count = sum(len(c.indexes[n].searchable()) for n in names)
        return 200, {"count": count, "_shards": {"total": len(names), "successful": len(names), "skipped": 0,
                                                 "failed": 0}}

    def _search(self, expression: str) -> Tuple[int, Any]:
        body, error = self._json_body()
        if error:
            return error
        body = body or {}
        size = int(self.query.get("size", body.get("size", 10)))
        c = self.cluster
        with c.lock:
            missing = self._missing(expression)
            if missing:
                return index_not_found(missing)
            hits = []
            total = 0
            for name in self._resolve(expression):
                for doc_id, source in c.indexes[name].searchable().items():
                    total += 1
                    if len(hits) < size:
                        hit = {"_index": name, "_id": doc_id, "_score": 1.0, "_source": copy.deepcopy(source)}
                        if self._typed():
                            hit["_type"] = "_doc"
                        hits.append(hit)
        return 200, {"took": 1, "timed_out": False, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
                     "hits": {"total": {"value": total, "relation": "eq"}, "max_score": 1.0 if hits else None,
                              "hits": hits}}

    def _typed(self) -> bool:
        # Elasticsearch 7 still reports the "_doc" type in document answers.
        return self.cluster.flavor == "elasticsearch" and _major(self.cluster.version) < 8

    def _ensure_index(self, name: str) -> Optional[Tuple[int, Any]]:
        """Writing a document into a missing index creates it (action.auto_create_index defaults to true)."""
        c = self.cluster
        if name in c.indexes:
            return None
        aliased = [n for n, i in c.indexes.items() if name in i.aliases]
        if aliased:
            return None
        problem = invalid_name(name)
        if problem:
            return es_error("invalid_index_name_exception", "Invalid index name [%s], %s" % (name, problem), 400,
                            index_uuid="_na_", index=name)
        c.indexes[name] = Index(name, created_version=c.version)
        return None

    def _write_result(self, index: Index, doc_id: str, result: str, status: int) -> Dict[str, Any]:
        index.seq_no += 1
        answer: Dict[str, Any] = {"_index": index.name, "_id": doc_id, "_version": index.versions.get(doc_id, 1),
                                  "result": result, "_shards": {"total": 2, "successful": 1, "failed": 0},
                                  "_seq_no": index.seq_no - 1, "_primary_term": 1, "status": status}
        if self._typed():
            answer = dict([("_index", index.name), ("_type", "_doc")] + [(k, v) for k, v in answer.items() if k != "_index"])
        return answer

    def _apply(self, action: str, name: str, doc_id: Optional[str], source: Any) -> Dict[str, Any]:
        c = self.cluster
        error = self._ensure_index(name) if action in ("index", "create", "update") else None
        if error:
            return {"_index": name, "_id": doc_id, "status": error[0], "error": error[1]["error"]}
        targets = [name] if name in c.indexes else [n for n, i in c.indexes.items() if name in i.aliases]
        if not targets:
            return {"_index": name, "_id": doc_id, "status": 404, "error": index_not_found(name)[1]["error"]}
        index = c.indexes[targets[0]]
        index.last_write = time.time()
        if doc_id is None:
            doc_id = base64.urlsafe_b64encode(uuid.uuid4().bytes[:15]).decode("ascii")
        exists = doc_id in index.docs
        if action == "create" and exists:
            return {"_index": index.name, "_id": doc_id, "status": 409, "error": {
                "type": "version_conflict_engine_exception",
                "reason": "[%s]: version conflict, document already exists (current version [%d])" % (
                    doc_id, index.versions.get(doc_id, 1)), "index_uuid": index.uuid, "shard": "0", "index": index.name}}
        if action == "delete":
            if not exists:
                return self._write_result(index, doc_id, "not_found", 404)
            del index.docs[doc_id]
            index.versions[doc_id] = index.versions.get(doc_id, 1) + 1
            return self._write_result(index, doc_id, "deleted", 200)
        if action == "update":
            if not exists:
                if isinstance(source, dict) and source.get("doc_as_upsert"):
                    exists = False
                elif isinstance(source, dict) and "upsert" in source:
                    index.docs[doc_id] = source["upsert"]
                    index.versions[doc_id] = 1
                    return self._write_result(index, doc_id, "created", 201)
                else:
                    return {"_index": index.name, "_id": doc_id, "status": 404, "error": {
                        "type": "document_missing_exception", "reason": "[%s]: document missing" % doc_id,
                        "index_uuid": index.uuid, "shard": "0", "index": index.name}}
            merged = dict(index.docs.get(doc_id, {}))
            merged.update((source or {}).get("doc") or {})
            index.docs[doc_id] = merged
            index.versions[doc_id] = index.versions.get(doc_id, 0) + 1
            return self._write_result(index, doc_id, "updated" if exists else "created", 200 if exists else 201)
        index.docs[doc_id] = source if isinstance(source, dict) else {}
        index.versions[doc_id] = index.versions.get(doc_id, 0) + 1
        return self._write_result(index, doc_id, "updated" if exists else "created", 200 if exists else 201)

    def _bulk(self, default_index: Optional[str]) -> Tuple[int, Any]:
        raw = self._read_body().decode("utf-8")
        lines = [line for line in raw.split("\n") if line.strip()]
        if not lines:
            return es_error("action_request_validation_exception", "Validation Failed: 1: no requests added;", 400)
        items = []
        touched = set()
        started = time.time()
        c = self.cluster
        with c.lock:
            i = 0
            while i < len(lines):
                try:
                    header = json.loads(lines[i])
                except ValueError:
                    return es_error("x_content_parse_exception", "[1:1] Unexpected character in bulk line %d" % (i + 1),
                                    400)
                if not isinstance(header, dict) or len(header) != 1:
                    return es_error("illegal_argument_exception", "Malformed action/metadata line [%d], expected "
                                    "START_OBJECT or END_OBJECT but found [VALUE_STRING]" % (i + 1), 400)
                action, meta = next(iter(header.items()))
                if action not in ("index", "create", "update", "delete"):
                    return es_error("illegal_argument_exception",
                                    "Malformed action/metadata line [%d], expected field [create], [delete], [index] "
                                    "or [update] but found [%s]" % (i + 1, action), 400)
                name = (meta or {}).get("_index") or default_index
                doc_id = (meta or {}).get("_id")
                source = None
                if action != "delete":
                    i += 1
                    if i >= len(lines):
                        return es_error("action_request_validation_exception",
                                        "Validation Failed: 1: no requests added;", 400)
                    try:
                        source = json.loads(lines[i])
                    except ValueError:
                        return es_error("x_content_parse_exception", "[1:1] Unexpected character in bulk source", 400)
                i += 1
                if not name:
                    return es_error("action_request_validation_exception", "Validation Failed: 1: index is missing;",
                                    400)
                result = self._apply(action, name, None if doc_id is None else str(doc_id), source)
                items.append({action: result})
                touched.add(result.get("_index", name))
            if self.query.get("refresh") in ("", "true", "wait_for"):
                for name in touched:
                    if name in c.indexes:
                        c.indexes[name].visible = dict(c.indexes[name].docs)
            for name in touched:
                c.save(name)
        errors = any("error" in list(item.values())[0] for item in items)
        return 200, {"took": int((time.time() - started) * 1000), "errors": errors, "items": items}

    def _index_doc(self, name: str, doc_id: str) -> Tuple[int, Any]:
        body, error = self._json_body()
        if error:
            return error
        with self.cluster.lock:
            result = self._apply("index", name, doc_id, body or {})
            if "error" in result:
                return result["status"], {"error": result["error"], "status": result["status"]}
            if self.query.get("refresh") in ("", "true", "wait_for"):
                index = self.cluster.indexes[result["_index"]]
                index.visible = dict(index.docs)
            self.cluster.save(result["_index"])
        status = result.pop("status")
        return status, result

    def _get_doc(self, name: str, doc_id: str) -> Tuple[int, Any]:
        with self.cluster.lock:
            index = self.cluster.indexes.get(name)
            if index is None:
                return index_not_found(name)
            if doc_id not in index.docs:
                answer: Dict[str, Any] = {"_index": name, "_id": doc_id, "found": False}
                return 404, answer
            return 200, {"_index": name, "_id": doc_id, "_version": index.versions.get(doc_id, 1), "_seq_no": 0,
                         "_primary_term": 1, "found": True, "_source": index.docs[doc_id]}

    def _delete_doc(self, name: str, doc_id: str) -> Tuple[int, Any]:
        with self.cluster.lock:
            if name not in self.cluster.indexes:
                return index_not_found(name)
            result = self._apply("delete", name, doc_id, None)
            self.cluster.save(name)
        status = result.pop("status")
        return status, result

    def _aliases(self) -> Tuple[int, Any]:
        body, error = self._json_body()
        if error:
            return error
        c = self.cluster
        with c.lock:
            for entry in (body or {}).get("actions", []):
                (op, spec), = entry.items()
                names = spec.get("indices") or [spec.get("index")]
                aliases = spec.get("aliases") or [spec.get("alias")]
                for expression in names:
                    resolved = self._resolve(expression)
                    if not resolved:
                        return index_not_found(expression)
                    for name in resolved:
                        for alias in aliases:
                            if op == "add":
                                c.indexes[name].aliases[alias] = {}
                            elif op == "remove":
                                c.indexes[name].aliases.pop(alias, None)
                        c.save(name)
        return 200, {"acknowledged": True}

    def _get_aliases(self) -> Tuple[int, Any]:
        with self.cluster.lock:
            return 200, {n: {"aliases": i.aliases} for n, i in self.cluster.indexes.items()}


class StandinServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Failed TLS handshakes and dropped connections are the client's business, not a server error.
        if os.environ.get("SEARCH_STANDIN_LOG"):
            super().handle_error(request, client_address)


def make_server(flavor: str, version: str, port: int, host: str = "127.0.0.1", data_dir: Optional[str] = None,
                username: Optional[str] = None, password: Optional[str] = None, api_key: Optional[str] = None,
                tls_cert: Optional[str] = None, tls_key: Optional[str] = None,
                destructive_requires_name: Optional[bool] = None) -> Tuple[StandinServer, Cluster]:
    cluster = Cluster(flavor, version, data_dir=data_dir, destructive_requires_name=destructive_requires_name)
    handler = type("BoundHandler", (Handler,), {
        "cluster": cluster,
        "auth_basic": (username, password or "") if username else None,
        "auth_api_key": api_key,
    })
    server = StandinServer((host, port), handler)
    if tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls_cert, tls_key)
        # The handshake happens in the request thread (first read), so a client that connects and sends
        # nothing cannot stall the accept loop.
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    return server, cluster
