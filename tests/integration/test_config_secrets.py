"""The configuration modules never show a secret (issue 17 §3): not in --diff, not in changes, messages, warnings or
findings, not at -v with the default callback nor in the json callback's results; masked by place (compose list
items, block scalars, password= parameters of a JDBC URL and of DB_PARAMS, user:password@host) and by value (a secret
of the files wherever else it appears, every value of server_config's no_log env option). The files themselves are
written byte for byte, secrets included."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import uuid
from typing import Any

import yaml

from harness import ANSIBLE_PLAYBOOK, COLLECTIONS, run_playbook

MASK = "********"
DB_PASSWORD = "Db-Pass-Blk-4417"       # openmetadata.yaml: a block scalar
URL_PASSWORD = "Url-Pass-Jdbc-5521"    # openmetadata.yaml: password= in the JDBC URL (echoed by the DB_PARAMS change)
ENV_PASSWORD = "Env-Pass-Prm-6632"     # env file: password= inside DB_PARAMS (echoed by the DB_PARAMS change)
ENV_USER_PASSWORD = "Env-Usr-Pw-7743"  # env file: DB_USER_PASSWORD=
OPTION_VALUE = "Opt-Nolog-Val-8854"    # server_config env option, under a key that does not look secret
LIST_PASSWORD = "Cmp-List-Pw-9965"     # compose environment, list form - "DB_USER_PASSWORD=x"
MAP_PASSWORD = "Cmp-Map-Pw-1076"       # compose environment, mapping form
HOST_PASSWORD = "Wf-Host-Pw-2187"      # workflow: user:password@host
BLOCK_TOKEN = "Wf-Blk-Tok-3298"        # workflow: jwtToken block scalar
SECRETS = [DB_PASSWORD, URL_PASSWORD, ENV_PASSWORD, ENV_USER_PASSWORD, OPTION_VALUE, LIST_PASSWORD, MAP_PASSWORD,
           HOST_PASSWORD, BLOCK_TOKEN]

SERVER_YAML = """\
server:
  applicationConnectors:
    - type: http
      port: ${SERVER_PORT:-8585}
# owner of this file: %(option)s
database:
  driverClass: ${DB_DRIVER_CLASS:-com.mysql.cj.jdbc.Driver}
  user: ${DB_USER:-openmetadata_user}
  password: |
    %(db)s
  url: %(jdbc)s
applicationConfig:
  logoConfig:
    customLogoUrlPath: ${OM_CUSTOM_LOGO_URL_PATH:-}
    customMonogramUrlPath: ${OM_CUSTOM_MONOGRAM_URL_PATH:-}
  loginConfig:
    maxLoginFailAttempts: ${OM_MAX_FAILED_LOGIN_ATTEMPTS:-3}
    accessBlockTime: ${OM_LOGIN_ACCESS_BLOCK_TIME:-600}
    jwtTokenExpiryTime: ${JWT_EXPIRY_TIME:-3600}
""" % {"option": OPTION_VALUE, "db": DB_PASSWORD,
       "jdbc": "jdbc:mysql://${DB_HOST:-localhost}:${DB_PORT:-3306}/openmetadata_db?allowPublicKeyRetrieval=true"
               "&useSSL=${DB_USE_SSL:-false}&serverTimezone=UTC&password=" + URL_PASSWORD}

SERVER_ENV = """\
DB_HOST=db.internal
DB_USER_PASSWORD=%s
DB_PARAMS="useSSL=true&password=%s&sslmode=require"
""" % (ENV_USER_PASSWORD, ENV_PASSWORD)

COMPOSE = """\
services:
  migrate:
    image: "openmetadata/server:1.1.7"
    environment:
      - DB_USE_SSL=false
      - "DB_USER_PASSWORD=%s"
  openmetadata-server:
    image: "openmetadata/server:1.1.7"
    environment:
      DB_USE_SSL: "true"
      DB_USER_PASSWORD: %s
""" % (LIST_PASSWORD, MAP_PASSWORD)

COMPOSE_ENV = """\
DB_PARAMS="useSSL=true&password=%s&sslmode=require"
""" % ENV_PASSWORD

WORKFLOW = """\
source:
  type: domodatabase
  serviceName: domo_db
  serviceConnection:
    config:
      type: DomoDatabase
      clientId: c1a7
      apiHost: https://svc:%s@api.domo.com
      sandboxDomain: https://acme.domo.com
