#!/usr/bin/env bash
# Debian packages the integration tests need: a Java runtime for the HermiT reasoner.
# Installs only what is missing, so repeated runs are quick.
set -euo pipefail
packages=()
command -v java >/dev/null 2>&1 || packages+=(default-jre-headless)
if [ ${#packages[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${packages[@]}"
fi
