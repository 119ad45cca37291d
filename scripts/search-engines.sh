#!/usr/bin/env bash
# Fetch and cache real Elasticsearch / OpenSearch nodes for the tests: the stripped-down
# "integ-test-zip" distributions Maven Central publishes (no bundled JDK; they run on the
# JDK 17 here). Idempotent: an unpacked version is not fetched again.
#
#   bash scripts/search-engines.sh            fetch + unpack all (ES 7.16.3, ES 8.10.2, OpenSearch 2.11.1)
#   bash scripts/search-engines.sh --check    exit 0 only when all are unpacked
#   bash scripts/search-engines.sh [--check] elasticsearch-7.16.3 elasticsearch-8.10.2
#                                             only these (the Docker images need no OpenSearch)
#
# Unpacked to .build/search-engines/<name>-<version>/ (gitignored via .build/). The zips stay in
# the Maven cache (~/.m2). Elasticsearch refuses to run as root: when run as root this creates a
# system user "omsearch" and the tests start nodes as that user. That user must reach the files, and
# a clone may live in a private folder (mode 0700, as `mktemp -d` makes, or root's home): as root the
# distributions are unpacked in a world-traversable cache outside the clone,
# $OM_SEARCH_ENGINES_CACHE (default /var/tmp/openmetadata-ops-search-engines, 0755, the unpacked
# folders owned by omsearch), and .build/search-engines/<name>-<version> is a link to it.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=.build/search-engines
CACHE=${OM_SEARCH_ENGINES_CACHE:-/var/tmp/openmetadata-ops-search-engines}
ENGINES=(
  "org.elasticsearch.distribution.integ-test-zip:elasticsearch:7.16.3"
  "org.elasticsearch.distribution.integ-test-zip:elasticsearch:8.10.2"
  "org.opensearch.distribution.integ-test-zip:opensearch:2.11.1"
)
RUN_USER=omsearch
CHECK_ONLY=
if [[ "${1:-}" == "--check" ]]; then CHECK_ONLY=1; shift; fi
if [[ $# -gt 0 ]]; then  # <name>-<version> arguments choose some of ENGINES
  wanted=()
  for coords in "${ENGINES[@]}"; do
    IFS=: read -r _group name version <<<"$coords"
    for arg in "$@"; do [[ "$arg" == "$name-$version" ]] && wanted+=("$coords"); done
  done
  [[ ${#wanted[@]} -eq $# ]] || { echo "search-engines: unknown engine in: $* (known: ${ENGINES[*]})" >&2; exit 2; }
  ENGINES=("${wanted[@]}")
fi

as_root() { [[ $(id -u) -eq 0 ]]; }
# Can the user the nodes run as execute this distribution's start script (every folder on the way)?
runnable() {
  local bin=$1
  [[ -x "$bin" ]] || return 1
  if as_root; then
    id "$RUN_USER" >/dev/null 2>&1 || return 1
    runuser -u "$RUN_USER" -- test -x "$(readlink -f "$bin")" || return 1
  fi
}

if [[ -n "$CHECK_ONLY" ]]; then
  for coords in "${ENGINES[@]}"; do
    IFS=: read -r _group name version <<<"$coords"
    runnable "$DEST/$name-$version/bin/$name" || exit 1
  done
  exit 0
fi

command -v mvn >/dev/null || { echo "search-engines: mvn not found (apt-get install maven)" >&2; exit 2; }
command -v unzip >/dev/null || { echo "search-engines: unzip not found (apt-get install unzip)" >&2; exit 2; }
mkdir -p "$DEST"
# Parallel test workers may call this at once: one fetch at a time.
exec 9>"$DEST/.lock"
flock 9
if as_root; then
  id "$RUN_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$RUN_USER"
  mkdir -p "$CACHE"
  chmod 0755 "$CACHE"
  # Other clones share the cache: one unpack at a time there too.
  exec 8>"$CACHE/.lock"
  flock 8
fi
repo="${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}"
for coords in "${ENGINES[@]}"; do
  IFS=: read -r group name version <<<"$coords"
  link="$DEST/$name-$version"
  if runnable "$link/bin/$name"; then
    echo "search-engines: $name $version ready in $(readlink -f "$link")"
    continue
  fi
  if as_root; then
    if [[ -d "$link" && ! -L "$link" ]]; then
      echo "search-engines: $RUN_USER cannot reach $link (a private folder on the way): moving it to $CACHE"
      rm -rf "$link"
    fi
    target="$CACHE/$name-$version"
    if runnable "$target/bin/$name"; then
      ln -sfn "$target" "$link"
      echo "search-engines: $name $version ready in $target"
      continue
    fi
  else
    target=$link
  fi
  zip="$repo/${group//.//}/$name/$version/$name-$version.zip"
  if [[ ! -f "$zip" ]]; then
    echo "search-engines: fetching $group:$name:$version:zip from Maven Central"
    mvn -q -B dependency:get -Dtransitive=false -Dartifact="$group:$name:$version:zip"
  fi
  rm -rf "$target.tmp" "$target"
  mkdir -p "$target.tmp"
  unzip -q "$zip" -d "$target.tmp"
  mv "$target.tmp/$name-$version" "$target"
  rmdir "$target.tmp"
  if as_root; then
    chown -R "$RUN_USER" "$target"
    chmod -R go+rX "$target"
    ln -sfn "$target" "$link"
    runnable "$link/bin/$name" || { echo "search-engines: $RUN_USER cannot run $target/bin/$name" >&2; exit 3; }
  fi
  echo "search-engines: $name $version unpacked in $target"
done
