# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Judge the facts of ``om_info`` against an intended upgrade: the problems that must stop it (each
naming what is wrong and how to fix it), warnings, what will change in order, what will be lost,
and the report (JSON-able dict and Markdown). The version rules, Java, ingestion Python and search engine
minimums come from the one release table through its gate (``releases.hop_for``); nothing here reads or
changes the system."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils import releases
from ansible_collections.openmetadata.ops.plugins.module_utils.releases import OPENSEARCH
from ansible_collections.openmetadata.ops.plugins.module_utils.versions import parse

PARTS = ("server", "db", "search", "java", "deployment", "disk")
MIB = 1024 * 1024
SORT_MINIMUM_BYTES = 20 * MIB  # what the 1.2 upgrade notes ask for sort_buffer_size / work_mem


def human(size: Optional[float]) -> str:
    if size is None:
        return "unknown"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return ("%d %s" % (value, unit)) if unit == "B" else ("%.1f %s" % (value, unit))
        value /= 1024
    return "%.1f TiB" % value


def _version_or_none(text: Any) -> Optional[tuple]:
    try:
        return parse(str(text)) if text else None
    except ValueError:
        return None


class Judge:
    """Collects problems and warnings while the rules run."""

    def __init__(self) -> None:
        self.problems: List[Dict[str, str]] = []
        self.warnings: List[str] = []

    def refuse(self, code: str, msg: str) -> None:
        self.problems.append({"code": code, "msg": msg})

    def warn(self, msg: str) -> None:
        self.warnings.append(msg)


def installed_version(facts: Dict[str, Any]) -> tuple:
    """(version, where it was read) of the running/installed server: API, then the current link."""
    server = facts.get("server") or {}
    if server.get("version"):
        return server["version"], "the server's /api/v1/system/version"
    bare = (facts.get("deployment") or {}).get("bare_metal") or {}
    if bare.get("current_version"):
        return bare["current_version"], "%s/current" % bare.get("install_dir")
    docker = (facts.get("deployment") or {}).get("docker") or {}
    if docker.get("server_image_version"):
        return docker["server_image_version"], "the server image of %s" % docker.get("compose_file")
    return None, None


# HopError.code -> the problem code of the report, by the side the error is about.
HOP_CODES = {("target", "invalid"): "target_invalid", ("target", "unknown"): "target_invalid",
             ("target", "not_supported"): "target_not_supported", ("target", "downgrade"): "downgrade",
             ("source", "invalid"): "source_invalid", ("source", "unknown"): "source_invalid",
             ("source", "not_supported"): "source_not_supported"}


