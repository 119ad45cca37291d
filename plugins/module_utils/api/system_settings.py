# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""OpenMetadata system settings (``/api/v1/system/settings``): what a setting holds, what it
should hold, and whether writing it changes anything.

A setting is ``{"config_type": <name>, "config_value": {...}}``. The settings the upgrade
carries over from the 1.1 ``openmetadata.yaml`` (removed there in 1.2.1) are
``customLogoConfiguration`` and ``loginConfiguration``; their fields and types are kept here
so values read from YAML/env text (``"3"``) are written with the type the server's schema has.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from ansible_collections.openmetadata.ops.plugins.module_utils import releases
from ansible_collections.openmetadata.ops.plugins.module_utils.versions import parse

SETTINGS_PATH = "/api/v1/system/settings"

# Fields of the settings the upgrade carries; no other keys are allowed there. Each field and setting with
# the first release whose server accepts it (the generated models of the openmetadata-ingestion wheels:
# customLogoConfiguration has customLogoUrlPath/customMonogramUrlPath in 1.1.x and 1.2.0 and adds
# customFaviconUrlPath in 1.2.1; the loginConfiguration setting type appears in 1.2.1). Unknown fields
# are refused by the server (additionalProperties: false).
KNOWN_FIELDS: dict[str, dict[str, type]] = {
    "customLogoConfiguration": {
        "customLogoUrlPath": str,
        "customMonogramUrlPath": str,
        "customFaviconUrlPath": str,
    },
    "loginConfiguration": {
        "maxLoginFailAttempts": int,
        "accessBlockTime": int,
        "jwtTokenExpiryTime": int,
    },
}
# The releases come from the one release table (releases.LINES[...]["settings_since"]); SINCE is its view.
SINCE: dict[str, str] = releases.settings_since()


class SettingError(Exception):
    """A value that cannot be written; the message says what to change."""


def _newer_than(what: str, om_version: Optional[str]) -> Optional[str]:
    """The release ``what`` first appears in, when that is after ``om_version``."""
    since = releases.settings_since().get(what)
    if om_version and since and parse(since) > parse(om_version):
        return since
    return None


def normalize_value(name: str, value: dict[str, Any], skip_empty: bool,
                    om_version: Optional[str] = None) -> dict[str, Any]:
    """Type the fields of a known setting; drop None (and "" with ``skip_empty``). With ``om_version``,
    a setting or field that release does not have yet is refused before anything is sent."""
    since = _newer_than(name, om_version)
    if since:
        raise SettingError("OpenMetadata %s has no %s setting (it appears in %s); on %s it still lives in "
                           "openmetadata.yaml" % (om_version, name, since, om_version))
    fields = KNOWN_FIELDS.get(name)
    result: dict[str, Any] = {}
    for key, item in value.items():
        if item is None or (skip_empty and item == ""):
            continue
        if fields is not None:
            if key not in fields:
                raise SettingError(
                    "%s has no field %r; the fields are %s" % (name, key, ", ".join(sorted(fields))))
            since = _newer_than("%s.%s" % (name, key), om_version)
            if since:
                raise SettingError("%s.%s exists from OpenMetadata %s on; the server runs %s, which refuses it"
                                   % (name, key, since, om_version))
            if fields[key] is int and not isinstance(item, int):
                try:
                    item = int(str(item).strip())
                except ValueError:
                    raise SettingError("%s.%s must be a whole number, got %r" % (name, key, item)) from None
            elif fields[key] is str and not isinstance(item, str):
                item = str(item)
        result[key] = item
    return result


def desired_value(current: Optional[dict[str, Any]], wanted: dict[str, Any], merge: bool) -> dict[str, Any]:
    """With ``merge`` only the given fields are set and the others kept as the server has them."""
    if merge and current:
        combined = dict(current)
        combined.update(wanted)
        return combined
    return dict(wanted)


def needs_write(current: Optional[dict[str, Any]], desired: dict[str, Any]) -> bool:
    return (current or {}) != desired


def setting_path(name: str) -> str:
    return "%s/%s" % (SETTINGS_PATH, name)


def apply_setting(get_json: Callable[[str], Optional[dict[str, Any]]],
                  put_json: Callable[[str, dict[str, Any]], Any],
                  name: str, value: Optional[dict[str, Any]], state: str, merge: bool,
                  skip_empty: bool, check_mode: bool, om_version: Optional[str] = None) -> dict[str, Any]:
    """Read the setting (state=read), and for state=present write it when it differs.

    ``get_json`` returns the Settings object, or None when the server has no such setting yet.
    """
    found = get_json(setting_path(name))
    before = (found or {}).get("config_value") if found else None
    if state == "read":
        return {"changed": False, "name": name, "exists": found is not None, "value": before,
                "before": before, "msg": "%s read" % name}
    wanted = normalize_value(name, value or {}, skip_empty, om_version)
    if not wanted and not merge:
        raise SettingError("value is empty: give the fields of %s to set" % name)
    after = desired_value(before, wanted, merge)
    changed = needs_write(before, after)
    result: dict[str, Any] = {
        "changed": changed, "name": name, "exists": found is not None, "before": before, "value": after,
        "diff": {"before": {name: before}, "after": {name: after}},
    }
    if not changed:
        result["msg"] = "%s already holds these values" % name
        return result
    if check_mode:
        result["msg"] = "%s would be written" % name
        return result
    put_json(SETTINGS_PATH, {"config_type": name, "config_value": after})
    result["msg"] = "%s written" % name
    return result
