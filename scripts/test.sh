#!/usr/bin/env bash
# Install everything and run the whole test suite: lint, types, migrations check, the suite on
# SQLite (with the browser tests when Chromium is installed), and again on PostgreSQL when one
# is reachable (DATABASE_URL, or the local server at 127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
export PATH="$PWD/.venv/bin:$PATH"
export DJANGO_SETTINGS_MODULE=baton.config.settings_test

echo "==> ruff"
ruff check .
ruff format --check .
echo "==> mypy"
mypy baton
echo "==> migrations are up to date"
BATON_TESTING=1 python -m django makemigrations --check --dry-run

run_pytest() {
    set +e
    pytest "$@"
    code=$?
    set -e
    if [ "$code" -ne 0 ] && [ "$code" -ne 5 ]; then exit "$code"; fi
}

if [ ! -x /usr/bin/chromium ]; then
    echo "NOTE: /usr/bin/chromium not found: browser tests will be skipped (apt-get install chromium)."
fi
echo "==> test suite on SQLite"
(unset DATABASE_URL; run_pytest -q)

PG_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/baton}
if python - "$PG_URL" <<'PY'
import sys, psycopg, dj_database_url
cfg = dj_database_url.parse(sys.argv[1])
try:
    psycopg.connect(host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"], password=cfg["PASSWORD"] or None,
                    dbname="postgres", connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL at {cfg['HOST']}:{cfg['PORT']} not reachable ({exc.__class__.__name__})")
    sys.exit(1)
PY
then
    echo "==> test suite on PostgreSQL ($PG_URL)"
    DATABASE_URL="$PG_URL" run_pytest -q -m "not browser"
else
    echo "SKIPPED: the PostgreSQL suite (no PostgreSQL reachable; set DATABASE_URL to run it)."
fi
echo "==> all checks passed"
