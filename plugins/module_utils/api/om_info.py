# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Read-only facts about an OpenMetadata installation, one part at a time.

Each ``*_facts`` function returns a dict; when its part cannot be read it still returns the
dict, with the values it could not find set to None and ``error`` saying why. Nothing here
changes anything: no SET, no write, no service call other than GET.
"""
from __future__ import annotations

import json
import os
import re
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import urlsplit, urlunsplit

from ansible_collections.openmetadata.ops.plugins.module_utils.database import db as dbm
from ansible_collections.openmetadata.ops.plugins.module_utils.database import mysql_engine
from ansible_collections.openmetadata.ops.plugins.module_utils.database import query_loss
from ansible_collections.openmetadata.ops.plugins.module_utils.database import restore
from ansible_collections.openmetadata.ops.plugins.module_utils.api.om_api import ApiClient, ApiError
from ansible_collections.openmetadata.ops.plugins.module_utils.database.om_schema import read_change_log, read_schema_version
from ansible_collections.openmetadata.ops.plugins.module_utils.api.search import client_from_params, detect_engine
from ansible_collections.openmetadata.ops.plugins.module_utils.versions import parse

# (rc, stdout, stderr) of an argv list; the module passes AnsibleModule.run_command.
Runner = Callable[[List[str]], Tuple[int, str, str]]

USERINFO = re.compile(r"://[^/@\s]+@")
RELEASE_DIR = re.compile(r"^openmetadata-(\d+\.\d+\.\d+(?:\.\d+)?)$")
JAVA_VERSION = re.compile(r'version "([^"]+)"')
SORT_SETTING = {"mysql": "sort_buffer_size", "postgresql": "work_mem"}
UNIT_DIRS = ("/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system")


# ---------------------------------------------------------------------------------------------
# OpenMetadata server (REST API)
# ---------------------------------------------------------------------------------------------

def shown_url(url: Optional[str]) -> Optional[str]:
    """The URL without any user:password@ part, for facts and reports."""
    if not url:
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def scrubbed(text: str) -> str:
    """An error message without the user:password@ of any URL in it."""
    return USERINFO.sub("://", text)


def server_facts(server_url: str, admin_url: Optional[str], validate_certs: bool = True,
                 ca_path: Optional[str] = None, timeout: float = 10) -> Dict[str, Any]:
    """``GET /api/v1/system/version`` (no token needed) and the admin ``/healthcheck``."""
    facts: Dict[str, Any] = {"url": shown_url(server_url), "version": None, "revision": None, "healthy": None,
                             "health": None, "error": None, "health_error": None}
    try:
        client = ApiClient(server_url, validate_certs=validate_certs, ca_path=ca_path, timeout=timeout)
        body = client.get_json("/api/v1/system/version")
        if isinstance(body, dict) and body.get("version"):
            facts["version"] = str(body["version"])
            facts["revision"] = body.get("revision")
        else:
            facts["error"] = "/api/v1/system/version answered without a version: %s" % (str(body)[:200],)
    except ApiError as exc:
        facts["error"] = scrubbed(str(exc))
    if admin_url:
        try:
            admin = ApiClient(admin_url, validate_certs=validate_certs, ca_path=ca_path, timeout=timeout)
            answer = admin.get("/healthcheck", ok=(500,))
            facts["healthy"] = answer.status == 200
            facts["health"] = answer.json_or_text()
        except ApiError as exc:
            facts["healthy"] = False if exc.status else None  # an HTTP error is an answer; no answer is unknown
            facts["health_error"] = scrubbed(str(exc))
    return facts


def release_version(version: Optional[str]) -> Optional[str]:
    """'1.1.7-release' or '1.1.7.0' -> '1.1.7' (the three components a release is named by)."""
    if not version:
        return None
    match = re.search(r"\d+\.\d+\.\d+", str(version))
    return match.group(0) if match else None


# ---------------------------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------------------------

def database_size(conn: Any, engine: str, schema: str) -> int:
    with conn.cursor() as cur:
        if engine == "mysql":
            cur.execute("SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.TABLES "
                        "WHERE table_schema = DATABASE()")
        else:
            cur.execute("SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind IN ('r', 'm')",
                        (schema,))
        return int(cur.fetchone()[0])


def session_sort_setting(conn: Any, engine: str) -> Dict[str, Any]:
    """sort_buffer_size / work_mem as a new session of this user gets it (bytes and as shown)."""
    name = SORT_SETTING[engine]
    with conn.cursor() as cur:
        if engine == "mysql":
            cur.execute("SELECT @@SESSION.sort_buffer_size, @@GLOBAL.sort_buffer_size")
            session, global_value = cur.fetchone()
            return {"name": name, "value": str(session), "bytes": int(session), "global_bytes": int(global_value)}
        cur.execute("SELECT current_setting('work_mem'), "
                    "(SELECT setting::bigint * 1024 FROM pg_settings WHERE name = 'work_mem')")
        shown, size = cur.fetchone()
        return {"name": name, "value": str(shown), "bytes": int(size)}


def database_facts(params: dbm.DbParams, sample_size: int = 10) -> Dict[str, Any]:
    """Engine and server version, schema version, the sort setting a new session sees, size and the
    queries the 1.2.0 migration will delete. A fresh connection as the given user, read only."""
    facts: Dict[str, Any] = {"engine": params.engine, "flavor": None, "server_version": None, "host": params.where,
                             "database": params.database, "reachable": False, "schema_version": None,
                             "change_log": None, "sort_setting": None, "size_bytes": None, "restore_problems": None,
                             "error": None}
    lost: Dict[str, Any] = {"count": None, "total": None, "samples": [], "error": None}
    try:
        conn = dbm.connect(params, autocommit=True)
    except dbm.DbError as exc:
        facts["error"] = str(exc)
        lost["error"] = "the database is not reachable"
        return {"db": facts, "query_loss": lost}
    try:
        facts["reachable"] = True
        version = dbm.server_version(conn)
        facts["server_version"] = version
        facts["flavor"] = dbm.flavor(params.engine, version)
        problems = []
        for key, read in (("schema_version", lambda: read_schema_version(conn, params.engine, params.schema)),
                          ("change_log", lambda: read_change_log(conn, params.engine, params.schema)),
                          ("sort_setting", lambda: session_sort_setting(conn, params.engine)),
                          ("size_bytes", lambda: database_size(conn, params.engine, params.schema)),
                          ("restore_problems", lambda: restore.problems_restoring_here(conn, params))):
            try:
                facts[key] = read()
            except Exception as exc:  # pylint: disable=broad-except  # one part failing must not hide the others
                problems.append("%s: %s" % (key, exc))
        if problems:
            facts["error"] = "; ".join(problems)
        try:
            found = query_loss.find_lost_queries(conn, params.engine, params.schema, sample_size)
            lost.update({"count": found["count"], "total": found["total"], "samples": found["samples"]})
        except Exception as exc:  # pylint: disable=broad-except
            lost["error"] = "cannot read query_entity/entity_relationship (is this an OpenMetadata database?): %s" % exc
    finally:
        conn.close()
    return {"db": facts, "query_loss": lost}


def admin_facts(params: dbm.DbParams, tuning: str = "none", sort_bytes: Optional[int] = None,
                minimum_bytes: int = 0) -> Dict[str, Any]:
    """Whether the administrative DB user (the one db_tuning and a rollback's restore log in as) can log in,
    and, when ``tuning`` names the scope the db_tuning phase will use and ``sort_bytes`` is below
    ``minimum_bytes``, whether it may raise the sort setting. ``problems`` says what it could not do."""
    facts: Dict[str, Any] = {"user": params.user, "reachable": False, "error": None, "problems": []}
    try:
        conn = dbm.connect(params, autocommit=True)
    except dbm.DbError as exc:
        facts["error"] = str(exc)
        return facts
    facts["reachable"] = True
    try:
        if tuning != "none" and sort_bytes is not None and sort_bytes < minimum_bytes:
            facts["problems"] += _tuning_privilege_problems(conn, params, tuning)
    except Exception as exc:  # pylint: disable=broad-except  # a read that fails is reported, not fatal
        facts["error"] = "could not read its privileges: %s" % exc
    finally:
        conn.close()
    return facts


def _tuning_privilege_problems(conn: Any, params: dbm.DbParams, scope: str) -> List[str]:
    setting = SORT_SETTING[params.engine]
    with conn.cursor() as cur:
        if params.engine == "mysql":
            account, granted = mysql_engine.current_privileges(conn, params.database)
            if granted & {"SUPER", "SYSTEM_VARIABLES_ADMIN"}:
                return []
            return ["%s may not raise %s (SET GLOBAL needs SUPER on MariaDB, SYSTEM_VARIABLES_ADMIN on MySQL 8)"
                    % (account, setting)]
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cur.fetchone()
        if row and row[0]:
            return []
        if scope == "system":
            cur.execute("SELECT current_setting('server_version_num')::int >= 150000")
            if cur.fetchone()[0]:
                cur.execute("SELECT has_parameter_privilege(%s, 'ALTER SYSTEM')", (setting,))
                if cur.fetchone()[0]:
                    return []
            return ["%s may not raise %s for the server (ALTER SYSTEM needs a superuser, or on PostgreSQL 15+ "
                    "GRANT ALTER SYSTEM ON PARAMETER %s)" % (params.user, setting, setting)]
        if scope == "database":
            cur.execute("SELECT pg_get_userbyid(datdba) = current_user FROM pg_database WHERE datname = %s",
                        (params.database,))
            row = cur.fetchone()
            if row and row[0]:
                return []
            return ["%s may not raise %s for database %s (ALTER DATABASE ... SET needs its owner or a superuser)"
                    % (params.user, setting, params.database)]
    return []


# ---------------------------------------------------------------------------------------------
# Search engine
# ---------------------------------------------------------------------------------------------

def search_facts(params: Dict[str, Any]) -> Dict[str, Any]:
    facts: Dict[str, Any] = {"url": shown_url(params.get("url")), "distribution": None, "version": None, "cluster_name": None,
                             "error": None}
    if not params.get("url"):
        facts["error"] = "no search engine URL given (openmetadata_search_url)"
        return facts
    try:
        engine = detect_engine(client_from_params(params))
        facts.update(engine.as_dict())
    except (ApiError, ValueError) as exc:
        facts["error"] = scrubbed(str(exc))
    return facts


# ---------------------------------------------------------------------------------------------
# Java
# ---------------------------------------------------------------------------------------------

def java_major(version: str) -> Optional[int]:
    """'17.0.9' -> 17, '1.8.0_392' -> 8, '21' -> 21."""
    match = re.match(r"(\d+)(?:\.(\d+))?", version)
    if not match:
        return None
    first = int(match.group(1))
    if first == 1 and match.group(2):
        return int(match.group(2))
    return first


def java_facts(run: Runner, java_home: Optional[str] = None, environ: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """The Java the server would run: ``<java_home>/bin/java`` when given, else ``$JAVA_HOME/bin/java``,
    else ``java`` on the PATH (as bin/openmetadata.sh picks it)."""
    env = os.environ if environ is None else environ
    facts: Dict[str, Any] = {"java_home": java_home or env.get("JAVA_HOME") or None, "source": None,
                             "executable": None, "version": None, "major": None, "error": None}
    if java_home:
        candidates = [("java_home", os.path.join(java_home, "bin", "java"))]
    elif env.get("JAVA_HOME"):
        candidates = [("JAVA_HOME", os.path.join(env["JAVA_HOME"], "bin", "java"))]
    else:
        candidates = [("PATH", "java")]
    source, executable = candidates[0]
    facts["source"] = source
    if executable != "java" and not os.access(executable, os.X_OK):
        setting = "openmetadata_java_home" if source == "java_home" else "JAVA_HOME"
        facts["error"] = "%s is not an executable (check %s)" % (executable, setting)
        return facts
    try:
        rc, out, err = run([executable, "-version"])
    except OSError as exc:
        facts["error"] = "cannot run %s -version: %s" % (executable, exc)
        return facts
    text = (err or "") + (out or "")
    match = JAVA_VERSION.search(text)
    if rc != 0 or not match:
        facts["error"] = ("no Java found (%s -version exited %s: %s); install JDK 17 or give openmetadata_java_home"
                          % (executable, rc, " ".join(text.split())[:200]))
        return facts
    facts["executable"] = executable
    facts["version"] = match.group(1)
    facts["major"] = java_major(match.group(1))
    return facts


# ---------------------------------------------------------------------------------------------
# Deployment kind
# ---------------------------------------------------------------------------------------------

def releases_in(install_dir: str) -> List[Dict[str, str]]:
    found = []
    try:
        names = os.listdir(install_dir)
    except OSError:
        return []
    for name in names:
        match = RELEASE_DIR.match(name)
        path = os.path.join(install_dir, name)
        if match and os.path.isdir(path) and not os.path.islink(path):
            found.append({"version": match.group(1), "path": path})
    return sorted(found, key=lambda item: parse(item["version"]))


def service_unit(run: Runner, name: str, which: Callable[[str], Optional[str]]) -> Dict[str, Any]:
    """What systemd says about the unit (LoadState/ActiveState), or whether a unit file exists."""
    unit = name if name.endswith(".service") else name + ".service"
    facts: Dict[str, Any] = {"name": unit, "exists": None, "active": None, "path": None}
    systemctl = which("systemctl")
    if systemctl:
        try:
            rc, out, _err = run([systemctl, "show", unit, "--property=LoadState,ActiveState,FragmentPath"])
        except OSError:
            rc, out = 1, ""
        values = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        if rc == 0 and values.get("LoadState"):
            facts["exists"] = values["LoadState"] == "loaded"
            facts["active"] = values.get("ActiveState") == "active"
            facts["path"] = values.get("FragmentPath") or None
            return facts
    for folder in UNIT_DIRS:
        path = os.path.join(folder, unit)
        if os.path.exists(path):
            facts.update({"exists": True, "path": path})
            return facts
    facts["exists"] = False
    return facts


def bare_metal_facts(run: Runner, install_dir: str, service_name: str,
                     which: Callable[[str], Optional[str]]) -> Dict[str, Any]:
    current = os.path.join(install_dir, "current")
    facts: Dict[str, Any] = {"install_dir": install_dir, "current": None, "current_version": None,
                             "releases": releases_in(install_dir), "service": None, "script": None}
    if os.path.islink(current) or os.path.isdir(current):
        target = os.path.realpath(current)
        facts["current"] = target
        match = RELEASE_DIR.match(os.path.basename(target))
        facts["current_version"] = match.group(1) if match else None
        script = os.path.join(target, "bin", "openmetadata.sh")
        facts["script"] = script if os.path.exists(script) else None
    facts["service"] = service_unit(run, service_name, which)
    facts["running"] = server_running(install_dir, facts["service"])
    return facts


def server_running(install_dir: str, service: Dict[str, Any]) -> Optional[bool]:
    """Whether an OpenMetadata server process runs: systemd's word when a unit is loaded, else a live
    process named in a release's ``logs/catalog.pid`` (what bin/openmetadata.sh writes). None: cannot tell."""
    if service.get("active") is not None:
        return bool(service["active"])
    try:
        homes = [os.path.join(install_dir, name) for name in os.listdir(install_dir)]
    except OSError:
        return None
    for home in homes:
        try:
            with open(os.path.join(home, "logs", "catalog.pid"), encoding="utf-8") as handle:
                pid = handle.read().strip()
            with open("/proc/%s/cmdline" % pid, "rb") as handle:
                if b"openmetadata" in handle.read().lower():
                    return True
        except (OSError, ValueError):
            continue
    return False


def docker_facts(run: Runner, compose_file: Optional[str], project: Optional[str],
                 which: Callable[[str], Optional[str]]) -> Dict[str, Any]:
    """Compose project name and the images its file names (``docker compose config``); tolerant:
    without the docker CLI or the file, the values stay None and ``error`` says why."""
    facts: Dict[str, Any] = {"compose_file": compose_file, "project": project, "images": None,
                             "server_image_version": None, "error": None}
    docker = which("docker")
    if not docker:
        facts["error"] = "the docker CLI is not on the PATH"
        return facts
    if not compose_file or not os.path.exists(compose_file):
        facts["error"] = "no compose file found (openmetadata_compose_file: %s)" % (compose_file,)
        return facts
    base = [docker, "compose", "-f", compose_file] + (["-p", project] if project else [])
    try:
        rc, out, err = run(base + ["config", "--images"])
        if rc == 0:
            facts["images"] = sorted({line.strip() for line in out.splitlines() if line.strip()})
            facts["server_image_version"] = server_image_version(facts["images"])
        else:
            facts["error"] = "docker compose config failed: %s" % " ".join(err.split())[:300]
        if not project:
            rc, out, _err = run(base + ["config", "--format", "json"])
            if rc == 0 and '"name"' in out:
                facts["project"] = json.loads(out).get("name")
    except (OSError, ValueError) as exc:
        facts["error"] = "docker compose could not be run: %s" % exc
    return facts


def server_image_version(images: List[str]) -> Optional[str]:
    """The tag of the OpenMetadata server image (``.../openmetadata/server:1.1.7`` -> ``1.1.7``)."""
    for image in images:
        name, _sep, tag = image.rpartition(":")
        if name.endswith("openmetadata/server") and release_version(tag):
            return release_version(tag)
    return None


def detect_deployment(declared: str, bare_metal: Optional[Dict[str, Any]], docker: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """``declared`` wins (bare_metal/docker); ``auto`` picks what was found."""
    if declared in ("bare_metal", "docker"):
        return {"kind": declared, "declared": True, "error": None}
    if declared != "auto":
        return {"kind": None, "declared": True,
                "error": "unknown deployment kind %r: set openmetadata_deployment to bare_metal or docker" % declared}
    if bare_metal and (bare_metal.get("current") or bare_metal.get("releases")):
        return {"kind": "bare_metal", "declared": False, "error": None}
    if docker and docker.get("images"):
        return {"kind": "docker", "declared": False, "error": None}
    return {"kind": None, "declared": False,
            "error": "found neither a bare-metal install (<install_dir>/openmetadata-<version>/ with a current link) nor "
                     "a compose file: set openmetadata_deployment (bare_metal or docker) and openmetadata_install_dir "
                     "or openmetadata_compose_file"}


# ---------------------------------------------------------------------------------------------
# Disk
# ---------------------------------------------------------------------------------------------

def free_space(path: str) -> Dict[str, Any]:
    """Free bytes (for an unprivileged writer) at ``path`` or, when it does not exist yet, at its
    nearest existing parent (where the backup folder will be created), and whether the backup can be written
    there safely: ``unsafe`` names a symlinked, world-writable or non-folder path, ``writable`` whether this
    user may create files there (False on a read-only mount too)."""
    probe = os.path.abspath(path)
    while not os.path.lexists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    facts: Dict[str, Any] = {"path": path, "checked": probe, "free_bytes": None, "writable": None, "unsafe": None,
                             "error": None}
    if os.path.islink(probe):
        facts["unsafe"] = "%s is a symlink to %s: set openmetadata_backup_dir to the real folder" % (
            probe, os.path.realpath(probe))
    elif not os.path.isdir(probe):
        facts["unsafe"] = "%s exists and is not a folder" % probe
    else:
        mode = os.stat(probe).st_mode
        if probe == os.path.abspath(path) and mode & 0o002:
            facts["unsafe"] = ("%s is world-writable (mode %o): anyone on the host could replace or read a backup "
                               "there; chmod o-w it or choose a private folder" % (probe, mode & 0o7777))
    try:
        stat = os.statvfs(probe)
    except OSError as exc:
        facts["error"] = str(exc)
        return facts
    facts["free_bytes"] = stat.f_bavail * stat.f_frsize
    facts["writable"] = os.access(probe, os.W_OK | os.X_OK) and not stat.f_flag & os.ST_RDONLY
    return facts
