"""ingestion_config through ansible-playbook, and its output against the real openmetadata-ingestion 1.2.

The tests marked ``ingestion_package`` run the rewritten files in a Python 3.10 venv holding
openmetadata-ingestion 1.2.5.x from PyPI (scripts/ingestion-venv.sh, `make ingestion-venv`): the Python
files must compile and every ``metadata.*`` import in them must resolve there, and the workflow files must
load with 1.2's own workflow model. The same checks on the untouched 1.1 files must fail.
"""
from __future__ import annotations

import fcntl
import json
import os
import pathlib
import shutil
import subprocess

import pytest

from harness import REPO, run_playbook

FIXTURES = REPO / "tests" / "fixtures" / "om_ingestion"
INPUTS = ("workflows", "python", "cli", "bad")
VENV = pathlib.Path(os.environ.get("OM_INGESTION_VENV", REPO / ".build" / "ingestion-venv-1.2"))

# Runs inside the 1.2 venv: compile each file, resolve each metadata.* import, load each workflow.
CHECKER = r'''
import ast, importlib, json, sys
out = {}
for path in json.loads(sys.argv[1]):
    text = open(path, encoding="utf-8").read()
    if path.endswith(".py"):
        entry = {"compiles": True, "unresolved": [], "checked": 0}
        try:
            tree = ast.parse(compile(text, path, "exec", ast.PyCF_ONLY_AST))
        except SyntaxError as exc:
            out[path] = {"compiles": False, "error": str(exc)}
            continue
        for node in ast.walk(tree):
            pairs = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "metadata":
                pairs = [(node.module, a.name) for a in node.names]
            elif isinstance(node, ast.Import):
                pairs = [(a.name, None) for a in node.names if a.name.split(".")[0] == "metadata"]
            for module, name in pairs:
                entry["checked"] += 1
                try:
                    loaded = importlib.import_module(module)
                    if name and name != "*" and not hasattr(loaded, name):
                        importlib.import_module(module + "." + name)
                except Exception as exc:
                    entry["unresolved"].append([node.lineno, module + ("." + name if name else ""),
                                                type(exc).__name__])
        out[path] = entry
    else:
        import yaml
        from metadata.ingestion.api.parser import parse_workflow_config_gracefully
        try:
            parse_workflow_config_gracefully(yaml.safe_load(text))
            out[path] = {"loads": True}
        except Exception as exc:
            out[path] = {"loads": False, "error": "%s: %s" % (type(exc).__name__, str(exc).splitlines()[0])}
print(json.dumps(out))
'''


@pytest.fixture()
def tree(tmp_path: pathlib.Path) -> pathlib.Path:
    """The 1.1 fixtures; <name>.txt (kept away from the linters) is copied as <name>."""
    root = tmp_path / "ingestion"
    for name in INPUTS:
        (root / name).mkdir(parents=True)
        for source in (FIXTURES / name).iterdir():
            shutil.copy2(source, root / name / (source.name[:-4] if source.name.endswith(".txt") else source.name))
    return root


def _module_task(name: str, **args: object) -> dict:
    return {"name": name, "openmetadata.ops.ingestion_config": args, "register": "out"}


def test_playbook_check_mode_rewrite_and_second_run(tree: pathlib.Path, tmp_path: pathlib.Path) -> None:
    before = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}
    args = {"paths": [str(tree / "workflows"), str(tree / "python"), str(tree / "cli/*")],
            "rewrite_imports": True, "rewrite_cli": True, "backup": True}
    checked = run_playbook([_module_task("migrate ingestion files", **args)], tmp_path, check=True, diff=True)
    assert checked.failed == 0, checked.output[-3000:]
    result = checked.result("migrate ingestion files")
    assert result["changed"] is True and len(result["files_changed"]) == 10
    assert {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()} == before  # check mode wrote nothing

    done = run_playbook([_module_task("migrate ingestion files", **args)], tmp_path, diff=True)
    assert done.failed == 0, done.output[-3000:]
    result = done.result("migrate ingestion files")
    assert result["changed"] is True and result["changes"] >= 15
    assert "metadata usage -c ../workflows/snowflake_usage.yaml" in (tree / "cli" / "openmetadata.cron").read_text()
    backups = [f["backup_file"] for f in result["files"] if f["changed"]]
    assert len(backups) == 10 and all(pathlib.Path(b).is_file() for b in backups)
    lines = {(pathlib.Path(f["path"]).name, f["line"]) for f in result["findings"]}
    assert {("mysql_metadata.yaml", 17), ("csv_connector.py", 18), ("dag_mysql_metadata.py", 45),
            ("run_ingestion.sh", 11)} <= lines

    again = run_playbook([_module_task("migrate ingestion files", **args)], tmp_path)
    assert again.failed == 0 and again.changed == 0, again.output[-3000:]


