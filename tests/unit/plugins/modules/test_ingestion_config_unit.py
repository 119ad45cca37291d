"""ingestion_config: golden outputs, idempotence, report-only mode, bad input (module_utils and the module)."""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from ansible_collections.openmetadata.ops.plugins.module_utils.ingestion import om_ingestion
from ansible_collections.openmetadata.ops.plugins.module_utils.ingestion import om_ingestion_cli as cli
from ansible_collections.openmetadata.ops.plugins.module_utils.ingestion import om_ingestion_python as py
from ansible_collections.openmetadata.ops.plugins.module_utils.ingestion import om_ingestion_workflow as wf
from ansible_collections.openmetadata.ops.plugins.module_utils.errors import ConfigError

FIXTURES = pathlib.Path(__file__).resolve().parents[3] / "fixtures" / "om_ingestion"
GOLDEN = FIXTURES / "golden"
INPUTS = ("workflows", "python", "cli", "bad")
REWRITE = {"rewrite_imports": True, "rewrite_cli": True}


def copy_fixtures(target: pathlib.Path) -> pathlib.Path:
    """A copy of the 1.1 fixtures (they refer to each other by relative paths); a deliberately broken or
    unidiomatic file is stored as <name>.txt so linters leave it alone, and copied as <name>."""
    for name in INPUTS:
        for source in (FIXTURES / name).iterdir():
            (target / name).mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name / _real_name(source))
    return target


def _real_name(path: pathlib.Path) -> str:
    return path.name[:-4] if path.name.endswith(".txt") else path.name


def _golden(name: str) -> pathlib.Path:
    plain = GOLDEN / name
    return plain if plain.exists() or not plain.with_name(plain.name + ".txt").exists() else \
        plain.with_name(plain.name + ".txt")


@pytest.fixture()
def tree(tmp_path: pathlib.Path) -> pathlib.Path:
    return copy_fixtures(tmp_path)


def _by_name(result: dict, root: pathlib.Path) -> dict:
    return {str(pathlib.Path(f["path"]).relative_to(root)): f for f in result["files"]}


def _inputs() -> list[str]:
    return sorted("%s/%s" % (name, _real_name(p)) for name in INPUTS[:3] for p in (FIXTURES / name).iterdir())


