from __future__ import annotations

import pytest

from ansible_collections.openmetadata.ops.plugins.module_utils.database.manifest import CHECKSUM_METHOD
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import DbParams
from ansible_collections.openmetadata.ops.plugins.module_utils.database.restore import RestoreError, check_compatible

MANIFEST = {"checksum_method": CHECKSUM_METHOD, "engine": "mariadb", "openmetadata_version": "1.1.7", "schema_version": {"native": "1.1.5"}}


def test_engine_family_must_match():
    check_compatible(MANIFEST, DbParams(engine="mysql"), None, False)
    with pytest.raises(RestoreError, match="cannot be restored into postgresql"):
        check_compatible(MANIFEST, DbParams(engine="postgresql"), None, False)


@pytest.mark.parametrize("expected", ["1.1", "1.1.7"])
def test_matching_versions_pass(expected):
    check_compatible(MANIFEST, DbParams(engine="mysql"), expected, False)


def test_other_version_is_refused_unless_allowed():
    with pytest.raises(RestoreError, match="expected_version is 1.2.0"):
        check_compatible(MANIFEST, DbParams(engine="mysql"), "1.2.0", False)
    check_compatible(MANIFEST, DbParams(engine="mysql"), "1.2.0", True)


def test_without_a_recorded_version_the_native_schema_version_decides():
    manifest = dict(MANIFEST, openmetadata_version=None)
    check_compatible(manifest, DbParams(engine="mysql"), "1.1", False)
    with pytest.raises(RestoreError, match="native schema version"):
        check_compatible(manifest, DbParams(engine="mysql"), "1.2", False)


def test_garbage_expected_version_is_explained():
    with pytest.raises(RestoreError, match="is not a version"):
        check_compatible(MANIFEST, DbParams(engine="mysql"), "latest", False)


def test_unknown_checksum_method_is_refused():
    with pytest.raises(RestoreError, match="cannot check"):
        check_compatible(dict(MANIFEST, checksum_method="crc32"), DbParams(engine="mysql"), None, False)
