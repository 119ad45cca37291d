"""Malformed inputs, each against one prepared MariaDB host (built once for the module): the run fails or
refuses with a message that names the variable or file (and says what to do), and nothing changed - 1.1.7
still serves, every table row-identical (the suite's own checksums), the old openmetadata.yaml byte-identical,
the DB setting as it was, no backup written, no run record left.

A tripwire guards the shared host: when a run gets past the checks (the run record turns in_progress, which
happens before the server is stopped) the test kills it at once, puts the host back (record removed; the host
is rebuilt if the server had already stopped) and fails, saying that a check is missing.
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import time
import uuid
from typing import Any, Callable, Optional

import pytest

from faultlib import REMOVE, SOURCE, FaultHost, PlaybookRun, explain

RESTORE = pathlib.Path(__file__).resolve().parents[2] / "playbooks" / "restore.yml"
BACKUP = pathlib.Path(__file__).resolve().parents[2] / "playbooks" / "backup.yml"


@pytest.fixture(scope="module")
def host(fault_host_factory) -> FaultHost:
    return fault_host_factory("mysql")


def light_state(host: FaultHost) -> dict[str, Any]:
    record = host.work / "om" / "upgrade.json"
    return {"version": host.version(), "current": host.current_release(), "conf": host.old_conf(),
            "tables": host.digests(), "setting": host.setting(), "backups": host.backups_listing(),
            "record": record.read_bytes() if record.exists() else None,
            "releases": sorted(p.name for p in host.install_dir.iterdir())}


def failure_messages(run: PlaybookRun) -> str:
    msgs = [str(result.get("msg", "")) for play in run.data.get("plays", []) for task in play.get("tasks", [])
            for result in task["hosts"].values() if result.get("failed") or result.get("unreachable")]
    return "\n".join(msgs) + "\n" + run.stderr


def refused(host: FaultHost, args: list[str], expect: list[Any], playbook: pathlib.Path,
            before: Optional[dict[str, Any]] = None) -> str:
    """Run ``playbook`` with ``args``; it must fail, its messages name every string of ``expect``, and
    the host is as ``before``. Returns the messages."""
    before = before or light_state(host)
    proc = host.start_run(playbook, *args)
    past_checks = False
    while proc.poll() is None:
        try:
            past_checks = host.record().get("status") == "in_progress"
        except ValueError:
            past_checks = False
        past_checks = past_checks or any(t.startswith("Run phase") for t in host.tasks_started())
        if past_checks:
            host.kill_run(proc)
            break
        time.sleep(0.05)
    if past_checks:
        (host.work / "om" / "upgrade.json").unlink(missing_ok=True)
        if host.version() != SOURCE:
            host.ready = False
        pytest.fail("not refused before the upgrade began (a check is missing): %s" % " ".join(args), pytrace=False)
    run = host.finish_run(proc)
    assert run.rc != 0, "the run did not fail\n" + explain(run)
    text = failure_messages(run)
    # an expected item is a string, or a tuple of alternatives (one of them must be named)
    missing = [e for e in expect if not any(alt in text for alt in (e if isinstance(e, tuple) else (e,)))]
    assert not missing, "the messages do not name %s:\n%s" % (missing, text[-3000:])
    after = light_state(host)
    changed = sorted(k for k in before if before[k] != after[k])
    assert not changed, "the refused run changed %s" % changed
    return text


def extra(variables: dict[str, Any]) -> list[str]:
    return ["-e", json.dumps(variables)]


# --- the upgrade's variables -------------------------------------------------------------------------------

TV = "openmetadata_target_version"
DB_FAMILY = "openmetadata_db_host/_port/_user/_password"  # preflight names the four together
DB_PASSWORD = ("openmetadata_db_password", DB_FAMILY)
VARIABLE_CASES = {
    # bad versions
    "version-1.2": ({TV: "1.2"}, [TV]),
    "version-1.2-number": ({TV: 1.2}, [TV]),
    "version-1.2.99-unknown": ({TV: "1.2.99"}, [TV, "1.2.99"]),
    "version-v1.2.0": ({TV: "v1.2.0"}, [TV]),
    "version-leading-space": ({TV: " 1.2.0"}, [TV]),
    "version-trailing-newline": ({TV: "1.2.5\n"}, [TV]),
    "version-2.0.0-unsupported": ({TV: "2.0.0"}, ["2.0.0"]),
    "version-1.0.0-downgrade": ({TV: "1.0.0"}, ["1.0.0"]),
    "version-empty": ({TV: ""}, [TV]),
    "version-None-survey": ({TV: "None"}, [TV]),
    # AWX survey strings
    "survey-accept-query-loss-false": ({"openmetadata_accept_query_loss": "false"}, ["openmetadata_accept_query_loss"]),
    "survey-accept-query-loss-None": ({"openmetadata_accept_query_loss": "None"}, ["openmetadata_accept_query_loss"]),
    "survey-accept-query-loss-empty": ({"openmetadata_accept_query_loss": ""}, ["openmetadata_accept_query_loss"]),
    "survey-dry-run-true-without-check": ({"openmetadata_upgrade_dry_run": "true"}, ["openmetadata_upgrade_dry_run", "--check"]),
    "survey-db-port-None": ({"openmetadata_db_port": "None"}, ["openmetadata_db_port"]),
    "survey-db-port-text": ({"openmetadata_db_port": "three-three-o-six"}, ["openmetadata_db_port"]),
    "survey-deployment-empty": ({"openmetadata_deployment": ""}, ["openmetadata_deployment"]),
    "survey-deployment-unknown": ({"openmetadata_deployment": "kubernetes"}, ["openmetadata_deployment"]),
    "survey-backup-keep-None": ({"openmetadata_backup_keep": "None"}, ["openmetadata_backup_keep"]),
    # missing or wrong required variables
    "missing-target-version": ({TV: REMOVE}, [TV]),
    "missing-db-password": ({"openmetadata_db_password": REMOVE}, [DB_PASSWORD]),
    "wrong-db-password": ({"openmetadata_db_password": "not-the-password"}, [DB_PASSWORD]),
    "wrong-db-user": ({"openmetadata_db_user": "nobody_here"}, [("openmetadata_db_user", DB_FAMILY)]),
    "wrong-db-admin-password": ({"openmetadata_db_admin_password": "not-the-password"},
                                ["openmetadata_db_admin_password"]),
    "missing-release-archive": ({"openmetadata_release_archive": REMOVE}, ["openmetadata_release_archive"]),
    "release-archive-absent": ({"openmetadata_release_archive": "/nonexistent/openmetadata-1.2.5.tar.gz"},
                               ["openmetadata_release_archive", "/nonexistent/openmetadata-1.2.5.tar.gz"]),
    "release-checksum-wrong": ({"openmetadata_release_checksum": "sha256:" + "0" * 64}, ["openmetadata_release_checksum"]),
    "jwt-token-wrong": ({"openmetadata_jwt_token": "not-a-token"}, ["openmetadata_jwt_token"]),
    "jwt-token-empty": ({"openmetadata_jwt_token": ""}, ["openmetadata_jwt_token"]),
    "server-url-unreachable": ({"openmetadata_server_url": "http://127.0.0.1:9"}, ["openmetadata_server_url"]),
    "search-url-unreachable": ({"openmetadata_search_url": "http://127.0.0.1:9"}, ["openmetadata_search_url"]),
}


@pytest.mark.parametrize("case", sorted(VARIABLE_CASES))
def test_malformed_variable_is_refused_and_nothing_changes(host, case):
    host.fresh()
    variables, expect = VARIABLE_CASES[case]
    removed = {k: v for k, v in variables.items() if v is REMOVE}
    given = {k: v for k, v in variables.items() if v is not REMOVE}
    host.extra_vars.update(removed)
    try:
        refused(host, extra(given) if given else [], expect, host_upgrade_playbook())
    finally:
        for key in removed:
            host.extra_vars.pop(key, None)


def host_upgrade_playbook() -> pathlib.Path:
    from faultlib import UPGRADE  # pylint: disable=import-outside-toplevel
    return UPGRADE


# --- the backup folder -------------------------------------------------------------------------------------

def _symlinked(host: FaultHost) -> str:
    real = host.tmp / ("real-backups-%s" % uuid.uuid4().hex[:6])
    real.mkdir(mode=0o700)
    link = host.tmp / ("linked-backups-%s" % uuid.uuid4().hex[:6])
    link.symlink_to(real)
    return str(link)


def _world_writable(host: FaultHost) -> str:
    folder = host.tmp / ("open-backups-%s" % uuid.uuid4().hex[:6])
    folder.mkdir()
    os.chmod(folder, 0o777)
    return str(folder)


def _a_file(host: FaultHost) -> str:
    path = host.tmp / ("file-backups-%s" % uuid.uuid4().hex[:6])
    path.write_text("not a folder\n")
    return str(path)


def _read_only(host: FaultHost) -> str:
    folder = host.tmp / ("ro-backups-%s" % uuid.uuid4().hex[:6])
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,ro,mode=0700", "tmpfs", str(folder)], check=True, capture_output=True)
    host.cleanups.append(lambda: subprocess.run(["umount", str(folder)], check=False))
    return str(folder)


BACKUP_DIR_CASES: dict[str, Callable[[FaultHost], str]] = {
    "backup-dir-symlinked": _symlinked,
    "backup-dir-world-writable": _world_writable,
    "backup-dir-is-a-file": _a_file,
    "backup-dir-read-only": _read_only,
}


@pytest.mark.parametrize("case", sorted(BACKUP_DIR_CASES))
def test_unsafe_backup_folder_is_refused_and_nothing_changes(host, case):
    host.fresh()
    host.cleanups = []
    folder = BACKUP_DIR_CASES[case](host)
    try:
        listing = sorted(os.listdir(folder)) if os.path.isdir(folder) else None
        refused(host, extra({"openmetadata_backup_dir": folder}), ["openmetadata_backup_dir"], host_upgrade_playbook())
        assert (sorted(os.listdir(folder)) if os.path.isdir(folder) else None) == listing, "something was written there"
    finally:
        for cleanup in host.cleanups:
            cleanup()


# --- hostile openmetadata.yaml -----------------------------------------------------------------------------

CANARY = "/tmp/om-faults-yaml-canary-%s" % uuid.uuid4().hex[:8]
LAUGHS = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n" + "".join(
    "%s: &%s [%s]\n" % (chr(98 + i), chr(98 + i), ",".join(["*%s" % chr(97 + i)] * 9)) for i in range(8))
YAML_CASES: dict[str, Callable[[bytes], bytes]] = {
    "yaml-python-object-tag": lambda text: (
        text + b"\nstandinHostile: !!python/object/apply:os.system [\"touch " + CANARY.encode() + b"\"]\n"),
    "yaml-billion-laughs": lambda text: text + b"\n" + LAUGHS.encode(),
    "yaml-syntax-error": lambda text: text + b"\ndatabase:\n\t- broken: [unclosed\n",
    "yaml-not-a-mapping": lambda text: b"- just\n- a\n- list\n",
    "yaml-duplicate-database-key": lambda text: text + b"\ndatabase:\n  host: elsewhere.invalid\n",
    "yaml-empty-file": lambda text: b"",
}


@pytest.mark.parametrize("case", sorted(YAML_CASES))
def test_hostile_openmetadata_yaml_is_refused_and_nothing_changes(host, case):
    host.fresh()
    conf = host.install_dir / ("openmetadata-%s" % SOURCE) / "conf" / "openmetadata.yaml"
    original = conf.read_bytes()
    conf.write_bytes(YAML_CASES[case](original))
    try:
        refused(host, [], ["openmetadata.yaml"], host_upgrade_playbook())
        assert not os.path.exists(CANARY), "a YAML tag ran a command"
    finally:
        conf.write_bytes(original)


# --- foreign or damaged backups given to restore -----------------------------------------------------------

@pytest.fixture(scope="module")
def good_backup(host) -> pathlib.Path:
    """A real backup of the host's database (playbooks/backup.yml) in a folder of its own."""
    folder = host.tmp / "restore-source"
    run = host.playbook(BACKUP, *extra({"openmetadata_backup_dir": str(folder), "openmetadata_db_user": "root",
                                        "openmetadata_db_password": ""}))
    assert run.rc == 0, explain(run)
    dumps = sorted(folder.glob("*.sql.gz"))
    assert len(dumps) == 1, dumps
    return dumps[0]


