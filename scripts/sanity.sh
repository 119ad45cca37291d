#!/usr/bin/env bash
# Run `ansible-test sanity` on a copy of the collection. ansible-test needs the working
# tree to really live under .../ansible_collections/openmetadata/ops (it resolves
# symlinks), so we copy the files git knows about (tracked and new, not ignored) there.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=${VENV:-$repo/.venv}
dest=${SANITY_DIR:-${TMPDIR:-/tmp}/openmetadata-ops-sanity}/ansible_collections/openmetadata/ops
bash "$repo/scripts/install-ansible-test-bootstrap.sh" "$venv/bin/python"
rm -rf "$dest"
mkdir -p "$dest"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"
done | xargs -0 cp --parents -t "$dest")
cd "$dest"
# Its "changelog" test would pip-install its own antsibull-changelog from PyPI (not offline);
# `make lint` runs the same `antsibull-changelog lint` with the version pinned in requirements-dev.txt.
PATH=$venv/bin:$PATH "$venv/bin/ansible-test" sanity --python 3.11 --color no --skip-test changelog "$@"
