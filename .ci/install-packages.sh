#!/usr/bin/env bash
# Installs what the test suite needs from Debian: the store servers sessionbench starts locally
# (redis-server, memcached, PostgreSQL, MariaDB), Chromium for the report test, wrk for `npm run calibrate`,
# openssl for the certificate --store-tls makes,
# and a C++ toolchain: the sqlite3 npm package builds from source when its prebuilt binary cannot be downloaded.
# Idempotent: does nothing when all are present; runs apt-get update at most once.
# --check: print the missing packages, one a line, and install nothing.
set -euo pipefail
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v memcached >/dev/null || missing+=(memcached)
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || command -v postgres >/dev/null || missing+=(postgresql)
command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
command -v setpriv >/dev/null || missing+=(util-linux)
command -v g++ >/dev/null && command -v make >/dev/null || missing+=(g++ make)
command -v python3 >/dev/null || missing+=(python3)
command -v chromium >/dev/null || missing+=(chromium)
command -v wrk >/dev/null || missing+=(wrk)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "${1:-}" = --check ]; then printf '%s\n' "${missing[@]}"; exit 0; fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts the packaged services; sessionbench starts its own on free ports.
for service in redis-server memcached postgresql mariadb; do
  $sudo service "$service" stop >/dev/null 2>&1 || true
done
