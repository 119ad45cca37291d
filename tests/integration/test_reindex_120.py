"""openmetadata.ops.reindex against the stand-in in its 1.2.0 shape: AppRunRecord statuses of 1.2.0 only
(running, then success or failed), ``runs/latest`` answering 204 with no body before the first run, the
stats written only when the run ends, and ``failureContext.failure`` a plain string, set on success too."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import pytest

from harness import REPO, run_playbook
from search_support import index_names
from test_reindex import OmServer, describe, reindex_task, token
from test_reindex import search  # noqa: F401  pylint: disable=unused-import


@pytest.fixture(scope="module")
def dist_120(tmp_path_factory):
    out = tmp_path_factory.mktemp("om-dist-120")
    subprocess.run([sys.executable, "-m", "tests.simulator.openmetadata.pack", "--version", "1.2.0", "--out",
                    str(out)], cwd=str(REPO), check=True, capture_output=True)
    return out


def _latest(om: OmServer) -> tuple:
    request = urllib.request.Request(om.url + "/api/v1/apps/name/SearchIndexingApplication/runs/latest",
                                     headers={"Authorization": "Bearer " + token()})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status, answer.read()


def test_reindex_on_a_1_2_0_server(dist_120, search, tmp_path):  # noqa: F811
    om = OmServer(dist_120, tmp_path / "om", "1.2.0", search.port).start()
    try:
        assert _latest(om) == (204, b"")  # no run yet: no content
        run = run_playbook([reindex_task("reindex", om, verify_documents=True, search_url=search.url)], tmp_path)
        done = run.result("reindex")
        assert not done.get("failed"), describe(run)
        assert done["status"] == "success" and done["api"] == "apps"
        assert done["stats"]["jobStats"]["successRecords"] > 0
        assert done["documents"]["table_search_index"] == index_names(search.url)["table_search_index"] > 0
        status, body = _latest(om)
        record = json.loads(body)
        assert status == 200 and record["status"] == "success"
        assert isinstance(record["failureContext"]["failure"], str)  # set on success too, and not a failure
    finally:
        om.stop()


def test_a_failed_1_2_0_run_names_its_reason(dist_120, search, tmp_path):  # noqa: F811
    om = OmServer(dist_120, tmp_path / "om", "1.2.0", search.port, faults={"reindex_fail": True}).start()
    try:
        run = run_playbook([reindex_task("reindex", om)], tmp_path)
        result = run.result("reindex")
        assert result["failed"] and result["changed"], result
        assert "ended with status failed: stand-in fault: reindex_fail" in result["msg"], result["msg"]
    finally:
        om.stop()
