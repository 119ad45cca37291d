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

log "ansible-builder build -> $IMAGE (log: .build/ee-build.log)"
build_start=$(date +%s)
if ! "$VENV/bin/ansible-builder" build --container-runtime docker -v 2 \
    -f examples/awx/execution-environment.yml -c .build/ee -t "$IMAGE" >.build/ee-build.log 2>&1; then
  tail -n 40 .build/ee-build.log; log "ansible-builder build failed (log: .build/ee-build.log)"; exit 1
fi
docker tag "$IMAGE" "${IMAGE%:*}:latest"
# What the EE has: the versions AWX jobs run with, and the collection from the tarball.
docker run --rm --entrypoint /bin/bash "$IMAGE" -c \
  'ansible-playbook --version | head -1; ansible-runner --version; ansible-galaxy collection list openmetadata.ops 2>/dev/null | tail -1;
   python3 -c "import pymysql, psycopg2, ruamel.yaml, cryptography; print(\"python\", __import__(\"sys\").version.split()[0], \"cryptography\", cryptography.__version__)"'
log "$IMAGE built: ansible-builder $(( $(date +%s) - build_start )) s, all $(( $(date +%s) - start )) s," \
  "$(docker image inspect -f '{{ .Size }}' "$IMAGE" | awk '{printf "%d MB", $1/1e6}')"
