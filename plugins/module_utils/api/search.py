# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Elasticsearch / OpenSearch over plain HTTP: which engine and version, OpenMetadata's index
names per OpenMetadata version, and listing, counting and deleting indexes by exact name.

Plain HTTP on purpose: the official Elasticsearch client refuses to talk to OpenSearch, and
Elasticsearch 8 refuses wildcard deletes (``action.destructive_requires_name``), so every delete
here names one index exactly. Indexes that are not OpenMetadata's are never touched."""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional
from urllib.parse import quote

from ansible_collections.openmetadata.ops.plugins.module_utils import releases
from ansible_collections.openmetadata.ops.plugins.module_utils.api.om_api import ApiClient, ApiError
from ansible_collections.openmetadata.ops.plugins.module_utils.versions import minor as minor_of, parse

ELASTICSEARCH = releases.ELASTICSEARCH
OPENSEARCH = releases.OPENSEARCH

# OpenMetadata's own indexes per minor version, whether a minor's releases prefix them with the
# clusterAlias (1.1 and 1.2: no; it first appears in 1.3.0) and the oldest engine each minor supports are
# columns of the one release table (releases.LINES: indexes, cluster_alias_since, search_min). The code
# below reads that table; these names are read-only views of it for docs and evidence tests.
OPENMETADATA_INDEXES: Dict[str, List[str]] = {m: releases.index_names(m) for m in releases.known_lines()}
MIN_ENGINE_VERSIONS: Dict[str, Dict[str, str]] = {m: dict(releases.line(m)["search_min"])
                                                  for m in releases.known_lines()}
CLUSTER_ALIAS_FIRST = "1.3"  # upstream's first release line with a clusterAlias (wheel 1.3.0.0)

# Each of the two OpenMetadata versions also names what to install when the engine is too old.
ADVICE = {
    ELASTICSEARCH: "install Elasticsearch %s or newer (the OpenMetadata %s docker set-up uses %s)",
    OPENSEARCH: "install OpenSearch %s or newer (OpenMetadata %s; e.g. %s)",
}


def om_minor(version: str) -> str:
    """'1.2.5' or '1.2' -> '1.2'; refuses versions the release table has no index names for, and a release
    (three numbers) that does not exist (releases.check_release: '1.2.99')."""
    text = str(version).strip()
    try:
        found = minor_of(text)
    except ValueError:
        raise ValueError("om_version %r is not a version like 1.1 or 1.2.5" % (version,))
    if found in releases.LINES and text.count(".") >= 2:
        releases.check_release(text, "om_version", allow_build=True)  # HopError (a ValueError) when it does not exist
    if found not in releases.LINES:
        raise ValueError("no index names known for OpenMetadata %s (known: %s)"
                         % (version, ", ".join(releases.known_lines())))
    return found


def prefixed(name: str, cluster_alias: Optional[str]) -> str:
    """``<clusterAlias>_<name>`` when a prefix is given (see index_prefix), else the name itself."""
    return "%s_%s" % (cluster_alias, name) if cluster_alias else name


def minors_of(om_version: str) -> List[str]:
    """The minor versions whose names ``om_version`` stands for: all known ones, oldest first, for 'all'."""
    if str(om_version) == "all":
        return releases.known_lines()
    return [om_minor(om_version)]


def has_cluster_alias(om_version: str) -> bool:
    """Whether OpenMetadata ``om_version`` (a minor such as 1.2, or a release) prefixes its index names with
    its clusterAlias."""
    since = releases.cluster_alias_since(om_minor(om_version))
    if since is None:
        return False
    version = parse(str(om_version))
    return (version + (0,) * (3 - len(version))) >= parse(since)


def index_prefix(om_version: str, cluster_alias: Optional[str]) -> Optional[str]:
    """The prefix of ``om_version``'s index names: ``cluster_alias`` where that release has a clusterAlias,
    else None. A non-empty alias for a release without one is refused: it means the server configuration
    was written for another release (a 1.2 server refuses clusterAlias and never prefixes)."""
    if not cluster_alias:
        return None
    if has_cluster_alias(om_version):
        return cluster_alias
    raise ValueError(no_cluster_alias_msg(om_version))


def no_cluster_alias_msg(om_version: str) -> str:
    minors = [m for m in minors_of(om_version) if not has_cluster_alias(m)]
    first = releases.first_cluster_alias_line() or CLUSTER_ALIAS_FIRST
    if len(minors) == 1:
        what = "OpenMetadata %s has no clusterAlias (it appears in %s); its index names are never prefixed" % (
            minors[0], first)
    else:
        what = "OpenMetadata %s and %s have no clusterAlias (it appears in %s); their index names are never " \
               "prefixed" % (", ".join(minors[:-1]), minors[-1], first)
    return "%s: remove cluster_alias / openmetadata_search_cluster_alias. Nothing was changed." % what


