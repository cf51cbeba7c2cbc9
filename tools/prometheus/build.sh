#!/usr/bin/env bash
# Builds the Prometheus server and promtool (the alert-rule tests run it) from Go modules (tools/prometheus/go pins the version) into a cache
# directory outside the work tree, keyed by the version, the wrapper module's go.sum and the
# build flags, so a second run is a no-op. Used where Debian's prometheus package is not
# installed (tools/prometheus/binary.ts decides).
# Prints the binary's path on its last line of stdout; progress goes to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
module=github.com/prometheus/prometheus
version=$(awk -v m="$module" '$1 == m {print $2}' "$here/go/go.mod")
# remove_all_sd: only the file and static service discovery the tests use, not the cloud ones.
tags=remove_all_sd
pkg="$module/cmd/prometheus"
# Module v0.MNN.P is Prometheus M.NN.P; stamped so --version and prometheus_build_info say so.
release=${version#v0.}
release="${release:0:1}.${release:1}"
ldflags="-s -w -X github.com/prometheus/common/version.Version=$release -X github.com/prometheus/common/version.Branch=release"
# keyed by what decides the binary: the module graph and the build flags
key=$( (cat "$here/go/go.mod" "$here/go/go.sum"; echo "$tags $ldflags") | sha256sum | cut -c1-12)
cache_root=${BELLWETHER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bellwether}
dir="$cache_root/prometheus-$release-$key"
binary="$dir/prometheus"
promtool="$dir/promtool"

log() { printf '[prometheus:build] %s\n' "$*" >&2; }

if [[ -x "$binary" && -x "$promtool" ]]; then
  echo "$binary"
  exit 0
fi

command -v go >/dev/null || PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || { log "Go is needed to build Prometheus (not on PATH, not in /usr/local/go)"; exit 1; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

mkdir -p "$dir"
# One build at a time per version (worktrees share the cache); a waiter finds the binary built.
exec 9>"$dir/.lock"
if ! flock -n 9; then
  log "another build of Prometheus $release is running; waiting for it"
  flock 9
fi
if [[ -x "$binary" && -x "$promtool" ]]; then
  echo "$binary"
  exit 0
fi

start=$SECONDS
cd "$here/go"
build_server() {
log "building Prometheus $release (module $version; first time only; cached in $dir)"
# Resolving the package graph downloads the modules it needs (go prints each), then counts the
# packages not yet in Go's build cache: the total for the progress lines.
log "resolving packages (downloads missing modules into the Go module cache)"
total=$(go list -trimpath -tags "$tags" -deps -f '{{if .Stale}}x{{end}}' "$pkg" | grep -c x || true)
log "compiling $total packages ($((SECONDS - start))s so far)"

# go build -v prints each package as it is compiled: a line every 50 of them, against the total.
progress() {
  local n=0 line
  while IFS= read -r line; do
    case "$line" in
      *": "* | *"#"*) printf '%s\n' "$line" >&2 ;; # compiler errors and go: messages
      *) n=$((n + 1)); if ((n % 50 == 0)); then log "$n/$total packages compiled ($((SECONDS - start))s)"; fi ;;
    esac
  done
}
tmp=$(mktemp "$dir/.prometheus.XXXXXX")
(go build -v -trimpath -tags "$tags" -ldflags "$ldflags" -o "$tmp" "$pkg" 2>&1) | progress
if [[ ! -s "$tmp" ]] || ! "$tmp" --version >/dev/null 2>&1; then
  rm -f "$tmp"
  log "build of Prometheus $release failed"
  exit 1
fi
chmod +x "$tmp"
mv "$tmp" "$binary"
log "Prometheus $release built in $((SECONDS - start))s: $binary"
}
[[ -x "$binary" ]] || build_server

# promtool shares nearly every package with the server, so from Go's build cache it takes seconds.
if [[ ! -x "$promtool" ]]; then
  log "building promtool $release"
  tmp=$(mktemp "$dir/.promtool.XXXXXX")
  go build -trimpath -tags "$tags" -ldflags "$ldflags" -o "$tmp" "$module/cmd/promtool"
  if [[ ! -s "$tmp" ]] || ! "$tmp" --version >/dev/null 2>&1; then
    rm -f "$tmp"
    log "build of promtool $release failed"
    exit 1
  fi
  chmod +x "$tmp"
  mv "$tmp" "$promtool"
  log "promtool $release built in $((SECONDS - start))s: $promtool"
fi
echo "$binary"
