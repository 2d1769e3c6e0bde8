#!/usr/bin/env bash
# Install stpi with its test tools into .venv and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
.venv/bin/python -m mypy
.venv/bin/python -m pytest "$@"