def _check_versions(judge: Judge, facts: Dict[str, Any], intent: Dict[str, Any]) -> Dict[str, Any]:
    target = str(intent.get("target_version") or "")
    given_source = str(intent.get("source_version") or "")
    installed, where = installed_version(facts)
    schema = ((facts.get("db") or {}).get("schema_version") or {})
    source = given_source or installed
    source_from = "openmetadata_source_version" if given_source else where
    if not source and schema.get("native"):
        source = schema["native"]
        source_from = "the database's SERVER_CHANGE_LOG (newest native migration)"
        judge.warn("the server did not answer and no install dir was found: the source version %s comes from the "
                   "database's change log (the last native migration, not the exact release)" % source)
    if given_source and installed and release_of(given_source) != release_of(installed):
        judge.warn("openmetadata_source_version is %s but %s says %s" % (given_source, where, installed))
    if not source:
        judge.refuse("source_unknown",
                     "cannot tell which OpenMetadata version is installed: the server did not answer, no "
                     "<install_dir>/current link was found and the database has no change log. Start the server, "
                     "check openmetadata_server_url / openmetadata_install_dir, or set openmetadata_source_version.")
    # A version read from the system ('1.1.7-release', '1.1.7.0') is judged by its release; what the user gave
    # is judged as written.
    gated_source = given_source or release_of(source) or source
    hop = None
    try:
        hop = releases.hop_for(gated_source or None, target, source_what="openmetadata_source_version" if given_source
                               else "the installed version (from %s)" % source_from,
                               target_what="openmetadata_target_version")
    except releases.HopError as exc:
        code = HOP_CODES.get((exc.field, exc.code), "version_not_supported")
        msg = str(exc)
        if code == "downgrade" and not given_source:
            code = "target_older_than_installed"
            msg = ("target %s is older than the installed %s (%s): set openmetadata_target_version to %s or newer. "
                   "Supported upgrades: %s." % (target, installed, where, release_of(installed),
                                                releases.supported_text()))
        judge.refuse(code, msg)
        if exc.field == "source":
            try:  # the target's own facts still drive the other checks
                hop = releases.hop_for(None, target, target_what="openmetadata_target_version")
            except releases.HopError:
                hop = None
    target_parts = _version_or_none(target) if hop else None
    if target_parts and given_source and installed and _version_or_none(installed) \
            and target_parts < parse(installed) and release_of(given_source) != release_of(installed):
        judge.refuse("target_older_than_installed",
                     "target %s is older than the installed %s (%s): set openmetadata_target_version to %s or newer."
                     % (target, installed, where, release_of(installed)))
    native = schema.get("native")
    ran_line = (hop or {}).get("source_line") or (hop or {}).get("from_line")
    if native and _version_or_none(native) and ran_line and parse(native)[:2] > parse(ran_line)[:2]:
        judge.warn("the database's change log already lists native migration %s: a newer migration has run "
                   "against this database" % native)
    return {"source": source, "source_from": source_from, "target": target, "installed": installed, "hop": hop}


def release_of(version: Optional[str]) -> Optional[str]:
    """The release a version read from the system stands for (releases.release_of)."""
    return releases.release_of(version) if version else None


def _required(judge: Judge, intent: Dict[str, Any], part: str, error: Optional[str], what: str) -> None:
    """A part that could not be read: a refusal when the user requires it, else a warning."""
    if not error:
        return
    if part in (intent.get("required") or []):
        judge.refuse("%s_unavailable" % part, "%s could not be read and is required (required includes %s): %s"
                     % (what, part, error))
    else:
        judge.warn("%s: unknown (%s)" % (what, error))


def _check_db(judge: Judge, facts: Dict[str, Any]) -> None:
    db = facts.get("db") or {}
    if not db.get("reachable"):
        judge.refuse("db_unreachable", "the OpenMetadata database is unreachable: %s. Fix openmetadata_db_host/_port/"
                                       "_user/_password/_name (the values of DB_HOST, DB_PORT, DB_USER, "
                                       "DB_USER_PASSWORD, OM_DATABASE in openmetadata.yaml's environment)."
                     % (db.get("error") or "no connection"))
        return
    schema = db.get("schema_version") or {}
    if db.get("schema_version") is not None and not (schema.get("flyway") or schema.get("native")):
        judge.refuse("db_not_openmetadata", "database %s at %s has no OpenMetadata change-log tables "
                                            "(DATABASE_CHANGE_LOG / SERVER_CHANGE_LOG): is openmetadata_db_name right?"
                     % (db.get("database"), db.get("host")))
    for problem in db.get("restore_problems") or []:
        # A MySQL rollback recreates views, routines, triggers and events (refuse: it would fail
        # then); PostgreSQL only needs its extensions for a restore into a new database (warn).
        if db.get("engine") == "mysql":
            judge.refuse("db_restore_privileges", "a rollback could not restore the backup as this user: %s. "
                                                  "Grant the privilege, or set openmetadata_db_user to a user "
                                                  "that has it" % problem)
        else:
            judge.warn("a restore of the backup into a new database as this user would fail: %s" % problem)
    _check_db_admin(judge, facts)
    setting = db.get("sort_setting") or {}
    if setting.get("bytes") is not None and setting["bytes"] < SORT_MINIMUM_BYTES:
        judge.warn("%s is %s for new sessions; the 1.2 migration needs %s or more: the db_tuning phase raises it "
                   "and puts it back afterwards" % (setting.get("name"), human(setting["bytes"]), human(SORT_MINIMUM_BYTES)))


