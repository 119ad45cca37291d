"""MariaDB: the controller's ansible-playbook SIGKILLed in each phase of the upgrade, then run again: the rerun
recovers (rolls the interrupted run back, restoring the database if the run had touched it) and upgrades,
or, killed after the new release started, finishes the post-upgrade steps. Either way it ends upgraded,
with the DB setting put back, the old configuration byte-identical and nothing lost: the backup the rerun
relies on holds exactly the rows of before the first run (its manifest verifies).

Phases alternate between the engines (this module and its twin, so that xdist runs them side by side); each test
rebuilds its host (the rerun leaves it upgraded).
"""
from __future__ import annotations

import pytest

import scenarios
from faultlib import PHASES


@pytest.mark.parametrize("phase", PHASES[0::2])
def test_controller_killed_in_phase_then_run_again(phase, mysql_host):
    scenarios.controller_killed_then_run_again(mysql_host, phase)
