"""The ingestion workflow files ingestion_config writes, against each 1.2.x release's generated workflow
model (OpenMetadataWorkflowConfig: unknown fields forbidden in the source config and the connections)."""
from __future__ import annotations

import json
import pathlib
import shutil

import yaml

import oracle as oraclem
from ansible_collections.openmetadata.ops.plugins.module_utils.ingestion import om_ingestion

FIXTURES = oraclem.REPO / "tests" / "fixtures" / "om_ingestion" / "workflows"


def _load(path: pathlib.Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def test_rewritten_workflows_load_in_every_target(target: oraclem.Oracle, tmp_path: pathlib.Path) -> None:
    tree = tmp_path / "workflows"
    shutil.copytree(FIXTURES, tree)
    originals = {p.name: _load(p) for p in sorted(tree.iterdir())}
    planned = om_ingestion.plan([str(tree)], rewrite_imports=False, rewrite_cli=False)
    rewritten = {pathlib.Path(f["path"]).name: f["new"] for f in planned["files"] if f.get("new") is not None}
    names = sorted(originals)
    before = target.validate_many([(oraclem.WORKFLOW, originals[n]) for n in names])
    after = target.validate_many([(oraclem.WORKFLOW, json.loads(rewritten[n]) if n.endswith(".json")
                                   else yaml.safe_load(rewritten[n])) if n in rewritten else
                                  (oraclem.WORKFLOW, originals[n]) for n in names])
    # The control: the 1.1 files that need a change fail as they are (sandboxDomain, viewParsingTimeoutLimit,
    # markAllDeletedTables are unknown to 1.2), the others load unchanged.
    failing_before = {n for n, a in zip(names, before) if not a["ok"]}
    assert failing_before == {"domo_dashboard.json", "domo_database.yaml", "domo_pipeline.yml",
                              "mysql_metadata.yaml"}, [(n, a["errors"][:2]) for n, a in zip(names, before)]
    assert failing_before <= set(rewritten)
    problems = {n: a["errors"][:3] for n, a in zip(names, after) if not a["ok"]}
    assert problems == {}, problems
