"""Documentation completeness: what `ansible-doc` shows for every module and role of the collection,
and the upgrade-phases picture in step with its source.

Modules and roles are found from the tree (plugins/modules/*.py, roles/*/), so a new one is checked
without editing this file. ansible-doc runs against this checkout through the .build/collections
link tree that tests/conftest.py makes.
"""
from __future__ import annotations

import hashlib
import json
import os
import pathlib
import re
import subprocess
import sys
from typing import Any, Iterator
from xml.etree import ElementTree

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
COLLECTIONS = REPO / ".build" / "collections"
ANSIBLE_DOC = str(pathlib.Path(sys.executable).parent / "ansible-doc")
MODULES = sorted(p.stem for p in (REPO / "plugins" / "modules").glob("*.py") if not p.stem.startswith("_"))
ROLES = sorted(p.parent.name for p in (REPO / "roles").glob("*/tasks"))
# What every module must declare under `attributes` (the project's modules all say how they
# behave in check mode and with --diff).
REQUIRED_ATTRIBUTES = {"check_mode", "diff_mode"}


def _ansible_doc(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
               ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="true")
    return subprocess.run([ANSIBLE_DOC, *args], capture_output=True, text=True, env=env, timeout=300, check=False)


def _load_docs(plugin_type: str, names: list[str]) -> dict[str, Any]:
    """One ansible-doc call for all names (fast); a name it could not load is missing from the answer."""
    proc = _ansible_doc("-t", plugin_type, "--json", *("openmetadata.ops." + n for n in names))
    assert proc.returncode == 0, "ansible-doc -t %s failed:\n%s" % (plugin_type, proc.stderr)
    return {"stderr": proc.stderr, "docs": json.loads(proc.stdout)}


@pytest.fixture(scope="module")
def module_docs() -> dict[str, Any]:
    return _load_docs("module", MODULES)


@pytest.fixture(scope="module")
def role_docs() -> dict[str, Any]:
    return _load_docs("role", ROLES)


