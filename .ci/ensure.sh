#!/usr/bin/env bash
# Run by `npm test` (pretest) and so by .ci/run: makes sure what the test suite needs is on this machine.
# Missing Debian packages are installed through .ci/install-packages.sh when root or passwordless sudo can;
# FerretDB, k6 and toxiproxy-server (--store-rtt) are built into ~/.cache/sessionbench/bin by .ci/build-*.sh when Go 1.25+ is there.
# Whatever it cannot get, it names, one line each with how to get it, and exits 1 before installing or testing anything.
# Prints nothing when everything is present. --dry-run: say what it would install or build, change nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
dry_run=false
if [ "${1:-}" = --dry-run ]; then dry_run=true; fi
problems=()
notes=()
install=()
builds=()
say() { echo "sessionbench test setup: $*" >&2; }

if [ "$(uname -s)" != Linux ]; then
  echo "sessionbench test setup: the suite starts its own servers, which needs Linux (setpriv, /proc); run it on Linux or in a Linux container" >&2
  exit 1
fi

# Debian packages: servers, Chromium, wrk.
mapfile -t packages < <(.ci/install-packages.sh --check)
if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo "; fi
  can_apt=false
  if command -v apt-get >/dev/null && { [ -z "$sudo" ] || sudo -n true 2>/dev/null; }; then can_apt=true; fi
  if $can_apt; then
    install=("${packages[@]}")
  else
    how="${sudo}apt-get install -y"
    if ! command -v apt-get >/dev/null; then how="install with your package manager:"; fi
    for package in "${packages[@]}"; do
      case "$package" in
        redis-server|memcached|postgresql|mariadb-server) problems+=("$package: missing (the tests start their own local server) — $how $package") ;;
        g++|make|python3) problems+=("$package: missing (npm builds the sqlite3 module from source with it) — $how $package") ;;
        chromium) problems+=("chromium: missing at /usr/bin/chromium (the report's browser test) — $how chromium") ;;
        util-linux) problems+=("setpriv: missing (starts servers as another user) — $how util-linux") ;;
        openssl) problems+=("openssl: missing (makes the certificate for --store-tls and its test) — $how openssl") ;;
        wrk) notes+=("wrk: missing, needed only by npm run calibrate — $how wrk") ;;
        *) problems+=("$package: missing — $how $package") ;;
      esac
    done
  fi
fi

# Built from the Go module proxy: found like sessionbench finds them (variable, PATH, cache).
cache="${SESSIONBENCH_CACHE:-$HOME/.cache/sessionbench}/bin"
found() { # name, variable
  local value="${!2:-}"
  if [ -n "$value" ]; then [ -x "$value" ]; return; fi
  command -v "$1" >/dev/null && return 0
  compgen -G "$cache/$1-v*" >/dev/null
}
go_ok=false
if command -v go >/dev/null && [ "$(go env GOVERSION 2>/dev/null | sed -n 's/^go1\.\([0-9]*\).*/\1/p')" -ge 25 ] 2>/dev/null; then go_ok=true; fi
build() { # name, variable, script
  if found "$1" "$2"; then return; fi
  if [ "$1" = ferretdb ] && command -v mongod >/dev/null; then return; fi
  if [ -n "${!2:-}" ]; then problems+=("$1: $2=${!2} is not an executable file — fix or unset $2"); return; fi
  if ! $go_ok; then problems+=("$1: not found ($2, PATH, $cache) — install Go 1.25 or newer (https://go.dev/dl) and rerun, or set $2 to a $1 binary"); return; fi
  builds+=("$1:$3")
}
build ferretdb FERRETDB_BIN .ci/build-ferretdb.sh
build k6 K6_BIN .ci/build-k6.sh
build toxiproxy-server TOXIPROXY_BIN .ci/build-toxiproxy.sh

for note in ${notes[@]+"${notes[@]}"}; do say "$note"; done
if [ ${#problems[@]} -gt 0 ]; then
  for problem in "${problems[@]}"; do say "$problem"; done
  say "${#problems[@]} missing: nothing was installed or tested"
  exit 1
fi
if [ ${#install[@]} -gt 0 ]; then
  if $dry_run; then say "would install through apt-get: ${install[*]}"
  else
    say "installing through apt-get (once): ${install[*]}"
    .ci/install-packages.sh
  fi
fi
for entry in ${builds[@]+"${builds[@]}"}; do
  name="${entry%%:*}" script="${entry#*:}"
  if $dry_run; then say "would build $name with $script into $cache"; continue; fi
  say "building $name with $script into $cache (once; a few minutes)"
  "$script" >/dev/null
done
