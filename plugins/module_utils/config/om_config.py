# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Migrate OpenMetadata's server configuration (openmetadata.yaml) and Helm values to a newer version.

The file is the user's: it is edited with the span-preserving editor of yaml_spans (never re-dumped), so
comments, key order, quoting, indentation and ``${VAR:-default}`` strings everywhere else stay
byte-identical. The result is parsed again before it is returned.

What changes comes from om_config_data (versions as data); nothing here writes files: :func:`plan_config`,
:func:`plan_merge` and :func:`plan_helm` return the new text, the list of changes and what was removed.
"""
from __future__ import annotations

import re
from typing import Any, Optional

try:
    from ruamel.yaml.nodes import MappingNode, ScalarNode
except ImportError:  # pragma: no cover - the module reports it (HAS_RUAMEL)
    pass

from ansible_collections.openmetadata.ops.plugins.module_utils import releases, versions
from ansible_collections.openmetadata.ops.plugins.module_utils.config.env_syntax import (
    INTERPOLATION, resolve, unquote, yaml_scalar,
)
from ansible_collections.openmetadata.ops.plugins.module_utils.config.om_config_data import (
    HELM_BASIC_LOGIN_FIELDS, MAX_FILE_BYTES, REMOVED_SETTINGS, SETTING_ENV_VARS,
)
from ansible_collections.openmetadata.ops.plugins.module_utils.config.om_config_env import (
    as_bool, db_params_for, engine_from, foreign_params,
)
from ansible_collections.openmetadata.ops.plugins.module_utils.config.yaml_spans import (
    HAS_RUAMEL, MISSING, Document, Editor, find_pair, parent_of, raw_text, reindent, render_like,
    same_newlines, verify_rewritten,
)
from ansible_collections.openmetadata.ops.plugins.module_utils.errors import ConfigError


# --- reading --------------------------------------------------------------------------------------

def decode(raw: bytes, path: str) -> str:
    """Bytes -> text, refusing what no OpenMetadata config looks like (size, encoding)."""
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError("%s is %d bytes; an OpenMetadata configuration is a few kB and this module refuses files "
                          "over %d bytes. Check that path names the right file; nothing was changed."
                          % (path, len(raw), MAX_FILE_BYTES))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError("%s is not UTF-8 text (byte %d); save it as UTF-8 and run again; nothing was changed."
                          % (path, exc.start)) from exc


# --- the openmetadata.yaml hop ------------------------------------------------------------------

def hop_for(target_version: str, source_version: Optional[str] = None) -> tuple[str, dict[str, Any]]:
    """(target line, its hop row of the release table), through the one gate (releases.hop_for)."""
    try:
        facts = releases.hop_for(source_version or None, target_version)
    except releases.HopError as exc:
        raise ConfigError(str(exc)) from None
    return facts["target_line"], releases.hop_data(facts["target_line"])


def changes_for(target_version: str, source_version: Optional[str] = None) -> list[dict[str, Any]]:
    """The openmetadata.yaml changes of the table that ``target_version`` needs (``since`` at or below it)."""
    _minor, hop = hop_for(target_version, source_version)
    return releases.changes_since(hop["config_changes"], target_version)


def detect_engine(doc: Document, env: dict[str, str], engine: Optional[str]) -> str:
    if engine in ("mysql", "postgresql"):
        return engine
    driver = resolve(doc.value(("database", "driverClass")), env)
    url = resolve(doc.value(("database", "url")), env)
    scheme = str(url).split("://", 1)[0] if isinstance(url, str) else None
    found = engine_from(driver if driver is not MISSING else None, scheme)
    return found or "mysql"


def _new_url(url: str, engine: str, env: dict[str, str]) -> tuple[Optional[str], str]:
    """The 1.2 URL for a 1.1 URL string, and why (None when it needs no change)."""
    base, sep, query = url.partition("?")
    if not sep:
        return None, ""
    whole = INTERPOLATION.fullmatch(query)
    if whole and whole.group("name") == "DB_PARAMS":
        default = whole.group("default")
        if default is not None and foreign_params(engine, default):
            fixed = db_params_for(engine, None, default)
            return "%s?${DB_PARAMS%s%s}" % (base, whole.group("op"), fixed), \
                "database.url: %s parameters removed from the DB_PARAMS default" % (
                    "MySQL" if engine == "postgresql" else "PostgreSQL")
        return None, ""
    ssl_refs = [m for m in INTERPOLATION.finditer(query) if m.group("name") == "DB_USE_SSL"]
    if ssl_refs:
        ref = ssl_refs[0]
        use_ssl = env["DB_USE_SSL"] if "DB_USE_SSL" in env else (ref.group("default") or "false")
        inlined = sorted({m.group("name") for m in INTERPOLATION.finditer(query)} - {"DB_USE_SSL"})
        # ${DB_PARAMS:-...} cannot hold another ${...}: other variables of the query are inlined with
        # the value in force (and reported).
        literal = INTERPOLATION.sub(lambda m: unquote(use_ssl) if m.group("name") == "DB_USE_SSL"
                                    else str(resolve(m.group(0), env)), query)
        params = db_params_for(engine, use_ssl, literal)
        source = "DB_USE_SSL=%s (%s)" % (unquote(use_ssl), "environment" if "DB_USE_SSL" in env else "its default")
        why = "database.url: %s -> ${DB_PARAMS:-%s}" % (source, params)
        if inlined:
            why += " (inlined the value of %s: set it in DB_PARAMS from now on)" % ", ".join(inlined)
        return "%s?${DB_PARAMS:-%s}" % (base, params), why
    if foreign_params(engine, query) and not INTERPOLATION.search(query):
        fixed = db_params_for(engine, None, query)
        return "%s?%s" % (base, fixed), "database.url: %s parameters removed (%s)" % (
            "MySQL" if engine == "postgresql" else "PostgreSQL", ", ".join(foreign_params(engine, query)))
    return None, ""


SECRET_PARAM = re.compile(r"pass|secret|key|token", re.I)


def _literal_url_warning(url: str) -> Optional[str]:
    """A warning when ``url`` (the URL the file keeps) does not read ${DB_PARAMS}: upstream's 1.2 way to set
    the connection parameters, SSL among them, then has no effect on it. Names what the URL carries
    (values of password-like parameters hidden)."""
    if re.search(r"\$\{DB_PARAMS\b", url):
        return None
    _base, sep, query = url.partition("?")
    params = []
    for part in (query.split("&") if sep else []):
        if not part:
            continue
        name, eq, value = part.partition("=")
        params.append("%s=%s" % (name, "********" if SECRET_PARAM.search(name) else value) if eq else name)
    carries = ("carries its parameters written out (%s)" % ", ".join(params)) if params else "carries no parameters"
    suggestion = "&".join(p for p in params if "********" not in p) or "useSSL=false"
    return ("database.url %s and no ${DB_PARAMS}: DB_PARAMS, the 1.2 way to set the connection parameters "
            "(SSL among them), will have no effect on this file; change the parameters in the URL itself, or "
            "end it with ?${DB_PARAMS:-%s} to take them from DB_PARAMS" % (carries, suggestion))


def settings_from(doc: Document, keys: tuple, setting: str, env: dict[str, str],
                  warnings: list[str]) -> dict[str, Any]:
    """The settings value a removed yaml block held, resolved with the environment in force."""
    block = doc.value(keys)
    block = block if isinstance(block, dict) else {}
    out: dict[str, Any] = {}
    for field, (kind, default) in REMOVED_SETTINGS[setting].items():
        raw = block.get(field, MISSING)
        if raw is MISSING or raw is None:
            value: Any = default
            var = SETTING_ENV_VARS.get(field)
            if raw is MISSING and var and var in env:
                value = yaml_scalar(str(env[var]))
        else:
            value = yaml_scalar(resolve(raw, env)) if isinstance(raw, str) else raw
        if kind == "int":
            try:
                value = int(value)
            except (TypeError, ValueError):
                warnings.append("%s.%s resolves to %r, not a number; %s.%s gets the default %s"
                                % (".".join(keys), field, value, setting, field, default))
                value = default
        else:
            value = "" if value is None else str(value)
        out[field] = value
    return out


def plan_config(text: str, *, path: str = "openmetadata.yaml", target_version: str,
                source_version: Optional[str] = None, engine: Optional[str] = None,
                env: Optional[dict[str, str]] = None, search_engine: Optional[str] = None) -> dict[str, Any]:
    """Rewrite a 1.1 openmetadata.yaml for ``target_version`` (in place). Returns text, changed, changes,
    removed_settings, engine, warnings."""
    env = dict(env or {})
    changes_wanted = changes_for(target_version, source_version)
    doc = Document(text, path)
    if doc.pair(("database",)) is None:
        raise ConfigError("%s has no `database:` section, so it is not an OpenMetadata server configuration "
                          "(openmetadata.yaml); set path to conf/openmetadata.yaml; nothing was changed." % path)
    engine = detect_engine(doc, env, engine)
    editor = Editor(doc)
    changes: list[str] = []
    removed: dict[str, Any] = {}
    warnings: list[str] = []
    removals: dict[int, list[tuple[Any, Any, Any]]] = {}
    for change in changes_wanted:
        keys = tuple(change["path"])
        found = doc.pair(keys)
        kind = change["kind"]
        if kind == "db_params":
            if found is None:
                continue
            _m, key, value = found
            if not isinstance(value, ScalarNode):
                raise ConfigError("%s: database.url must be a text value, it is a %s." % (path, type(value).__name__))
            new_url, why = _new_url(value.value, engine, env)
            # MySQL: its 1.1 URL carried useSSL & co. literally, and 1.2 moved them to DB_PARAMS.
            literal = _literal_url_warning(new_url if new_url is not None else value.value) \
                if engine == "mysql" else None
            if literal:
                warnings.append(literal)
            if new_url is not None:
                old_raw = raw_text(doc, value)
                query = value.value.partition("?")[2]
                new_query = new_url.partition("?")[2]
                if query and query in old_raw and not editor.is_alias(key, value):
                    start = value.start_mark.index + old_raw.rindex(query)
                    editor.add(start, start + len(query), new_query)
                else:
                    editor.set_scalar(key, value, render_like(old_raw, new_url))
                changes.append(why)
        elif kind == "split_path":
            if found is None:
                continue
            mapping, key, value = found
            base = str(resolve(value.value, {}) if isinstance(value, ScalarNode) else "./bootstrap/sql").rstrip("/")
            old_raw = raw_text(doc, value) if isinstance(value, ScalarNode) else '""'
            parts = []
            for name, pattern in change["into"]:
                if find_pair(mapping, name) is None:
                    parts.append((name, render_like(old_raw if old_raw[:1] in "'\"" else '"',
                                                    pattern.format(path=base))))
            if mapping.flow_style:
                editor.add(key.start_mark.index, editor.content_end(key, value),
                           ", ".join("%s: %s" % part for part in parts))
            else:
                indent = " " * editor.column(key.start_mark.index)
                lines = ["%s%s: %s" % (indent, n, v) for n, v in parts]
                # The old line's own comment stays, on the first line that replaces it.
                line_end = editor.text.find("\n", value.end_mark.index)
                rest = editor.text[value.end_mark.index:line_end if line_end >= 0 else len(editor.text)]
                if lines and rest.strip().startswith("#"):
                    lines[0] += rest.rstrip("\r")
                editor.replace_pair_lines(key, value, "".join(line + "\n" for line in lines))
            changes.append("%s: %s -> %s" % (".".join(keys), value.value if isinstance(value, ScalarNode) else "",
                                             ", ".join(part[0] for part in parts)))
        elif kind == "remove":
            if found is None:
                continue
            if change.get("setting"):
                removed[change["setting"]] = settings_from(doc, keys, change["setting"], env, warnings)
            removals.setdefault(id(found[0]), []).append(found)
            if change.get("warning"):
                warnings.append(change["warning"])
            changes.append("%s removed%s" % (".".join(keys), (" (-> setting %s)" % change["setting"])
                                             if change.get("setting") else ""))
        elif kind == "remove_section":
            # Only what the removals above left in it is news: a section they emptied goes anyway.
            if found is None or not isinstance(found[2], MappingNode):
                continue
            taken = {id(pair[1]) for group in removals.values() for pair in group}
            left = [key.value for key, _v in found[2].value if id(key) not in taken]
            if left:
                removals.setdefault(id(found[0]), []).append(found)
                warnings.append(change["warning"] % ", ".join("%s.%s" % (keys[-1], name) for name in left))
                changes.append("%s removed (%s left in it)" % (".".join(keys), ", ".join(left)))
        elif kind == "add":
            parent = doc.pair(keys[:-1])
            if parent is None or not isinstance(parent[2], MappingNode) or find_pair(parent[2], keys[-1]) is not None:
                continue
            editor.insert_pair(parent[1], parent[2], keys[-1], change["value"], change.get("after"))
            changes.append("%s added: %s" % (".".join(keys), change["value"]))
    # Removals grouped by mapping: a mapping left empty goes as a whole (applicationConfig). Removals
    # inside a mapping that goes itself are dropped (one edit per span).
    gone = {id(pair[2]) for group in removals.values() for pair in group}
    for group in removals.values():
        mapping = group[0][0]
        if id(mapping) in gone:
            continue
        if len(group) == len(mapping.value) and mapping is not doc.node:
            parent = parent_of(doc.node, mapping)
            if parent is not None:
                editor.remove_pair(*parent)
                continue
        for found in group:
            editor.remove_pair(*found)
    if search_engine in ("elasticsearch", "opensearch"):
        _set_search_type(doc, editor, search_engine, env, changes)
    new_text = same_newlines(text, editor.result())
    if new_text != text:
        verify_rewritten(new_text, path)
    return {"text": new_text, "changed": new_text != text, "changes": changes, "removed_settings": removed,
            "engine": engine, "warnings": warnings}


def _set_search_type(doc: Document, editor: Editor, search_engine: str, env: dict[str, str],
                     changes: list[str]) -> None:
    found = doc.pair(("elasticsearch", "searchType"))
    if found is None:
        parent = doc.pair(("elasticsearch",))
        if parent is not None and isinstance(parent[2], MappingNode) and search_engine != "elasticsearch":
            raw = '${SEARCH_TYPE:-"%s"}' % search_engine
            editor.insert_pair(parent[1], parent[2], "searchType", raw)
            changes.append("elasticsearch.searchType added: %s" % raw)
        return
    _m, key, value = found
    if not isinstance(value, ScalarNode):
        return
    whole = INTERPOLATION.fullmatch(value.value.strip())
    current = unquote(resolve(value.value, {}))
    if current == search_engine:
        return
    if whole:
        new = "${%s%s\"%s\"}" % (whole.group("name"), whole.group("op") or ":-", search_engine)
    else:
        new = search_engine
    editor.set_scalar(key, value, render_like(raw_text(doc, value), new))
    changes.append("elasticsearch.searchType: %s -> %s" % (value.value, new))


# --- merge: carry the user's edits of the 1.1 file into the shipped 1.2 file -----------------------

def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _leaves(data: Any, prefix: tuple = ()) -> dict[tuple, Any]:
    out: dict[tuple, Any] = {}
    if isinstance(data, dict) and (data or not prefix):
        for key, value in data.items():
            out.update(_leaves(value, prefix + (str(key),)))
    else:
        out[prefix] = _plain(data)
    return out


def plan_merge(edited_text: str, shipped_text: str, original_text: Optional[str] = None, *,
               path: str = "openmetadata.yaml", target_version: str, source_version: Optional[str] = None,
               engine: Optional[str] = None, env: Optional[dict[str, str]] = None,
               search_engine: Optional[str] = None, on_conflict: str = "fail") -> dict[str, Any]:
    """The shipped 1.2 file with the user's changes (edited vs original 1.1 file) carried over.

    Both 1.1 files are first migrated in place, so upstream's own 1.1 -> 1.2 edits are not mistaken for
    user edits. A key the user changed and upstream changed differently is a conflict: reported, and
    resolved by ``on_conflict`` (fail | shipped | edited). Without ``original_text`` every difference
    between the migrated edited file and the shipped file counts as the user's."""
    edited = plan_config(edited_text, path="edited file", target_version=target_version,
                         source_version=source_version, engine=engine, env=env, search_engine=search_engine)
    engine = edited["engine"]
    shipped_doc = Document(shipped_text, path)
    edited_doc = Document(edited["text"], "edited file")
    if original_text is not None:
        original = plan_config(original_text, path="original file", target_version=target_version,
                               source_version=source_version, engine=engine, env={}, search_engine=None)
        original_leaves = _leaves(Document(original["text"], "original file").data)
    else:
        original_leaves = None
    edited_leaves = _leaves(edited_doc.data)
    shipped_leaves = _leaves(shipped_doc.data)
    editor = Editor(shipped_doc)
    changes: list[str] = []
    conflicts: list[dict[str, Any]] = []
    paths = list(edited_leaves) + [p for p in (original_leaves or {}) if p not in edited_leaves]
    done: list[tuple] = []
    for keys in paths:
        if any(keys[:len(d)] == d for d in done):
            continue
        e = edited_leaves.get(keys, MISSING)
        s = _lookup(shipped_leaves, keys)
        if original_leaves is not None:
            o = _lookup(original_leaves, keys)
            if e == o or e == s:
                continue
            if s != o:
                conflicts.append({"key": ".".join(keys), "original": _show(o), "edited": _show(e),
                                  "shipped": _show(s)})
                if on_conflict != "edited":
                    continue
        elif e == s or e is MISSING:
            continue
        done.append(_apply(editor, shipped_doc, edited_doc, keys, e, s, changes))
    new_text = same_newlines(shipped_text, editor.result())
    if conflicts and on_conflict == "fail":
        raise ConfigError("%d key(s) changed both by you and by the new release; nothing was changed. Resolve them "
                          "(or set on_conflict to shipped or edited): %s" % (len(conflicts), "; ".join(
                              "%s: yours %s, shipped %s (was %s)" % (c["key"], c["edited"], c["shipped"], c["original"])
                              for c in conflicts)), ) from None
    if new_text != shipped_text:
        verify_rewritten(new_text, path)
    return {"text": new_text, "changed": new_text != shipped_text, "changes": edited["changes"] + changes,
            "removed_settings": edited["removed_settings"], "engine": engine, "warnings": edited["warnings"],
            "conflicts": conflicts}


