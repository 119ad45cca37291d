"""The oracle tests (marker ``oracle``, ``make oracle``): upstream's generated models per release."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import oracle as oraclem  # noqa: E402  pylint: disable=wrong-import-position


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if "tests/oracle/" in str(item.fspath):
            item.add_marker(pytest.mark.oracle)


@pytest.fixture(scope="session")
def oracle_root() -> Path:
    return oraclem.ensure()


@pytest.fixture(scope="session", params=oraclem.targets())
def target(request, oracle_root: Path) -> "oraclem.Oracle":
    """Each 1.2.x release the collection upgrades to, with its oracle."""
    return oraclem.Oracle(request.param, oracle_root)
