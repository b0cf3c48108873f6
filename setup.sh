#!/usr/bin/env bash
# Set Recoupe up on a fresh machine: a virtual environment with everything
# installed from this repository's files, the models built, and the demo
# corpus (seeds/) ingested into ./data. Safe to run again: every step skips
# what is already done.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
. .venv/bin/activate

python -m pip install --quiet --upgrade pip
# The CPU build of torch first: an unpinned torch would pull a multi-GB CUDA build. The `lab` extra
# (training, evaluation, benchmarks) needs it, and set-up uses the lab to build the models below;
# serving itself never imports torch.
python -m pip install --quiet torch==2.13.0
# RECOUPE_RAY=0 leaves out the optional Ray cluster mode (a few hundred MB); CI installs it so
# that its tests run. The single-machine server never imports it.
if [ "${RECOUPE_RAY:-1}" = 1 ]; then
    python -m pip install --quiet -e '.[test,lab,ray]'
else
    python -m pip install --quiet -e '.[test,lab]'
fi

# The browser tests' tools, never needed to serve: headless Chromium and its driver from the system's
# packages (installed only when running as root and missing, as in CI; elsewhere the tests say what to
# install and skip), and axe-core from tests/browser/package-lock.json into tests/browser/node_modules.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    missing=""
    command -v chromedriver >/dev/null || missing="chromium chromium-driver"
    # the French browser's own widgets (date fields) need Chromium's language packs
    [ -f /usr/lib/chromium/locales/fr.pak ] || missing="$missing chromium-l10n"
    command -v npm >/dev/null || missing="$missing npm"
    if [ -n "$missing" ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
    fi
fi
if command -v npm >/dev/null && [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
    npm ci --prefix tests/browser --no-audit --no-fund --silent
fi

recoupe models build-embedder --if-missing
recoupe models build-stance --if-missing
recoupe ingest seeds/
recoupe stats
