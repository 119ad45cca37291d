# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Where the time of a sandbox upgrade goes: per-task times of `make sandbox`'s upgrade and of its no-op rerun.

Run from the checkout (``make bench-profile``, or ``.venv/bin/python bench/run_profile.py``):

1. ``examples/sandbox/reset.yml`` then ``examples/sandbox/setup.yml`` (not timed: a fresh 1.1.7 sandbox);
2. ``openmetadata.ops.upgrade`` on the two sandbox hosts, timed, with ansible.posix.profile_tasks
   (every task, in run order);
3. the same upgrade again (the no-op rerun), timed the same way.

For each run it writes ``bench/results/<date>-profile-<label>-{upgrade,rerun}.json``: the wall seconds, the
lines of output at default verbosity (the stdout callback the environment selects, as `make sandbox`), the
summary's seconds per phase, and every task's seconds, also added up by role and by task file kind
(bookkeeping: roles upgrade_state and the "Validating arguments" checks). It prints the 15 slowest tasks
and the totals. profile_tasks times a task from its start to the start of the next one, across hosts
(the two sandbox hosts run each task side by side), so the task times add up to the wall time.

Options: ``--label`` names the result files (e.g. before / after), ``--skip-reset`` times a rerun only.
"""
from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import pathlib
import re
import subprocess
import sys
import time
from typing import Any, Dict, List

ROOT = pathlib.Path(__file__).resolve().parent.parent
INVENTORY = ROOT / "examples" / "sandbox" / "inventory.yml"
RESULTS = ROOT / "bench" / "results"
# "Role : Task name ---- 1.23s" (profile_tasks' closing list, one line per task with output_limit large)
TASK_LINE = re.compile(r"^(?P<name>.*?) -+ (?P<seconds>\d+\.\d+)s$")
STAMP_LINE = re.compile(r"^\w+day \d+ \w+ \d{4} ")


def playbook(args: List[str], env: Dict[str, str]) -> subprocess.CompletedProcess:
    bin_dir = pathlib.Path(sys.executable).parent
    return subprocess.run([str(bin_dir / "ansible-playbook"), "-i", str(INVENTORY)] + args, cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)


def profiled(env: Dict[str, str]) -> Dict[str, Any]:
    """The upgrade once without profiling (lines of output, as a user sees it), per-task times from the
    profile_tasks callback on top of the same stdout callback."""
    env = dict(env)
    enabled = [c for c in env.get("ANSIBLE_CALLBACKS_ENABLED", "").split(",") if c]
    env["ANSIBLE_CALLBACKS_ENABLED"] = ",".join(enabled + ["ansible.posix.profile_tasks"])
    env["PROFILE_TASKS_TASK_OUTPUT_LIMIT"] = "10000"
    env["PROFILE_TASKS_SORT_ORDER"] = "none"
    env["PROFILE_TASKS_SUMMARY_ONLY"] = "true"  # no timestamp line per task: the output is counted too
    started = time.monotonic()
    proc = playbook(["openmetadata.ops.upgrade"], env)
    wall = round(time.monotonic() - started, 1)
    lines = proc.stdout.splitlines()
    # profile_tasks' own lines (its timestamp line, a rule, one line per task) are not what a user sees
    visible = [line for line in lines if not (TASK_LINE.match(line.strip()) or STAMP_LINE.match(line)
                                              or line.startswith("=" * 20))]
    while visible and not visible[-1].strip():
        visible.pop()
    tasks = []
    for line in lines:
        match = TASK_LINE.match(line.strip())
        if match:
            tasks.append({"task": match["name"].strip(), "seconds": float(match["seconds"])})
    by_role: Dict[str, float] = collections.defaultdict(float)
    by_kind: Dict[str, float] = collections.defaultdict(float)
    for task in tasks:
        role = task["task"].split(" : ", 1)[0] if " : " in task["task"] else "(playbook)"
        by_role[role] += task["seconds"]
        kind = ("argument validation" if "Validating arguments" in task["task"]
                else "run record (upgrade_state)" if role.endswith("upgrade_state")
                else "progress rounds" if re.search(r"progress|how far|status line|round", task["task"], re.I)
                else "work")
        by_kind[kind] += task["seconds"]
    return {"rc": proc.returncode, "wall_seconds": wall, "output_lines": len(visible), "tasks": len(tasks),
            "by_kind": {k: round(v, 1) for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1])},
            "by_role": {k: round(v, 1) for k, v in sorted(by_role.items(), key=lambda kv: -kv[1])},
            "task_seconds": tasks, "output_tail": "\n".join(visible[-40:])}


def report(name: str, result: Dict[str, Any]) -> None:
    print("== %s: rc %s, %s s wall, %s lines of output, %s tasks"
          % (name, result["rc"], result["wall_seconds"], result["output_lines"], result["tasks"]))
    print("   by kind: " + ", ".join("%s %s s" % kv for kv in result["by_kind"].items()))
    print("   by role: " + ", ".join("%s %s s" % kv for kv in list(result["by_role"].items())[:8]))
    for task in sorted(result["task_seconds"], key=lambda t: -t["seconds"])[:15]:
        print("   %6.2f s  %s" % (task["seconds"], task["task"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--label", default="run")
    parser.add_argument("--skip-reset", action="store_true", help="time the rerun only (the sandbox is upgraded)")
    args = parser.parse_args()
    env = dict(os.environ)
    env.setdefault("ANSIBLE_NOCOLOR", "1")
    env.setdefault("ANSIBLE_PYTHON_INTERPRETER", sys.executable)
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", str(ROOT / ".build" / "collections"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.date.today().isoformat()
    runs = []
    if not args.skip_reset:
        for setup in ("reset.yml", "setup.yml"):
            proc = playbook([str(INVENTORY.parent / setup)], env)
            if proc.returncode != 0:
                print(proc.stdout[-3000:])
                print("%s failed (rc %s)" % (setup, proc.returncode), file=sys.stderr)
                return 1
        runs.append("upgrade")
    runs.append("rerun")
    rc = 0
    for name in runs:
        result = profiled(env)
        result.update({"label": args.label, "run": name, "date": stamp, "load_average": os.getloadavg()})
        path = RESULTS / ("%s-profile-%s-%s.json" % (stamp, args.label, name))
        path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        report(name, result)
        print("   written to %s" % path.relative_to(ROOT))
        rc = rc or result["rc"]
    return rc


if __name__ == "__main__":
    sys.exit(main())
