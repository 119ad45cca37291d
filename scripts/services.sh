#!/usr/bin/env bash
# Install (when missing) and start the database servers the tests and the sandbox use:
#   MariaDB 10.11 on 127.0.0.1:3306 (root, empty password)
#   PostgreSQL 15 on 127.0.0.1:5432 (trust for loopback)
# Idempotent: a second run only checks that both answer. Test machines only: it opens
# passwordless root access on loopback.
set -euo pipefail

log() { printf '[services] %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

wait_for() {  # wait_for <what> <command...>
  local what=$1; shift
  for _ in $(seq 1 100); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  log "$what did not come up"; return 1
}

start_postgresql() {
  if [ ! -d /etc/postgresql ] || ! command -v pg_ctlcluster >/dev/null; then
    log "installing PostgreSQL"
    apt_install postgresql postgresql-client
  fi
  local version conf
  version=$(ls /etc/postgresql | sort -V | tail -n1)
  conf=/etc/postgresql/$version/main/pg_hba.conf
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$conf"; then
    log "trusting loopback connections in $conf (test machine only)"
    as_root sed -i '/^host\s\+all\s\+all\s\+\(127.0.0.1\/32\|::1\/128\)/d' "$conf"
    printf 'host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n' | as_root tee -a "$conf" >/dev/null
  fi
  if as_root pg_ctlcluster --skip-systemctl-redirect "$version" main status >/dev/null 2>&1; then
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  else
    log "starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  fi
  wait_for PostgreSQL psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1'
  log "PostgreSQL $version ready on 127.0.0.1:5432"
}

start_mariadb() {
  if [ ! -x /usr/sbin/mariadbd ]; then
    log "installing MariaDB"
    apt_install mariadb-server mariadb-client
  fi
  as_root mkdir -p /run/mysqld
  as_root chown mysql:mysql /run/mysqld
  if ! as_root mariadb-admin --protocol=socket ping >/dev/null 2>&1 \
     && ! mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1; then
    log "starting MariaDB"
    # Errors (and a crash's stack trace) go to a file: in the background stderr is lost.
    as_root mkdir -p /var/log/mysql
    as_root chown mysql:mysql /var/log/mysql
    as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql \
      --log-error=/var/log/mysql/error.log
  fi
  wait_for MariaDB sh -c 'mariadb-admin --protocol=socket ping || mariadb-admin -h 127.0.0.1 -u root ping'
  if ! mariadb -h 127.0.0.1 -u root -e 'select 1' >/dev/null 2>&1; then
    log "allowing root over TCP with an empty password (test machine only)"
    as_root mariadb --protocol=socket -u root <<'SQL'
ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket;
CREATE USER IF NOT EXISTS root@'127.0.0.1' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO root@'127.0.0.1' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
  fi
  log "MariaDB $(mariadb -h 127.0.0.1 -u root -N -e 'select version()') ready on 127.0.0.1:3306"
}

start_postgresql
start_mariadb
