"""Running the upgrade as AWX / Automation Controller does (examples/awx/, docs/awx.md).

- The survey (examples/awx/survey.json) against the roles' meta/argument_specs.yml and the
  playbook variables of docs/upgrade.md, and against AWX's own survey rules: they cannot drift.
- Every boolean the survey sets is cast with ``| bool`` where the roles and playbooks use it
  (AWX sends survey answers as strings: "false" is a true value for Jinja).
- The job template and credential types use options awx.awx knows; secrets only reach the job as
  files whose paths are in the environment, never as extra vars.
- ansible-runner (AWX's engine) runs playbooks/upgrade.yml against a stand-in OpenMetadata 1.1.7
  site on a private PostgreSQL with password authentication, with a private data dir laid out the
  way AWX lays it out; the job events carry the summary and no secret is in any artifact.
- ansible-builder introspects the collection and writes the EE's build context offline; the EE
  definition agrees with scripts/ee-base.sh and the tested pins. The image itself is built and a job
  run inside it by test_awx_ee.py (marker awx_ee, make ee-image).
"""
from __future__ import annotations

import copy
import json
import os
import pathlib
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import uuid
from typing import Any, Iterator

import jinja2.sandbox
import pytest
import yaml

from fixtures import om_database
from harness import ANSIBLE_PLAYBOOK, COLLECTIONS, REPO, unique_name
from test_upgrade import SOURCE, TARGET, UpgradeHost
from test_upgrade import dist  # noqa: F401  # pylint: disable=unused-import  # the packed releases (a fixture)

AWX = REPO / "examples" / "awx"
BIN = pathlib.Path(sys.executable).parent
AWX_MODULES = BIN.parent / "lib" / ("python%d.%d" % sys.version_info[:2]) / "site-packages" / "ansible_collections" / \
    "awx" / "awx" / "plugins" / "modules"
SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}
BOOL_STRINGS = {"true", "false"}
SECRET_VARIABLES = {"openmetadata_db_password", "openmetadata_db_admin_password", "openmetadata_jwt_token"}


def load_json(name: str) -> Any:
    return json.loads((AWX / name).read_text())


# --- what the collection declares --------------------------------------------------------------

def role_specs() -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """variable -> [(role:entry point, option spec)] over every role's meta/argument_specs.yml."""
    found: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for path in sorted(REPO.glob("roles/*/meta/argument_specs.yml")):
        specs = yaml.safe_load(path.read_text())["argument_specs"]
        for entry, spec in specs.items():
            for name, option in (spec.get("options") or {}).items():
                found.setdefault(name, []).append(("%s:%s" % (path.parts[-3], entry), option))
    return found


def playbook_variables() -> set[str]:
    """The playbook's own variables: the table in docs/upgrade.md."""
    text = (REPO / "docs" / "upgrade.md").read_text()
    return set(re.findall(r"^\| `(openmetadata_[a-z0-9_]+)` \|", text, re.M))


# --- the survey checks -------------------------------------------------------------------------

def awx_survey_problems(survey: dict[str, Any]) -> list[str]:
    """What AWX's survey spec validation would refuse (awx/api survey_spec POST rules)."""
    problems = []
    for key in ("name", "description", "spec"):
        if key not in survey:
            problems.append("'%s' missing from survey spec" % key)
    seen: set[str] = set()
    for number, question in enumerate(survey.get("spec", [])):
        where = "question %d (%s)" % (number, question.get("variable"))
        for key in ("question_name", "variable", "type", "required"):
            if key not in question:
                problems.append("%s: '%s' missing" % (where, key))
        if question.get("type") not in SURVEY_TYPES:
            problems.append("%s: type %r is not one of %s" % (where, question.get("type"), sorted(SURVEY_TYPES)))
        if not isinstance(question.get("required"), bool):
            problems.append("%s: required must be true or false" % where)
        variable = question.get("variable", "")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", variable or ""):
            problems.append("%s: %r is not a variable name" % (where, variable))
        if variable in seen:
            problems.append("%s: variable used twice" % where)
        seen.add(variable)
        default = question.get("default")
        kind = question.get("type")
        if kind in ("text", "textarea", "password") and default not in (None, ""):
            if not isinstance(default, str):
                problems.append("%s: default must be a string" % where)
            elif not (question.get("min") or 0) <= len(default) <= (question.get("max") or 1024):
                problems.append("%s: default %r is not within min/max length" % (where, default))
        if kind in ("multiplechoice", "multiselect"):
            choices = question.get("choices")
            if isinstance(choices, str):
                choices = choices.split("\n")
            if not isinstance(choices, list) or not choices:
                problems.append("%s: choices must be a list" % where)
                continue
            defaults = (default or "").split("\n") if kind == "multiselect" else [default]
            for value in defaults:
                if value not in (None, "") and value not in choices:
                    problems.append("%s: default %r is not one of the choices %s" % (where, value, choices))
    return problems


