#!/usr/bin/env bash
# Install everything and run Baton: SQLite under var/, the demo company, a worker and the
# web UI on http://127.0.0.1:8000. Stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
exec .venv/bin/baton run "$@"