def _lookup(leaves: dict[tuple, Any], keys: tuple) -> Any:
    if keys in leaves:
        return leaves[keys]
    nested = {k[len(keys):]: v for k, v in leaves.items() if k[:len(keys)] == keys and len(k) > len(keys)}
    return _unflatten(nested) if nested else MISSING


def _unflatten(leaves: dict[tuple, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for keys, value in leaves.items():
        target = out
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = value
    return out


def _show(value: Any) -> str:
    return "(absent)" if value is MISSING else repr(value)


def _apply(editor: Editor, shipped: Document, edited: Document, keys: tuple, e: Any, s: Any,
           changes: list[str]) -> tuple:
    """Make the shipped file hold the edited value at ``keys``; returns the path that was written."""
    if e is MISSING:
        found = shipped.pair(keys)
        if found is not None:
            editor.remove_pair(*found)
            changes.append("%s removed (as in your file)" % ".".join(keys))
        return keys
    # Find the deepest existing ancestor in the shipped file; insert the missing subtree there.
    depth = len(keys)
    while depth > 0 and shipped.pair(keys[:depth]) is None:
        depth -= 1
    if depth == len(keys):
        _m, s_key, s_value = shipped.pair(keys)
        _m2, e_key, e_value = edited.pair(keys)
        e_editor = Editor(edited)
        s_single = "\n" not in shipped.text[s_value.start_mark.index:editor.content_end(s_key, s_value)]
        e_single = "\n" not in edited.text[e_value.start_mark.index:e_editor.content_end(e_key, e_value)]
        if isinstance(s_value, ScalarNode) and isinstance(e_value, ScalarNode) and s_single and e_single \
                and not editor.is_alias(s_key, s_value) and not e_editor.is_alias(e_key, e_value):
            editor.set_scalar(s_key, s_value, edited.text[e_editor.value_start(e_value):e_value.end_mark.index])
        else:
            start, end = e_editor.pair_lines(e_key, e_value)
            block = reindent(edited.text[start:end], editor.column(s_key.start_mark.index)
                             - e_editor.column(e_key.start_mark.index))
            editor.replace_pair_lines(s_key, s_value, block)
        changes.append("%s: your value kept" % ".".join(keys))
        return keys
    top = keys[:depth + 1]
    e_found = edited.pair(top)
    e_editor = Editor(edited)
    _m, e_key, e_value = e_found
    start, end = e_editor.pair_lines(e_key, e_value)
    block = edited.text[start:end]
    if not block.endswith("\n"):
        block += "\n"
    if depth == 0:
        position = len(shipped.text)
        indent = 0
        prefix = "\n" if shipped.text.endswith("\n") else ("\n\n" if shipped.text else "")
        block = prefix + reindent(block, -e_editor.column(e_key.start_mark.index))
    else:
        _pm, p_key, p_value = shipped.pair(keys[:depth])
        if not isinstance(p_value, MappingNode) or p_value.flow_style or not p_value.value:
            raise ConfigError("%s: cannot add %s under %s (not a block mapping in the shipped file); add it by hand."
                              % (shipped.path, ".".join(top), ".".join(keys[:depth])))
        indent = editor.column(p_value.value[0][0].start_mark.index)
        last_key, last_value = p_value.value[-1]
        position = editor.pair_lines(last_key, last_value)[1]
        block = reindent(block, indent - e_editor.column(e_key.start_mark.index))
        if position == len(shipped.text) and not shipped.text.endswith("\n"):
            block = "\n" + block.rstrip("\n")
    editor.add(position, position, block)
    changes.append("%s: added from your file" % ".".join(top))
    return top


# --- Helm values ------------------------------------------------------------------------------------

def helm_kind(doc: Document) -> Optional[str]:
    """openmetadata (the server chart) | dependencies | None."""
    if doc.pair(("openmetadata", "config")) is not None:
        return "openmetadata"
    keys = set(str(k) for k in doc.data.keys())
    if ("elasticsearch" in keys or "opensearch" in keys) and keys & {"mysql", "airflow"}:
        return "dependencies"
    return None


def plan_helm(text: str, *, path: str = "values.yaml", target_version: str, source_version: Optional[str] = None,
              engine: Optional[str] = None, search_engine: Optional[str] = None) -> dict[str, Any]:
    """Helm values of the openmetadata chart (dbUseSSL -> dbParams, basicLogin removed, search host/type)
    or of the dependencies chart (elasticsearch -> opensearch)."""
    _minor, row = hop_for(target_version, source_version)
    hop = row["helm"]
    doc = Document(text, path)
    kind = helm_kind(doc)
    if kind is None:
        raise ConfigError("%s is neither the values of the openmetadata chart (openmetadata.config) nor of "
                          "openmetadata-dependencies (elasticsearch/opensearch with mysql/airflow); nothing was "
                          "changed." % path)
    editor = Editor(doc)
    changes: list[str] = []
    removed: dict[str, Any] = {}
    opensearch_default = versions.parse(target_version) >= versions.parse(hop["opensearch_since"])
    wanted_search = search_engine or ("opensearch" if opensearch_default else None)
    if kind == "openmetadata":
        database = doc.pair(hop["db_use_ssl"][:-1])
        found = doc.pair(hop["db_use_ssl"])
        if engine not in ("mysql", "postgresql"):
            driver = doc.value(hop["db_use_ssl"][:-1] + ("driverClass",))
            scheme = doc.value(hop["db_use_ssl"][:-1] + ("dbScheme",))
            engine = engine_from(None if driver is MISSING else driver, None if scheme is MISSING else scheme) or "mysql"
        if found is not None:
            mapping, key, value = found
            if database is not None and find_pair(database[2], hop["db_params"]) is None:
                params = db_params_for(engine, value.value if isinstance(value, ScalarNode) else None)
                if mapping.flow_style:
                    editor.add(key.start_mark.index, editor.content_end(key, value), '%s: "%s"' % (hop["db_params"], params))
                else:
                    indent = " " * editor.column(key.start_mark.index)
                    editor.replace_pair_lines(key, value, '%s%s: "%s"\n' % (indent, hop["db_params"], params))
                changes.append("openmetadata.config.database.dbUseSSL: %s -> dbParams: %s" % (value.value, params))
            else:
                editor.remove_pair(mapping, key, value)
                changes.append("openmetadata.config.database.dbUseSSL removed (dbParams is set)")
        elif database is not None:
            params_found = find_pair(database[2], hop["db_params"])
            if params_found is not None and isinstance(params_found[2], ScalarNode) \
                    and foreign_params(engine, params_found[2].value):
                fixed = db_params_for(engine, None, params_found[2].value)
                editor.set_scalar(params_found[1], params_found[2], '"%s"' % fixed)
                changes.append("openmetadata.config.database.dbParams: %s -> %s" % (params_found[2].value, fixed))
        login = doc.pair(hop["basic_login"])
        if login is not None:
            block = doc.value(hop["basic_login"])
            block = block if isinstance(block, dict) else {}
            setting = {}
            for field, (ftype, default) in REMOVED_SETTINGS["loginConfiguration"].items():
                source = next((k for k, v in HELM_BASIC_LOGIN_FIELDS.items() if v == field), None)
                value = block.get(source, default) if source else default
                try:
                    setting[field] = int(value) if ftype == "int" else value
                except (TypeError, ValueError):
                    setting[field] = default
            removed["loginConfiguration"] = setting
            editor.remove_pair(*login)
            changes.append("openmetadata.config.basicLogin removed (-> setting loginConfiguration)")
        search = doc.pair(hop["search"])
        if wanted_search and search is not None and isinstance(search[2], MappingNode):
            for field in ("host", "searchType"):
                f = find_pair(search[2], field)
                old = f[2].value if f is not None and isinstance(f[2], ScalarNode) else None
                # Only the chart's own default host follows; a host of the user's stays.
                if f is not None and old in ("elasticsearch", "opensearch") and old != wanted_search:
                    editor.set_scalar(f[1], f[2], render_like(raw_text(doc, f[2]), wanted_search))
                    changes.append("openmetadata.config.elasticsearch.%s: %s -> %s" % (field, old, wanted_search))
    else:
        es = doc.pair(("elasticsearch",))
        if wanted_search == "opensearch" and es is not None and doc.pair(("opensearch",)) is None:
            _m, key, value = es
            block = doc.value(("elasticsearch",))
            block = block if isinstance(block, dict) else {}
            lines = ["opensearch:"]
            indent = "  "
            if isinstance(value, MappingNode) and value.value and not value.flow_style:
                indent = " " * editor.column(value.value[0][0].start_mark.index)
            if "enabled" in block:
                lines.append("%senabled: %s" % (indent, str(block["enabled"]).lower()))
            defaults = dict(hop["deps_opensearch"])
            old_opts, new_opts = hop["deps_java_opts"]
            if old_opts in block:
                defaults[new_opts] = '"%s"' % block[old_opts]
            for name, raw in defaults.items():
                lines.append("%s%s: %s" % (indent, name, raw))
            # Settings both charts read the same way come along as written (reindented).
            for carried in hop["deps_carry"]:
                found = find_pair(value, carried) if isinstance(value, MappingNode) else None
                if found is not None:
                    start, end = editor.pair_lines(found[1], found[2])
                    raw = reindent(doc.text[start:end], len(indent) - editor.column(found[1].start_mark.index))
                    lines.append(raw.rstrip("\n"))
            lines.append("%sconfig:\n%s%sopensearch.yml: |\n%s%s%splugins.security.disabled: true"
                         % (indent, indent, indent, indent, indent, indent))
            editor.replace_pair_lines(key, value, "\n".join(lines) + "\n")
            changes.append("elasticsearch (Elasticsearch 7 chart) -> opensearch (OpenSearch 2 chart, security plugin "
                           "off as upstream's 1.2 dependencies)")
    new_text = same_newlines(text, editor.result())
    if new_text != text:
        verify_rewritten(new_text, path)
    return {"text": new_text, "changed": new_text != text, "changes": changes, "removed_settings": removed,
            "engine": engine, "warnings": [], "helm_chart": kind}


def looks_like(text: str) -> str:
    """server | helm | env, for kind=auto: YAML mappings are configs, KEY=value lines env files."""
    if re.search(r"^services:\s*$", text, re.M):
        return "compose"
    stripped = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if stripped and all(re.match(r"^\s*(export\s+)?[A-Za-z_][A-Za-z0-9_.]*\s*:?=", line) for line in stripped):
        return "env"
    deps = re.search(r"^(elasticsearch|opensearch):", text, re.M) and re.search(r"^(mysql|airflow):", text, re.M)
    if re.search(r"^openmetadata:\s*$", text, re.M) or deps:
        return "helm"
    return "server"


__all__ = ["HAS_RUAMEL", "ConfigError", "Document", "plan_config", "plan_merge", "plan_helm", "looks_like", "decode",
           "as_bool", "changes_for", "hop_for"]
