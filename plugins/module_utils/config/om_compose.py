# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Migrate an OpenMetadata docker compose deployment (compose file + env files) to 1.2.x.

The compose file is the user's property: it is read and written round trip with ruamel.yaml
(comments, key order, quoting and every service, volume and network the user added are kept)
and only the values the upgrade needs are touched:

- image tags of the OpenMetadata server (also the migration service, which runs the server
  image) and ingestion images -> the target version;
- the search service -> Elasticsearch 8.10.2 with ``xpack.security.enabled=false`` or
  OpenSearch 2.x (then the server's ``SEARCH_TYPE`` too);
- ``DB_USE_SSL`` -> ``DB_PARAMS`` in ``environment:`` and in env files (line edits);
- environment variables 1.2 no longer reads are reported, not removed.

Nothing is written here: :func:`plan` returns the new texts and what changed; the module
writes them (check mode, diff, backup).
"""
from __future__ import annotations

import io
import os
import re
from typing import Any, Optional

try:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.util import load_yaml_guess_indent
    HAS_RUAMEL = True
except ImportError:  # pragma: no cover - reported by the module
    HAS_RUAMEL = False
    YAMLError = Exception  # type: ignore[assignment,misc]

from ansible_collections.openmetadata.ops.plugins.module_utils.config.env_syntax import resolve, whole
from ansible_collections.openmetadata.ops.plugins.module_utils.config.om_config_env import (
    db_params_for, engine_from, migrate_env_text as migrate_db_env_text, no_effect_names)
from ansible_collections.openmetadata.ops.plugins.module_utils import releases
from ansible_collections.openmetadata.ops.plugins.module_utils.versions import parse as parse_version

# Image names come from the release table (releases.LINES[<line>]["hop"]["images"]); these names are the
# newest target line's, for classifying the services of a file (the repositories did not change).
_IMAGES = releases.hop_data(releases.newest_target_line())["images"]
SERVER_REPOSITORY: str = _IMAGES["server"]
INGESTION_REPOSITORY: str = _IMAGES["ingestion"]
DB_REPOSITORIES: tuple[str, ...] = tuple(_IMAGES["db"])
SEARCH_IMAGES: dict[str, dict[str, str]] = _IMAGES["search"]
# Settings the search container needs under 1.2 (the quickstart runs without TLS/auth).
SEARCH_ENVIRONMENT = {
    "elasticsearch": {"xpack.security.enabled": "false"},
    "opensearch": {"DISABLE_SECURITY_PLUGIN": "true", "DISABLE_INSTALL_DEMO_CONFIG": "true"},
}
SEARCH_JAVA_OPTS = {"elasticsearch": "ES_JAVA_OPTS", "opensearch": "OPENSEARCH_JAVA_OPTS"}
# DB_USE_SSL -> DB_PARAMS (engine aware) and the no-effect variables come from server_config's
# om_config_env, so compose files, env files and openmetadata.yaml move the same way. Which versions move
# where is the one gate's decision (releases.hop_for).

_ENV_LINE = re.compile(r"^(?P<lead>\s*(?:export\s+)?)(?P<name>[A-Za-z_][A-Za-z0-9_.]*)(?P<eq>\s*=\s*)(?P<value>.*?)(?P<trail>\s*)$")


class ComposeError(Exception):
    """Bad input: the message says what is wrong and how to fix it."""


# --- small value helpers ----------------------------------------------------------------------

def split_image(image: str) -> tuple[str, Optional[str], Optional[str]]:
    """'reg:5000/a/b:1.1.7@sha256:..' -> ('reg:5000/a/b', '1.1.7', 'sha256:..')."""
    rest, _at, digest = image.partition("@")
    slash = rest.rfind("/", 0, rest.find("${") if "${" in rest else len(rest))
    colon = rest.find(":", slash + 1)
    if colon > slash:
        return rest[:colon], rest[colon + 1:], digest or None
    return rest, None, digest or None


def _repo_is(repository: str, name: str) -> bool:
    return repository == name or repository.endswith("/" + name)


def image_kind(image: str) -> Optional[str]:
    """server | ingestion | db | elasticsearch | opensearch | None (not an OpenMetadata piece)."""
    repository = split_image(image)[0]
    if _repo_is(repository, SERVER_REPOSITORY):
        return "server"
    if _repo_is(repository, INGESTION_REPOSITORY):
        return "ingestion"
    if any(_repo_is(repository, name) for name in DB_REPOSITORIES):
        return "db"
    if _repo_is(repository, "elasticsearch/elasticsearch") or repository == "elasticsearch":
        return "elasticsearch"
    if _repo_is(repository, "opensearchproject/opensearch") or repository == "opensearch":
        return "opensearch"
    return None


def with_tag(image: str, tag: str) -> str:
    """The same image reference at another tag; a ``${VAR:-x}`` tag keeps its variable and gets
    the new default; a digest pin is dropped (it names the old image)."""
    repository, old_tag, _digest = split_image(image)
    match = whole(old_tag)
    if match:
        return "%s:${%s%s%s}" % (repository, match.group("name"), match.group("op"), tag)
    return "%s:%s" % (repository, tag)


def tag_version(image: str) -> Optional[str]:
    tag = split_image(image)[1]
    if tag is None:
        return None
    match = whole(tag)
    if match:
        tag = match.group("default")
    try:
        parse_version(tag)
    except ValueError:
        return None
    return tag


def migrate_db_use_ssl_value(value: str, engine: str) -> str:
    """'${DB_USE_SSL:-true}' -> '${DB_PARAMS:-<params with SSL>}'; a literal -> the literal params."""
    match = whole(value)
    if match and match.group("name") == "DB_USE_SSL":
        return "${DB_PARAMS%s%s}" % (match.group("op"), db_params_for(engine, match.group("default")))
    return db_params_for(engine, value)


def service_engine(env: "Environment", dotenv: dict[str, str]) -> str:
    """mysql | postgresql from the service's DB_DRIVER_CLASS / DB_SCHEME (1.1's default is mysql)."""
    return engine_from(resolve(env.get("DB_DRIVER_CLASS"), dotenv), resolve(env.get("DB_SCHEME"), dotenv)) or "mysql"


def _same_type(old: Any, new: str) -> Any:
    """Keep the user's quoting: a double-quoted scalar stays double-quoted."""
    cls = type(old)
    if cls is not str and isinstance(old, str):
        try:
            return cls(new)
        except TypeError:
            return new
    return new


