#!/usr/bin/env bash
# The oracle of the fidelity tests: for each release in tests/oracle/wheels.txt, the openmetadata-ingestion
# wheel from PyPI (no dependencies), unpacked to .build/oracle/<release>/ (only metadata/generated/schema/**,
# the pydantic helpers the models import and the client's index map), plus one Python 3.10 venv with
# pydantic 1.x and email-validator that can import those models (their regexes need Python <= 3.10).
# Cached: wheels in ~/.cache/openmetadata-ops/oracle-wheels, a release is unpacked once (marker file).
#   bash scripts/oracle-wheels.sh        # build what is missing, print the oracle folder
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=${OM_ORACLE_DIR:-$PWD/.build/oracle}
CACHE=${OM_ORACLE_WHEEL_CACHE:-$HOME/.cache/openmetadata-ops/oracle-wheels}
PIP_PY=${OM_ORACLE_PIP_PYTHON:-python3}
mkdir -p "$ROOT" "$CACHE"
exec 9>"$ROOT.lock"   # two test workers: one builds, the other waits
flock 9
PYENV_ROOT=${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}
PY310=${OM_PYTHON310:-$PYENV_ROOT/versions/3.10.13/bin/python}
VENV=$ROOT/venv
if [[ ! -f $VENV/.complete-v1 ]]; then
  if [[ ! -x $PY310 ]]; then
    echo "oracle-wheels: no Python 3.10 at $PY310 (set OM_PYTHON310): the generated 1.2 models need Python <= 3.10" >&2
    exit 1
  fi
  rm -rf "$VENV"
  "$PY310" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "pydantic==1.10.27" "email-validator==2.4.0" "PyYAML==6.0.3" >&2
  touch "$VENV/.complete-v1"
fi
grep -v '^[[:space:]]*\(#\|$\)' tests/oracle/wheels.txt | while read -r release wheel; do
  dest=$ROOT/$release
  [[ -f $dest/.complete-$wheel ]] && continue
  file=$CACHE/openmetadata_ingestion-$wheel-py3-none-any.whl
  if [[ ! -f $file ]]; then
    "$PIP_PY" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
      --dest "$CACHE" "openmetadata-ingestion==$wheel" >&2
  fi
  rm -rf "$dest"
  mkdir -p "$dest"
  "$PIP_PY" - "$file" "$dest" <<'PY'
import sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
keep = ("metadata/generated/schema/", "metadata/ingestion/models/custom_pydantic.py",
        "metadata/ingestion/models/custom_basemodel_validation.py", "metadata/utils/elasticsearch.py",
        "metadata/__version__.py")
with zipfile.ZipFile(wheel) as archive:
    for name in archive.namelist():
        if name.startswith(keep):
            archive.extract(name, dest)
PY
  echo "$wheel" >"$dest/WHEEL_VERSION"
  touch "$dest/.complete-$wheel"
  echo "oracle-wheels: $release <- openmetadata-ingestion $wheel" >&2
done
echo "$ROOT"
