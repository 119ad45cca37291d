"""om_compose: the compose file migration, one promise per test (no services needed)."""
from __future__ import annotations

import difflib
import pathlib

import pytest
from ruamel.yaml import YAML

from ansible_collections.openmetadata.ops.plugins.module_utils.config import om_compose

FIXTURES = pathlib.Path(__file__).resolve().parents[3] / "fixtures" / "compose"
MYSQL = (FIXTURES / "quickstart-1.1-mysql.yml").read_text()
POSTGRES = (FIXTURES / "quickstart-1.1-postgres.yml").read_text()
EDITED = (FIXTURES / "edited-1.1.yml").read_text()
EDITED_ENV = (FIXTURES / "edited-1.1.env").read_text()


def plan(text: str, **kwargs):
    kwargs.setdefault("path", "/srv/openmetadata/docker-compose.yml")
    kwargs.setdefault("target_version", "1.2.5")
    return om_compose.plan(text, **kwargs)


def parsed(text: str):
    return YAML(typ="safe").load(text)


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_images_move_to_the_target_version():
    services = parsed(plan(MYSQL)["text"])["services"]
    assert services["openmetadata-server"]["image"] == "docker.getcollate.io/openmetadata/server:1.2.5"
    assert services["execute-migrate-all"]["image"] == "docker.getcollate.io/openmetadata/server:1.2.5"
    assert services["ingestion"]["image"] == "docker.getcollate.io/openmetadata/ingestion:1.2.5"
    # the database container keeps what holds the data unless asked
    assert services["mysql"]["image"] == "docker.getcollate.io/openmetadata/db:1.1.7"
    moved = parsed(plan(MYSQL, update_db_image=True)["text"])["services"]
    assert moved["mysql"]["image"] == "docker.getcollate.io/openmetadata/db:1.2.5"


def test_elasticsearch_moves_to_8_10_2_without_security():
    result = plan(MYSQL)
    search = parsed(result["text"])["services"]["elasticsearch"]
    assert search["image"] == "docker.elastic.co/elasticsearch/elasticsearch:8.10.2"
    assert search["environment"] == ["discovery.type=single-node", "ES_JAVA_OPTS=-Xms1024m -Xmx1024m",
                                     "xpack.security.enabled=false"]
    assert result["search"]["data_volume"] == {"key": "es-data", "name": "openmetadata_es-data", "external": False}


def test_only_the_needed_lines_change_and_comments_stay():
    result = plan(MYSQL)
    lines = changed_lines(MYSQL, result["text"])
    removed = [line for line in lines if line.startswith("-")]
    # 4 image lines, 2 DB_USE_SSL lines, and the flow list re-spaced by the YAML writer
    assert len(removed) == 7, lines
    assert "# Database configuration for MySQL" in result["text"]
    assert result["text"].startswith("# OpenMetadata 1.1.x quickstart-shaped compose file")
    assert '"--sort_buffer_size=10M"' in result["text"]  # quoting kept


def test_db_use_ssl_becomes_db_params_with_the_same_effect():
    env = parsed(plan(MYSQL)["text"])["services"]["openmetadata-server"]["environment"]
    assert "DB_USE_SSL" not in env
    assert env["DB_PARAMS"] == "${DB_PARAMS:-allowPublicKeyRetrieval=true&useSSL=false&serverTimezone=UTC}"
    assert list(env).index("DB_PARAMS") == 6  # where DB_USE_SSL was
    pg_text = plan(POSTGRES)["text"]
    pg_env = parsed(pg_text)["services"]["openmetadata-server"]["environment"]
    # engine aware (server_config's om_config_env): no MySQL parameters on a PostgreSQL URL
    assert "DB_PARAMS=sslmode=require" in pg_env
    assert "# the managed database needs TLS" in pg_text


def test_four_space_files_keep_their_indentation():
    result = plan(POSTGRES)
    lines = changed_lines(POSTGRES, result["text"])
    # 3 images and 2 DB_USE_SSL lines replaced, xpack.security.enabled added; nothing else touched
    assert len(lines) == 11 and all(("image:" in line or "DB_USE_SSL" in line or "DB_PARAMS" in line
                                     or "xpack.security.enabled: 'false'" in line) for line in lines), lines
    assert "        image: docker.getcollate.io/openmetadata/server:1.2.5" in result["text"]


def test_long_syntax_volume_is_found():
    result = plan(POSTGRES, project="prod")
    assert result["search"]["data_volume"] == {"key": "es-data", "name": "prod_es-data", "external": False}


def test_second_run_changes_nothing():
    for text, kwargs in ((MYSQL, {}), (POSTGRES, {}), (MYSQL, {"search_engine": "opensearch"})):
        first = plan(text, **kwargs)
        second = plan(first["text"], **kwargs)
        assert first["changed"] and not second["changed"], second["changes"]
        assert second["text"] == first["text"]


