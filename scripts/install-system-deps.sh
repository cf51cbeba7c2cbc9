#!/usr/bin/env bash
# Debian packages the tests need, installed only when missing (apt is slow; a warm machine skips it).
set -euo pipefail
# openssh-client and gnupg: ssh-keygen / gpg behind `git verify-commit` (signed commits)
packages=(git ca-certificates prometheus openssh-client gnupg)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "[deps] installing Debian packages: ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v go >/dev/null || { echo "[deps] Go is required to build the local control plane (not found on PATH)"; exit 1; }
