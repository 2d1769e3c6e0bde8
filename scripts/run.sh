#!/usr/bin/env bash
# Install stpi into .venv and run the main job on the embedded default (Longnan's plan):
# the index at baseline and target in the terminal, then the web dashboard at http://127.0.0.1:8000/
# (readable without an account on the embedded store; Ctrl+C stops it; STPI_NO_SERVE=1 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
# the PDF bulletin is set in the SIL OFL Noto CJK fonts: Debian's fonts-noto-cjk, installed when missing (as root)
if ! fc-list 2>/dev/null | grep -qi "Noto Serif CJK SC"; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's fonts-noto-cjk for the PDF documents" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-noto-cjk fontconfig >/dev/null
  else
    echo "Note: the PDF documents need the Noto CJK fonts (Debian: apt-get install fonts-noto-cjk)" >&2
  fi
fi
.venv/bin/stpi status "$@"
if [ -z "${STPI_NO_SERVE:-}" ]; then
  exec .venv/bin/stpi serve --host "${STPI_HOST:-127.0.0.1}" --port "${STPI_PORT:-8000}"
fi
