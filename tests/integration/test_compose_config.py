"""compose_config through ansible-playbook: check mode, --diff, backup, idempotence, env files,
the user's edits kept, and bad input refused with a clear message (no engine needed)."""
from __future__ import annotations

import pathlib
import shutil

from ruamel.yaml import YAML

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "compose"
TASK = "openmetadata.ops.compose_config"


def deployment(tmp_path: pathlib.Path, fixture: str = "edited-1.1.yml") -> pathlib.Path:
    project = tmp_path / "catalog"
    project.mkdir(parents=True)
    compose = project / "docker-compose.yml"
    shutil.copy(FIXTURES / fixture, compose)
    shutil.copy(FIXTURES / "edited-1.1.env", project / "openmetadata.env")
    return compose


def migrate(playbook, compose: pathlib.Path, check: bool = False, diff: bool = False, **options):
    args = {"path": str(compose), "target_version": "1.2.5"}
    args.update(options)
    return playbook([{"name": "migrate", TASK: args, "register": "out"}], check=check, diff=diff)


def test_check_mode_with_diff_changes_nothing_and_shows_every_file(playbook, tmp_path):
    compose = deployment(tmp_path)
    before = {p.name: p.read_bytes() for p in compose.parent.iterdir()}
    run = migrate(playbook, compose, check=True, diff=True)
    result = run.result("migrate")
    assert run.rc == 0 and result["changed"] is True
    assert {p.name: p.read_bytes() for p in compose.parent.iterdir()} == before
    headers = sorted(d["before_header"] for d in result["diff"])
    assert headers == sorted([str(compose), str(compose.parent / "openmetadata.env")])
    assert result["backup_files"] == {}


def test_migration_keeps_the_users_edits_and_backs_up(playbook, tmp_path):
    compose = deployment(tmp_path)
    original = compose.read_text()
    env_original = (compose.parent / "openmetadata.env").read_text()
    run = migrate(playbook, compose)
    result = run.result("migrate")
    assert run.rc == 0 and result["changed"] is True, run.output[-2000:]
    data = YAML(typ="safe").load(compose.read_text())
    assert list(data["services"]) == ["proxy", "search", "migrate", "openmetadata-server", "ingestion"]
    assert data["services"]["openmetadata-server"]["ports"] == ["18585:8585", "18586:8586"]
    assert data["services"]["openmetadata-server"]["image"] == "registry.example.com/mirror/openmetadata/server:1.2.5"
    assert data["services"]["search"]["image"] == "docker.elastic.co/elasticsearch/elasticsearch:8.10.2"
    assert "xpack.security.enabled=false" in data["services"]["search"]["environment"]
    text = compose.read_text()
    for comment in ("# Our OpenMetadata (edited by the platform team, ticket OPS-1234).", "# TLS front end",
                    "# custom port: 8585 is taken on this host", "# explicit name, kept across project renames"):
        assert comment in text
    env_text = (compose.parent / "openmetadata.env").read_text()
    assert 'DB_PARAMS="allowPublicKeyRetrieval=true&useSSL=true&serverTimezone=UTC"' in env_text
    assert "# logo for the login page" in env_text and "DB_USE_SSL" not in env_text
    backups = result["backup_files"]
    assert pathlib.Path(backups[str(compose)]).read_text() == original
    assert pathlib.Path(backups[str(compose.parent / "openmetadata.env")]).read_text() == env_original
    assert result["search"]["data_volume"] == {"key": "search-data", "name": "catalog_search_data_v1",
                                               "external": False}
    assert [v["name"] for v in result["no_effect_env_vars"]] == ["OM_CUSTOM_LOGO_URL_PATH"]

    again = migrate(playbook, compose)
    assert again.rc == 0 and again.changed == 0 and again.result("migrate")["changes"] == []


def test_opensearch_choice(playbook, tmp_path):
    compose = deployment(tmp_path, "quickstart-1.1-mysql.yml")
    run = migrate(playbook, compose, search_engine="opensearch")
    assert run.rc == 0
    search = YAML(typ="safe").load(compose.read_text())["services"]["elasticsearch"]
    assert search["image"] == "opensearchproject/opensearch:2.7.0"
    assert run.result("migrate")["search"]["engine"] == "opensearch"


def test_bad_input_gets_a_clear_message_and_changes_nothing(playbook, tmp_path):
    compose = deployment(tmp_path)
    compose.write_text(compose.read_text().replace("  search:\n", "  search: [\n", 1))
    broken = compose.read_text()
    run = migrate(playbook, compose)
    assert run.rc != 0 and "is not valid YAML" in run.result("migrate")["msg"]
    assert compose.read_text() == broken
    missing = migrate(playbook, tmp_path / "nope.yml")
    assert "does not exist; set path" in missing.result("migrate")["msg"]
    good = deployment(tmp_path / "other")
    wrong = migrate(playbook, good, target_version="1.3.0")
    assert "is not a release this collection supports" in wrong.result("migrate")["msg"]
