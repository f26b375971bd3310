#!/usr/bin/env bash
# Builds toxiproxy-server (--store-rtt puts it between the app and the store server) through the Go toolchain's
# configured module proxy (go env GOPROXY), cached outside the clone, keyed by version. Prints the binary's path.
set -euo pipefail
version="${TOXIPROXY_VERSION:-v2.5.0}"
cache="${SESSIONBENCH_CACHE:-$HOME/.cache/sessionbench}/bin"
bin="$cache/toxiproxy-server-$version"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
mkdir -p "$cache"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
dir=$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "github.com/Shopify/toxiproxy/v2@$version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
cp -r "$dir" "$work/src"
chmod -R u+w "$work/src"
(cd "$work/src" && CGO_ENABLED=0 go build -ldflags "-X github.com/Shopify/toxiproxy/v2.Version=${version#v}" -o "$bin.tmp" ./cmd/server) >&2
mv "$bin.tmp" "$bin"
echo "$bin"