def _copy(backup: pathlib.Path, folder: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    folder.mkdir(parents=True)
    manifest = pathlib.Path(str(backup)[: -len(".sql.gz")] + ".manifest.json")
    shutil.copy2(backup, folder / backup.name)
    shutil.copy2(manifest, folder / manifest.name)
    return folder / backup.name, folder / manifest.name


def _edit_manifest(change: Callable[[dict[str, Any]], None]) -> Callable[[pathlib.Path, pathlib.Path], None]:
    def apply(_dump: pathlib.Path, manifest: pathlib.Path) -> None:
        data = json.loads(manifest.read_text())
        change(data)
        manifest.write_text(json.dumps(data))
    return apply


def _flip_byte(dump: pathlib.Path, _manifest: pathlib.Path) -> None:
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))


def _truncate_manifest(_dump: pathlib.Path, manifest: pathlib.Path) -> None:
    manifest.write_bytes(manifest.read_bytes()[: 40])


def _remove_manifest(_dump: pathlib.Path, manifest: pathlib.Path) -> None:
    manifest.unlink()


RESTORE_CASES: dict[str, tuple[Callable[[pathlib.Path, pathlib.Path], None], list[str]]] = {
    "restore-dump-corrupted": (_flip_byte, ["corrupted"]),
    "restore-manifest-truncated": (_truncate_manifest, ["manifest.json"]),
    "restore-manifest-missing": (_remove_manifest, ["manifest"]),
    "restore-manifest-not-ours": (_edit_manifest(lambda m: m.update(format="someone-else/backup")),
                                  ["not an openmetadata.ops backup manifest"]),
    # a PostgreSQL backup's manifest (its engine and checksum method) given to a MariaDB restore
    "restore-manifest-other-engine": (_edit_manifest(lambda m: m.update(engine="postgresql",
                                                                        checksum_method="row-md5-60bit-sum-stored-columns")),
                                      ["postgresql"]),
    "restore-manifest-unknown-checksum-method": (_edit_manifest(lambda m: m.update(checksum_method="crc-42")),
                                                 ["crc-42"]),
}


@pytest.mark.parametrize("case", sorted(RESTORE_CASES))
def test_foreign_or_damaged_backup_is_refused_by_restore_and_nothing_changes(host, good_backup, case):
    host.fresh()
    damage, expect = RESTORE_CASES[case]
    dump, manifest = _copy(good_backup, host.tmp / ("restore-%s-%s" % (case, uuid.uuid4().hex[:6])))
    damage(dump, manifest)
    refused(host, extra({"openmetadata_restore_backup": str(dump), "openmetadata_restore_wipe": True}), expect, RESTORE)


def test_restore_without_a_backup_named_is_refused(host):
    host.fresh()
    refused(host, extra({"openmetadata_restore_backup": ""}), ["openmetadata_restore_backup"], RESTORE)