def _check_db_admin(judge: Judge, facts: Dict[str, Any]) -> None:
    """The administrative user raises the sort setting and restores a backup in a rollback: a wrong password
    found there costs a stop, a backup and a rollback, so it is tried now."""
    admin = facts.get("db_admin")
    if not admin:
        return
    if not admin.get("reachable"):
        judge.refuse("db_admin_login", "the database admin user %s cannot log in: %s. Fix openmetadata_db_admin_user / "
                                       "openmetadata_db_admin_password (the admin raises the sort setting and "
                                       "restores the backup in a rollback; they default to openmetadata_db_user / "
                                       "openmetadata_db_password)." % (admin.get("user"), admin.get("error")))
        return
    for problem in admin.get("problems") or []:
        judge.refuse("db_admin_privileges", "%s. Use an admin with that privilege (openmetadata_db_admin_user), "
                                            "raise the setting yourself and skip the tune phase (--skip-tags tune), "
                                            "or set openmetadata_db_tuning_scope to a scope the user owns."
                     % problem)
    if admin.get("error"):
        judge.warn("the database admin user's privileges: %s" % admin["error"])


def _check_disk(judge: Judge, facts: Dict[str, Any], intent: Dict[str, Any]) -> Optional[int]:
    disk = facts.get("disk") or {}
    if disk.get("unsafe"):
        judge.refuse("backup_dir_unsafe", "the backup folder (openmetadata_backup_dir) is not safe to write a "
                                          "backup to: %s." % disk["unsafe"])
    elif disk.get("writable") is False:
        judge.refuse("backup_dir_not_writable", "the backup folder %s cannot be written by this user (%s is "
                                                "read-only or not writable): point openmetadata_backup_dir at a "
                                                "writable folder, or fix its permissions."
                     % (disk.get("path"), disk.get("checked")))
    size = (facts.get("db") or {}).get("size_bytes")
    factor = float(intent.get("backup_safety_factor") or 1.5)
    if size is None:
        judge.warn("the database size is unknown: the free space at the backup folder was not compared")
        return None
    needed = int(size * factor)
    if disk.get("free_bytes") is None:
        _required(judge, intent, "disk", disk.get("error") or "not checked", "free space at the backup folder")
        return needed
    if disk["free_bytes"] < needed:
        judge.refuse("disk_space", "free space at the backup folder %s (%s) is %s, below the estimated backup size %s "
                                   "x safety factor %s = %s. Free some space there, or set openmetadata_backup_dir to a "
                                   "folder on a bigger disk (openmetadata_backup_safety_factor sets the factor)."
                     % (disk.get("path"), disk.get("checked"), human(disk["free_bytes"]), human(size), factor,
                        human(needed)))
    return needed


def _check_java(judge: Judge, facts: Dict[str, Any], intent: Dict[str, Any], hop: Optional[Dict[str, Any]],
                kind: Optional[str]) -> None:
    java = facts.get("java") or {}
    if kind != "bare_metal" or not hop:
        if java.get("error") and kind != "docker":
            _required(judge, intent, "java", java["error"], "Java")
        return
    needed = int(hop["java_min_major"])
    given = bool(intent.get("java_home"))
    if java.get("major") is None:
        if given:
            judge.refuse("java_home_invalid", "openmetadata_java_home %s does not hold a working Java (%s): point it at "
                                              "a JDK %d or newer." % (intent.get("java_home"), java.get("error"), needed))
        else:
            judge.refuse("java_missing", "no Java found on this host (%s): OpenMetadata %s needs Java %d or newer. "
                                         "Install a JDK %d and set openmetadata_java_home to it."
                         % (java.get("error"), intent.get("target_version"), needed, needed))
        return
    if java["major"] < needed:
        if given:
            judge.refuse("java_too_old", "the JDK at openmetadata_java_home (%s) is Java %s; OpenMetadata %s needs Java "
                                         "%d or newer: point openmetadata_java_home at a JDK %d."
                         % (intent.get("java_home"), java.get("version"), intent.get("target_version"), needed, needed))
        else:
            judge.refuse("java_too_old", "Java on this host is %s (%s, from %s); OpenMetadata %s needs Java %d or newer. "
                                         "Install a JDK %d and set openmetadata_java_home to it (the old release keeps "
                                         "running on its Java)."
                         % (java.get("version"), java.get("executable"), java.get("source"),
                            intent.get("target_version"), needed, needed))


