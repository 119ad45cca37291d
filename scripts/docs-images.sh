#!/usr/bin/env bash
# Regenerate the pictures of docs/images/ from their Graphviz sources (docs/images/*.dot -> *.svg).
# Each SVG carries the sha256 of its source in a comment, so tests/unit/test_docs.py can tell
# (without Graphviz) when a source was edited and its picture not regenerated.
# Needs `dot` (Debian/Ubuntu: apt-get install graphviz).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
command -v dot >/dev/null || { echo "dot not found: install Graphviz (apt-get install graphviz)" >&2; exit 1; }
for source in "$here"/docs/images/*.dot; do
  name=$(basename "$source")
  svg=${source%.dot}.svg
  digest=$(sha256sum "$source" | cut -d' ' -f1)
  dot -Tsvg "$source" | awk -v comment="<!-- generated from $name by scripts/docs-images.sh; source sha256: $digest -->" \
    '{ print } /^<\?xml / && !done { print comment; done = 1 }' > "$svg.tmp"
  grep -q "source sha256: $digest" "$svg.tmp" || { echo "$svg: no XML declaration to put the hash after" >&2; exit 1; }
  mv "$svg.tmp" "$svg"
  echo "$svg <- $name ($digest)"
done
