#!/usr/bin/env bash
# Fetch and cache real Elasticsearch / OpenSearch nodes for the tests: the stripped-down
# "integ-test-zip" distributions Maven Central publishes (no bundled JDK; they run on the
# JDK 17 here). Idempotent: an unpacked version is not fetched again.
#
#   bash scripts/search-engines.sh            fetch + unpack all (ES 7.16.3, ES 8.10.2, OpenSearch 2.11.1)
#   bash scripts/search-engines.sh --check    exit 0 only when all are unpacked
#
# Unpacked to .build/search-engines/<name>-<version>/ (gitignored via .build/). The zips stay in
# the Maven cache (~/.m2). Elasticsearch refuses to run as root: when run as root this creates a
# system user "omsearch" and gives it the unpacked folders; the tests start nodes as that user.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=.build/search-engines
ENGINES=(
  "org.elasticsearch.distribution.integ-test-zip:elasticsearch:7.16.3"
  "org.elasticsearch.distribution.integ-test-zip:elasticsearch:8.10.2"
  "org.opensearch.distribution.integ-test-zip:opensearch:2.11.1"
)
RUN_USER=omsearch

if [[ "${1:-}" == "--check" ]]; then
  for coords in "${ENGINES[@]}"; do
    IFS=: read -r _group name version <<<"$coords"
    [[ -x "$DEST/$name-$version/bin/$name" ]] || exit 1
  done
  exit 0
fi

command -v mvn >/dev/null || { echo "search-engines: mvn not found (apt-get install maven)" >&2; exit 2; }
command -v unzip >/dev/null || { echo "search-engines: unzip not found (apt-get install unzip)" >&2; exit 2; }
mkdir -p "$DEST"
# Parallel test workers may call this at once: one fetch at a time.
exec 9>"$DEST/.lock"
flock 9
repo="${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}"
for coords in "${ENGINES[@]}"; do
  IFS=: read -r group name version <<<"$coords"
  target="$DEST/$name-$version"
  if [[ -x "$target/bin/$name" ]]; then
    echo "search-engines: $name $version already unpacked in $target"
    continue
  fi
  zip="$repo/${group//.//}/$name/$version/$name-$version.zip"
  if [[ ! -f "$zip" ]]; then
    echo "search-engines: fetching $group:$name:$version:zip from Maven Central"
    mvn -q -B dependency:get -Dtransitive=false -Dartifact="$group:$name:$version:zip"
  fi
  rm -rf "$target.tmp"
  mkdir -p "$target.tmp"
  unzip -q "$zip" -d "$target.tmp"
  mv "$target.tmp/$name-$version" "$target"
  rmdir "$target.tmp"
  echo "search-engines: $name $version unpacked in $target"
done

if [[ $(id -u) -eq 0 ]]; then
  id "$RUN_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$RUN_USER"
  chown -R "$RUN_USER" "$DEST"
fi