def spec_problems(survey: dict[str, Any], specs: dict[str, list[tuple[str, dict[str, Any]]]],
                  documented: set[str]) -> list[str]:
    """Where the survey disagrees with the roles' argument_specs (or the documented playbook variables)."""
    problems = []
    for question in survey["spec"]:
        variable, kind, default = question["variable"], question["type"], question.get("default")
        if variable in SECRET_VARIABLES or kind == "password":
            problems.append("%s: a secret does not belong in a survey (extra vars); use a credential" % variable)
        options = specs.get(variable, [])
        if not options:
            if variable not in documented:
                problems.append("%s: in no role's argument_specs and not a documented playbook variable" % variable)
            continue
        for where, option in options:
            spec_type = option.get("type", "str")
            choices = question.get("choices") if kind == "multiplechoice" else None
            if spec_type == "bool":
                if kind != "multiplechoice" or set(choices or []) != BOOL_STRINGS:
                    problems.append("%s: bool in %s, so the survey needs choices \"true\"/\"false\"" % (variable, where))
                if "default" in option and str(default).lower() != str(option["default"]).lower():
                    problems.append("%s: survey default %r, %s default %r" % (variable, default, where, option["default"]))
            elif spec_type in ("str", "path", "raw"):
                if kind not in ("text", "textarea", "multiplechoice"):
                    problems.append("%s: %s in %s, survey type %s" % (variable, spec_type, where, kind))
                if option.get("choices"):
                    if kind != "multiplechoice" or not set(choices or []) <= {str(c) for c in option["choices"]}:
                        problems.append("%s: choices %s do not fit %s's %s" % (variable, choices, where, option["choices"]))
                # A path's default is where things go (the backup folder): the survey must not move it
                # silently. A str default may be a placeholder (search's target_version "1.2").
                if spec_type == "path" and option.get("default") not in (None, "") and default != option["default"]:
                    problems.append("%s: survey default %r, %s default %r" % (variable, default, where, option["default"]))
            elif spec_type in ("int", "float"):
                if kind not in ("integer", "float"):
                    problems.append("%s: %s in %s, survey type %s" % (variable, spec_type, where, kind))
            else:
                problems.append("%s: %s options cannot come from a survey (%s)" % (variable, spec_type, where))
    return problems


def survey_problems(survey: dict[str, Any]) -> list[str]:
    return awx_survey_problems(survey) + spec_problems(survey, role_specs(), playbook_variables())


def test_survey_matches_awx_rules_and_the_roles_argument_specs():
    survey = load_json("survey.json")
    assert survey_problems(survey) == []
    variables = {question["variable"]: question for question in survey["spec"]}
    # The four answers of issue 11, under the names the roles use.
    assert set(variables) == {"openmetadata_target_version", "openmetadata_backup_dir",
                              "openmetadata_accept_query_loss", "openmetadata_upgrade_dry_run"}
    target = variables["openmetadata_target_version"]["default"]
    assert re.fullmatch(r"1\.2\.\d+", target), "the survey offers the 1.1 -> 1.2 hop only, not %s" % target
    # Upgrading is never the silent default: query loss and check mode are asked for explicitly.
    assert variables["openmetadata_accept_query_loss"]["default"] == "false"


def _drift(mutate) -> dict[str, Any]:
    survey = copy.deepcopy(load_json("survey.json"))
    mutate({question["variable"]: question for question in survey["spec"]}, survey)
    return survey


