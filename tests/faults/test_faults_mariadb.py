"""Faults on a MariaDB host (one host for the module; tests/faults/conftest.py). docs/reliability.md."""
from __future__ import annotations

import scenarios


def test_backup_process_killed(mysql_host):
    scenarios.backup_process_killed(mysql_host)


def test_db_down_during_migration(mysql_host):
    scenarios.db_down_during_migration(mysql_host)


def test_disk_full_at_backup_destination(mysql_host):
    scenarios.disk_full_at_backup(mysql_host)


def test_migration_killed_at_statement_20(mysql_host):
    scenarios.migration_crash(mysql_host, 20, "kill")


def test_search_down_at_reindex(mysql_host):
    scenarios.search_down_at_reindex(mysql_host)