def wanted_names(om_version: str, cluster_alias: Optional[str] = None, names: Optional[Iterable[str]] = None,
                 extra_names: Optional[Iterable[str]] = None, exclude_names: Optional[Iterable[str]] = None) -> List[str]:
    """The exact index names to act on: ``names`` (replaces the built-in list) or the built-in list of
    ``om_version`` ('all': of every known minor), plus ``extra_names``, minus ``exclude_names``; all given
    without the cluster alias, which is prefixed here for the releases that have one (index_prefix; an
    alias no release in ``om_version`` has is refused). Wildcards are refused: every name must be exact."""
    asked = minors_of(om_version) if str(om_version) == "all" else [str(om_version)]
    if cluster_alias and not any(has_cluster_alias(release) for release in asked):
        raise ValueError(no_cluster_alias_msg(om_version))
    excluded = set(exclude_names or [])
    result: List[str] = []
    for release in asked:
        prefix = cluster_alias if has_cluster_alias(release) else None
        base = list(names) if names else releases.index_names(om_minor(release))
        base += list(extra_names or [])
        for name in base:
            check_exact_name(name)
            if name in excluded:
                continue
            full = prefixed(name, prefix)
            if full not in result:
                result.append(full)
    return result


def check_exact_name(name: str) -> None:
    if not name or any(c in name for c in "*?,/ \\\"<>|#") or name in ("_all", ".", ".."):
        raise ValueError("%r is not an exact index name: wildcards, commas, _all and spaces are refused "
                         "(Elasticsearch 8 refuses wildcard deletes, and this module never deletes by pattern)" % (name,))
    if name.lower() != name:
        raise ValueError("%r is not a valid index name: index names are lower case" % (name,))


class Engine:
    """What ``GET /`` says about the cluster."""

    def __init__(self, root: Dict[str, Any]) -> None:
        version = root.get("version") or {}
        if not isinstance(version, dict) or "number" not in version:
            raise ApiError("GET / did not return an Elasticsearch/OpenSearch root document (no version.number): %s"
                           % (str(root)[:300],))
        self.distribution = OPENSEARCH if version.get("distribution") == OPENSEARCH else ELASTICSEARCH
        self.version = str(version["number"])
        self.cluster_name = str(root.get("cluster_name", ""))
        self.node_name = str(root.get("name", ""))
        self.root = root

    def as_dict(self) -> Dict[str, Any]:
        return {"distribution": self.distribution, "version": self.version,
                "cluster_name": self.cluster_name, "node_name": self.node_name}


def detect_engine(client: ApiClient) -> Engine:
    """``GET /`` -> distribution (elasticsearch|opensearch) and version."""
    answer = client.get("/", ok=(404, 405))
    if answer.status in (404, 405):
        # Stripped-down distributions (the Elasticsearch 8 integ-test zip) lack the root endpoint;
        # the local node's info says the same.
        return _engine_from_nodes(client, answer)
    root = answer.json()
    if not isinstance(root, dict):
        raise ApiError("GET %s/ did not return a JSON object; is this an Elasticsearch/OpenSearch URL?" % client.base_url)
    return Engine(root)


def _engine_from_nodes(client: ApiClient, root_answer: Any) -> Engine:
    nodes = client.get("/_nodes/_local", query={"filter_path": "cluster_name,nodes.*.name,nodes.*.version,"
                                                               "nodes.*.build_flavor,nodes.*.distribution"}).json()
    entries = list(((nodes or {}).get("nodes") or {}).values())
    if not entries or "version" not in entries[0]:
        raise ApiError("GET / answered HTTP %d and _nodes/_local gave no version: is this an Elasticsearch/OpenSearch "
                       "URL?" % root_answer.status)
    node = entries[0]
    version: Dict[str, Any] = {"number": node["version"]}
    is_elastic = root_answer.headers.get("x-elastic-product") == "Elasticsearch"
    if node.get("distribution") == OPENSEARCH or (not is_elastic and "build_flavor" not in node):
        version["distribution"] = OPENSEARCH
    return Engine({"name": node.get("name", ""), "cluster_name": nodes.get("cluster_name", ""), "version": version})


def version_problem(engine: Engine, minimum: Optional[str] = None, om_version: Optional[str] = None) -> Optional[str]:
    """None when the engine is new enough, else a message naming what to install. ``minimum`` wins over
    the built-in minimum of ``om_version``."""
    target = om_minor(om_version) if om_version and om_version != "all" else releases.newest_target_line()
    floor = minimum or releases.search_minimum(target, engine.distribution)
    if parse(engine.version) >= parse(floor):
        return None
    product = "OpenSearch" if engine.distribution == OPENSEARCH else "Elasticsearch"
    advice = ADVICE[engine.distribution] % (floor, target, floor)
    msg = "%s %s at this URL is older than %s, which OpenMetadata %s needs: %s." % (
        product, engine.version, floor, target, advice)
    if engine.distribution == ELASTICSEARCH and parse(engine.version)[0] < 8:
        msg += (" Going from Elasticsearch 7 to 8 needs a fresh data folder (or, on Docker, a new volume): "
                "indexes written by 7.16 cannot be opened by 8; OpenMetadata's indexes are rebuilt by reindexing.")
    return msg


