"""The summary table of plugins/callback/upgrade_summary.py: one row per host, true outcomes, the rollback's steps."""
from __future__ import annotations

from ansible_collections.openmetadata.ops.plugins.callback.upgrade_summary import summary_lines

UPGRADED = {"host": "a", "result": "upgraded", "version_before": "1.1.7", "version_after": "1.2.5",
            "target_version": "1.2.5", "backup": "/b/a/openmetadata-x-1.sql.gz", "total_seconds": 20.5,
            "phase_seconds": {"stop": 1.0, "backup": 2.5, "post_upgrade": 3.0}, "rolled_back": {},
            "rolled_back_text": "nothing"}
ROLLED = {"host": "b", "result": "rolled back", "version_before": "1.1.7", "version_after": "1.1.7",
          "target_version": "1.2.5", "backup": "none", "total_seconds": 9.0,
          "phase_seconds": {"stop": 1.0, "backup": 0.4, "rollback": 5.0},
          "rolled_back": {"failed_phase": "backup", "steps": ["stopped the server", "1.1.7 serving (1.1.7)"]},
          "rolled_back_text": "after backup failed: stopped the server; 1.1.7 serving (1.1.7); database not restored: "
                              "the run had not changed it (no backup had been taken)"}


def test_one_row_per_host_in_inventory_order_with_phases_and_the_rollback():
    lines = summary_lines({"a": UPGRADED, "b": ROLLED}, {"b": "Fail the host: rolled back"}, ["b", "a"], {"b"})
    assert lines[0] == "UPGRADE SUMMARY (target 1.2.5)"
    assert lines[1].split() == ["host", "before", "after", "backup", "time", "outcome"]
    assert lines[2].split() == ["b", "1.1.7", "1.1.7", "none", "9.0", "s", "rolled", "back"]
    assert lines[3].split() == ["a", "1.1.7", "1.2.5", "openmetadata-x-1.sql.gz", "20.5", "s", "upgraded"]
    header = lines[lines.index("seconds per phase") + 1].split()
    assert header == ["host", "stop", "backup", "post_upgrade", "rollback"]  # phases in run order, only those that ran
    assert "backups in: /b/a" in lines
    rolled = lines[lines.index("rolled back:") + 1:]
    assert rolled == ["  b: " + ROLLED["rolled_back_text"]]
    assert "restored" not in rolled[0].replace("not restored", "")


def test_a_host_that_failed_before_its_summary_is_in_the_table():
    lines = summary_lines({"a": UPGRADED}, {"c": "Preflight checks: unsupported path"}, ["a", "c"], {"c"})
    row = [line for line in lines if line.startswith("c ")][0]
    assert "FAILED before the upgrade began: Preflight checks: unsupported path" in row


def test_nothing_without_hosts():
    assert summary_lines({}, {}, []) == []


def test_a_host_refused_by_preflight_shows_its_installed_version_unchanged():
    lines = summary_lines({}, {"c": "Refuse an upgrade that must not start: backup folder"}, ["c"], {"c"}, {"c": "1.1.7"})
    assert lines[2].split()[:4] == ["c", "1.1.7", "1.1.7", "none"], lines