def _check_search(judge: Judge, facts: Dict[str, Any], intent: Dict[str, Any], target: str, kind: Optional[str],
                  hop: Optional[Dict[str, Any]] = None) -> Optional[str]:
    search = facts.get("search") or {}
    if search.get("url") and (search.get("error") or not search.get("version")):
        # The migration and the reindex write to it: unreachable now means a failure after the migration.
        judge.refuse("search_unreachable", "the search engine does not answer at openmetadata_search_url (%s: %s): "
                                           "the migration and the reindex need it. Fix openmetadata_search_url (and "
                                           "its credentials), or start the engine, before upgrading."
                     % (search.get("url"), search.get("error") or "no version"))
        return None
    if search.get("error") or not search.get("version"):
        _required(judge, intent, "search", search.get("error") or "no version", "the search engine")
        return None
    floor = (hop or {}).get("search_min", {}).get(search["distribution"])
    if not floor:
        return None
    if parse(search["version"]) >= parse(floor):
        return None
    product = "OpenSearch" if search["distribution"] == OPENSEARCH else "Elasticsearch"
    replaced = intent.get("search_replace_planned")
    if replaced is None:
        replaced = kind == "docker"  # the docker phase moves the compose file to the engine 1.2 ships with
    if replaced:
        judge.warn("%s %s is older than %s, which OpenMetadata %s needs; the plan replaces it (indexes are rebuilt by "
                   "the reindex)" % (product, search["version"], floor, target))
        return floor
    judge.refuse("search_too_old",
                 "%s %s at %s is older than %s, which OpenMetadata %s needs, and nothing in the plan replaces it. "
                 "Install %s %s or newer (a fresh data folder: OpenMetadata's indexes are rebuilt by the reindex) and "
                 "point openmetadata_search_url at it, or set openmetadata_search_replace_planned: true if you "
                 "replace it yourself before the migrate phase." % (product, search["version"], search.get("url"), floor,
                                                                    target, product, floor))
    return floor


def _check_ingestion(judge: Judge, intent: Dict[str, Any], hop: Optional[Dict[str, Any]], target: str) -> None:
    if not hop:
        return
    low, high = hop["ingestion_python"]
    for entry in (ingestion_entry(raw) for raw in intent.get("ingestion_hosts") or []):
        host = entry.get("host")
        version = str(entry.get("version") or "").strip()
        if entry.get("error") or not _version_or_none(version):
            judge.refuse("ingestion_python_unknown", "cannot read the Python version of ingestion host %s (%s): check "
                                                     "that it is reachable and openmetadata_ingestion_python is right."
                         % (host, entry.get("error") or "no answer"))
            continue
        have = parse(version)[:2]
        if not parse(low)[:2] <= have <= parse(high)[:2]:
            judge.refuse("ingestion_python", "ingestion host %s runs Python %s; openmetadata-ingestion %s supports Python "
                                             "%s to %s. Create a virtualenv with Python %s there and set "
                                             "openmetadata_ingestion_python for that host."
                         % (host, version, target, low, high, high))


