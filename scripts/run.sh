#!/usr/bin/env bash
# Install stpi into .venv and run the main job on the embedded default (Longnan's plan):
# the index at baseline and target in the terminal, then the web dashboard at http://127.0.0.1:8000/
# (readable without an account on the embedded store; Ctrl+C stops it; STPI_NO_SERVE=1 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
.venv/bin/stpi status "$@"
if [ -z "${STPI_NO_SERVE:-}" ]; then
  exec .venv/bin/stpi serve --host "${STPI_HOST:-127.0.0.1}" --port "${STPI_PORT:-8000}"
fi
