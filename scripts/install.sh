#!/usr/bin/env bash
# Install everything Baton needs into this checkout: Python deps (uv, from uv.lock) and the
# front-end libraries (npm, from frontend/package-lock.json). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION="0.13.9"
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Baton needs Python 3.11 or newer (found: $("$PY" --version 2>&1))." >&2
    exit 1
fi
if command -v uv >/dev/null 2>&1; then
    UV=uv
else
    if [ ! -x .tools/bin/uv ]; then
        echo "==> installing uv $UV_VERSION into .tools/"
        "$PY" -m venv .tools
        .tools/bin/pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
    fi
    UV=.tools/bin/uv
fi
echo "==> Python dependencies (uv sync --frozen)"
"$UV" sync --frozen --quiet --python "$PY"

if ! command -v npm >/dev/null 2>&1; then
    echo "Baton needs Node.js 20+ with npm for its front-end libraries." >&2
    exit 1
fi
stamp=frontend/node_modules/.baton-lock
if [ ! -f "$stamp" ] || ! cmp -s frontend/package-lock.json "$stamp"; then
    echo "==> front-end libraries (npm ci)"
    (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
    cp frontend/package-lock.json "$stamp"
fi

echo "==> translations (.po -> .mo)"
BATON_TESTING=1 .venv/bin/python -m django compiletranslations --settings=baton.config.settings