def ingestion_entry(raw: Dict[str, Any]) -> Dict[str, Any]:
    """{host, version, error} from either that form or a registered command result of the loop over the
    ingestion hosts (item, stdout, rc, unreachable, msg)."""
    if "item" not in raw:
        return raw
    failed = raw.get("unreachable") or raw.get("rc") not in (0, None) or raw.get("failed")
    error = None
    if failed:
        error = raw.get("msg") or "exit %s" % raw.get("rc")
        if raw.get("stderr"):
            error += ": %s" % " ".join(str(raw["stderr"]).split())[:200]
    return {"host": raw.get("item"), "version": str(raw.get("stdout") or "").strip(), "error": error}


def _check_queries(judge: Judge, facts: Dict[str, Any], intent: Dict[str, Any]) -> None:
    lost = facts.get("query_loss") or {}
    if lost.get("count") is None:
        if (facts.get("db") or {}).get("reachable"):
            judge.warn("the queries the migration deletes could not be counted: %s" % lost.get("error"))
        return
    if lost["count"] and not intent.get("accept_query_loss"):
        where = intent.get("query_export_path") or "the report folder"
        judge.refuse("query_loss",
                     "the 1.2.0 migration will delete %d of %d saved queries: no database service can be found for them "
                     "through their tables (table -> schema -> database -> service in entity_relationship). They were "
                     "exported to %s (their JSON documents and links). To upgrade anyway set "
                     "openmetadata_accept_query_loss: true; to keep them in OpenMetadata, link their tables to a "
                     "database schema/service first and run preflight again." % (lost["count"], lost.get("total") or 0,
                                                                                 where))


def plan_steps(facts: Dict[str, Any], result: Dict[str, Any], intent: Dict[str, Any]) -> List[str]:
    """What upgrade.yml will change, in order (for the report and the summary)."""
    db = facts.get("db") or {}
    setting = db.get("sort_setting") or {}
    kind = result.get("deployment")
    steps = ["stop OpenMetadata %s (%s)" % (result.get("source") or "?", kind or "unknown deployment")]
    steps.append("back up database %s (%s %s, about %s) to %s" % (
        db.get("database"), db.get("flavor") or db.get("engine"), _short(db.get("server_version")),
        human(db.get("size_bytes")), (facts.get("disk") or {}).get("path")))
    if setting.get("bytes") is not None and setting["bytes"] < SORT_MINIMUM_BYTES:
        steps.append("raise %s from %s to 20 MiB for the migration (put back afterwards)" % (
            setting.get("name"), human(setting["bytes"])))
    else:
        steps.append("keep %s (%s; 20 MiB or more is needed)" % (setting.get("name") or "the sort setting",
                                                                 human(setting.get("bytes"))))
    if kind == "docker":
        steps.append("rewrite the compose file for %s (images, search engine, DB_USE_SSL -> DB_PARAMS)" % result["target"])
    else:
        steps.append("install openmetadata-%s next to the old release, switch current, migrate openmetadata.yaml "
                     "(logo/login settings move to the settings API)" % result.get("target"))
    search = facts.get("search") or {}
    if result.get("search_minimum"):
        steps.append("replace %s %s with %s or newer" % (search.get("distribution"), search.get("version"),
                                                         result["search_minimum"]))
    steps.append("delete OpenMetadata's search indexes (rebuilt by the reindex)")
    lost = (facts.get("query_loss") or {}).get("count")
    migrations = (result.get("release") or {}).get("native_migrations")
    steps.append("run bootstrap_storage.sh migrate-all (%s%s)" % (
        "native migrations %s" % ", ".join(migrations) if migrations else "schema and data migrations",
        "; deletes %d saved queries" % lost if lost else ""))
    steps.append("start OpenMetadata %s and wait until healthy" % result.get("target"))
    steps.append("reindex everything, write the old logo/login settings through the settings API, check the version")
    return steps


def _short(version: Optional[str]) -> str:
    return (version or "").split("-log")[0][:40]