DRIFTS = {
    "renamed variable": lambda q, s: q["openmetadata_backup_dir"].update(variable="openmetadata_backup_folder"),
    "bool as yes/no": lambda q, s: q["openmetadata_accept_query_loss"].update(choices=["no", "yes"], default="no"),
    "bool default differs from the role": lambda q, s: q["openmetadata_accept_query_loss"].update(default="true"),
    "bool as free text": lambda q, s: q["openmetadata_upgrade_dry_run"].update(type="text", choices=""),
    "default not a choice": lambda q, s: q["openmetadata_upgrade_dry_run"].update(default="maybe"),
    "default too long": lambda q, s: q["openmetadata_target_version"].update(max=3),
    "path default differs": lambda q, s: q["openmetadata_backup_dir"].update(default="/tmp"),
    "unknown type": lambda q, s: q["openmetadata_target_version"].update(type="string"),
    "secret in the survey": lambda q, s: s["spec"].append({"question_name": "DB password", "variable": "openmetadata_db_password",
                                                           "type": "password", "required": True}),
    "duplicate variable": lambda q, s: s["spec"].append(dict(q["openmetadata_backup_dir"])),
    "no name": lambda q, s: s.pop("name"),
}


@pytest.mark.parametrize("drift", sorted(DRIFTS))
def test_a_drifted_survey_is_caught(drift):
    assert survey_problems(_drift(DRIFTS[drift])), "the survey check let '%s' through" % drift


def test_a_role_spec_change_is_caught():
    """The other side: a role renaming the variable (or making it an int) breaks the survey check."""
    survey = load_json("survey.json")
    specs = role_specs()
    renamed = {name: value for name, value in specs.items() if name != "openmetadata_accept_query_loss"}
    assert spec_problems(survey, renamed, playbook_variables())
    retyped = copy.deepcopy(specs)
    for _where, option in retyped["openmetadata_backup_dir"]:
        option["type"] = "int"
    assert spec_problems(survey, retyped, playbook_variables())


# --- booleans arrive as strings -----------------------------------------------------------------

CONDITION_KEYS = {"when", "that", "failed_when", "changed_when", "until"}


def _expressions(node: Any, key: str = "") -> Iterator[str]:
    """The Jinja expressions in a parsed task file: conditions, and what is inside {{ }} / {% %}."""
    if isinstance(node, dict):
        for child_key, value in node.items():
            yield from _expressions(value, str(child_key))
    elif isinstance(node, list):
        for value in node:
            yield from _expressions(value, key)
    elif isinstance(node, str):
        if key in CONDITION_KEYS:
            yield node
        for expression, statement in re.findall(r"\{\{(.*?)\}\}|\{%(.*?)%\}", node, re.S):
            yield expression or statement


def uncast_uses(variable: str, texts: dict[str, str]) -> list[str]:
    """Places where ``variable`` is used in an expression without ``| bool`` right after it."""
    bad = []
    pattern = re.compile(r"\b%s\b(?!\s*\|\s*bool\b)(?!\s*\|\s*default\([^)]*\)\s*\|\s*bool\b)" % re.escape(variable))
    for where, text in texts.items():
        try:
            parsed = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        for expression in _expressions(parsed):
            if pattern.search(expression):
                bad.append("%s: %s" % (where, expression.strip()))
    return bad


def task_files() -> dict[str, str]:
    files = list(REPO.glob("roles/*/tasks/*.yml")) + list(REPO.glob("roles/*/handlers/*.yml")) + \
        list(REPO.glob("roles/*/vars/*.yml")) + list(REPO.glob("playbooks/*.yml"))
    return {str(path.relative_to(REPO)): path.read_text() for path in sorted(files)}


def test_every_survey_boolean_is_cast_where_it_is_used():
    survey = load_json("survey.json")
    booleans = [q["variable"] for q in survey["spec"] if set(q.get("choices") or []) == BOOL_STRINGS]
    assert booleans, "the survey has no true/false questions any more: is this test still needed?"
    files = task_files()
    for variable in booleans:
        assert any(variable in text for text in files.values()), "%s is used nowhere" % variable
        assert uncast_uses(variable, files) == []