def list_indexes(client: ApiClient) -> Dict[str, Dict[str, Any]]:
    """Every concrete index of the cluster: name -> {docs_count, health, status, uuid}."""
    rows = client.get("/_cat/indices", query={"format": "json", "h": "index,health,status,docs.count,uuid"}).json()
    if not isinstance(rows, list):
        raise ApiError("_cat/indices did not return a JSON list: %s" % (str(rows)[:300],))
    found: Dict[str, Dict[str, Any]] = {}
    for row in rows:
        if not isinstance(row, dict) or "index" not in row:
            continue
        count = row.get("docs.count")
        try:
            docs = int(count) if count not in (None, "") else None
        except (TypeError, ValueError):
            docs = None
        found[row["index"]] = {"docs_count": docs, "health": row.get("health"), "status": row.get("status"),
                               "uuid": row.get("uuid")}
    return found


def count_documents(client: ApiClient, name: str) -> int:
    return int(client.get("/%s/_count" % quote(name, safe="")).json()["count"])


def delete_index(client: ApiClient, name: str) -> bool:
    """Delete one index by exact name. True when deleted, False when it was already gone (404)."""
    check_exact_name(name)
    answer = client.delete("/%s" % quote(name, safe=""), ok=(404,))
    if answer.status == 404:
        return False
    body = answer.json()
    if not (isinstance(body, dict) and body.get("acknowledged")):
        raise ApiError("DELETE /%s was not acknowledged by the cluster: %s" % (name, str(body)[:300]),
                       status=answer.status, body=body)
    return True


def client_from_params(params: Dict[str, Any]) -> ApiClient:
    """An ApiClient for the search engine from the module's connection options."""
    return ApiClient(params["url"], username=params.get("username"), password=params.get("password"),
                     api_key=params.get("api_key"), validate_certs=params.get("validate_certs", True),
                     ca_path=params.get("ca_path"), timeout=params.get("timeout") or 30, service="search engine")


def required_minimum(min_version: Any, om_version: str, engine: Engine) -> Optional[str]:
    """min_version: false/None -> no check; true -> the release table's minimum for om_version (of the newest
    target line when 'all'); a version string -> that version."""
    if min_version in (None, False) or str(min_version).lower() in ("false", "no", "off", "0", ""):
        return None
    if min_version is True or str(min_version).lower() in ("true", "yes", "on", "1"):
        target = releases.newest_target_line() if om_version == "all" else om_minor(om_version)
        return releases.search_minimum(target, engine.distribution)
    text = str(min_version)
    parse(text)  # raises ValueError on nonsense
    return text


def run_search_index(params: Dict[str, Any], check_mode: bool) -> Dict[str, Any]:
    """The search_index module's work. Raises ApiError / ValueError with a clear message; nothing is
    deleted before the engine, its version and the index list were read."""
    om_version = str(params.get("om_version") or "all")
    alias = params.get("cluster_alias") or ""
    extra, exclude = params.get("extra_names"), params.get("exclude_names")
    # Each release's own prefix rule (the table's cluster_alias_since): 1.1 and 1.2 never prefix, and an alias given
    # for them is refused here, before the engine is contacted.
    names = wanted_names(om_version, alias, params.get("names") or None, extra, exclude)
    client = client_from_params(params)
    engine = detect_engine(client)
    minimum = required_minimum(params.get("min_version"), om_version, engine)
    problem = None
    if minimum:
        problem = version_problem(engine, minimum, om_version)
    existing = list_indexes(client)
    found = {name: existing[name]["docs_count"] for name in names if name in existing}
    result: Dict[str, Any] = {
        "changed": False,
        "engine": engine.as_dict(),
        "version_ok": problem is None,
        "min_version_required": minimum,
        "wanted": names,
        "indexes": found,
        "missing": [name for name in names if name not in existing],
        "other_index_count": len([n for n in existing if n not in found]),
        "deleted": [],
        "deleted_documents": 0,
    }
    state = params.get("state") or "read"
    if problem and state != "read":
        result["failed"] = True
        result["msg"] = problem
        return result
    if state == "absent" and found:
        result["diff"] = {"before": {"indexes": sorted(found)}, "after": {"indexes": []}}
        for name in found:
            if not check_mode:
                try:
                    gone = delete_index(client, name)
                except ApiError as exc:
                    result["failed"] = True
                    result["changed"] = bool(result["deleted"])
                    result["msg"] = "Deleting index %s failed after %d deleted: %s" % (name, len(result["deleted"]), exc)
                    return result
                if not gone:  # deleted by someone else meanwhile
                    continue
            result["deleted"].append({"name": name, "docs_count": found[name]})
            result["deleted_documents"] += found[name] or 0
        result["changed"] = bool(result["deleted"])
        if not check_mode:
            result["indexes"] = {n: c for n, c in found.items() if n not in {d["name"] for d in result["deleted"]}}
    return result