# --- environment: mapping or list form ---------------------------------------------------------

class Environment:
    """A service's ``environment:`` in either compose form (mapping or ``- KEY=value`` list)."""

    def __init__(self, service: Any):
        self.service = service
        self.node = service.get("environment") if isinstance(service, dict) else None

    def items(self) -> list[tuple[str, Any]]:
        if isinstance(self.node, dict):
            return [(str(k), v) for k, v in self.node.items()]
        if isinstance(self.node, list):
            out = []
            for entry in self.node:
                name, _eq, value = str(entry).partition("=")
                out.append((name.strip(), value if "=" in str(entry) else None))
            return out
        return []

    def get(self, name: str) -> Any:
        for key, value in self.items():
            if key == name:
                return value
        return None

    def has(self, name: str) -> bool:
        return any(key == name for key, _value in self.items())

    def set(self, name: str, value: str) -> None:
        """Replace the value in place, or append the variable (creating ``environment:``)."""
        if self.node is None:
            self.node = CommentedMap()
            self.service["environment"] = self.node
        if isinstance(self.node, dict):
            old = self.node.get(name)
            self.node[name] = _same_type(old, value) if old is not None else value
            return
        for index, entry in enumerate(self.node):
            if str(entry).partition("=")[0].strip() == name:
                self.node[index] = _same_type(entry, "%s=%s" % (name, value))
                return
        self.node.append("%s=%s" % (name, value))

    def rename(self, old: str, new: str, value: str) -> None:
        """Put ``new=value`` where ``old`` was, keeping that line's comments."""
        if isinstance(self.node, dict):
            keys = list(self.node.keys())
            position = keys.index(old)
            comment = self.node.ca.items.pop(old, None) if hasattr(self.node, "ca") else None
            old_value = self.node[old]
            del self.node[old]
            self.node.insert(position, new, _same_type(old_value, value))
            if comment is not None:
                self.node.ca.items[new] = comment
            return
        for index, entry in enumerate(self.node):
            if str(entry).partition("=")[0].strip() == old:
                self.node[index] = _same_type(entry, "%s=%s" % (new, value))
                return

    def remove(self, name: str) -> None:
        if isinstance(self.node, dict):
            del self.node[name]
            return
        for index, entry in enumerate(list(self.node)):
            if str(entry).partition("=")[0].strip() == name:
                del self.node[index]
                return


# --- env files (KEY=value lines, edited in place) ---------------------------------------------