def test_playbook_reports_a_broken_file_and_fails_only_when_asked(tree: pathlib.Path, tmp_path: pathlib.Path) -> None:
    tasks = [_module_task("report", paths=[str(tree / "bad")]),
             dict(_module_task("strict", paths=[str(tree / "bad")], fail_on_error=True), ignore_errors=True)]
    run = run_playbook(tasks, tmp_path)
    report, strict = run.result("report"), run.result("strict")
    assert report["changed"] is False and {f["line"] for f in report["findings"]} == {1, 6}
    assert strict["failed"] is True and "broken_workflow.yaml is not valid YAML at line 6, column 26" in strict["msg"]


# --- against the real openmetadata-ingestion 1.2 ----------------------------------------------------

@pytest.fixture(scope="session")
def ingestion_python() -> pathlib.Path:
    python = VENV / "bin" / "python"
    if not list(VENV.glob(".complete-*")):
        lock = REPO / ".build" / "ingestion-venv.lock"
        lock.parent.mkdir(parents=True, exist_ok=True)
        with open(lock, "w", encoding="utf-8") as handle:  # two xdist workers: one builds, the other waits
            fcntl.flock(handle, fcntl.LOCK_EX)
            proc = subprocess.run(["bash", str(REPO / "scripts" / "ingestion-venv.sh")], capture_output=True,
                                  text=True, check=False, env=dict(os.environ, OM_INGESTION_VENV=str(VENV)))
        # These tests are the proof against the real package: a venv that cannot be built fails them, like the
        # wheelhouse of the role tests (deselect with -m "not ingestion_package" where PyPI is out of reach).
        assert proc.returncode == 0, "no openmetadata-ingestion 1.2 venv (make ingestion-venv): %s" % proc.stderr[-500:]
    return python


def _check(python: pathlib.Path, paths: list[pathlib.Path]) -> dict:
    proc = subprocess.run([str(python), "-c", CHECKER, json.dumps([str(p) for p in paths])], capture_output=True,
                          text=True, check=False, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {pathlib.Path(k).name: v for k, v in json.loads(proc.stdout.strip().splitlines()[-1]).items()}


def _rewrite(tree: pathlib.Path) -> dict:
    from ansible_collections.openmetadata.ops.plugins.module_utils.ingestion import om_ingestion
    planned = om_ingestion.plan([str(tree / "python"), str(tree / "workflows")], rewrite_imports=True,
                                rewrite_cli=True)
    for item in planned["files"]:
        pathlib.Path(item["path"]).write_text(item["new"], encoding="utf-8")
    return {pathlib.Path(f["path"]).name: f for f in planned["files"]}


@pytest.mark.ingestion_package
def test_rewritten_python_compiles_and_imports_resolve_in_1_2(ingestion_python: pathlib.Path,
                                                              tree: pathlib.Path) -> None:
    planned = _rewrite(tree)
    python_files = sorted((tree / "python").glob("*.py"))
    result = _check(ingestion_python, python_files)
    for name in ("custom_workflows.py", "dag_mysql_metadata.py", "dag_snowflake_usage.py"):
        assert result[name]["compiles"] and result[name]["checked"] >= 1, result[name]
        assert result[name]["unresolved"] == [], (name, result[name])
    # The connector keeps exactly what the module reported as gone (SourceStatus), nothing else.
    connector = result["csv_connector.py"]
    assert connector["compiles"] and [u[1] for u in connector["unresolved"]] == [
        "metadata.ingestion.api.source.SourceStatus"]
    assert any(f["message"].startswith("SourceStatus is gone") for f in planned["csv_connector.py"]["findings"])
    # tricky.py was left alone; each import that does not resolve in 1.2 is on a line the module reported.
    assert [u[0] for u in result["tricky.py"]["unresolved"]] == [2, 3, 4]
    assert [f["line"] for f in planned["tricky.py"]["findings"]] == [2, 3, 4]


@pytest.mark.ingestion_package
def test_the_untouched_1_1_files_fail_the_same_check(ingestion_python: pathlib.Path, tree: pathlib.Path) -> None:
    result = _check(ingestion_python, sorted((tree / "python").glob("*.py")))
    assert ["metadata.ingestion.api.workflow.Workflow"] == [u[1] for u in result["dag_mysql_metadata.py"]["unresolved"]]
    assert [u[0] for u in result["custom_workflows.py"]["unresolved"]] == [6, 7, 8, 9]
    assert [u[1].rsplit(".", 1)[1] for u in result["csv_connector.py"]["unresolved"]] == [
        "InvalidSourceException", "Source", "SourceStatus"]


@pytest.mark.ingestion_package
def test_rewritten_workflows_load_with_the_1_2_model(ingestion_python: pathlib.Path, tree: pathlib.Path) -> None:
    workflows = sorted(p for p in (tree / "workflows").iterdir())
    before = _check(ingestion_python, workflows)
    assert {name for name, r in before.items() if not r["loads"]} == {
        "domo_database.yaml", "domo_dashboard.json", "domo_pipeline.yml", "mysql_metadata.yaml"}, before
    _rewrite(tree)
    after = _check(ingestion_python, workflows)
    assert all(r["loads"] for r in after.values()), after
