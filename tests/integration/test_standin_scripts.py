"""The stand-in release's scripts as upstream's behave (tests/simulator/openmetadata, issue 15):
``bin/openmetadata.sh`` exit codes and lines, and ``bootstrap_storage.sh migrate-all``'s last step,
es-migrate, which writes the release's search indexes after the database part - and, like upstream,
only logs the indexes it cannot write when the search engine is unreachable."""
from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.request

import pytest

from harness import change_log_versions, free_port
from simulator.openmetadata.install import StandinSite
from simulator.openmetadata.migrate import release_index_names
from simulator.openmetadata.releases import release
from simulator.search_engine import SearchEngineProcess
from test_simulator_openmetadata import site  # noqa: F401  pylint: disable=unused-import


def change_log(site: StandinSite) -> list[str]:
    return change_log_versions(site.engine, site.database)


def indexes(url: str) -> dict[str, int]:
    with urllib.request.urlopen(url + "/_cat/indices?format=json", timeout=5) as answer:
        return {row["index"]: int(row.get("docs.count") or 0) for row in json.load(answer)}


@pytest.mark.parametrize("engine", ["mysql"])
def test_openmetadata_sh_lines_and_exit_codes_as_upstream(site):
    """status: 'not running.' exit 0, 'running with PID=<pid>.' exit 1 (upstream's inverted convention);
    start/stop/clean/usage exit 0 with upstream's lines."""
    status = site.run_script("1.1.7", "status")
    assert (status.returncode, status.stdout) == (0, "OpenMetadata not running.\n")
    start = site.run_script("1.1.7", "start")
    assert start.returncode == 0 and start.stdout.startswith("Starting OpenMetadata\n"), start
    pid = (site.release_dir("1.1.7") / "logs" / "catalog.pid").read_text().strip()
    assert "OpenMetadata running with PID=%s." % pid in start.stdout
    status = site.run_script("1.1.7", "status")
    assert (status.returncode, status.stdout) == (1, "OpenMetadata running with PID=%s.\n" % pid)
    again = site.run_script("1.1.7", "start")
    assert (again.returncode, again.stdout) == (0, "OpenMetadata already running with PID: %s\n" % pid)
    busy = site.run_script("1.1.7", "clean")
    assert (busy.returncode, busy.stdout) == (0, "Can't clean files. OpenMetadata running with PID=%s.\n" % pid)
    stop = site.run_script("1.1.7", "stop")
    assert (stop.returncode, stop.stdout) == (0, "Stopping OpenMetadata [%s] \n" % pid)
    deadline = time.monotonic() + 20
    while site.run_script("1.1.7", "status").returncode == 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    status = site.run_script("1.1.7", "status")
    assert (status.returncode, status.stdout) == (0, "OpenMetadata not running.\n")
    assert site.run_script("1.1.7", "stop").stdout == "OpenMetadata not running\n"
    clean = site.run_script("1.1.7", "clean")
    assert clean.returncode == 0 and clean.stdout.startswith("Removed the ") and "catalog.pid" in clean.stdout
    assert not (site.release_dir("1.1.7") / "logs" / "catalog.pid").exists()
    script = site.release_dir("1.1.7") / "bin" / "openmetadata.sh"
    usage = subprocess.run([str(script), "restart"], capture_output=True, text=True, check=False, timeout=30)
    assert usage.returncode == 0 and usage.stdout.startswith("Usage: "), usage


def test_migrate_all_writes_the_1_2_indexes_after_the_database(site, tmp_path):
    """repair, migrate, es-migrate: the 1.2 indexes (upstream's indexMapping names, no cluster-alias prefix: 1.2
    has none) exist and are empty after the database part; a second run keeps them."""
    with SearchEngineProcess("elasticsearch", "8.10.2", data_dir=tmp_path / "es") as engine:
        site.search_url = engine.url
        run = site.run_script("1.2.5", "migrate-all")
        assert run.returncode == 0, run.stdout[-3000:]
        steps = re.findall(r"command used is (\S+)", run.stdout)
        assert steps == ["repair", "migrate", "es-migrate"]
        assert run.stdout.index("Update Migration Status, Version: 1.2.4") < run.stdout.index("command used is es-migrate")
        assert "ERROR" not in run.stdout
        found = indexes(engine.url)
        wanted = release_index_names(release("1.2.5"))
        assert set(found) == set(wanted) and "table_search_index" in found and len(wanted) > 30
        assert all(docs == 0 for docs in found.values())
        again = site.run_script("1.2.5", "migrate-all")
        assert again.returncode == 0 and "ERROR" not in again.stdout
        assert set(indexes(engine.url)) == set(wanted)
    assert {"1.2.0", "1.2.1", "1.2.4"} <= set(change_log(site))


def test_unreachable_search_logs_each_index_and_exits_0_after_the_database(site):
    """Search unreachable: the database part commits, then es-migrate logs an ERROR line naming the search host for
    every index it cannot check and create, and exits 0, as upstream's (its index calls catch every error)."""
    site.search_url = "http://127.0.0.1:%d" % free_port()  # nothing listens there
    run = site.run_script("1.2.5", "migrate-all")
    assert run.returncode == 0, run.stdout[-3000:]
    assert {"1.2.0", "1.2.1", "1.2.4"} <= set(change_log(site))
    errors = [line for line in run.stdout.splitlines() if line.startswith("ERROR")]
    names = release_index_names(release("1.2.5"))
    assert len(errors) == 2 * len(names), errors[:4]
    host = site.search_url.split("//")[1]
    assert all(host in line for line in errors)
    assert "Failed to check if index table_search_index exists due to" in run.stdout
    assert "Failed to create index for table_search_index due to" in run.stdout
    assert run.stdout.index("Update Migration Status, Version: 1.2.4") < run.stdout.index(errors[0])


@pytest.mark.parametrize("engine", ["mysql"])
def test_fault_knob_makes_a_live_search_engine_unreachable_for_es_migrate(site, tmp_path):
    with SearchEngineProcess("elasticsearch", "8.10.2", data_dir=tmp_path / "es") as engine:
        site.search_url = engine.url
        site.write_faults("1.2.5", {"migration_search_unreachable": True})
        run = site.run_script("1.2.5", "migrate-all")
        assert run.returncode == 0
        assert "Failed to check if index table_search_index exists" in run.stdout and engine.url in run.stdout
        assert indexes(engine.url) == {}
    assert "1.2.4" in change_log(site)