def _text(value: Any) -> str:
    """A description may be a string or a list of paragraphs."""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _walk_options(options: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    for name, spec in (options or {}).items():
        yield path + name, spec
        yield from _walk_options(spec.get("suboptions") or spec.get("options") or {}, path + name + ".")


def _walk_returns(returns: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    for name, spec in (returns or {}).items():
        yield path + name, spec
        yield from _walk_returns(spec.get("contains") or {}, path + name + ".")


def test_the_tree_has_modules_and_roles() -> None:
    # Guards the discovery itself: an empty list would make every parametrized test vanish.
    assert "backup" in MODULES and len(MODULES) >= 10
    assert "backup" in ROLES and len(ROLES) >= 9


@pytest.mark.parametrize("module", MODULES)
def test_module_documentation_is_complete(module: str, module_docs: dict[str, Any]) -> None:
    fqcn = "openmetadata.ops." + module
    assert fqcn in module_docs["docs"], "ansible-doc could not load %s:\n%s" % (fqcn, module_docs["stderr"])
    entry = module_docs["docs"][fqcn]
    doc = entry["doc"]
    problems = []
    if not _text(doc.get("short_description")).strip():
        problems.append("no short_description")
    if not _text(doc.get("description")).strip():
        problems.append("no description")
    if not doc.get("author"):
        problems.append("no author")
    for name, spec in _walk_options(doc.get("options") or {}):
        if not _text(spec.get("description")).strip():
            problems.append("option %s has no description" % name)
        if not spec.get("type"):
            problems.append("option %s has no type" % name)
    missing = REQUIRED_ATTRIBUTES - set(doc.get("attributes") or {})
    if missing:
        problems.append("attributes lack %s" % ", ".join(sorted(missing)))
    for name, spec in (doc.get("attributes") or {}).items():
        if spec.get("support") not in ("full", "partial", "none", "N/A"):
            problems.append("attribute %s has no support level" % name)
        if not _text(spec.get("description")).strip():
            problems.append("attribute %s has no description" % name)
        if spec.get("support") == "partial" and not _text(spec.get("details")).strip():
            problems.append("attribute %s is partial but says nowhere what is missing (details)" % name)
    returns = entry.get("return") or {}
    if not returns:
        problems.append("no RETURN")
    for name, spec in _walk_returns(returns):
        for key in ("description", "returned", "type"):
            if not _text(spec.get(key)).strip():
                problems.append("return value %s has no %s" % (name, key))
    assert not problems, "%s: %s" % (fqcn, "; ".join(problems))


@pytest.mark.parametrize("module", MODULES)
def test_module_examples_are_tasks_using_the_module(module: str, module_docs: dict[str, Any]) -> None:
    fqcn = "openmetadata.ops." + module
    examples = module_docs["docs"].get(fqcn, {}).get("examples") or ""
    assert examples.strip(), "%s has no EXAMPLES" % fqcn
    tasks = yaml.safe_load(examples)
    assert isinstance(tasks, list) and tasks, "%s EXAMPLES is not a YAML list of tasks" % fqcn
    for task in tasks:
        assert isinstance(task, dict) and task.get("name"), "%s: an example task without a name: %r" % (fqcn, task)
    uses = [task for task in tasks if fqcn in task]
    assert uses, "%s: no example calls the module by its FQCN" % fqcn
    # Every option an example passes is a documented option (or one of its aliases).
    options = module_docs["docs"][fqcn]["doc"].get("options") or {}
    accepted = set(options) | {alias for spec in options.values() for alias in spec.get("aliases") or []}
    for task in uses:
        args = task[fqcn]
        if isinstance(args, dict):
            unknown = sorted(set(args) - accepted)
            assert not unknown, "%s: example %r passes undocumented options %s" % (fqcn, task["name"], unknown)


def test_modules_render_as_text_without_warnings() -> None:
    # The text view parses the markup (C(), O(), V(), M()...): broken markup shows up here.
    proc = _ansible_doc("-t", "module", *("openmetadata.ops." + m for m in MODULES))
    assert proc.returncode == 0, proc.stderr
    assert "WARNING" not in proc.stderr and "ERROR" not in proc.stderr, proc.stderr
    for module in MODULES:
        assert "openmetadata.ops.%s" % module in proc.stdout


@pytest.mark.parametrize("role", ROLES)
def test_role_has_argument_specs(role: str) -> None:
    specs_file = REPO / "roles" / role / "meta" / "argument_specs.yml"
    assert specs_file.is_file(), "roles/%s has no meta/argument_specs.yml" % role
    specs = yaml.safe_load(specs_file.read_text(encoding="utf-8"))["argument_specs"]
    assert "main" in specs, "roles/%s/meta/argument_specs.yml has no entry point main" % role
    for entry_point in specs:
        # An entry point must be a tasks file a play can name in tasks_from.
        assert (REPO / "roles" / role / "tasks" / (entry_point + ".yml")).is_file(), \
            "roles/%s: entry point %s has no tasks/%s.yml" % (role, entry_point, entry_point)


@pytest.mark.parametrize("role", ROLES)
def test_role_documentation_is_complete(role: str, role_docs: dict[str, Any]) -> None:
    fqcn = "openmetadata.ops." + role
    assert fqcn in role_docs["docs"], "ansible-doc could not load role %s:\n%s" % (fqcn, role_docs["stderr"])
    entry_points = role_docs["docs"][fqcn].get("entry_points") or {}
    assert "main" in entry_points, "%s: ansible-doc shows no entry point main" % fqcn
    problems = []
    for entry_name, entry in entry_points.items():
        if not _text(entry.get("short_description")).strip():
            problems.append("entry point %s has no short_description" % entry_name)
        for name, spec in _walk_options(entry.get("options") or {}):
            if not _text(spec.get("description")).strip():
                problems.append("%s: option %s has no description" % (entry_name, name))
            if not name.split(".")[0].startswith("openmetadata_"):
                problems.append("%s: option %s lacks the openmetadata_ prefix" % (entry_name, name))
    assert not problems, "%s: %s" % (fqcn, "; ".join(problems))


def test_roles_render_as_text_without_warnings() -> None:
    proc = _ansible_doc("-t", "role", *("openmetadata.ops." + r for r in ROLES))
    assert proc.returncode == 0, proc.stderr
    assert "WARNING" not in proc.stderr and "ERROR" not in proc.stderr, proc.stderr
    shown = set(re.findall(r"ROLE: \W*openmetadata\.ops\.(\w+)", proc.stdout))
    assert set(ROLES) <= shown, "ansible-doc shows no page for %s" % sorted(set(ROLES) - shown)
    assert proc.stdout.count("ENTRY POINT: ") >= len(ROLES)


def test_role_list_names_every_role() -> None:
    proc = _ansible_doc("-t", "role", "-l", "openmetadata.ops")
    assert proc.returncode == 0, proc.stderr
    listed = set(re.findall(r"openmetadata\.ops\.(\w+)", proc.stdout))
    assert set(ROLES) <= listed, "ansible-doc -l misses %s" % sorted(set(ROLES) - listed)


# --- pictures: docs/images/*.svg are generated from *.dot by scripts/docs-images.sh (make docs-images) ---
IMAGES = REPO / "docs" / "images"
PICTURE_SOURCES = sorted(IMAGES.glob("*.dot"))


def test_there_are_picture_sources() -> None:
    assert (IMAGES / "upgrade-phases.dot") in PICTURE_SOURCES


@pytest.mark.parametrize("source", PICTURE_SOURCES, ids=lambda p: p.name)
def test_picture_was_regenerated_from_its_source(source: pathlib.Path) -> None:
    svg = source.with_suffix(".svg")
    assert svg.is_file(), "%s has no %s: run make docs-images" % (source.name, svg.name)
    text = svg.read_text(encoding="utf-8")
    recorded = re.search(r"<!-- generated from (\S+) by scripts/docs-images\.sh; source sha256: ([0-9a-f]{64}) -->", text)
    assert recorded, "%s lacks the source hash comment: run make docs-images" % svg.name
    assert recorded.group(1) == source.name
    assert recorded.group(2) == hashlib.sha256(source.read_bytes()).hexdigest(), \
        "%s changed after %s was generated: run make docs-images and commit both" % (source.name, svg.name)
    ElementTree.fromstring(text.encode("utf-8"))  # well-formed


def _playbook_vars() -> dict[str, Any]:
    plays = yaml.safe_load((REPO / "playbooks" / "upgrade.yml").read_text(encoding="utf-8"))
    return plays[0]["vars"]


def test_upgrade_picture_shows_the_playbook_phases_in_order() -> None:
    dot = (IMAGES / "upgrade-phases.dot").read_text(encoding="utf-8")
    phases = [step["phase"] for step in _playbook_vars()["openmetadata_upgrade_phases"]]  # what the runner loops over
    chains = [[node.strip() for node in line.strip().rstrip(";").split("->")]
              for line in dot.splitlines() if line.count("->") >= 3]
    longest = max(chains, key=len)
    assert [node for node in longest if node in phases] == phases, \
        "the phase chain in upgrade-phases.dot is %s; playbooks/upgrade.yml runs %s" % (longest, phases)


def test_upgrade_picture_marks_the_phases_after_which_rollback_restores_the_backup() -> None:
    dot = (IMAGES / "upgrade-phases.dot").read_text(encoding="utf-8")
    marked = set(re.findall(r"^\s*(\w+)\s*\[[^\]]*class=\"restores_db\"", dot, flags=re.M))
    defaults = yaml.safe_load((REPO / "roles" / "upgrade_state" / "defaults" / "main.yml").read_text(encoding="utf-8"))
    assert marked == set(defaults["openmetadata_upgrade_db_phases"]), \
        "upgrade-phases.dot marks %s as restoring the DB; roles/upgrade_state says %s" % (
            sorted(marked), defaults["openmetadata_upgrade_db_phases"])


# --- the docs name only variables, playbooks and pages that exist ---
GUIDES = [REPO / "docs" / "user-guide.md", REPO / "docs" / "troubleshooting.md"]
DOC_PAGES = sorted((REPO / "docs").glob("*.md")) + [REPO / "README.md"]


def _known_variables() -> set[str]:
    known: set[str] = set()
    for specs_file in (REPO / "roles").glob("*/meta/argument_specs.yml"):
        for entry in (yaml.safe_load(specs_file.read_text(encoding="utf-8"))["argument_specs"] or {}).values():
            known.update((entry.get("options") or {}).keys())
    # Play-level variables and facts the playbooks and roles set (openmetadata_hosts, the summary fact...).
    for path in list((REPO / "playbooks").glob("*.yml")) + list((REPO / "roles").glob("*/tasks/*.yml")) \
            + list((REPO / "roles").glob("*/defaults/*.yml")):
        known.update(re.findall(r"\b(openmetadata_\w+)", path.read_text(encoding="utf-8")))
    return known


def _yaml_keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _yaml_keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _yaml_keys(item)


def _variables_named(text: str) -> set[str]:
    """`openmetadata_x` in the prose, -e openmetadata_x=..., and the keys of the YAML examples. A name
    ending in _ or followed by * or < is a family (`openmetadata_db_*`), not a variable."""
    named = set(re.findall(r"`(openmetadata_\w+)(?![*<\w])", text)) | set(re.findall(r"-e (openmetadata_\w+)=", text))
    for block in re.findall(r"```yaml\n(.*?)```", text, flags=re.S):
        try:
            document = yaml.safe_load(block)
        except yaml.YAMLError:
            continue  # before/after fragments that are not one YAML document
        named.update(key for key in _yaml_keys(document) if key.startswith("openmetadata_"))
    return {name for name in named if not name.endswith("_")}


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: p.name)
def test_guide_examples_are_yaml_naming_variables(guide: pathlib.Path) -> None:
    text = guide.read_text(encoding="utf-8")
    for block in re.findall(r"```yaml\n(.*?)```", text, flags=re.S):
        yaml.safe_load(block)  # a reader copies these: each must be valid YAML
    assert _variables_named(text), "no variable found in %s: the parser is broken" % guide.name


@pytest.mark.parametrize("page", DOC_PAGES, ids=lambda p: p.name)
def test_page_names_only_real_variables(page: pathlib.Path) -> None:
    unknown = sorted(_variables_named(page.read_text(encoding="utf-8")) - _known_variables())
    assert not unknown, "%s names variables no role, playbook or default knows: %s" % (page.name, unknown)


@pytest.mark.parametrize("page", DOC_PAGES, ids=lambda p: p.name)
def test_page_links_point_at_files_and_anchors(page: pathlib.Path) -> None:
    text = page.read_text(encoding="utf-8")
    problems = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, anchor = (target.split("#", 1) + [""])[:2]
        linked = (page.parent / path) if path else page
        if not linked.exists():
            problems.append("%s: no such file" % target)
            continue
        if anchor and linked.suffix == ".md":
            headings = re.findall(r"^#+ (.*)$", linked.read_text(encoding="utf-8"), flags=re.M)
            slugs = {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}
            if anchor not in slugs:
                problems.append("%s: no heading with that anchor" % target)
    assert not problems, "%s: %s" % (page.name, "; ".join(problems))


@pytest.mark.parametrize("page", DOC_PAGES, ids=lambda p: p.name)
def test_page_runs_only_real_playbooks_modules_and_roles(page: pathlib.Path) -> None:
    text = page.read_text(encoding="utf-8")
    playbooks = {p.stem for p in (REPO / "playbooks").glob("*.yml")}
    # openmetadata.ops.<name>, not the Python path ansible_collections.openmetadata.ops.plugins..., not a
    # family such as openmetadata.ops.server_<deployment>, not a YAML key.
    used = set(re.findall(r"(?<!ansible_collections\.)openmetadata\.ops\.(\w+)\b(?![<*]| *:)", text))
    used = {name for name in used if not name.endswith("_")}
    filters = {p.stem for p in (REPO / "plugins" / "filter").glob("*.py")}
    callbacks = {p.stem for p in (REPO / "plugins" / "callback").glob("*.py")}
    unknown = sorted(used - playbooks - set(MODULES) - set(ROLES) - filters - callbacks)
    assert not unknown, "%s names openmetadata.ops.%s, which is no playbook, module, role, filter or callback" % (
        page.name, unknown)