sink:
  type: metadata-rest
  config: {}
workflowConfig:
  openMetadataServerConfig:
    hostPort: http://openmetadata:8585/api
    authProvider: openmetadata
    securityConfig:
      jwtToken: |
        %s
""" % (HOST_PASSWORD, BLOCK_TOKEN)


def run_default_callback(tasks: list[dict[str, Any]], tmp_path: pathlib.Path, check: bool) -> subprocess.CompletedProcess:
    """ansible-playbook -v --diff with the default callback: what an operator's terminal and an AWX job log show."""
    playbook = tmp_path / ("show_%s.yml" % uuid.uuid4().hex[:6])
    playbook.write_text(yaml.safe_dump([{"name": "show", "hosts": "localhost", "gather_facts": False,
                                         "tasks": tasks}], sort_keys=False))
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n"
                         % sys.executable)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
               ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / ".ansible-tmp"), ANSIBLE_HOME=str(tmp_path / ".ansible-home"))
    argv = [ANSIBLE_PLAYBOOK, "-i", str(inventory), str(playbook), "-v", "--diff"] + (["--check"] if check else [])
    return subprocess.run(argv, capture_output=True, text=True, env=env, check=False, timeout=600)


def leaked(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def check_never_shown(tasks: list[dict[str, Any]], tmp_path: pathlib.Path) -> None:
    """-v --diff with the default callback, in check mode and then for real (which writes the files)."""
    for check in (True, False):
        shown = run_default_callback(tasks, tmp_path, check)
        assert shown.returncode == 0, shown.stdout[-3000:] + shown.stderr[-2000:]
        assert "--- before" in shown.stdout, "no diff shown: the check proves nothing\n" + shown.stdout[-2000:]
        assert MASK in shown.stdout
        assert leaked(shown.stdout + shown.stderr) == [], shown.stdout


def test_server_config_masks_the_files_secrets_and_the_env_option(tmp_path):
    conf = tmp_path / "openmetadata.yaml"
    conf.write_text(SERVER_YAML)
    env_file = tmp_path / "openmetadata.env"
    env_file.write_text(SERVER_ENV)
    env_file.chmod(0o600)
    logo = "https://cdn.example.com/from-env-logo.png"
    task = [{"name": "config", "register": "out", "openmetadata.ops.server_config": {
        "path": str(conf), "target_version": "1.2.5", "engine": "mysql", "env_file": [str(env_file)],
        "env": {"OM_CUSTOM_LOGO_URL_PATH": logo, "OM_MAX_FAILED_LOGIN_ATTEMPTS": "5", "OWNER_LABEL": OPTION_VALUE}}}]

    dry = run_playbook(task, tmp_path, check=True, diff=True, verbosity=1)
    result = dry.result("config")
    assert dry.rc == 0 and result["changed"], dry.output[-3000:]
    assert leaked(dry.output + dry.stderr) == []
    # the changes echo DB_PARAMS (both the URL's and the env file's): the passwords in them are masked
    changes = "\n".join(result["changes"])
    assert "DB_PARAMS" in changes and "password=%s" % MASK in changes, changes
    before = "\n".join(d["before"] for d in result["diff"])
    assert "password: |\n    %s\n" % MASK in before and "DB_USER_PASSWORD=%s" % MASK in before
    assert "# owner of this file: %s" % MASK in before
    # the env option: secret, its keys reported; the settings resolved from it are returned usable
    assert result["env_keys"] == ["OM_CUSTOM_LOGO_URL_PATH", "OM_MAX_FAILED_LOGIN_ATTEMPTS", "OWNER_LABEL"]
    assert set(result["invocation"]["module_args"]["env"].values()) == {MASK}
    assert result["removed_settings"]["customLogoConfiguration"]["customLogoUrlPath"] == logo
    assert result["removed_settings"]["loginConfiguration"]["maxLoginFailAttempts"] == 5

    check_never_shown(task, tmp_path)
    # the edit itself keeps every secret as it was written
    text = conf.read_text()
    assert "password: |\n    %s\n" % DB_PASSWORD in text and "password=%s" % URL_PASSWORD in text
    assert "# owner of this file: %s" % OPTION_VALUE in text
    env_text = env_file.read_text()
    assert "DB_USER_PASSWORD=%s\n" % ENV_USER_PASSWORD in env_text and "password=%s" % ENV_PASSWORD in env_text
    assert env_file.stat().st_mode & 0o777 == 0o600


def test_server_config_failure_message_is_masked(tmp_path):
    conf = tmp_path / "openmetadata.yaml"
    conf.write_text(SERVER_YAML + "database:\n  password: %s\n" % DB_PASSWORD)  # duplicate key: refused
    task = [{"name": "config", "register": "out", "ignore_errors": True,
             "openmetadata.ops.server_config": {"path": str(conf), "target_version": "1.2.5"}}]
    run = run_playbook(task, tmp_path, diff=True, verbosity=1)
    assert run.result("config").get("failed"), run.output[-2000:]
    assert leaked(run.output + run.stderr) == []


def test_compose_config_masks_list_and_mapping_environment_and_db_params(tmp_path):
    project = tmp_path / "catalog"
    project.mkdir()
    compose = project / "docker-compose.yml"
    compose.write_text(COMPOSE)
    (project / ".env").write_text(COMPOSE_ENV)
    task = [{"name": "compose", "register": "out", "openmetadata.ops.compose_config": {
        "path": str(compose), "target_version": "1.2.5", "backup": False, "env_files": [".env"]}}]

    dry = run_playbook(task, tmp_path, check=True, diff=True, verbosity=1)
    result = dry.result("compose")
    assert dry.rc == 0 and result["changed"], dry.output[-3000:]
    assert leaked(dry.output + dry.stderr) == []
    before = "\n".join(d["before"] for d in result["diff"])
    assert '- "DB_USER_PASSWORD=%s"' % MASK in before and "DB_USER_PASSWORD: %s" % MASK in before
    assert "password=%s" % MASK in "\n".join(result["changes"]) + before

    check_never_shown(task, tmp_path)
    text = compose.read_text()
    assert '- "DB_USER_PASSWORD=%s"' % LIST_PASSWORD in text and "DB_USER_PASSWORD: %s" % MAP_PASSWORD in text
    assert "password=%s" % ENV_PASSWORD in (project / ".env").read_text()


def test_ingestion_config_masks_block_scalars_and_url_passwords(tmp_path):
    workflow = tmp_path / "domo.yaml"
    workflow.write_text(WORKFLOW)
    task = [{"name": "ingestion", "register": "out", "openmetadata.ops.ingestion_config": {
        "paths": [str(workflow)], "kinds": ["workflow"]}}]

    dry = run_playbook(task, tmp_path, check=True, diff=True, verbosity=1)
    result = dry.result("ingestion")
    assert dry.rc == 0 and result["changed"], dry.output[-3000:]
    assert leaked(dry.output + dry.stderr) == []
    before = "\n".join(d["before"] for d in result["diff"])
    assert "jwtToken: |\n        %s\n" % MASK in before and "https://svc:%s@api.domo.com" % MASK in before

    check_never_shown(task, tmp_path)
    text = workflow.read_text()
    assert "instanceDomain" in text and HOST_PASSWORD in text and BLOCK_TOKEN in text


def test_settings_resolved_from_the_no_log_env_are_returned_usable(tmp_path):
    """env is no_log, and Ansible replaces a result value equal to one of its values (a number holding one) by
    VALUE_SPECIFIED_IN_NO_LOG_PARAMETER: removed_settings, written to the settings API from this result, keeps them."""
    conf = tmp_path / "openmetadata.yaml"
    conf.write_text(SERVER_YAML)
    logo = "https://cdn.example.com/from-env-logo.png"
    env = {"OM_CUSTOM_LOGO_URL_PATH": logo, "OM_MAX_FAILED_LOGIN_ATTEMPTS": "5", "JWT_EXPIRY_TIME": "3600",
           "OM_LOGIN_ACCESS_BLOCK_TIME": "60", "DB_USER_PASSWORD": ENV_USER_PASSWORD}
    task = [{"name": "config", "register": "out", "openmetadata.ops.server_config": {
        "path": str(conf), "target_version": "1.2.5", "engine": "mysql", "env": env}}]
    run = run_playbook(task, tmp_path, check=True)
    result = run.result("config")
    assert run.rc == 0, run.output[-3000:]
    assert result["removed_settings"] == {
        "customLogoConfiguration": {"customLogoUrlPath": logo, "customMonogramUrlPath": ""},
        "loginConfiguration": {"maxLoginFailAttempts": 5, "accessBlockTime": 60, "jwtTokenExpiryTime": 3600}}
    assert ENV_USER_PASSWORD not in run.output
