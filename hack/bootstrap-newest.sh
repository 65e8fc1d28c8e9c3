#!/usr/bin/env bash
# Create/refresh .venv-<core>: a newer ansible-core than .venv's (the oldest declared one, 2.19 on
# 3.11) for the sanity and unit runs of the version matrix. Usage: hack/bootstrap-newest.sh [CORE]
#   2.21 (default): Python 3.12   2.20: Python 3.13 (the newest Python here that 2.20 supports)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CORE="${1:-2.21}"
case "$CORE" in
    2.20) PY_VERSION=3.13 PYENV_VERSION_DIR=3.13.0 NEXT=2.21 ;;
    2.21) PY_VERSION=3.12 PYENV_VERSION_DIR=3.12.1 NEXT=2.22 ;;
    *) echo "bootstrap-newest: unknown ansible-core $CORE (2.20 or 2.21)" >&2; exit 2 ;;
esac
VENV="$ROOT/.venv-$CORE"
PYTHON="${BOOTSTRAP_NEWEST_PYTHON:-$HOME/.pyenv/versions/$PYENV_VERSION_DIR/bin/python3}"
if [[ ! -x "$PYTHON" ]]; then
    PYTHON="$(command -v "python$PY_VERSION" || true)"
fi
if [[ -z "$PYTHON" ]]; then
    echo "bootstrap-newest: no Python $PY_VERSION found (pyenv $PYENV_VERSION_DIR or python$PY_VERSION); ansible-core $CORE needs it" >&2
    exit 1
fi

REQS="ansible-core>=$CORE,<$NEXT pytest>=9,<10 requests>=2.28 cryptography>=41 idna>=3.4 pyyaml>=6"
if [[ ! -x "$VENV/bin/python" ]]; then
    echo "bootstrap-newest: creating .venv-$CORE with $PYTHON"
    "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.requirements"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$REQS" ]]; then
    echo "bootstrap-newest: installing $REQS"
    # shellcheck disable=SC2086
    {
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check $REQS
    } 2> >(grep -v "^WARNING: Location 'file://" >&2)
    echo "$REQS" >"$STAMP"
fi
"$VENV/bin/python" -c 'import sys, importlib.metadata as m; print("bootstrap-newest: ok (Python %d.%d.%d, ansible-core %s)" % (*sys.version_info[:3], m.version("ansible-core")))'