def parse_env_text(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        match = _ENV_LINE.match(line)
        if match:
            values[match.group("name")] = match.group("value")
    return values


def migrate_env_text(text: str, db_engine: str, target_version: str, search_engine: str,
                     engine_changed: bool) -> tuple[str, list[str]]:
    """DB_USE_SSL=x -> DB_PARAMS=... on the same line (om_config_env, engine aware); SEARCH_TYPE
    follows a search engine switch. Every other byte stays."""
    text, changes = migrate_db_env_text(text, db_engine, target_version)
    if not engine_changed:
        return text, changes
    out = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        match = None if body.lstrip().startswith("#") else _ENV_LINE.match(body)
        if match and match.group("name") == "SEARCH_TYPE" and match.group("value").strip().strip('"\'') != search_engine:
            body = "%sSEARCH_TYPE%s%s%s" % (match.group("lead"), match.group("eq"), search_engine, match.group("trail"))
            changes.append("SEARCH_TYPE=%s -> %s" % (match.group("value"), search_engine))
        out.append(body + ending)
    return "".join(out), changes


# --- the compose file ---------------------------------------------------------------------------

def _yaml(mapping: int = 2, sequence: int = 4, offset: int = 2) -> "YAML":
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long command or JAVA_OPTS line
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _mapping_indent(text: str) -> int:
    """Indent of the first nested key (compose files use 2 or 4)."""
    match = re.search(r"^[A-Za-z_][^:#\n]*:[ \t]*\n(?:[ \t]*(?:#.*)?\n)*([ ]+)[A-Za-z_\"']", text, re.M)
    return len(match.group(1)) if match else 2


def load(text: str, path: str = "compose file") -> tuple[Any, "YAML"]:
    """Parse round trip, keeping the file's own indentation and quoting for the write-back."""
    try:
        _guess, sequence, offset = load_yaml_guess_indent(text)
        yaml = _yaml(_mapping_indent(text), sequence or 2, offset or 0)
        data = yaml.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = " (line %d, column %d)" % (mark.line + 1, mark.column + 1) if mark else ""
        raise ComposeError("%s is not valid YAML%s: %s. Fix the file (`docker compose config` shows "
                           "the same error) and run again; nothing was changed."
                           % (path, where, getattr(exc, "problem", None) or exc)) from exc
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict) or not data["services"]:
        raise ComposeError("%s has no `services:` mapping, so it is not a docker compose file; set path to "
                           "the compose file of the OpenMetadata deployment." % path)
    return data, yaml


def dump(data: Any, yaml: "YAML") -> str:
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


def project_name(data: Any, directory: str, dotenv: dict[str, str], override: Optional[str] = None) -> str:
    """The compose project name the way `docker compose` picks it."""
    name = override or data.get("name") or os.environ.get("COMPOSE_PROJECT_NAME") \
        or dotenv.get("COMPOSE_PROJECT_NAME") or os.path.basename(os.path.abspath(directory))
    return re.sub(r"[^a-z0-9_-]", "", str(name).lower()).lstrip("_-")


def _env_file_paths(service: Any, directory: str) -> list[str]:
    entries = service.get("env_file") if isinstance(service, dict) else None
    if entries is None:
        return []
    if isinstance(entries, (str, dict)):
        entries = [entries]
    paths = []
    for entry in entries:
        path = entry.get("path") if isinstance(entry, dict) else entry
        if path:
            paths.append(os.path.normpath(os.path.join(directory, str(path))))
    return paths


def _volume_mounts(service: Any) -> list[tuple[str, str]]:
    """(source, target) of each mount, short or long syntax."""
    mounts = []
    for entry in service.get("volumes") or []:
        if isinstance(entry, dict):
            mounts.append((str(entry.get("source", "")), str(entry.get("target", ""))))
        else:
            parts = str(entry).split(":")
            if len(parts) >= 2:
                mounts.append((parts[0], parts[1]))
    return mounts


def classify(data: Any) -> dict[str, Any]:
    """Which service plays which part, found by image (names differ between users)."""
    roles: dict[str, Any] = {"server": [], "migrate": [], "ingestion": [], "db": [], "search": []}
    for name, service in data["services"].items():
        image = str(service.get("image", "")) if isinstance(service, dict) else ""
        kind = image_kind(image) if image else None
        if kind == "server":
            command = service.get("command") or ""
            command = " ".join(command) if isinstance(command, list) else str(command)
            roles["migrate" if "migrate" in command else "server"].append(str(name))
        elif kind in ("elasticsearch", "opensearch"):
            roles["search"].append(str(name))
        elif kind:
            roles[kind].append(str(name))
    return roles


