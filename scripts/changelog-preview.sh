#!/usr/bin/env bash
# Writes CHANGELOG.md from changelogs/ WITHOUT releasing: the collection is unreleased, so
# changelogs/changelog.yaml keeps `releases: {}` and the pending changes stay fragments.
# antsibull-changelog only renders released versions, so this runs `release` for the galaxy.yml
# version in a throw-away copy and keeps only the rendered CHANGELOG.md.
# Offline: antsibull-changelog reads the plugins through ansible-doc on this checkout.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
venv=${VENV:-$here/.venv}
version=$("$venv/bin/python" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["version"])' "$here/galaxy.yml")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/ansible_collections/openmetadata/ops
mkdir -p "$root"
# Only what antsibull-changelog looks at: metadata, changelog sources and the plugins/roles/playbooks.
cp -r "$here/galaxy.yml" "$here/changelogs" "$here/plugins" "$here/roles" "$here/playbooks" "$here/meta" "$root/"
find "$root" -name __pycache__ -prune -exec rm -rf {} +
cd "$root"
ANSIBLE_COLLECTIONS_PATH=$work ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false PATH=$venv/bin:$PATH \
  "$venv/bin/antsibull-changelog" release --version "$version" --date "$(date -u +%F)"
# The version heading says what this is: a preview of a version nobody can install yet.
"$venv/bin/python" - "$version" CHANGELOG.md "$here/CHANGELOG.md" <<'PY'
import sys
version, source, target = sys.argv[1:4]
heading = "## v" + version.replace(".", "\\.")
lines = [line + " \\(unreleased\\)" if line == heading else line
         for line in open(source, encoding="utf-8").read().split("\n")]
open(target, "w", encoding="utf-8").write("\n".join(lines))
PY
echo "CHANGELOG.md: preview of unreleased $version from changelogs/fragments/"
