#!/usr/bin/env bash
# Builds the local control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl, kwok) from Go modules into a cache directory outside the work tree, keyed by the
# versions and the wrapper modules' go.sum, so a second run is a no-op.
# Prints the directory holding the binaries on its last line of stdout; progress goes to stderr.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
k8s_version=$(awk '/^require k8s.io\/kubernetes /{print $3}' "$here/go/kubernetes/go.mod")
key=$(cat "$here"/go/*/go.sum "$here"/go/*/go.mod | sha256sum | cut -c1-12)
cache_root=${BELLWETHER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bellwether}
bin="$cache_root/plane-$k8s_version-$key/bin"
mkdir -p "$bin"

# Two test runs on one machine (or CI beside a developer) must not build the same binaries at
# once: the second waits for the first and then finds them cached.
exec 9>"$cache_root/.build.lock"
flock 9

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

log() { printf '[cluster:build] %s\n' "$*" >&2; }

# go build -v prints each package as it is compiled; turn that into a line every 100 packages,
# against the total go list counts beforehand, so a cold build (tens of minutes on 2 cores)
# visibly moves.
progress() {
  local what=$1 total=$2 n=0
  while IFS= read -r line; do
    case "$line" in
      *": "*) printf '%s\n' "$line" >&2 ;; # compiler errors and go: messages
      *) n=$((n + 1)); if ((n % 100 == 0)); then log "$what: $n/$total packages compiled"; fi ;;
    esac
  done
}

build() {
  local module=$1 what=$2; shift 2
  local missing=()
  for target in "$@"; do
    [[ -x "$bin/${target%%=*}" ]] || missing+=("$target")
  done
  ((${#missing[@]} == 0)) && return 0
  log "building $what (first time only; cached in $bin)"
  local start=$SECONDS tmp
  tmp=$(mktemp -d "$bin/.tmp.XXXXXX")
  for target in "${missing[@]}"; do
    local name=${target%%=*} pkg=${target#*=} total
    # packages not yet in Go's build cache (resolving them downloads missing modules)
    total=$(cd "$here/go/$module" && go list -trimpath -deps -f '{{if .Stale}}x{{end}}' "$pkg" | grep -c x || true)
    log "$name: $total packages to compile"
    (cd "$here/go/$module" && go build -v -trimpath -ldflags "$LDFLAGS" -o "$tmp/$name" "$pkg" 2>&1) | progress "$name" "$total"
    [[ -x "$tmp/$name" ]] || { log "build of $name failed"; exit 1; }
    mv "$tmp/$name" "$bin/$name"
    log "$name built ($((SECONDS - start))s so far)"
  done
  rmdir "$tmp"
}

minor=${k8s_version#v1.}; minor=${minor%%.*}
version_flags() {
  local pkg=$1
  printf -- '-X %s.gitVersion=%s -X %s.gitMajor=1 -X %s.gitMinor=%s -X %s.gitTreeState=clean ' \
    "$pkg" "$k8s_version" "$pkg" "$pkg" "$minor" "$pkg"
}
LDFLAGS="-s -w $(version_flags k8s.io/component-base/version)$(version_flags k8s.io/client-go/pkg/version)"
build kubernetes "Kubernetes $k8s_version" \
  kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver \
  kube-controller-manager=k8s.io/kubernetes/cmd/kube-controller-manager \
  kube-scheduler=k8s.io/kubernetes/cmd/kube-scheduler \
  kubectl=k8s.io/kubernetes/cmd/kubectl

LDFLAGS="-s -w"
build etcd "etcd" etcd=go.etcd.io/etcd/server/v3
build kwok "kwok" kwok=sigs.k8s.io/kwok/cmd/kwok

echo "$bin"
