#!/usr/bin/env bash
# Debian packages the integration tests need: a Java runtime for the HermiT reasoner, and the Virtuoso
# server binaries (virtuoso-t) for the remote-store tests, which start their own server with their own
# virtuoso.ini. Only virtuoso-opensource-7-bin is installed: the full virtuoso-opensource package would
# also set up and start a system-wide server, which the tests do not use.
# The browser tests (tests/test_browser.py) drive Debian's headless chromium through its chromedriver
# (packages chromium and chromium-driver) over the W3C WebDriver protocol.
# Installs only what is missing, so repeated runs are quick; never asks a question.
set -euo pipefail
packages=()
command -v java >/dev/null 2>&1 || packages+=(default-jre-headless)
command -v virtuoso-t >/dev/null 2>&1 || packages+=(virtuoso-opensource-7-bin)
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
command -v chromedriver >/dev/null 2>&1 || packages+=(chromium-driver)
if [ ${#packages[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi
