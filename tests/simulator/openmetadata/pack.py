# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""Pack a stand-in release like upstream's ``openmetadata-<version>.tar.gz``.

``python -m tests.simulator.openmetadata.pack --version 1.2.5 --out DIR`` writes
``DIR/openmetadata-1.2.5.tar.gz`` (one top folder ``openmetadata-1.2.5/``) and prints
``{"archive": ..., "sha256": ..., "version": ...}``. The archive is byte-identical for the same
version, Python and repository path (fixed mtimes and owners), so its checksum is stable.

The scripts run the stand-in with the Python that packed it and the repository on PYTHONPATH,
both written to ``bin/standin.env`` (env OM_STANDIN_PYTHON / OM_STANDIN_REPO override them).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import pathlib
import sys
import tarfile
from typing import Dict, List, Optional, Tuple

from . import conf_template
from .releases import Release, release as get_release
from .statements import MYSQL, PG, for_version

REPO = pathlib.Path(__file__).resolve().parents[3]
_MTIME = 1_700_000_000  # fixed, so the archive's checksum only depends on its content

OPENMETADATA_SH = r'''#!/usr/bin/env bash
# OpenMetadata STAND-IN (tests/simulator/openmetadata in openmetadata.ops): the commands, files,
# messages and exit codes of upstream's bin/openmetadata.sh, running the Python stand-in instead of the JVM.
# Usage: openmetadata.sh {start [conf]|stop|status|clean}
# Exit codes as upstream's: "status" exits 1 when the server runs and 0 when it does not (upstream's
# status function returns 1 for "running" and the script ends with it); start, stop, clean and the usage
# line exit 0 (stop: the exit code of kill).
set -u
base_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
. "$base_dir/bin/standin.env"
if [ -f "$base_dir/conf/openmetadata-env.sh" ]; then
  . "$base_dir/conf/openmetadata-env.sh"
fi
LOG_DIR="$base_dir/logs"
PID_FILE="$LOG_DIR/catalog.pid"
OUT_FILE="$LOG_DIR/catalog.log"
ERR_FILE="$LOG_DIR/catalog.err"
mkdir -p "$LOG_DIR"

running_pid() {
  local pid
  [ -f "$PID_FILE" ] || return 1
  pid="$(cat "$PID_FILE")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # A killed server not yet reaped by its parent is not running (upstream's ps -p would still list it).
  if grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; then return 1; fi
  echo "$pid"
}

# 1 = running, 0 = not running (upstream's convention, kept on purpose).
status() {
  local pid
  if pid="$(running_pid)"; then
    echo "OpenMetadata running with PID=$pid."
    return 1
  fi
  echo "OpenMetadata not running."
  return 0
}

start() {
  local pid conf detach=()
  if pid="$(running_pid)"; then
    echo "OpenMetadata already running with PID: $pid"
    return 0
  fi
  conf="${1:-$base_dir/conf/openmetadata.yaml}"
  rm -f "$PID_FILE"
  echo "Starting OpenMetadata"
  cd "$base_dir" || exit 1
  if command -v setsid >/dev/null 2>&1; then detach=(setsid); fi
  PYTHONPATH="$OM_STANDIN_REPO${PYTHONPATH:+:$PYTHONPATH}" nohup "${detach[@]}" "$OM_STANDIN_PYTHON" \
    -m tests.simulator.openmetadata.server --home "$base_dir" "$conf" \
    >>"$OUT_FILE" 2>>"$ERR_FILE" </dev/null &
  echo $! >"$PID_FILE"
  sleep 0.2
  echo "$(status)"
}

stop() {
  local pid
  if pid="$(running_pid)"; then
    echo "Stopping OpenMetadata [$pid] "
    kill -s KILL "$pid" >>"$OUT_FILE" 2>>"$ERR_FILE"
  else
    echo "OpenMetadata not running"
  fi
}

clean() {
  local pid
  if pid="$(running_pid)"; then
    echo "Can't clean files. OpenMetadata running with PID=$pid."
    return 0
  fi
  rm -f "$PID_FILE" "$OUT_FILE" "$ERR_FILE"
  echo "Removed the $PID_FILE, $OUT_FILE and $ERR_FILE files."
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  status) status ;;
  clean) clean ;;
  *) echo "Usage: $0 {start|stop|status|clean}" ;;
esac
'''