@pytest.mark.parametrize("name", _inputs())
def test_golden_output(tree: pathlib.Path, name: str) -> None:
    planned = om_ingestion.plan([str(tree / name)], **REWRITE)
    (item,) = planned["files"]
    golden = _golden(name)
    if os.environ.get("OM_REGEN_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(item["new"], encoding="utf-8")
    assert item["new"] == golden.read_text(encoding="utf-8")


def test_every_affected_input_changes_and_the_unaffected_do_not(tree: pathlib.Path) -> None:
    files = _by_name(om_ingestion.plan([str(tree)], **REWRITE), tree)
    changed = {name for name, f in files.items() if f["old"] != f["new"]}
    assert changed == {
        "workflows/domo_database.yaml", "workflows/domo_dashboard.json", "workflows/domo_pipeline.yml",
        "workflows/mysql_metadata.yaml", "python/csv_connector.py", "python/custom_workflows.py",
        "python/dag_mysql_metadata.py", "python/dag_snowflake_usage.py", "cli/run_ingestion.sh", "cli/openmetadata.cron",
    }
    assert files["workflows/snowflake_usage.yaml"]["workflow_type"] == "usage"
    assert files["workflows/postgres_lineage.yaml"]["workflow_type"] == "lineage"


def test_second_run_changes_nothing(tree: pathlib.Path) -> None:
    first = om_ingestion.plan([str(tree)], **REWRITE)
    for item in first["files"]:
        if item["old"] is not None and item["new"] != item["old"]:
            pathlib.Path(item["path"]).write_text(item["new"], encoding="utf-8")
    second = om_ingestion.plan([str(tree)], **REWRITE)
    assert [f["path"] for f in second["files"] if f["new"] != f["old"]] == []
    assert all(not f["changes"] for f in second["files"])


def test_edits_stay_inside_their_spans() -> None:
    text = (FIXTURES / "workflows" / "mysql_metadata.yaml").read_text(encoding="utf-8")
    new = wf.plan_workflow(text, "m.yaml")["text"]
    old_lines, new_lines = text.splitlines(), new.splitlines()
    assert len(old_lines) - len(new_lines) == 1
    assert [line for line in old_lines if "markAllDeletedTables" not in line and "viewParsing" not in line] == \
        [line for line in new_lines if "queryParsing" not in line]
    assert "      queryParsingTimeoutLimit: 600   # seconds per view definition" in new_lines


def test_workflow_kind_comes_from_content_not_name(tmp_path: pathlib.Path) -> None:
    misleading = tmp_path / "snowflake_usage_domo.yaml"
    misleading.write_text("source:\n  type: mysql\n  serviceName: s\n  sourceConfig:\n    config:\n"
                          "      viewParsingTimeoutLimit: 10\n", encoding="utf-8")
    (item,) = om_ingestion.plan([str(misleading)])["files"]
    assert item["workflow_type"] == "metadata"
    assert "queryParsingTimeoutLimit: 10" in item["new"]
    profiler = tmp_path / "mysql_metadata.yaml"
    profiler.write_text("source:\n  type: mysql\n  serviceName: s\n  sourceConfig:\n    config:\n"
                        "      type: Profiler\n      viewParsingTimeoutLimit: 10\n", encoding="utf-8")
    (item,) = om_ingestion.plan([str(profiler)])["files"]
    assert item["new"] == item["old"] and item["workflow_type"] == "profiler"


def test_both_old_and_new_key_keeps_the_new_one_and_reports() -> None:
    text = ("source:\n  type: domodashboard\n  serviceName: d\n  serviceConnection:\n    config:\n"
            "      type: DomoDashboard\n      sandboxDomain: https://old.domo.com\n"
            "      instanceDomain: https://new.domo.com\n")
    planned = wf.plan_workflow(text, "d.yaml")
    assert "sandboxDomain" not in planned["text"] and "https://new.domo.com" in planned["text"]
    assert planned["findings"][0]["line"] == 7


def test_markalldeletedtables_is_a_finding_with_its_line(tree: pathlib.Path) -> None:
    (item,) = om_ingestion.plan([str(tree / "workflows" / "mysql_metadata.yaml")])["files"]
    assert [(f["line"], f["kind"]) for f in item["findings"]] == [(17, "workflow")]
    assert "markAllDeletedTables: true was removed" in item["findings"][0]["message"]


def test_malformed_yaml_is_a_finding_with_position_and_not_changed(tree: pathlib.Path) -> None:
    path = tree / "bad" / "broken_workflow.yaml"
    (item,) = om_ingestion.plan([str(path)], **REWRITE)["files"]
    assert item["new"] == item["old"] == path.read_text(encoding="utf-8")
    (finding,) = item["findings"]
    assert (finding["line"], finding["column"]) == (6, 26)
    assert "not valid YAML" in finding["message"]


def test_malformed_python_is_a_finding(tree: pathlib.Path) -> None:
    (item,) = om_ingestion.plan([str(tree / "bad" / "broken_dag.py")], **REWRITE)["files"]
    assert item["new"] == item["old"]
    assert item["findings"][0]["line"] == 1 and "not valid Python" in item["findings"][0]["message"]


def test_report_only_changes_nothing_but_names_every_move(tree: pathlib.Path) -> None:
    files = _by_name(om_ingestion.plan([str(tree / "python"), str(tree / "cli")]), tree)
    assert all(f["new"] == f["old"] for f in files.values())
    messages = [f["message"] for f in files["python/custom_workflows.py"]["findings"]]
    assert any("metadata.workflow.profiler import ProfilerWorkflow" in m for m in messages)
    assert any("metadata.workflow.usage import UsageWorkflow" in m for m in messages)
    cron = files["cli/openmetadata.cron"]["findings"]
    assert [f["line"] for f in cron] == [3, 5] and all("rewrite_cli=true" in f["message"] for f in cron)


def test_connector_findings_name_their_lines(tree: pathlib.Path) -> None:
    (item,) = om_ingestion.plan([str(tree / "python" / "csv_connector.py")], **REWRITE)["files"]
    lines = {(f["line"], f["message"].split(" ")[0]) for f in item["findings"]}
    assert (18, "CsvTablesSource.__init__") in lines  # metadata_config signature
    assert (27, "CsvTablesSource.create") in lines
    assert (40, "CsvTablesSource.next_record") in lines  # not wrapped in Either
    assert {f["line"] for f in item["findings"] if f["message"].startswith("SourceStatus")} == {11, 23, 42}


def test_print_status_star_import_and_aliases_are_reported_not_rewritten(tree: pathlib.Path) -> None:
    files = _by_name(om_ingestion.plan([str(tree / "python")], **REWRITE), tree)
    assert any(f["line"] == 45 and "print_status(workflow)" in f["message"]
               for f in files["python/dag_mysql_metadata.py"]["findings"])
    tricky = files["python/tricky.py"]
    assert tricky["new"] == tricky["old"]
    assert [f["line"] for f in tricky["findings"]] == [2, 3, 4]


def test_workflow_class_is_decided_by_the_config_it_runs() -> None:
    base = "from metadata.ingestion.api.workflow import Workflow\n\n"
    usage = base + "w = Workflow.create({'source': {'type': 'redshift-usage', 'serviceName': 'r'}})\n"
    planned = py.plan_python(usage, path="u.py", rewrite=True)
    new = cli.apply_edits(usage, planned["edits"])
    assert new == ("from metadata.workflow.usage import UsageWorkflow\n\n"
                   "w = UsageWorkflow.create({'source': {'type': 'redshift-usage', 'serviceName': 'r'}})\n")
    both = usage + "m = Workflow.create({'source': {'type': 'mysql', 'serviceName': 'm'}})\n"
    planned = py.plan_python(both, path="b.py", rewrite=True)
    assert planned["edits"] == [] and "both metadata and usage" in planned["findings"][0]["message"]
    unknown = base + "def run(cfg):\n    Workflow.create(cfg)\n"
    planned = py.plan_python(unknown, path="x.py", rewrite=True)
    assert planned["edits"] == [] and "could not be decided" in planned["findings"][0]["message"]


def test_shared_line_import_is_not_rewritten() -> None:
    text = "from metadata.ingestion.api.source import Source; X = 1\n"
    planned = py.plan_python(text, path="s.py", rewrite=True)
    assert planned["edits"] == [] and "shares its line" in planned["findings"][0]["message"]


def test_shell_words_keep_their_positions() -> None:
    line = "  sudo -u om \"metadata\" ingest --config='a b.yaml' && echo ok # done"
    words = cli.split_words(line)
    assert [w.value for w in words] == ["sudo", "-u", "om", "metadata", "ingest", "--config=a b.yaml", "&&",
                                        "echo", "ok"]
    ingest = words[4]
    assert line[ingest.start:ingest.end] == "ingest" and ingest.plain
    (call,) = cli.find_calls(line)
    assert call["config"].value == "a b.yaml"


def test_missing_paths_and_bad_target_version(tmp_path: pathlib.Path) -> None:
    planned = om_ingestion.plan([str(tmp_path / "nope"), str(tmp_path / "*.yaml")])
    assert [f["kind"] for f in planned["findings"]] == ["path", "path"]
    with pytest.raises(ConfigError, match="not a release this collection supports.*Supported upgrades"):
        om_ingestion.plan([str(tmp_path)], target_version="1.3.0")
    with pytest.raises(ConfigError, match="1.2.99 is not an OpenMetadata release that exists"):
        om_ingestion.plan([str(tmp_path)], target_version="1.2.99")


def test_exclude_and_kinds(tree: pathlib.Path) -> None:
    files = _by_name(om_ingestion.plan([str(tree)], kinds=["workflow"], exclude=["domo_*"]), tree)
    assert sorted(files) == ["bad/broken_workflow.yaml", "workflows/mysql_metadata.yaml",
                             "workflows/postgres_lineage.yaml", "workflows/snowflake_usage.yaml"]


# --- the module itself (check mode, backup, fail_on_error) through ansible's module runner -------------

def _run_module(args: dict, check: bool = False) -> dict:
    module = pathlib.Path(__file__).resolve().parents[4] / "plugins" / "modules" / "ingestion_config.py"
    payload = {"ANSIBLE_MODULE_ARGS": dict(args, _ansible_check_mode=check, _ansible_diff=True)}
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    proc = subprocess.run([sys.executable, str(module)], input=json.dumps(payload), capture_output=True, text=True,
                          env=env, check=False)
    return json.loads(proc.stdout)


def test_module_check_mode_backup_and_second_run(tree: pathlib.Path) -> None:
    target = tree / "workflows" / "domo_database.yaml"
    before = target.read_bytes()
    checked = _run_module({"paths": [str(target)]}, check=True)
    assert checked["changed"] is True and target.read_bytes() == before
    assert checked["diff"][0]["after"].count("instanceDomain") == 1
    written = _run_module({"paths": [str(target)], "backup": True})
    assert written["changed"] is True and written["changes"] == 1
    backup = pathlib.Path(written["files"][0]["backup_file"])
    assert backup.read_bytes() == before and b"instanceDomain" in target.read_bytes()
    again = _run_module({"paths": [str(target)], "backup": True})
    assert again["changed"] is False and again["files_changed"] == []


def test_module_fail_on_error(tree: pathlib.Path) -> None:
    args = {"paths": [str(tree / "bad"), str(tree / "workflows")], "fail_on_error": True}
    result = _run_module(args)
    assert result["failed"] is True and "cannot be read or parsed" in result["msg"]
    assert b"sandboxDomain" in (tree / "workflows" / "domo_database.yaml").read_bytes()
    result = _run_module(dict(args, fail_on_error=False))
    assert result["changed"] is True
    assert sorted((pathlib.Path(f["path"]).name, f["line"]) for f in result["findings"]) == [
        ("broken_dag.py", 1), ("broken_workflow.yaml", 6), ("mysql_metadata.yaml", 17)]


def test_crlf_python_keeps_its_line_ends() -> None:
    text = ("import os\r\nfrom metadata.ingestion.api.source import Source, SourceStatus\r\n"
            "class S(Source):\r\n    pass\r\n")
    planned = py.plan_python(text, path="c.py", rewrite=True)
    new = cli.apply_edits(text, planned["edits"])
    assert new == ("import os\r\nfrom metadata.ingestion.api.steps import Source\r\n"
                   "from metadata.ingestion.api.source import SourceStatus\r\nclass S(Source):\r\n    pass\r\n")
    py.check_compiles(new, "c.py")


def test_json_workflow_removal_keeps_valid_json() -> None:
    text = ('{"source": {"type": "mysql", "serviceName": "m", "sourceConfig": {"config": {\n'
            '  "markAllDeletedTables": false,\n  "type": "DatabaseMetadata",\n  "viewParsingTimeoutLimit": 30}}}}\n')
    planned = wf.plan_workflow(text, "m.json")
    assert json.loads(planned["text"]) == {"source": {"type": "mysql", "serviceName": "m", "sourceConfig": {
        "config": {"type": "DatabaseMetadata", "queryParsingTimeoutLimit": 30}}}}
    assert "markAllDeletedTables: false was removed" in planned["findings"][0]["message"]


def test_only_ingestion_code_is_judged() -> None:
    # A class based on the workflow *model* Source is not a connector; print_status of another library is fine.
    text = ("from metadata.generated.schema.metadataIngestion.workflow import Source as WorkflowSource\n"
            "class MySource(WorkflowSource):\n    def rows(self):\n        yield 1\n")
    assert py.plan_python(text, path="m.py", rewrite=True)["findings"] == []
    assert py.plan_python("import tool\ntool.job.print_status()\n", path="t.py")["findings"] == []


def test_import_shims_for_both_releases_are_left_alone() -> None:
    text = ("try:\n    from metadata.workflow.metadata import MetadataWorkflow\n"
            "except ImportError:  # 1.1\n    from metadata.ingestion.api.workflow import Workflow as MetadataWorkflow\n"
            "MetadataWorkflow.create({'source': {'type': 'mysql', 'serviceName': 'm'}})\n")
    planned = py.plan_python(text, path="shim.py", rewrite=True)
    assert planned["edits"] == [] and planned["findings"] == []


def test_folder_scan_reads_scripts_and_crontabs_not_docs(tmp_path: pathlib.Path) -> None:
    (tmp_path / "usage.yaml").write_text(
        "source:\n  type: mysql-usage\n  serviceName: m\n  sourceConfig:\n    config:\n      type: DatabaseUsage\n",
        encoding="utf-8")
    line = "metadata ingest -c usage.yaml\n"
    for name, text in {"README.md": line, "notes.txt": line, "run": "#!/bin/sh\n" + line, "job.sh": line,
                       "openmetadata-cron": "0 1 * * * " + line}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    files = _by_name(om_ingestion.plan([str(tmp_path)], rewrite_cli=True), tmp_path)
    changed = sorted(name for name, f in files.items() if f["new"] != f["old"])
    assert changed == ["job.sh", "openmetadata-cron", "run"]
    (named,) = om_ingestion.plan([str(tmp_path / "notes.txt")], rewrite_cli=True)["files"]
    assert named["new"] == "metadata usage -c usage.yaml\n"  # a file named explicitly is read whatever its name


@pytest.mark.parametrize("line", [
    "metadata ingest -c a.yaml",
    "cd /opt/om && metadata ingest -c 'my workflows/u.yaml' || echo failed",
    'sudo -u om env A=1 "/opt/venv/bin/metadata" ingest --config="x y.yaml"; date',
    "0 1 * * * metadata ingest -c w\\ 1.yaml >> /var/log/om.log 2>&1",
])
def test_words_match_shlex(line: str) -> None:
    import shlex
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()<>")
    lexer.whitespace_split = True
    assert [w.value for w in cli.split_words(line)] == list(lexer)


def test_backslash_continued_command(tmp_path: pathlib.Path) -> None:
    (tmp_path / "u.yaml").write_text("source:\n  type: snowflake-usage\n  serviceName: s\n", encoding="utf-8")
    script = tmp_path / "run.sh"
    script.write_text("#!/bin/sh\necho start\n/opt/venv/bin/metadata ingest \\\n  -c u.yaml\necho end\n", encoding="utf-8")
    (item,) = om_ingestion.plan([str(script)], rewrite_cli=True)["files"]
    assert item["new"] == "#!/bin/sh\necho start\n/opt/venv/bin/metadata usage \\\n  -c u.yaml\necho end\n"
    assert item["changes"][0].startswith("line 3:")


def test_line_numbers_after_a_continuation(tmp_path: pathlib.Path) -> None:
    (tmp_path / "u.yaml").write_text("source:\n  type: snowflake-usage\n  serviceName: s\n", encoding="utf-8")
    script = tmp_path / "run.sh"
    script.write_text("#!/bin/sh\nmetadata ingest \\\n  -c u.yaml\nmetadata ingest -c u.yaml\n", encoding="utf-8")
    (item,) = om_ingestion.plan([str(script)])["files"]
    assert [f["line"] for f in item["findings"]] == [2, 4]


def test_module_diff_masks_connection_secrets(tmp_path: pathlib.Path) -> None:
    """--diff goes to job logs and AWX events: a literal password or bot token in a workflow stays out."""
    target = tmp_path / "domo.yaml"
    target.write_text(
        "source:\n  type: domodatabase\n  serviceName: domo\n  serviceConnection:\n    config:\n"
        "      type: DomoDatabase\n      clientId: client\n      secretToken: s3cr3t-domo\n"
        "      accessToken: acc3ss-domo\n      sandboxDomain: https://acme.domo.com\n"
        "  sourceConfig:\n    config:\n      type: DatabaseMetadata\n"
        "sink:\n  type: metadata-rest\n  config: {}\n"
        "workflowConfig:\n  openMetadataServerConfig:\n    hostPort: http://om:8585/api\n"
        "    authProvider: openmetadata\n    securityConfig:\n      jwtToken: eyJ-bot-token\n")
    checked = _run_module({"paths": [str(target)]}, check=True)
    assert checked["changed"] is True, checked
    shown = checked["diff"][0]["before"] + checked["diff"][0]["after"]
    assert "instanceDomain" in shown
    for secret in ("s3cr3t-domo", "acc3ss-domo", "eyJ-bot-token"):
        assert secret not in shown
