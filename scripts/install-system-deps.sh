#!/usr/bin/env bash
# Debian packages that have no other source, installed only when missing (apt is slow; a warm
# machine skips it). Prometheus is not among them: `npm test` and `npm start` use Debian's
# package where installed and otherwise build it from Go modules themselves
# (tools/prometheus/build.sh), so they need nothing from here.
set -euo pipefail
# chromium: the dashboard e2e tests drive it headless through playwright-core (no browser download).
# openssh-client and gnupg: ssh-keygen / gpg behind `git verify-commit` (signed commits)
packages=(git ca-certificates chromium openssh-client gnupg)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "[deps] installing Debian packages: ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v go >/dev/null || { echo "[deps] Go is required to build the local control plane and Prometheus (not found on PATH)"; exit 1; }
