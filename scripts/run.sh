#!/usr/bin/env bash
# Install stpi into .venv and run the main job on the embedded default (Longnan's plan).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
.venv/bin/stpi status "$@"
