"""openmetadata.ops.server_config through ansible-playbook: in place, check mode, diff, backup,
second run changed=0, env files and no-effect variables, merge, Helm, and every bad input."""
from __future__ import annotations

import hashlib
import os
import pathlib
import shutil

import pytest

from harness import run_playbook

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "om_config"
TASK = "Migrate the configuration"


def _task(**args):
    return [{"name": TASK, "openmetadata.ops.server_config": args, "register": "out"}]


def _copy(tmp_path: pathlib.Path, name: str, as_name: str = "openmetadata.yaml") -> pathlib.Path:
    target = tmp_path / as_name
    shutil.copy(FIXTURES / name, target)
    target.chmod(0o640)
    return target


def _sha(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_in_place_check_diff_backup_and_second_run(tmp_path):
    conf = _copy(tmp_path, "mysql-commented-1.1.7.yaml")
    env = _copy(tmp_path, "openmetadata-mysql.env", "openmetadata.env")
    unit = _copy(tmp_path, "openmetadata.service", "openmetadata.service")
    before, env_before = _sha(conf), _sha(env)
    args = dict(path=str(conf), target_version="1.2.5", env_file=[str(env)], scan_files=[str(unit)], backup=True)

    dry = run_playbook(_task(**args), tmp_path, check=True, diff=True)
    result = dry.result(TASK)
    assert dry.rc == 0 and result["changed"], dry.output[-3000:]
    assert _sha(conf) == before and _sha(env) == env_before
    assert any("applicationConfig:" in d["before"] and "applicationConfig:" not in d["after"] for d in result["diff"])

    run = run_playbook(_task(**args), tmp_path)
    result = run.result(TASK)
    assert run.rc == 0 and result["changed"]
    assert (tmp_path / "openmetadata.yaml").stat().st_mode & 0o777 == 0o640
    assert pathlib.Path(result["backup_file"]).read_bytes() == (FIXTURES / "mysql-commented-1.1.7.yaml").read_bytes()
    text = conf.read_text()
    # the env file says DB_USE_SSL="true": the DB_PARAMS default carries it
    assert "?${DB_PARAMS:-allowPublicKeyRetrieval=true&useSSL=true&serverTimezone=UTC}" in text
    assert 'DB_PARAMS="allowPublicKeyRetrieval=true&useSSL=true&serverTimezone=UTC"' in env.read_text()
    assert result["removed_settings"]["customLogoConfiguration"]["customLogoUrlPath"] == "https://cdn.example.com/logo.png"
    assert result["removed_settings"]["loginConfiguration"] == {"maxLoginFailAttempts": 5, "accessBlockTime": 900,
                                                                "jwtTokenExpiryTime": 3600}
    names = {(v["name"], pathlib.Path(v["file"]).name) for v in result["no_effect_env_vars"]}
    assert ("OM_CUSTOM_LOGO_URL_PATH", "openmetadata.env") in names
    assert ("OM_JWT_EXPIRY_TIME", "openmetadata.service") in names
    assert sorted(result["files_changed"]) == sorted([str(conf), str(env)])

    again = run_playbook(_task(**args), tmp_path)
    assert again.rc == 0 and again.changed == 0
    assert "nothing to change" in again.result(TASK)["msg"]


def test_postgresql_env_and_helm_kinds(tmp_path):
    env = _copy(tmp_path, "openmetadata-postgres.env", "pg.env")
    values = _copy(tmp_path, "helm-openmetadata-postgres-1.1.14.yaml", "values.yaml")
    helm = {"name": "Helm", "register": "helm",
            "openmetadata.ops.server_config": {"path": str(values), "target_version": "1.2.5"}}
    run = run_playbook(_task(path=str(env), target_version="1.2.5") + [helm], tmp_path)
    assert run.rc == 0, run.output[-3000:]
    assert run.result(TASK)["kind"] == "env" and run.result("Helm")["kind"] == "helm"
    assert "export DB_PARAMS=sslmode=prefer" in env.read_text()
    assert 'dbParams: "sslmode=prefer"' in values.read_text()


def test_merge_mode_writes_the_shipped_file_with_user_edits(tmp_path):
    shipped = _copy(tmp_path, "merge/shipped-1.2.5.yaml")
    args = dict(mode="merge", path=str(shipped), edited_path=str(FIXTURES / "merge" / "edited-1.1.7.yaml"),
                original_path=str(FIXTURES / "merge" / "original-1.1.7.yaml"), target_version="1.2.5")
    conflict = run_playbook(_task(**args), tmp_path)
    assert conflict.rc != 0 and "elasticsearch.batchSize" in conflict.result(TASK)["msg"]
    assert shipped.read_bytes() == (FIXTURES / "merge" / "shipped-1.2.5.yaml").read_bytes()
    args["on_conflict"] = "shipped"
    run = run_playbook(_task(**args), tmp_path)
    assert run.rc == 0 and run.result(TASK)["changed"]
    assert shipped.read_text() == (FIXTURES / "golden" / "merge.1.2.5.out").read_text()
    assert run_playbook(_task(**args), tmp_path).changed == 0


def test_merge_mode_never_leaves_the_users_values_more_readable_than_the_users_file(tmp_path):
    """The release ships its openmetadata.yaml 0644; the user's 1.1 file (with the DB password) is 0600: the
    merged file gets 0600, from its first byte, and a file merged before with 0644 is narrowed on the next run."""
    shipped = _copy(tmp_path, "merge/shipped-1.2.5.yaml")
    edited = _copy(tmp_path, "merge/edited-1.1.7.yaml", "edited.yaml")
    shipped.chmod(0o644)
    edited.chmod(0o600)
    served_by = (65534, 65534) if os.geteuid() == 0 else (os.geteuid(), os.getegid())  # root: a service user
    os.chown(edited, *served_by)
    args = dict(mode="merge", path=str(shipped), edited_path=str(edited), on_conflict="shipped",
                original_path=str(FIXTURES / "merge" / "original-1.1.7.yaml"), target_version="1.2.5")
    run = run_playbook(_task(**args), tmp_path)
    assert run.rc == 0 and oct(shipped.stat().st_mode & 0o777) == "0o600", run.output[-2000:]
    # 0600 for the user the server reads its old file as (a release unpacked by root, served by a service user)
    assert (shipped.stat().st_uid, shipped.stat().st_gid) == served_by
    assert shipped.read_text() == (FIXTURES / "golden" / "merge.1.2.5.out").read_text()
    shipped.chmod(0o644)  # merged by an earlier version of the module
    narrowed = run_playbook(_task(**args), tmp_path).result(TASK)
    assert narrowed["changed"] and oct(shipped.stat().st_mode & 0o777) == "0o600"
    assert any("mode 0600" in change for change in narrowed["changes"]), narrowed["changes"]
    assert run_playbook(_task(**args), tmp_path).changed == 0


@pytest.mark.parametrize("name,args,message", [
    ("bad-invalid.txt", {}, "not valid YAML"),
    ("bad-tabs.txt", {}, "indented with a tab"),
    ("bad-duplicate.txt", {}, "duplicate key"),
    ("bad-list-root.yaml", {}, "must hold a YAML mapping"),
    ("mysql-commented-1.1.7.yaml", {"target_version": "1.4.0"}, "not a release this collection supports"),
    ("mysql-commented-1.1.7.yaml", {"target_version": "1.2.99"}, "not an OpenMetadata release that exists"),
    ("mysql-commented-1.1.7.yaml", {"source_version": "1.0.5"}, "Supported upgrades: 1.1.0-1.1.7 -> 1.2.0-1.2.5"),
    ("compose-1.1.yml", {}, "compose_config"),
    ("big", {}, "refuses files over"),
])
def test_bad_input_fails_clearly_and_changes_nothing(tmp_path, name, args, message):
    if name == "big":
        conf = tmp_path / "openmetadata.yaml"
        with open(conf, "w") as handle:  # 50 MB of valid-looking YAML
            line = "# padding padding padding padding padding padding padding padding padding\n"
            handle.write("database:\n  url: jdbc:mysql://h/db?useSSL=${DB_USE_SSL:-false}\n")
            handle.write(line * (50 * 1024 * 1024 // len(line)))
    else:
        conf = _copy(tmp_path, name)
    before = _sha(conf)
    run = run_playbook(_task(**dict({"path": str(conf), "target_version": "1.2.5", "backup": True}, **args)), tmp_path)
    result = run.result(TASK)
    assert run.rc != 0 and result.get("failed")
    assert message in result["msg"], result["msg"]
    assert _sha(conf) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("openmetadata.yaml")) == ["openmetadata.yaml"]


def test_cluster_alias_copied_into_a_1_1_file_is_removed_for_1_2(tmp_path):
    # 1.2 has no elasticsearch.clusterAlias (it arrives with 1.3) and refuses the file that has one
    conf = _copy(tmp_path, "mysql-commented-1.1.7.yaml")
    anchor = '  password: ${ELASTICSEARCH_PASSWORD:-""}\n'
    conf.write_text(conf.read_text().replace(anchor, anchor + '  clusterAlias: ${ELASTICSEARCH_CLUSTER_ALIAS:-"prod"}\n'))
    run = run_playbook(_task(path=str(conf), target_version="1.2.0") + _task(path=str(conf), target_version="1.2.0"),
                       tmp_path)
    assert run.rc == 0, run.output[-3000:]
    first, second = run.results(TASK)
    assert first["changed"], first
    assert "elasticsearch.clusterAlias removed" in first["changes"], first["changes"]
    assert any("OpenMetadata 1.2 has no clusterAlias" in w for w in first["warnings_found"]), first["warnings_found"]
    text = conf.read_text()
    assert "clusterAlias" not in text and "ELASTICSEARCH_CLUSTER_ALIAS" not in text
    assert '  password: ${ELASTICSEARCH_PASSWORD:-""}\n  connectionTimeoutSecs:' in text
    assert not second["changed"] and not second["warnings_found"], second


def test_already_migrated_file_is_left_alone(tmp_path):
    conf = _copy(tmp_path, "already-1.2.5.yaml")
    before = _sha(conf)
    run = run_playbook(_task(path=str(conf), target_version="1.2.5", backup=True), tmp_path)
    assert run.rc == 0 and run.changed == 0 and _sha(conf) == before
    assert "already in the 1.2.5 shape" in run.result(TASK)["msg"]
