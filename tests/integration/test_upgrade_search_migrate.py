"""End to end (playbooks/upgrade.yml on a stand-in bare-metal host, as test_upgrade): the search side of the
1.2 migration. upstream's migrate-all ends with es-migrate, which writes the release's indexes after the
database part and only logs the ones it cannot write (exit 0).

* search reachable: the indexes phase deletes the 1.1 indexes before migrate, es-migrate creates every 1.2
  index empty (none left over to keep), the reindex (recreateIndex) fills them;
* search unreachable at migrate: the migrate phase fails on es-migrate's error lines, after the database part
  committed, and the upgrade rolls back: 1.1.7 serves again, every table row-identical to before, the DB setting
  back, the 1.1.7 configuration byte-identical.
"""
from __future__ import annotations

import re
import shutil

import pytest

from simulator.openmetadata.migrate import release_index_names
from simulator.openmetadata.releases import release
from test_upgrade import TARGET, assert_rolled_back, explain, faulty_release, summary, task_results
from test_upgrade import dist, om_host  # noqa: F401  # pylint: disable=unused-import  # fixtures


def migrate_output(run) -> str:
    results = task_results(run, "Run migrate-all")
    assert results, "migrate-all did not run\n" + explain(run)
    return results[0].get("stdout", "")


@pytest.mark.parametrize("om_host", ["mysql"], indirect=True)
def test_indexes_deleted_before_migrate_created_by_it_filled_by_reindex(om_host):
    host = om_host
    old = host.indexes()
    assert "table_search_index" in old and old["table_search_index"] > 0
    run = host.upgrade()
    assert run.rc == 0, explain(run)
    deleted = task_results(run, "Delete OpenMetadata's search indexes by exact name")
    assert deleted and {i["name"] for i in deleted[0]["deleted"]} >= {"table_search_index"}, deleted
    output = migrate_output(run)
    wanted = release_index_names(release(TARGET))
    # es-migrate found none of the 1.1 indexes left: the indexes phase ran before it.
    assert re.search(r"es-migrate on \S+: %d index\(es\) created, 0 kept, 0 failed" % len(wanted), output), output[-2000:]
    assert task_results(run, "Report the versions the migration completed")[0]["changed"] is True
    after = host.indexes()
    assert set(wanted) <= set(after), sorted(set(wanted) - set(after))
    assert not [name for name in after if name.startswith("om_") or name.endswith("_" + "table_search_index")]
    assert after["table_search_index"] > 0, "the reindex did not fill the indexes es-migrate created"
    assert summary(run)["result"] == "upgraded"


@pytest.mark.parametrize("om_host", ["mysql", "postgresql"], indirect=True)
def test_search_unreachable_at_migrate_rolls_back_with_nothing_lost(om_host):
    host = om_host
    before = host.state()
    shutil.rmtree(host.install_dir / ("openmetadata-%s" % TARGET), ignore_errors=True)
    host.release_archive = faulty_release(host.dist, host.tmp / "nosearch", {"migration_search_unreachable": True})
    run = host.upgrade()
    output = migrate_output(run)
    assert "Update Migration Status, Version: 1.2.4" in output  # the database part committed first
    assert "Failed to check if index table_search_index exists" in output
    failed = task_results(run, "Report search indexes the migration could not write")
    assert failed and failed[0].get("failed"), explain(run)
    assert "could not write the search indexes" in failed[0]["msg"] and "127.0.0.1:%d" % host.search_port in failed[0]["msg"]
    assert_rolled_back(host, before, run, "migrate")