def plan(text: str, *, path: str, target_version: str, search_engine: str = "elasticsearch",
         search_version: Optional[str] = None, update_db_image: bool = False,
         env_texts: Optional[dict[str, str]] = None, project: Optional[str] = None) -> dict[str, Any]:
    """Work out the migrated compose file and env files.

    ``env_texts`` maps env file paths (``.env`` and every service ``env_file:``) to their text;
    the caller reads them (missing files are simply absent). Returns new texts, the list of
    changes, the services by part, the search data volume and the no-effect variables."""
    if search_engine not in SEARCH_IMAGES:
        raise ComposeError("search_engine must be elasticsearch or opensearch, not %r." % search_engine)
    try:
        hop = releases.hop_for(None, target_version)
    except releases.HopError as exc:
        raise ComposeError(str(exc)) from None
    search_images = releases.hop_data(hop["target_line"])["images"]["search"]
    directory = os.path.dirname(os.path.abspath(path))
    env_texts = dict(env_texts or {})
    data, yaml = load(text, path)
    roles = classify(data)
    services = data["services"]
    if not roles["server"] and not roles["migrate"]:
        raise ComposeError("no service in %s runs an %s image; set path to the compose file of the OpenMetadata "
                           "deployment." % (path, SERVER_REPOSITORY))
    if len(roles["search"]) > 1:
        raise ComposeError("%s has several search services (%s); keep one Elasticsearch/OpenSearch service."
                           % (path, ", ".join(roles["search"])))
    changes: list[str] = []

    # Versions: what the one gate allows (1.1.x -> 1.2.x, 1.2.x -> a later or the same 1.2.x).
    source_versions = sorted({v for v in (tag_version(str(services[n]["image"]))
                                          for n in roles["server"] + roles["migrate"]) if v},
                             key=parse_version)
    for version in source_versions:
        try:
            releases.hop_for(releases.release_of(version) or version, target_version,
                             source_what="the server image's tag")
        except releases.HopError as exc:
            raise ComposeError("%s (in %s)" % (exc, path)) from None

    # 1. OpenMetadata images.
    kinds = ["server", "migrate", "ingestion"] + (["db"] if update_db_image else [])
    for kind in kinds:
        for name in roles[kind]:
            image = services[name]["image"]
            new = with_tag(str(image), target_version)
            if new != str(image):
                services[name]["image"] = _same_type(image, new)
                changes.append("service %s: image %s -> %s" % (name, image, new))

    # 2. Search service.
    search_info: dict[str, Any] = {"service": None, "engine": search_engine, "data_volume": None,
                                   "data_path": None, "engine_changed": False}
    engine_changed = False
    if roles["search"]:
        name = roles["search"][0]
        service = services[name]
        image = str(service["image"])
        old_engine = image_kind(image)
        engine_changed = old_engine != search_engine
        wanted = search_images[search_engine]
        version = search_version or wanted["version"]
        new_image = with_tag(image, version) if not engine_changed else "%s:%s" % (wanted["repository"], version)
        if new_image != image:
            service["image"] = _same_type(service["image"], new_image)
            changes.append("service %s: image %s -> %s" % (name, image, new_image))
        env = Environment(service)
        if engine_changed:
            old_opts, new_opts = SEARCH_JAVA_OPTS[old_engine], SEARCH_JAVA_OPTS[search_engine]
            if env.has(old_opts) and not env.has(new_opts):
                env.rename(old_opts, new_opts, str(env.get(old_opts)))
                changes.append("service %s: %s -> %s" % (name, old_opts, new_opts))
            for key, _value in env.items():
                if old_engine == "elasticsearch" and key.startswith("xpack."):
                    env.remove(key)
                    changes.append("service %s: removed %s (Elasticsearch only)" % (name, key))
            old_dir, new_dir = search_images[old_engine]["data_dir"], wanted["data_dir"]
            for index, entry in enumerate(service.get("volumes") or []):
                if isinstance(entry, dict) and str(entry.get("target", "")).rstrip("/") == old_dir:
                    entry["target"] = new_dir
                    changes.append("service %s: data mount %s -> %s" % (name, old_dir, new_dir))
                elif isinstance(entry, str) and (":%s" % old_dir) in entry:
                    service["volumes"][index] = _same_type(entry, entry.replace(":" + old_dir, ":" + new_dir))
                    changes.append("service %s: data mount %s -> %s" % (name, old_dir, new_dir))
        for key, value in SEARCH_ENVIRONMENT[search_engine].items():
            if not env.has(key):
                env.set(key, value)
                changes.append("service %s: environment %s=%s" % (name, key, value))
        search_info.update(service=name, engine_changed=engine_changed, image=new_image)
        for source, target_dir in _volume_mounts(service):
            if target_dir.rstrip("/") in (search_images["elasticsearch"]["data_dir"],
                                          search_images["opensearch"]["data_dir"]):
                if source.startswith((".", "/", "~")):
                    search_info["data_path"] = os.path.normpath(os.path.join(directory, os.path.expanduser(source)))
                elif source:
                    search_info["data_volume"] = _volume_name(data, source, directory, env_texts, project)

    # 3. Server-side environment: DB_USE_SSL -> DB_PARAMS, SEARCH_TYPE on an engine switch.
    no_effect: list[dict[str, Any]] = []
    dead = no_effect_names(target_version)
    dotenv = parse_env_text(env_texts.get(os.path.join(directory, ".env"), ""))
    server_engine = "mysql"
    env_file_engines: dict[str, str] = {}
    for name, service in services.items():
        if not isinstance(service, dict):
            continue
        env = Environment(service)
        engine = service_engine(env, dotenv)
        if name in roles["server"] + roles["migrate"]:
            server_engine = engine
            for env_path in _env_file_paths(service, directory):
                env_file_engines[env_path] = engine
        if env.has("DB_USE_SSL") and not env.has("DB_PARAMS"):
            old_value = env.get("DB_USE_SSL")
            new_value = migrate_db_use_ssl_value(str(old_value if old_value is not None else "false"), engine)
            env.rename("DB_USE_SSL", "DB_PARAMS", new_value)
            changes.append("service %s: DB_USE_SSL=%s -> DB_PARAMS=%s" % (name, old_value, new_value))
        if engine_changed and name in roles["server"] + roles["migrate"]:
            current = env.get("SEARCH_TYPE")
            current_default = current
            match = whole(current)
            if match:
                current_default = match.group("default")
            if current is None or str(current_default).strip().strip('"\'') != search_engine:
                new = ("${SEARCH_TYPE%s%s}" % (match.group("op"), search_engine)) if match else search_engine
                env.set("SEARCH_TYPE", new)
                changes.append("service %s: SEARCH_TYPE -> %s" % (name, new))
        for key, value in env.items():
            if key in dead and key != "DB_USE_SSL":
                no_effect.append({"name": key, "value": value, "where": "service %s" % name, "file": path,
                                  "replacement": dead[key]["replacement"], "reason": dead[key]["reason"]})

    compose_changed = bool(changes)
    # 4. Env files.
    new_env_texts: dict[str, str] = {}
    for env_path, env_text in env_texts.items():
        db_engine = env_file_engines.get(env_path, server_engine)
        new_text, env_changes = migrate_env_text(env_text, db_engine, target_version, search_engine, engine_changed)
        if new_text != env_text:
            new_env_texts[env_path] = new_text
            changes.extend("%s: %s" % (env_path, change) for change in env_changes)
        for key, value in parse_env_text(new_text).items():
            if key in dead and key != "DB_USE_SSL":
                no_effect.append({"name": key, "value": value, "where": "env file", "file": env_path,
                                  "replacement": dead[key]["replacement"], "reason": dead[key]["reason"]})

    return {
        "changed": bool(changes),
        "text": dump(data, yaml) if compose_changed else text,
        "env_texts": new_env_texts,
        "changes": changes,
        "roles": roles,
        "search": search_info,
        "no_effect_env_vars": no_effect,
        "source_versions": source_versions,
        "project": project_name(data, directory, dotenv, project),
    }


def _volume_name(data: Any, key: str, directory: str, env_texts: dict[str, str],
                 project: Optional[str]) -> dict[str, Any]:
    """A named volume's real engine name: its ``name:``, else <project>_<key>."""
    declared = (data.get("volumes") or {}).get(key) if isinstance(data.get("volumes"), dict) else None
    declared = declared if isinstance(declared, dict) else {}
    external = declared.get("external")
    external_name = external.get("name") if isinstance(external, dict) else None
    if declared.get("name") or external_name:
        name = str(declared.get("name") or external_name)
    elif external:
        name = key
    else:
        dotenv = parse_env_text(env_texts.get(os.path.join(directory, ".env"), ""))
        name = "%s_%s" % (project_name(data, directory, dotenv, project), key)
    return {"key": key, "name": name, "external": bool(external)}


def env_file_paths(text: str, path: str) -> list[str]:
    """Every env file a migration must look at: the project's ``.env`` and each ``env_file:``."""
    data, _yaml_unused = load(text, path)
    directory = os.path.dirname(os.path.abspath(path))
    paths = [os.path.join(directory, ".env")]
    for service in data["services"].values():
        for env_path in _env_file_paths(service, directory):
            if env_path not in paths:
                paths.append(env_path)
    return paths
