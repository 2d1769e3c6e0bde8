#!/usr/bin/env bash
# Install stpi with its test tools into .venv and run the whole test suite.
# The store's tests need a PostgreSQL server: the one named by STPI_TEST_DATABASE_URL, or one
# on 127.0.0.1:5432; where none answers, Debian's postgresql is installed and a throwaway
# cluster is started for this run and removed afterwards.
# The browser tests drive Debian's Chromium with Playwright (no browser download): it is
# installed here with a Chinese font when missing.
# The document tests render the bulletin: the DOCX with LibreOffice (Debian's headless
# libreoffice-writer-nogui), both PDFs to PNG with pdftoppm (poppler-utils), the PDF set in the
# SIL OFL Noto CJK fonts (fonts-noto-cjk); all three are installed here when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

export STPI_TEST_DATABASE_URL="${STPI_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}"
probe() { .venv/bin/python -c "import psycopg, sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$1" 2>/dev/null; }
if ! probe "$STPI_TEST_DATABASE_URL"; then
  echo "No PostgreSQL at $STPI_TEST_DATABASE_URL: starting a throwaway cluster" >&2
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
  pgdir=$(mktemp -d /tmp/stpi-pg.XXXXXX)
  chown postgres "$pgdir"
  runuser -u postgres -- "$bin/initdb" -D "$pgdir/data" -A trust -U postgres >/dev/null
  runuser -u postgres -- "$bin/pg_ctl" -D "$pgdir/data" -o "-p 55432 -k $pgdir -c listen_addresses=127.0.0.1" -l "$pgdir/log" -w start >/dev/null
  trap 'runuser -u postgres -- "$bin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null; rm -rf "$pgdir"' EXIT
  export STPI_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:55432/postgres"
fi

if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  echo "Installing Debian's chromium and fonts-noto-cjk for the browser tests" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
export STPI_REQUIRE_BROWSER=1

if ! command -v soffice >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Serif CJK SC"; then
  echo "Installing Debian's libreoffice-writer-nogui, poppler-utils and fonts-noto-cjk for the document tests" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui poppler-utils fonts-noto-cjk >/dev/null
fi
export STPI_REQUIRE_RENDER=1

.venv/bin/python -m mypy
.venv/bin/python -m pytest "$@"