def losses(facts: Dict[str, Any], intent: Dict[str, Any]) -> List[str]:
    found = []
    lost = facts.get("query_loss") or {}
    if lost.get("count"):
        found.append("%d saved queries without a database service (exported to %s)" % (
            lost["count"], intent.get("query_export_path") or "the report folder"))
    found.append("the search indexes (rebuilt from the database by the reindex)")
    return found


def evaluate(facts: Dict[str, Any], intent: Dict[str, Any]) -> Dict[str, Any]:
    """Problems, warnings, plan and losses for the upgrade ``intent`` describes."""
    judge = Judge()
    versions = _check_versions(judge, facts, intent)
    deployment = facts.get("deployment") or {}
    kind = deployment.get("kind")
    if not kind:
        judge.refuse("deployment_unknown", deployment.get("error") or "unknown deployment kind: set "
                                                                      "openmetadata_deployment to bare_metal or docker")
    _check_db(judge, facts)
    server = facts.get("server") or {}
    running = ((deployment.get("bare_metal") or {}).get("running") if kind == "bare_metal" else None)
    if server.get("error") and running and intent.get("interrupted_phase"):
        # the process an interrupted run left (a new release killed mid-start): the recovery stops it
        judge.warn("the OpenMetadata server's process runs but it does not answer at openmetadata_server_url (%s: %s); "
                   "an earlier run stopped during %s: the recovery stops it first"
                   % (server.get("url"), server.get("error"), intent["interrupted_phase"]))
    elif server.get("error") and running and versions["hop"] and versions["hop"].get("kind") != "none":
        # The start phase waits on this URL: a wrong one would be found only after the migration, as a rollback.
        judge.refuse("server_unreachable", "the OpenMetadata server's process runs but it does not answer at "
                                           "openmetadata_server_url (%s: %s). The start phase waits on that URL: fix "
                                           "openmetadata_server_url (and openmetadata_admin_url) before upgrading."
                     % (server.get("url"), server.get("error")))
    else:
        _required(judge, intent, "server", server.get("error"), "the OpenMetadata server version")
    if server.get("healthy") is False:
        judge.warn("the server's admin /healthcheck does not report healthy (%s): find out why before upgrading"
                   % (server.get("health_error") or str(server.get("health"))[:200]))
    needed = _check_disk(judge, facts, intent)
    _check_java(judge, facts, intent, versions["hop"], kind)
    # reachability is judged whatever the target: every problem goes into one refusal
    search_minimum = _check_search(judge, facts, intent, versions["target"], kind, versions["hop"])
    if versions["hop"]:
        _check_ingestion(judge, intent, versions["hop"], versions["target"])
    _check_queries(judge, facts, intent)
    result = {"ok": not judge.problems, "problems": judge.problems, "warnings": judge.warnings,
              "source": versions["source"], "source_from": versions["source_from"], "target": versions["target"],
              "installed": versions["installed"], "deployment": kind, "backup_space_needed": needed,
              "search_minimum": search_minimum, "release": versions["hop"]}
    result["at_target"] = bool(versions["hop"] and versions["hop"].get("kind") == "none")
    if result["at_target"]:
        # Nothing will stop or change: the only thing worth saying is that.
        result.update(ok=True, problems=[], plan=[], losses=[],
                      warnings=["OpenMetadata %s is already installed: nothing to do" % versions["target"]])
        return result
    result["plan"] = plan_steps(facts, result, intent)
    result["losses"] = losses(facts, intent)
    return result


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

