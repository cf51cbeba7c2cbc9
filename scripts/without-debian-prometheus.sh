#!/usr/bin/env bash
# Runs a command as on a machine without Debian's prometheus package, to try the path a fresh
# machine takes (tools/prometheus/build.sh) where the package is installed: in a private mount
# namespace, /usr/bin is replaced by a copy made of hard links, minus prometheus. Nothing
# outside this command sees a change. Needs root (unshare, mount).
#
#   bash scripts/without-debian-prometheus.sh npm start
set -euo pipefail
(($#)) || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
copy=$(mktemp -d /var/tmp/usr-bin.XXXXXX)
trap 'rm -rf "$copy"' EXIT
cp -al /usr/bin/. "$copy/"
rm -f "$copy/prometheus"
unshare -m --propagation private bash -c 'mount --bind "$1" /usr/bin && shift && exec "$@"' _ "$copy" "$@"
