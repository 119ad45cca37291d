#!/usr/bin/env bash
# A local wheelhouse of openmetadata-ingestion 1.1.7.0 and 1.2.5.x with all their dependencies,
# built for CPython 3.10 (what ingestion 1.2 runs on), so the ingestion role's tests install
# offline (`--no-index --find-links .build/ingestion-wheelhouse`) in seconds instead of resolving
# against PyPI on every run. Built once (~55 MB, ~15 s here), reused while the marker file exists.
#   bash scripts/ingestion-wheelhouse.sh            # build when missing, print the folder
#   OM_WHEELHOUSE=/some/dir bash scripts/ingestion-wheelhouse.sh
set -euo pipefail
cd "$(dirname "$0")/.."
HOUSE=${OM_WHEELHOUSE:-$PWD/.build/ingestion-wheelhouse}
# 1.1.7.0 breaks with newer collate-sqllineage releases (import errors): upstream users pin 1.2.4.
OLD=("openmetadata-ingestion==1.1.7.0" "collate-sqllineage==1.2.4")
NEW=("openmetadata-ingestion~=1.2.5.0")
MARKER=$HOUSE/.complete-v1
# Two test workers may ask at once: one builds, the other waits for it.
mkdir -p "$(dirname "$HOUSE")"
exec 9>"$HOUSE.lock"
flock 9
if [[ -f $MARKER ]]; then
  echo "$HOUSE"
  exit 0
fi
PYENV_ROOT=${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}
PY310=${OM_PYTHON310:-$PYENV_ROOT/versions/3.10.13/bin/python}
if [[ ! -x $PY310 ]]; then
  echo "ingestion-wheelhouse: no Python 3.10 at $PY310 (set OM_PYTHON310)" >&2
  exit 1
fi
BUILD=$(mktemp -d)
trap 'rm -rf "$BUILD"' EXIT
"$PY310" -m venv "$BUILD/venv"
"$BUILD/venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip wheel
mkdir -p "$HOUSE"
# pip wheel: wheels are copied, the few sdists (antlr4-python3-runtime, commonregex) are built once here.
"$BUILD/venv/bin/pip" wheel --quiet --disable-pip-version-check --wheel-dir "$HOUSE" "${OLD[@]}" >&2
"$BUILD/venv/bin/pip" wheel --quiet --disable-pip-version-check --wheel-dir "$HOUSE" "${NEW[@]}" >&2
date -u +%FT%TZ >"$MARKER"
echo "$HOUSE"
