#!/usr/bin/env bash
# Installs what the browser tests (tests/ui/) need: Debian's Chromium and its matching
# chromium-driver. Called by the README's test command (and so by .ci/run) before pytest.
# - Both present: nothing to do.
# - Missing and running as root with apt-get (a fresh Debian machine, CI): installs them; when
#   that fails, CI (CI=true) fails here, anywhere else the browser tests are skipped.
# - Missing otherwise: says how to install them and succeeds; the browser tests then skip with the
#   same advice outside CI and fail in CI.
set -uo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
hint="install them with 'sudo apt-get install chromium chromium-driver' (or run .ci/browser.sh as root)"
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "browser tests: installing Debian's chromium and chromium-driver" >&2
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; then
        exit 0
    fi
    echo "browser tests: apt-get could not install chromium and chromium-driver; $hint" >&2
    if [ "${CI:-}" = "true" ]; then
        exit 1
    fi
    exit 0
fi
echo "browser tests: chromium or chromedriver is missing; $hint" >&2
