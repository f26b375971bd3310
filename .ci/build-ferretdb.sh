#!/usr/bin/env bash
# Builds FerretDB v1 (MongoDB wire protocol, SQLite backend) through the Go toolchain's configured module proxy (go env GOPROXY).
# Cached outside the clone, keyed by version. Prints the binary's path.
set -euo pipefail
version="${FERRETDB_VERSION:-v1.24.2}"
cache="${SESSIONBENCH_CACHE:-$HOME/.cache/sessionbench}/bin"
bin="$cache/ferretdb-$version"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
mkdir -p "$cache"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
dir=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "github.com/FerretDB/FerretDB@$version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
cp -r "$dir" "$work/src"
chmod -R u+w "$work/src"
echo "$version" > "$work/src/build/version/version.txt"
(cd "$work/src" && CGO_ENABLED=0 go build -o "$bin.tmp" ./cmd/ferretdb) >&2
mv "$bin.tmp" "$bin"
echo "$bin"
