#!/usr/bin/env bash
# The AWX execution environment image, built for real on the project's Docker engine (docs/awx.md):
#   1. the base image from Debian packages (scripts/ee-base.sh: debootstrap, docker import; cached)
#   2. the collection tarball -> examples/awx/ee-files/openmetadata-ops.tar.gz
#   3. ansible-builder build (examples/awx/execution-environment.yml, version 3) with docker
#      -> localhost/openmetadata-ops-ee:<collection version> (also :latest)
# pip inside the build installs from PyPI. A rerun with nothing changed takes seconds (Docker's layer
# cache); a changed collection re-runs the galaxy, builder and final stages (pip again).
#   OM_EE_IMAGE        the tag (default localhost/openmetadata-ops-ee:<galaxy.yml version>)
#   VENV               the venv with ansible-galaxy and ansible-builder (default .venv)
set -euo pipefail
cd "$(dirname "$0")/.."

export DOCKER_HOST=${DOCKER_HOST:-unix:///var/lib/openmetadata-ops-docker/docker.sock}
VENV=${VENV:-.venv}
VERSION=$(sed -n 's/^version: *//p' galaxy.yml)
IMAGE=${OM_EE_IMAGE:-localhost/openmetadata-ops-ee:$VERSION}
log() { printf '[ee-image %s] %s\n' "$(date +%T)" "$*"; }
start=$(date +%s)

docker info >/dev/null 2>&1 || { log "no Docker engine at $DOCKER_HOST (make docker-engine-up)"; exit 1; }
bash scripts/ee-base.sh

rm -rf .build/ee-src
"$VENV/bin/ansible-galaxy" collection build --force --output-path .build/ee-src . >/dev/null
cp .build/ee-src/openmetadata-ops-"$VERSION".tar.gz examples/awx/ee-files/openmetadata-ops.tar.gz

# What an EE job runs: the collection's plugins, roles, playbooks and meta (FILES.json has every file's
# checksum, unlike the tarball, whose bytes change with each build; docs and tests do not count),
# the EE definition and its files, the base image. An image labelled with the same inputs is kept:
# a rerun takes seconds (OM_EE_REBUILD=1 builds anyway).
INPUTS=$( { tar -xOzf examples/awx/ee-files/openmetadata-ops.tar.gz FILES.json | python3 -c '
import json, sys
for f in json.load(sys.stdin)["files"]:
    if f["name"].split("/")[0] in ("plugins", "roles", "playbooks", "meta", "galaxy.yml", "requirements.txt", "bindep.txt"):
        print(f["name"], f["chksum_sha256"])';
            cat examples/awx/execution-environment.yml examples/awx/requirements.yml examples/awx/ee-files/requirements.txt;
            docker image inspect -f '{{ .Id }}' localhost/openmetadata-ops-ee-base:bookworm; } | sha256sum | cut -c1-16)
if [ "${OM_EE_REBUILD:-}" != 1 ] && \
   [ "$(docker image inspect -f '{{ index .Config.Labels "org.openmetadata-ops.inputs" }}' "$IMAGE" 2>/dev/null)" = "$INPUTS" ]; then
  log "$IMAGE is up to date (inputs $INPUTS), $(( $(date +%s) - start )) s"; exit 0
fi

log "ansible-builder build -> $IMAGE (log: .build/ee-build.log)"
build_start=$(date +%s)
if ! "$VENV/bin/ansible-builder" build --container-runtime docker -v 3 \
    --extra-build-cli-args="--label org.openmetadata-ops.inputs=$INPUTS" \
    -f examples/awx/execution-environment.yml -c .build/ee -t "$IMAGE" >.build/ee-build.log 2>&1; then
  tail -n 40 .build/ee-build.log; log "ansible-builder build failed (log: .build/ee-build.log)"; exit 1
fi
docker tag "$IMAGE" "${IMAGE%:*}:latest"
# What the EE has: the versions AWX jobs run with, and the collection from the tarball.
docker run --rm "$IMAGE" bash -c \
  'ansible-playbook --version | head -1; ansible-runner --version; ansible-galaxy collection list openmetadata.ops 2>/dev/null | tail -1;
   python3 -c "import pymysql, psycopg2, ruamel.yaml, cryptography; print(\"python\", __import__(\"sys\").version.split()[0], \"cryptography\", cryptography.__version__)"'
log "$IMAGE built: ansible-builder $(( $(date +%s) - build_start )) s, all $(( $(date +%s) - start )) s," \
  "$(docker image inspect -f '{{ .Size }}' "$IMAGE" | awk '{printf "%d MB", $1/1e6}')"