def test_the_cast_check_finds_an_uncast_use():
    texts = {"t.yml": "- name: x\n  ansible.builtin.debug:\n    msg: hi\n  when: openmetadata_accept_query_loss\n",
             "u.yml": "- name: y\n  m:\n    accept: \"{{ openmetadata_accept_query_loss }}\"\n",
             "ok.yml": "- name: z\n  m:\n    a: \"{{ openmetadata_accept_query_loss | bool }}\"\n"
                       "  when: openmetadata_accept_query_loss | default(false) | bool\n"}
    assert [line.split(":")[0] for line in uncast_uses("openmetadata_accept_query_loss", texts)] == ["t.yml", "u.yml"]


# --- job template and credential types -----------------------------------------------------------

def awx_module_options(module: str) -> dict[str, Any]:
    if not AWX_MODULES.is_dir():
        pytest.fail("awx.awx (bundled with the ansible package) is not installed in this venv (make venv)", pytrace=False)
    source = (AWX_MODULES / ("%s.py" % module)).read_text()
    match = re.search(r"DOCUMENTATION = r?'''(.*?)'''", source, re.S) or re.search(r'DOCUMENTATION = r?"""(.*?)"""', source, re.S)
    return yaml.safe_load(match.group(1))["options"]


def test_job_template_is_what_awx_awx_takes():
    template = load_json("job_template.json")
    options = awx_module_options("job_template")
    assert set(template) - set(options) == set()
    assert template["job_type"] in options["job_type"]["choices"]
    assert template["playbook"] == "playbooks/upgrade.yml" and (REPO / template["playbook"]).is_file()
    # Dry run = job type check, offered on launch; diff shows the configuration changes.
    assert template["ask_job_type_on_launch"] is True and template["diff_mode"] is True
    assert template["allow_simultaneous"] is False, "two upgrades of the same hosts at once"
    assert not template["extra_vars"], "extra vars are printed in the job details: no values here"
    assert template["survey_enabled"] is True
    credential_types = {load_json(name)["name"] for name in ("credential_type_database.json", "credential_type_jwt.json")}
    assert credential_types <= set(template["credentials"])


@pytest.mark.parametrize("name", ["credential_type_database.json", "credential_type_jwt.json"])
def test_credential_types_put_secrets_in_files_only(name):
    credential_type = load_json(name)
    assert set(credential_type) - set(awx_module_options("credential_type")) == set()
    assert credential_type["kind"] in ("cloud", "net"), "AWX only accepts custom credential types of kind cloud or net"
    fields = {field["id"]: field for field in credential_type["inputs"]["fields"]}
    secrets = {fid for fid, field in fields.items() if field.get("secret")}
    assert secrets and set(credential_type["inputs"]["required"]) <= set(fields)
    injectors = credential_type["injectors"]
    assert set(injectors) <= {"file", "env"}, "no extra_vars injector: extra vars are shown with the job"
    for variable, template in injectors["env"].items():
        used = set(re.findall(r"\{\{\s*(\w+)", template))
        assert not used & secrets, "%s would put a secret into the job's environment (runner's artifacts/command)" % variable
        if "PASSWORD" in variable or "TOKEN" in variable:
            assert template.startswith("{{ tower.filename."), variable
    injected = set().union(*(re.findall(r"\{\{\s*(\w+)", t) for t in injectors["file"].values()))
    assert secrets <= injected, "a secret input reaches the job no way"


def test_group_vars_read_secrets_through_the_credential_variables():
    group_vars = yaml.safe_load((AWX / "group_vars_openmetadata.yml").read_text())
    env_names = set()
    for name in ("credential_type_database.json", "credential_type_jwt.json"):
        env_names |= set(load_json(name)["injectors"]["env"])
    for secret in SECRET_VARIABLES:
        assert "lookup('ansible.builtin.env', 'OPENMETADATA_" in group_vars[secret], secret
    used = set(re.findall(r"'(OPENMETADATA_[A-Z_]+)'", yaml.safe_dump(group_vars)))
    assert used == env_names


# --- ansible-builder -----------------------------------------------------------------------------

