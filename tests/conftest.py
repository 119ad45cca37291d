"""Make the collection importable as ``ansible_collections.openmetadata.ops`` for plain pytest.

Ansible modules import their helpers through the collection namespace, so pytest needs a
folder that contains ``ansible_collections/openmetadata/ops`` pointing at this repository.
We build that link tree under ``.build/`` (ignored by git) and put it first on sys.path.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LINK_ROOT = REPO / ".build" / "collections"
LINK = LINK_ROOT / "ansible_collections" / "openmetadata" / "ops"


def _ensure_link() -> None:
    LINK.parent.mkdir(parents=True, exist_ok=True)
    if not LINK.is_symlink():
        os.symlink(REPO, LINK)


_ensure_link()
sys.path.insert(0, str(LINK_ROOT))
sys.path.insert(0, str(REPO / "tests"))

# A skip fails the run unless tests/allowed_skips.txt allows it (hooks of tests/skip_policy.py).
from skip_policy import (  # noqa: E402,F401  # pylint: disable=wrong-import-position,unused-import
    pytest_collectreport, pytest_runtest_logreport, pytest_sessionfinish, pytest_terminal_summary)


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "ingestion_package: runs files against the real openmetadata-ingestion 1.2 "
                            "package in a Python 3.10 venv (make ingestion-venv)")
    config.addinivalue_line("markers", "faults: one fault or malformed input at a time, end to end with the real "
                            "playbooks on stand-in hosts and private MariaDB/PostgreSQL servers (tests/faults/, "
                            "docs/reliability.md)")
    config.addinivalue_line("markers", "awx_ee: runs the upgrade inside the execution environment image built here "
                            "(make ee-image; make ee-test), the way AWX runs a job")
    config.addinivalue_line("markers", "oracle: checks what the collection writes or sends against each release's "
                            "models generated from upstream's JSON schemas (make oracle; tests/oracle/)")
