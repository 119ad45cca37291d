# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""What each stand-in release ships, as data (versions differ only here)."""
from __future__ import annotations

import dataclasses
import hashlib
from typing import Tuple

# Flyway scripts v001..v014 ship with every 1.1.x and 1.2.x release (none added in 1.2).
FLYWAY_LAST = 14
_NATIVE_11 = ("1.1.0", "1.1.1", "1.1.2", "1.1.3", "1.1.5")
# native/<version> folders of each release (upstream has no 1.1.4, 1.2.2, 1.2.3 or 1.2.5 folder).
NATIVE = {
    "1.1.0": ("1.1.0",),
    "1.1.1": ("1.1.0", "1.1.1"),
    "1.1.2": ("1.1.0", "1.1.1", "1.1.2"),
    "1.1.3": _NATIVE_11[:4],
    "1.1.4": _NATIVE_11[:4],
    "1.1.5": _NATIVE_11,
    "1.1.6": _NATIVE_11,
    "1.1.7": _NATIVE_11,
    "1.2.0": _NATIVE_11 + ("1.2.0",),
    "1.2.1": _NATIVE_11 + ("1.2.0", "1.2.1"),
    "1.2.2": _NATIVE_11 + ("1.2.0", "1.2.1"),
    "1.2.3": _NATIVE_11 + ("1.2.0", "1.2.1"),
    "1.2.4": _NATIVE_11 + ("1.2.0", "1.2.1", "1.2.4"),
    "1.2.5": _NATIVE_11 + ("1.2.0", "1.2.1", "1.2.4"),
}
SUPPORTED = tuple(NATIVE)


def parse(version: str) -> Tuple[int, ...]:
    return tuple(int(p) for p in version.strip().split("-")[0].split("."))


@dataclasses.dataclass(frozen=True)
class Release:
    """One stand-in release."""

    version: str

    @property
    def minor(self) -> str:
        return ".".join(self.version.split(".")[:2])

    @property
    def is_12(self) -> bool:
        return parse(self.version) >= (1, 2, 0)

    @property
    def native_versions(self) -> Tuple[str, ...]:
        return NATIVE[self.version]

    @property
    def flyway_last(self) -> int:
        return FLYWAY_LAST

    @property
    def fixed_postgres_120(self) -> bool:
        """1.2.1 edited the 1.2.0 PostgreSQL file (PR #13743/#13837): jsonb_set no longer nulls rows."""
        return parse(self.version) >= (1, 2, 1)

    @property
    def logo_login_in_yaml(self) -> bool:
        """applicationConfig.logoConfig/loginConfig are read from the yaml up to 1.2.0."""
        return parse(self.version) < (1, 2, 1)

    @property
    def setting_types(self) -> Tuple[str, ...]:
        types = ("authorizerConfiguration", "authenticationConfiguration", "jwtTokenConfiguration",
                 "elasticsearch", "eventHandlerConfiguration", "airflowConfiguration",
                 "fernetConfiguration", "slackEventPublishers", "secretsManagerConfiguration",
                 "sandboxModeEnabled", "slackChat", "emailConfiguration", "customLogoConfiguration",
                 "slackAppConfiguration", "slackBot", "slackInstaller")
        if parse(self.version) >= (1, 2, 1):
            types += ("loginConfiguration",)
        return types

    @property
    def logo_keys(self) -> Tuple[str, ...]:
        # customFaviconUrlPath arrived with 1.2.1's own logoConfiguration (1.2.0's is applicationConfig's)
        keys = ("customLogoUrlPath", "customMonogramUrlPath")
        if parse(self.version) >= (1, 2, 1):
            keys += ("customFaviconUrlPath",)
        return keys

    @property
    def revision(self) -> str:
        # A stable fake git sha per version (the real one names the release commit).
        return hashlib.sha1(("standin-" + self.version).encode()).hexdigest()


def release(version: str) -> Release:
    if version not in NATIVE:
        raise ValueError("the stand-in has no release %r; known: %s" % (version, ", ".join(SUPPORTED)))
    return Release(version)