def _builder(*args: str, cwd: pathlib.Path) -> subprocess.CompletedProcess:
    builder = BIN / "ansible-builder"
    if not builder.exists():
        pytest.fail("ansible-builder not installed (requirements-dev.txt: make venv)", pytrace=False)
    return subprocess.run([str(builder)] + list(args), cwd=str(cwd), capture_output=True, text=True, check=False,
                          timeout=300)


def _requirement_names(path: pathlib.Path) -> list[str]:
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return [re.split(r"[<>=!~\[ ]", line, maxsplit=1)[0] for line in lines if line]


def test_ansible_builder_introspects_the_collection(tmp_path):
    """What ansible-builder's builder stage reads from an installed openmetadata.ops."""
    from ansible_builder.ee_schema import validate_schema  # pylint: disable=import-outside-toplevel

    validate_schema(yaml.safe_load((REPO / "meta" / "execution-environment.yml").read_text()))
    root = tmp_path / "ansible_collections" / "openmetadata"
    root.mkdir(parents=True)
    (root / "ops").symlink_to(REPO)
    proc = _builder("introspect", "--sanitize", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    found = yaml.safe_load(proc.stdout)
    python = [line.split("#")[0].strip() for line in found["python"]]
    system = [line.split("#")[0].strip() for line in found["system"]]
    assert all("from collection openmetadata.ops" in line for line in found["python"] + found["system"])
    assert [re.split(r"[<>=!~ ]", line, maxsplit=1)[0] for line in python] == ["PyMySQL", "psycopg2-binary", "ruamel.yaml"]
    assert [re.split(r"[<>=!~ ]", line, maxsplit=1)[0] for line in python] == _requirement_names(REPO / "requirements.txt")
    assert system == [line.split("#")[0].strip() for line in (REPO / "bindep.txt").read_text().splitlines()
                      if line.strip() and not line.startswith("#")]
    assert {line.split()[0] for line in system} == {"mariadb-client", "postgresql-client", "mariadb", "postgresql"}


def test_ansible_builder_writes_the_ee_build_context_offline(tmp_path):
    """The collection tarball installs without Galaxy, and the Containerfile pins what the project tests with."""
    galaxy = BIN / "ansible-galaxy"
    subprocess.run([str(galaxy), "collection", "build", "--force", "--output-path", str(tmp_path / "dist"), str(REPO)],
                   check=True, capture_output=True, timeout=300)
    definition = tmp_path / "ee"
    shutil.copytree(AWX, definition, ignore=shutil.ignore_patterns("*.tar.gz"))
    (tarball,) = (tmp_path / "dist").glob("openmetadata-ops-*.tar.gz")
    shutil.copy(tarball, definition / "ee-files" / "openmetadata-ops.tar.gz")
    proc = _builder("create", "-f", str(definition / "execution-environment.yml"), "-c", str(tmp_path / "context"),
                    cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    context = tmp_path / "context"
    (containerfile,) = [p for p in (context / "Containerfile", context / "Dockerfile") if p.exists()]
    text = containerfile.read_text()
    pins = dict(line.split("==") for line in (REPO / "requirements-dev.txt").read_text().splitlines()
                if line.startswith(("ansible-core==", "ansible-runner==")))
    assert 'ANSIBLE_INSTALL_REFS="ansible-core==%s ansible-runner==%s"' % (pins["ansible-core"], pins["ansible-runner"]) in text
    assert "ansible-galaxy collection install" in text and "-r requirements.yml" in text
    assert (context / "_build" / "collections" / "openmetadata-ops.tar.gz").is_file()
    # The galaxy stage, without a container: requirements.yml names the tarball where the build copies it.
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert [c["name"] for c in requirements["collections"]] == ["/build/collections/openmetadata-ops.tar.gz"]
    installed = tmp_path / "installed"
    proc = subprocess.run([str(galaxy), "collection", "install", "--offline", "-p", str(installed),
                           str(context / "_build" / "collections" / "openmetadata-ops.tar.gz")],
                          capture_output=True, text=True, check=False, timeout=300, cwd=tmp_path,
                          env={k: v for k, v in dict(os.environ, ANSIBLE_HOME=str(tmp_path / "home")).items()
                               if k != "ANSIBLE_COLLECTIONS_PATH"})  # else: "already installed" (the link tree);
    # cwd: away from the checkout's ansible.cfg, whose collections_path is that link tree too
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The builder stage: introspection of what the galaxy stage installed.
    proc = _builder("introspect", "--sanitize", str(installed), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "PyMySQL" in proc.stdout and "postgresql-client" in proc.stdout


def test_ee_definition_builds_on_the_debian_base_with_the_tested_pins():
    """make ee-image (scripts/ee-base.sh, scripts/ee-image.sh) and the definition agree: the base image
    the script makes, apt-get, the tag of the collection's version, the pins of requirements-dev.txt."""
    definition = yaml.safe_load((AWX / "execution-environment.yml").read_text())
    base_script = (REPO / "scripts" / "ee-base.sh").read_text()
    base = re.search(r"^IMAGE=\$\{OM_EE_BASE_IMAGE:-([^}]+)\}", base_script, re.M).group(1)
    assert definition["images"]["base_image"]["name"] == base
    assert definition["options"]["package_manager_path"] == "/usr/bin/apt-get"
    assert definition["options"]["skip_pip_install"] is True, "Debian's ensurepip refuses the system Python"
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    assert definition["options"]["tags"] == ["localhost/openmetadata-ops-ee:%s" % version]
    dev_pins = dict(line.split("==") for line in (REPO / "requirements-dev.txt").read_text().splitlines()
                    if "==" in line and not line.startswith("#"))
    ee_pins = dict(line.split("==") for line in (AWX / "ee-files" / "requirements.txt").read_text().splitlines()
                   if "==" in line and not line.startswith("#"))
    assert ee_pins and all(dev_pins.get(name) == pin for name, pin in ee_pins.items()), (ee_pins, dev_pins)
    assert _requirement_names(REPO / "requirements.txt") == [name for name in ee_pins if name != "cryptography"]
    for key in ("ansible_core", "ansible_runner"):
        name, pin = definition["dependencies"][key]["package_pip"].split("==")
        assert dev_pins[name] == pin


# --- the upgrade through ansible-runner ----------------------------------------------------------

def inject(credential_type: dict[str, Any], inputs: dict[str, str], private_data_dir: pathlib.Path) -> dict[str, str]:
    """What AWX does with a credential's injectors: files (0600) in the private data dir, env vars."""
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    values = {field["id"]: inputs.get(field["id"], "") for field in credential_type["inputs"]["fields"]}
    filenames: dict[str, str] = {}
    for key, template in credential_type["injectors"].get("file", {}).items():
        handle, path = tempfile.mkstemp(dir=str(private_data_dir / "env"))
        with os.fdopen(handle, "w") as out:
            out.write(env.from_string(template).render(**values))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        filenames[key.split(".", 1)[1] if "." in key else ""] = path
    tower = {"filename": filenames.get("") or filenames}
    return {name: env.from_string(template).render(tower=tower, **values)
            for name, template in credential_type["injectors"].get("env", {}).items()}


class AwxHost(UpgradeHost):
    """The stand-in 1.1.7 site of test_upgrade, on a database user with a real password."""

    def __init__(self, server: dict[str, Any], tmp_path: pathlib.Path, dist_dir: pathlib.Path,
                 db_user: str, db_password: str) -> None:
        super().__init__("postgresql", server, tmp_path, dist_dir)
        self.db_name = unique_name("om_awx")
        self.db_user, self.db_password = db_user, db_password

    def host_vars(self) -> dict[str, Any]:
        variables = super().host_vars()
        variables.update(openmetadata_db_name=self.db_name, openmetadata_db_user=self.db_user,
                         openmetadata_db_password=self.db_password,
                         # The DB setting for this database only (ALTER DATABASE ... SET work_mem).
                         openmetadata_db_tuning_scope="database")
        return variables

    def secrets(self) -> dict[str, str]:
        return {"database password": self.db_password, "admin password": self.server["password"],
                "bot JWT": self.jwt_token()}


@pytest.fixture
def awx_site(tmp_path, private_postgresql_restartable, dist) -> Iterator[AwxHost]:  # pylint: disable=redefined-outer-name
    """A 1.1.7 site whose OpenMetadata database belongs to a user with a password (scram)."""
    server = private_postgresql_restartable
    db_user = unique_name("om_awx_user")
    db_password = "Awx-S3cret-%s" % uuid.uuid4().hex[:12]
    admin = om_database.connect("postgresql", None, port=server["port"], user=server["user"], password=server["password"])
    with admin.cursor() as cur:
        cur.execute('CREATE ROLE "%s" LOGIN CREATEDB PASSWORD %%s' % db_user, (db_password,))
    host = AwxHost(server, tmp_path, dist, db_user, db_password)
    try:
        om_database.build("postgresql", host.db_name, port=server["port"], user=db_user, password=db_password)
        host.setup()
        yield host
    finally:
        host.teardown()
        om_database.drop("postgresql", host.db_name, port=server["port"], user=server["user"], password=server["password"])
        with admin.cursor() as cur:
            cur.execute('DROP ROLE IF EXISTS "%s"' % db_user)
        admin.close()


class AwxJob:  # pylint: disable=too-few-public-methods
    """One job as AWX runs it: a private data dir, ansible_runner.run, its artifacts."""

    def __init__(self, host: AwxHost, ident: str, survey_answers: dict[str, str], cmdline: str) -> None:
        import ansible_runner  # pylint: disable=import-outside-toplevel

        self.host = host
        self.dir = host.tmp / ("awx-job-%s" % ident)
        (self.dir / "env").mkdir(parents=True)
        (self.dir / "inventory").mkdir()
        shutil.copytree(REPO / "playbooks", self.dir / "project" / "playbooks")
        self._inventory()
        env = {"JOB_ID": ident, "AWX_HOST": "https://awx.example.com", "ANSIBLE_RETRY_FILES_ENABLED": "False",
               # The EE's collections (/usr/share/ansible/collections in the image).
               "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS),
               "ANSIBLE_LOCAL_TEMP": str(self.dir / "tmp"), "ANSIBLE_HOME": str(self.dir / "home"),
               "PATH": "%s:%s" % (pathlib.Path(ANSIBLE_PLAYBOOK).parent, os.environ.get("PATH", ""))}
        env.update(inject(load_json("credential_type_database.json"),
                          {"db_password": host.db_password, "db_admin_user": host.server["user"],
                           "db_admin_password": host.server["password"]}, self.dir))
        env.update(inject(load_json("credential_type_jwt.json"), {"jwt_token": host.jwt_token()}, self.dir))
        (self.dir / "env" / "envvars").write_text(yaml.safe_dump(env))
        extra = {"awx_job_id": int(ident), "tower_job_id": int(ident), "awx_job_template_name": "OpenMetadata upgrade",
                 "awx_job_launch_type": "manual", "awx_user_name": "admin"}
        extra.update(survey_answers)
        (self.dir / "env" / "extravars").write_text(yaml.safe_dump(extra))
        (self.dir / "env" / "settings").write_text(yaml.safe_dump({"job_timeout": 900}))
        self.runner = ansible_runner.run(private_data_dir=str(self.dir), playbook="playbooks/upgrade.yml",
                                         ident=ident, cmdline=cmdline, quiet=True, suppress_env_files=True)
        self.artifacts = self.dir / "artifacts" / ident
        self.events = [json.loads(path.read_text()) for path in sorted(
            (self.artifacts / "job_events").glob("*.json"), key=lambda p: int(p.name.split("-")[0]))]

    def _inventory(self) -> None:
        """AWX hands the job its inventory as an executable script (inventory/hosts)."""
        host_vars = {k: v for k, v in self.host.host_vars().items()
                     if k not in SECRET_VARIABLES | {"openmetadata_db_admin_user"}}
        group_vars = yaml.safe_load((AWX / "group_vars_openmetadata.yml").read_text())
        data = {"all": {"children": ["openmetadata"]}, "openmetadata": {"hosts": ["om"], "vars": group_vars},
                "_meta": {"hostvars": {"om": host_vars}}}
        script = self.dir / "inventory" / "hosts"
        script.write_text("#!%s\nimport json\nprint(json.dumps(%r))\n" % (sys.executable, data))
        script.chmod(0o700)

    def explain(self) -> str:
        stdout = (self.artifacts / "stdout").read_text(errors="replace") if (self.artifacts / "stdout").exists() else ""
        return "status=%s rc=%s\n%s" % (self.runner.status, self.runner.rc, stdout[-6000:])

    def summary(self) -> list[str]:
        shown = [event["event_data"]["res"]["msg"] for event in self.events if event.get("event") == "runner_on_ok"
                 and event["event_data"].get("task", "").endswith("Print the summary")]
        assert shown, "no summary in the job events\n" + self.explain()
        return shown[-1]

    def failures(self) -> list[str]:
        return [str(event["event_data"]["res"].get("msg")) for event in self.events
                if event.get("event") == "runner_on_failed" and not event["event_data"].get("ignore_errors")]

    def leaked(self, secrets: dict[str, str]) -> list[str]:
        found = []
        for path in sorted(self.artifacts.rglob("*")):
            if path.is_file():
                data = path.read_bytes()
                found += ["%s in %s" % (what, path.relative_to(self.dir)) for what, value in secrets.items()
                          if value.encode() in data]
        return found


def answers(**overrides: str) -> dict[str, str]:
    """The survey's answers as AWX puts them into extravars: strings, booleans as "true"/"false"."""
    values = {q["variable"]: q["default"] for q in load_json("survey.json")["spec"]}
    values.update(overrides)
    return values


def test_upgrade_runs_under_ansible_runner_as_awx_runs_it(awx_site):
    """A dry run asked for without check mode changes nothing; the check-mode job and the real job
    succeed with the summary in their events; the survey's backup folder is used; no secret is in
    any artifact of any job."""
    host = awx_site
    backup_dir = host.tmp / "survey-backups"
    survey = answers(openmetadata_target_version=TARGET, openmetadata_backup_dir=str(backup_dir),
                     # The fixture holds queries the 1.2.0 migration deletes: accepted, as a string.
                     openmetadata_accept_query_loss="true")
    assert all(isinstance(value, str) for value in survey.values())
    jobs = []

    refused = AwxJob(host, "41", dict(survey, openmetadata_upgrade_dry_run="true"), cmdline="--diff")
    jobs.append(refused)
    assert refused.runner.status == "failed", refused.explain()
    assert any('Job Type "Check"' in msg for msg in refused.failures()), refused.failures()
    assert host.version() == SOURCE and host.record() == {} and not backup_dir.exists()

    dry = AwxJob(host, "42", dict(survey, openmetadata_upgrade_dry_run="true"), cmdline="--check --diff")
    jobs.append(dry)
    assert dry.runner.status == "successful" and dry.runner.rc == 0, dry.explain()
    assert dry.summary()[0] == "om: check mode: nothing changed"
    assert host.version() == SOURCE and host.current_release() == "openmetadata-%s" % SOURCE

    job = AwxJob(host, "43", dict(survey, openmetadata_upgrade_dry_run="false"), cmdline="--diff")
    jobs.append(job)
    assert job.runner.status == "successful" and job.runner.rc == 0, job.explain()
    assert (job.artifacts / "status").read_text().strip() == "successful"
    summary = job.summary()
    assert summary[0] == "om: upgraded"
    assert summary[1].startswith("version before: %s, after: %s" % (SOURCE, TARGET))
    assert summary[2].startswith("backup: %s/" % backup_dir), "the survey's backup folder was not used: %s" % summary[2]
    stats = [event for event in job.events if event.get("event") == "playbook_on_stats"]
    assert stats and not stats[-1]["event_data"]["failures"] and stats[-1]["event_data"]["changed"].get("om")
    assert host.version() == TARGET

    for done in jobs:
        assert done.events, "no job events in %s" % done.artifacts
        assert done.leaked(host.secrets()) == []
        # What would have put them there: runner writes the job's environment to artifacts/<ident>/command.
        command = json.loads((done.artifacts / "command").read_text())
        assert pathlib.Path(command["env"]["OPENMETADATA_DB_PASSWORD_FILE"]).read_text() == host.db_password
