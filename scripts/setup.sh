#!/usr/bin/env bash
# Installs everything rekey-chaos needs on a fresh Debian machine with Node 20:
# the npm dependencies (from the lock file) and the Debian tools the tests use.
# Idempotent: tools already present are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
# What a foreign manager pod (a bash script like StarlingX's vault-manager) runs
# with: bash, curl, jq, uuidgen; bwrap gives each such pod its own mount namespace
# (platform/agent/sandbox/; without it only root can, through util-linux unshare).
command -v bash >/dev/null 2>&1 || need_apt+=(bash)
command -v jq >/dev/null 2>&1 || need_apt+=(jq)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v uuidgen >/dev/null 2>&1 || need_apt+=(uuid-runtime)
command -v bwrap >/dev/null 2>&1 || need_apt+=(bubblewrap)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
# The report test renders the HTML report in Debian's headless Chromium.
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
# kubectl: these machines carry a version dispatcher; Debian's kubernetes-client
# conflicts with it, so install one only where none exists.
command -v kubectl >/dev/null 2>&1 || need_apt+=(kubernetes-client)

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "setup: ready"
