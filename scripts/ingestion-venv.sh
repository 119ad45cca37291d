#!/usr/bin/env bash
# A Python 3.10 venv with the real openmetadata-ingestion 1.2.5.x from PyPI (base dependencies, no
# extras), for the tests marked `ingestion_package`: the files ingestion_config rewrote must compile
# and their metadata.* imports must resolve against it. Built once under .build/ and reused while
# the marker file names the same version (measured: ~30 s and ~230 MB on a fresh machine).
#   bash scripts/ingestion-venv.sh          # build when missing, print the venv folder
#   OM_INGESTION_VENV=/some/dir bash scripts/ingestion-venv.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=${OM_INGESTION_VERSION:-1.2.5.3}
VENV=${OM_INGESTION_VENV:-$PWD/.build/ingestion-venv-1.2}
MARKER=$VENV/.complete-$VERSION
if [[ -f $MARKER ]]; then
  echo "$VENV"
  exit 0
fi
PYENV_ROOT=${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}
PY310=${OM_PYTHON310:-$PYENV_ROOT/versions/3.10.13/bin/python}
if [[ ! -x $PY310 ]]; then
  echo "ingestion-venv: no Python 3.10 at $PY310 (set OM_PYTHON310); openmetadata-ingestion 1.2 needs 3.8-3.10" >&2
  exit 1
fi
rm -rf "$VENV"
"$PY310" -m venv "$VENV"
# The ingestion role's wheelhouse, when it was built, saves the downloads.
FIND_LINKS=()
if [[ -f .build/ingestion-wheelhouse/.complete-v1 ]]; then
  FIND_LINKS=(--find-links .build/ingestion-wheelhouse)
fi
start=$(date +%s)
"$VENV/bin/pip" install --quiet --disable-pip-version-check "${FIND_LINKS[@]}" "openmetadata-ingestion==$VERSION" >&2
"$VENV/bin/python" -c "import metadata.workflow.metadata, metadata.ingestion.api.steps" >&2
echo "ingestion-venv: openmetadata-ingestion $VERSION in $(( $(date +%s) - start )) s, $(du -sh "$VENV" | cut -f1)" >&2
date -u +%FT%TZ >"$MARKER"
echo "$VENV"
