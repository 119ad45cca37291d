from __future__ import annotations

import pathlib

import pytest

from ansible_collections.openmetadata.ops.plugins.module_utils import versions


def test_collection_version_matches_galaxy_yml():
    galaxy = pathlib.Path(__file__).resolve().parents[4] / "galaxy.yml"
    line = [x for x in galaxy.read_text().splitlines() if x.startswith("version:")][0]
    assert line.split(":", 1)[1].strip() == versions.COLLECTION_VERSION


@pytest.mark.parametrize("text, expected", [
    ("1.1.7", (1, 1, 7)), ("1.1.7.0", (1, 1, 7, 0)), ("v1.2.0-release", (1, 2, 0)), ("014", (14,)),
])
def test_parse(text, expected):
    assert versions.parse(text) == expected


def test_parse_rejects_garbage():
    with pytest.raises(ValueError):
        versions.parse("latest")


def test_newest_compares_numerically_not_as_strings():
    # Upstream's SELECT MAX(version) gets this wrong: '1.1.9' > '1.1.10' as strings.
    assert versions.newest(["1.1.9", "1.1.10", "1.1.2"]) == "1.1.10"
    assert versions.newest(["001", "014", "009"]) == "014"
    assert versions.newest([]) is None
    assert versions.newest(["junk"]) is None


@pytest.mark.parametrize("actual, expected, ok", [
    ("1.1.7", "1.1", True), ("1.1.7", "1.1.7", True), ("1.1.7", "1.2", False), ("1.1.7", "1.1.6", False),
    ("1.1", "1.1.7", False),
])
def test_matches(actual, expected, ok):
    assert versions.matches(actual, expected) is ok
