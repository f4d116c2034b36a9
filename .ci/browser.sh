#!/usr/bin/env bash
# Installs what the browser tests (tests/ui/) need: Debian's Chromium and its matching
# chromium-driver. Called by the README's test command (and so by .ci/run) before pytest.
# - Both present: nothing to do.
# - Missing and running as root with apt-get (a fresh Debian machine, CI): installs them.
# - Missing otherwise: says how to install them and succeeds; the browser tests then skip with the
#   same advice outside CI and fail in CI (CI=true).
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "browser tests: installing Debian's chromium and chromium-driver" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
    exit 0
fi
echo "browser tests: chromium or chromedriver is missing; install them with" \
    "'sudo apt-get install chromium chromium-driver' (or run this script as root)" >&2
