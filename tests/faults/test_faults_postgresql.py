"""Faults on a PostgreSQL host (one host for the module; tests/faults/conftest.py). docs/reliability.md."""
from __future__ import annotations

import scenarios


def test_db_down_during_backup(postgresql_host):
    scenarios.db_down_during_backup(postgresql_host)


def test_migration_error_at_statement_50(postgresql_host):
    scenarios.migration_crash(postgresql_host, 50, "error")


def test_server_refuses_to_start(postgresql_host):
    scenarios.server_refuses_to_start(postgresql_host)


def test_backup_process_killed(postgresql_host):
    scenarios.backup_process_killed(postgresql_host)


def test_search_unreachable_at_migration(postgresql_host):
    """Last: it leaves the host upgraded."""
    scenarios.search_unreachable_at_migration(postgresql_host)
