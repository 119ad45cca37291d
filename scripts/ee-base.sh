#!/usr/bin/env bash
# The base image of the AWX execution environment, made here from Debian's packages (no registry:
# Docker Hub and quay are not reachable from these machines):
#
#   debootstrap --variant=minbase bookworm  ->  .build/ee-base/rootfs-bookworm-<hash>.tar (cached)
#   docker import                            ->  localhost/openmetadata-ops-ee-base:bookworm
#
# What ansible-builder 3's stages need from a base: bash, python3 with pip and ensurepip (python3-venv),
# a package manager (apt-get: examples/awx/execution-environment.yml sets package_manager_path), and for
# AWX jobs ssh/ssh-agent (openssh-client) and CA certificates. Idempotent: an image of the same package
# list is kept; a cached rootfs tarball is imported without debootstrap (a few seconds).
#   OM_EE_BASE_REBUILD=1   forget the cached tarball and the image, debootstrap again
# Needs root (debootstrap) and the project's Docker engine (make docker-engine-up).
set -euo pipefail
cd "$(dirname "$0")/.."

export DOCKER_HOST=${DOCKER_HOST:-unix:///var/lib/openmetadata-ops-docker/docker.sock}
export DEBIAN_FRONTEND=noninteractive
IMAGE=${OM_EE_BASE_IMAGE:-localhost/openmetadata-ops-ee-base:bookworm}
SUITE=bookworm
MIRROR=${OM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
PACKAGES=python3,python3-pip,python3-venv,ca-certificates,openssh-client
CACHE=.build/ee-base
# The tarball's name carries what went into it: a changed package list makes a new one.
KEY=$(printf '%s %s %s v1' "$SUITE" "$MIRROR" "$PACKAGES" | sha256sum | cut -c1-12)
TARBALL=$CACHE/rootfs-$SUITE-$KEY.tar

log() { printf '[ee-base %s] %s\n' "$(date +%T)" "$*"; }

prepare_rootfs() {  # prepare_rootfs <dir>: what a Debian image has and lacks, after debootstrap
  local root=$1
  # apt sources of a Debian image (the package lists themselves are not shipped: apt-get update first
  # when bindep selects packages, see docs/awx.md), no caches, no docs.
  cat >"$root/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
EOF
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$root/etc/apt/apt.conf.d/90ee-no-recommends"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*.log \
    "$root"/var/log/apt/* "$root"/debootstrap
  find "$root/usr/lib/python3" "$root/usr/lib/python3.11" -name __pycache__ -prune -exec rm -rf {} + 2>/dev/null || true
  : >"$root/etc/machine-id"
  echo ee >"$root/etc/hostname"
}

if [ "${OM_EE_BASE_REBUILD:-}" = 1 ]; then
  rm -f "$TARBALL"; docker image rm -f "$IMAGE" >/dev/null 2>&1 || true
fi

# The build machine's own CA certificates (/usr/local/share/ca-certificates: a company's or an
# intercepting proxy's CA, as here) go into the image as a layer of their own, so that pip inside
# ansible-builder's stages reaches PyPI as the host's pip does. Public certificates, no secret; none
# when the host has none. OM_EE_LOCAL_CA=0 leaves them out.
LOCAL_CA=/usr/local/share/ca-certificates
CAS=()
if [ "${OM_EE_LOCAL_CA:-1}" = 1 ] && [ -d "$LOCAL_CA" ]; then
  while IFS= read -r -d '' crt; do CAS+=("$crt"); done < <(find "$LOCAL_CA" -maxdepth 1 -name '*.crt' -print0 | sort -z)
fi
CA_KEY=$(cat /dev/null ${CAS[@]+"${CAS[@]}"} | sha256sum | cut -c1-8)
KEY=$KEY-$CA_KEY
if [ "$(docker image inspect -f '{{ index .Config.Labels "org.openmetadata-ops.rootfs" }}' "$IMAGE" 2>/dev/null)" = "$KEY" ]; then
  log "$IMAGE is there (rootfs $KEY)"; exit 0  # (a fresh clone without .build/ reuses it too)
fi

if [ ! -s "$TARBALL" ]; then
  command -v debootstrap >/dev/null || { log "installing debootstrap"; apt-get update -qq; apt-get install -y -qq debootstrap >/dev/null; }
  mkdir -p "$CACHE"
  root=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  log "debootstrap $SUITE (minbase + $PACKAGES) from $MIRROR: about 3 minutes"
  start=$(date +%s)
  if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$root" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1; then
    tail -n 20 "$CACHE/debootstrap.log"; log "debootstrap failed (log: $CACHE/debootstrap.log)"; exit 1
  fi
  log "debootstrap took $(( $(date +%s) - start )) s"
  prepare_rootfs "$root"
  tar --numeric-owner -C "$root" -cf "$TARBALL.tmp" . && mv "$TARBALL.tmp" "$TARBALL"
  rm -rf "$root"; trap - EXIT
  log "rootfs cached: $TARBALL ($(du -m "$TARBALL" | cut -f1) MB)"
fi

log "docker import $TARBALL -> $IMAGE"
docker import -c 'ENV LANG=C.UTF-8' -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'CMD ["bash"]' "$TARBALL" "$IMAGE-rootfs" >/dev/null
ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT
mkdir "$ctx/ca"
{
  echo "FROM $IMAGE-rootfs"
  if [ ${#CAS[@]} -gt 0 ]; then
    cp ${CAS[@]+"${CAS[@]}"} "$ctx/ca/"
    echo "COPY ca/ /usr/local/share/ca-certificates/"
    echo "RUN update-ca-certificates >/dev/null"
    log "adding this machine's CA certificates: ${CAS[*]##*/}" >&2
  fi
  echo "LABEL org.openmetadata-ops.rootfs=$KEY"
} >"$ctx/Dockerfile"
docker build -q -t "$IMAGE" "$ctx" >/dev/null 2>"$ctx/err" || { cat "$ctx/err"; exit 1; }
rm -rf "$ctx"; trap - EXIT
docker image rm "$IMAGE-rootfs" >/dev/null 2>&1 || true
docker run --rm "$IMAGE" python3 -c 'import ensurepip, pip, ssl, venv' >/dev/null
log "$IMAGE: $(docker image inspect -f '{{ .Size }}' "$IMAGE" | awk '{printf "%d MB", $1/1e6}')"
