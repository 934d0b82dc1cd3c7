#!/usr/bin/env bash
# Installs everything Ever needs to build, test and run the demo on Debian bookworm.
# Idempotent: packages already present are skipped by apt; safe to run on every invocation.
set -euo pipefail
PACKAGES=(
  build-essential cmake ccache pkg-config
  libcaf-dev libcaf-doc librocksdb-dev libmsgpack-cxx-dev catch2
  libboost-dev libyaml-cpp-dev nlohmann-json3-dev libssl-dev libedit-dev libtcmalloc-minimal4
  apache2-utils wrk nginx curl procps tzdata openssl python3
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]} (run as root or install them)" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
