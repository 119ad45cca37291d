"""The controller's ansible-playbook SIGKILLed in each phase of the upgrade, then run again: the rerun
recovers (rolls the interrupted run back, restoring the database if the run had touched it) and upgrades,
or, killed after the new release started, finishes the post-upgrade steps. Either way it ends upgraded,
with the DB setting put back, the old configuration byte-identical and nothing lost: the backup the rerun
relies on holds exactly the rows of before the first run (its manifest verifies).

Phases alternate between the engines; each test rebuilds its host (the rerun leaves it upgraded).
"""
from __future__ import annotations

import pathlib
import time

import pytest

from faultlib import PHASES, TARGET, explain, report, summary_of, verify_backup


@pytest.mark.parametrize("phase", PHASES)
def test_controller_killed_in_phase_then_run_again(phase, fault_host_factory):
    host = fault_host_factory("mysql" if PHASES.index(phase) % 2 == 0 else "postgresql")
    before = host.fresh()
    with host.watched_run() as proc:
        host.wait_phase(proc, phase)
        time.sleep(0.3)  # inside the phase: its step's first tasks run
        host.kill_run(proc)
    record = host.record()
    assert record["status"] == "in_progress", record

    started = time.monotonic()
    rerun = host.upgrade()
    assert rerun.rc == 0, explain(rerun)
    facts = summary_of(rerun)
    assert facts["result"] == "upgraded", facts
    if phase not in ("start", "post_upgrade"):
        recovered = facts["recovered_interrupted_run"]
        assert recovered, "the rerun did not say it recovered the interrupted run: %s" % facts
    assert host.version() == TARGET and host.current_release() == "openmetadata-%s" % TARGET
    assert host.record()["status"] == "finished"
    assert host.setting() == before["setting"], "the DB setting was not put back after the interruption"
    assert host.old_conf() == before["conf"], "the 1.1.7 openmetadata.yaml changed"
    rows = verify_backup(pathlib.Path(facts["backup"]))
    assert rows == {t: n for t, (n, _) in before["tables"].items() if t in rows}, "the backup lost rows"
    assert set(rows) == {t for t in before["tables"] if t in rows} and rows, rows
    host.ready = False  # upgraded: the next test builds 1.1.7 again
    report(facts, 0, rerun_seconds=round(time.monotonic() - started, 1))