BOOTSTRAP_SH = r'''#!/usr/bin/env bash
# OpenMetadata STAND-IN (tests/simulator/openmetadata in openmetadata.ops): upstream's
# bootstrap/bootstrap_storage.sh, running the Python stand-in instead of TablesInitializer.
# Usage: bootstrap_storage.sh [migrate-all|migrate|info|validate|repair|check-connection|...] [debug] [force]
set -u
base_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
. "$base_dir/bin/standin.env"
cd "$base_dir" || exit 1
PYTHONPATH="$OM_STANDIN_REPO${PYTHONPATH:+:$PYTHONPATH}" exec "$OM_STANDIN_PYTHON" \
  -m tests.simulator.openmetadata.bootstrap --home "$base_dir" "$@"
'''

ENV_SH = '''# Environment for the OpenMetadata server (sourced by bin/openmetadata.sh).
# export OPENMETADATA_HEAP_OPTS="-Xmx2G -Xms2G"
'''

NOTE = '''STAND-IN: this is not OpenMetadata. It is the test stand-in of the openmetadata.ops
collection (tests/simulator/openmetadata), laid out like the upstream release archive.
Version: {version}. See tests/simulator/README.md in the collection.
'''


def _files(release: Release, python: str, repo: str) -> List[Tuple[str, bytes, int]]:
    top = "openmetadata-%s" % release.version
    env = ('# Written by tests.simulator.openmetadata.pack: the stand-in runs with this Python and repo.\n'
           'OM_STANDIN_PYTHON="${OM_STANDIN_PYTHON:-%s}"\nOM_STANDIN_REPO="${OM_STANDIN_REPO:-%s}"\n'
           % (python, repo))
    files: List[Tuple[str, bytes, int]] = [
        ("bin/openmetadata.sh", OPENMETADATA_SH.encode(), 0o755),
        ("bin/standin.env", env.encode(), 0o644),
        ("bootstrap/bootstrap_storage.sh", BOOTSTRAP_SH.encode(), 0o755),
        ("conf/openmetadata.yaml", conf_template.render(release).encode(), 0o644),
        ("conf/openmetadata-env.sh", ENV_SH.encode(), 0o644),
        ("libs/README-STANDIN.txt", b"No jars: the stand-in runs in Python.\n", 0o644),
        ("version.txt", (release.version + "\n").encode(), 0o644),
        ("STANDIN.txt", NOTE.format(version=release.version).encode(), 0o644),
    ]
    for driver in ("com.mysql.cj.jdbc.Driver", "org.postgresql.Driver"):
        files.append(("bootstrap/sql/migrations/flyway/%s/README-STANDIN.txt" % driver,
                      b"Flyway v001..v014: already applied on every database the stand-in meets.\n", 0o644))
    for version in release.native_versions:
        for engine, folder in ((MYSQL, "mysql"), (PG, "postgres")):
            schema, post = for_version(version, engine, release)
            for name, statements in (("schemaChanges.sql", schema), ("postDataMigrationSQLScript.sql", post)):
                text = "".join(s.text + ";\n\n" for s in statements)
                files.append(("bootstrap/sql/migrations/native/%s/%s/%s" % (version, folder, name),
                              text.encode(), 0o644))
    return [("%s/%s" % (top, path), data, mode) for path, data, mode in files]


def _dirs(paths: List[str]) -> List[str]:
    found = set()
    for path in paths:
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            found.add("/".join(parts[:i]))
    return sorted(found)


def pack(version: str, out: pathlib.Path, python: Optional[str] = None, repo: Optional[str] = None) -> Dict[str, str]:
    release = get_release(version)
    files = _files(release, python or sys.executable, str(repo or REPO))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for directory in _dirs([f[0] for f in files]) + ["openmetadata-%s/logs" % version]:
            info = tarfile.TarInfo(directory)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, _MTIME
            tar.addfile(info)
        for path, data, mode in sorted(files):
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.mtime = len(data), mode, _MTIME
            tar.addfile(info, io.BytesIO(data))
    out.mkdir(parents=True, exist_ok=True)
    archive = out / ("openmetadata-%s.tar.gz" % version)
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=_MTIME) as gz:
        gz.write(buffer.getvalue())
    archive.write_bytes(raw.getvalue())
    return {"archive": str(archive), "sha256": hashlib.sha256(raw.getvalue()).hexdigest(), "version": version}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Pack an OpenMetadata stand-in release archive")
    parser.add_argument("--version", required=True)
    parser.add_argument("--out", required=True, type=pathlib.Path)
    parser.add_argument("--python", help="Python the scripts run (default: this one)")
    parser.add_argument("--repo", help="repository put on PYTHONPATH (default: this checkout)")
    args = parser.parse_args(argv)
    try:
        print(json.dumps(pack(args.version, args.out, args.python, args.repo)))
    except ValueError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
