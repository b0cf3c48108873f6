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
# The CPU build of torch first: an unpinned torch would pull a multi-GB CUDA build.
python -m pip install --quiet torch==2.13.0
python -m pip install --quiet -e '.[test]'

recoupe models build-embedder --if-missing
recoupe models build-stance --if-missing
recoupe ingest seeds/
recoupe stats