def render_markdown(report: Dict[str, Any]) -> str:
    """The report for people."""
    verdict = report.get("verdict") or {}
    facts = report.get("facts") or {}
    lines = ["# OpenMetadata upgrade preflight: %s" % report.get("host", ""), ""]
    lines.append("- Generated: %s" % report.get("generated_at", ""))
    lines.append("- Upgrade: %s -> %s (%s)" % (verdict.get("source") or "?", verdict.get("target") or "?",
                                               verdict.get("deployment") or "unknown deployment"))
    lines.append("- Result: **%s**" % ("ready" if verdict.get("ok") else "REFUSED (%d problem%s)" % (
        len(verdict.get("problems") or []), "" if len(verdict.get("problems") or []) == 1 else "s")))
    lines.append("")
    if verdict.get("problems"):
        lines += ["## Problems (each stops the upgrade)", ""]
        lines += ["- **%s**: %s" % (p["code"], p["msg"]) for p in verdict["problems"]]
        lines.append("")
    if verdict.get("warnings"):
        lines += ["## Warnings", ""] + ["- %s" % w for w in verdict["warnings"]] + [""]
    lines += ["## What will change, in order", ""]
    lines += ["%d. %s" % (i + 1, step) for i, step in enumerate(verdict.get("plan") or [])]
    lines += ["", "## What will be lost", ""] + ["- %s" % item for item in verdict.get("losses") or []]
    lost = facts.get("query_loss") or {}
    if lost.get("samples"):
        lines += ["", "### Queries the 1.2.0 migration deletes (%s of %s; first %d)" % (
            lost.get("count"), lost.get("total"), len(lost["samples"])), ""]
        lines += ["| name | checksum | tables | query (first 200 characters) |", "|---|---|---|---|"]
        for sample in lost["samples"]:
            text = " ".join(str(sample.get("query") or "").split()).replace("|", "\\|")
            tables = ", ".join(str(t) for t in sample.get("used_in") or []) or "none"
            more = "..." if sample.get("truncated") else ""
            row = (sample.get("name"), sample.get("checksum"), tables, text.replace("`", "'"), more)
            lines.append("| %s | %s | %s | `%s%s` |" % row)
        if report.get("query_export"):
            lines += ["", "All of them are in `%s` (JSON: each query's document and relationship rows)."
                      % report["query_export"]]
    lines += ["", "## Facts", ""]
    db = facts.get("db") or {}
    server = facts.get("server") or {}
    search = facts.get("search") or {}
    java = facts.get("java") or {}
    disk = facts.get("disk") or {}
    setting = db.get("sort_setting") or {}
    schema = db.get("schema_version") or {}
    rows = [
        ("OpenMetadata server", _fact(server.get("version"), server.get("error"))),
        ("health (admin /healthcheck)", _fact({True: "healthy", False: "unhealthy"}.get(server.get("healthy")),
                                              server.get("health_error"))),
        ("schema (Flyway / native)", "%s / %s" % (schema.get("flyway"), schema.get("native"))),
        ("database", _fact("%s %s at %s" % (db.get("flavor"), _short(db.get("server_version")), db.get("host"))
                           if db.get("reachable") else None, db.get("error"))),
        ("database size", human(db.get("size_bytes"))),
        (setting.get("name") or "sort setting", "%s (new session)" % setting.get("value") if setting else "unknown"),
        ("search engine", _fact("%s %s" % (search.get("distribution"), search.get("version"))
                                if search.get("version") else None, search.get("error"))),
        ("Java", _fact("%s (%s)" % (java.get("version"), java.get("executable")) if java.get("version") else None,
                       java.get("error"))),
        ("deployment", verdict.get("deployment") or "unknown"),
        ("free at backup folder", "%s at %s (needed %s)" % (
            human(disk.get("free_bytes")), disk.get("checked"), human(verdict.get("backup_space_needed")))),
        ("queries deleted by 1.2.0", "%s of %s" % (lost.get("count"), lost.get("total"))),
    ]
    lines += ["| what | value |", "|---|---|"] + ["| %s | %s |" % (k, str(v).replace("|", "\\|")) for k, v in rows]
    return "\n".join(lines) + "\n"


def _fact(value: Any, error: Optional[str]) -> str:
    if value is not None:
        return str(value)
    return "unknown (%s)" % error if error else "unknown"