def test_user_edits_are_kept():
    env_path = "/srv/openmetadata/openmetadata.env"
    result = plan(EDITED, env_texts={env_path: EDITED_ENV})
    data = parsed(result["text"])
    assert list(data["services"]) == ["proxy", "search", "migrate", "openmetadata-server", "ingestion"]
    assert data["services"]["proxy"] == {"image": "local/nginx-proxy:2", "ports": ["127.0.0.1:9443:443"],
                                         "depends_on": ["openmetadata-server"]}
    server = data["services"]["openmetadata-server"]
    assert server["image"] == "registry.example.com/mirror/openmetadata/server:1.2.5"  # mirror kept
    assert server["ports"] == ["18585:8585", "18586:8586"]
    assert server["env_file"][1] == {"path": "./optional.env", "required": False}
    assert "# custom port: 8585 is taken on this host" in result["text"]
    assert "# small host" in result["text"]
    assert result["project"] == "catalog"
    assert result["search"]["data_volume"] == {"key": "search-data", "name": "catalog_search_data_v1",
                                               "external": False}
    new_env = result["env_texts"][env_path]
    assert changed_lines(EDITED_ENV, new_env) == [
        "-DB_USE_SSL=true", '+DB_PARAMS="allowPublicKeyRetrieval=true&useSSL=true&serverTimezone=UTC"']
    assert {item["name"] for item in result["no_effect_env_vars"]} == {"OM_CUSTOM_LOGO_URL_PATH"}


def test_opensearch_switch():
    env_path = "/srv/openmetadata/openmetadata.env"
    result = plan(EDITED, search_engine="opensearch", env_texts={env_path: EDITED_ENV})
    search = parsed(result["text"])["services"]["search"]
    assert search["image"] == "opensearchproject/opensearch:2.7.0"
    assert "OPENSEARCH_JAVA_OPTS=-Xms512m -Xmx512m" in search["environment"]
    assert "DISABLE_SECURITY_PLUGIN=true" in search["environment"]
    assert search["volumes"] == ["search-data:/usr/share/opensearch/data"]
    assert "SEARCH_TYPE=opensearch" in result["env_texts"][env_path]
    quick = parsed(plan(MYSQL, search_engine="opensearch")["text"])["services"]
    assert quick["openmetadata-server"]["environment"]["SEARCH_TYPE"] == "${SEARCH_TYPE:-opensearch}"
    assert not any(e.startswith("xpack.") for e in quick["elasticsearch"]["environment"])


def test_dotenv_db_use_ssl_is_migrated_too():
    dotenv = "/srv/openmetadata/.env"
    result = plan(MYSQL, env_texts={dotenv: "DB_USE_SSL=true\nCOMPOSE_PROJECT_NAME=OM-Prod\n"})
    assert result["env_texts"][dotenv].startswith('DB_PARAMS="allowPublicKeyRetrieval=true&useSSL=true&')
    assert result["project"] == "om-prod"
    assert result["search"]["data_volume"]["name"] == "om-prod_es-data"


def test_no_effect_variables_are_reported_not_removed():
    result = plan(MYSQL)
    assert [item["name"] for item in result["no_effect_env_vars"]] == ["OM_MAX_FAILED_LOGIN_ATTEMPTS"]
    assert "OM_MAX_FAILED_LOGIN_ATTEMPTS" in result["text"]
    assert plan(MYSQL, target_version="1.2.0")["no_effect_env_vars"] == []  # 1.2.0 still read them


def test_image_helpers():
    assert om_compose.split_image("reg:5000/a/openmetadata/server:1.1.7@sha256:ab") == \
        ("reg:5000/a/openmetadata/server", "1.1.7", "sha256:ab")
    assert om_compose.with_tag("openmetadata/server:${OM_VERSION:-1.1.7}", "1.2.5") == \
        "openmetadata/server:${OM_VERSION:-1.2.5}"
    assert om_compose.with_tag("openmetadata/server:1.1.7@sha256:ab", "1.2.5") == "openmetadata/server:1.2.5"
    assert om_compose.image_kind("elasticsearch:7.16.3") == "elasticsearch"
    assert om_compose.image_kind("nginx:1") is None


@pytest.mark.parametrize("text, kwargs, message", [
    ("services: [a\n", {}, "is not valid YAML (line"),
    ("foo: 1\n", {}, "has no `services:` mapping"),
    ("services:\n  web:\n    image: nginx\n", {}, "no service in"),
    (MYSQL, {"target_version": "1.3.0"}, "is not a release this collection supports"),
    (MYSQL, {"target_version": "latest"}, "is not a release version"),
    (MYSQL, {"target_version": "1.2.99"}, "is not an OpenMetadata release that exists"),
    (MYSQL.replace("server:1.1.7", "server:1.0.1"), {}, "the server image's tag 1.0.1 is not a release this"),
    (MYSQL.replace("server:1.1.7", "server:1.2.5"), {"target_version": "1.2.0"}, "a downgrade is not an upgrade"),
])
def test_bad_input_is_refused_with_a_clear_message(text, kwargs, message):
    with pytest.raises(om_compose.ComposeError, match=message.replace("(", r"\(").replace("[", r"\[")):
        plan(text, **kwargs)
