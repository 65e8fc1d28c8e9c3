#!/usr/bin/env bash
# Create/refresh .venv-2.21: the newest ansible-core (2.21, which needs Python >= 3.12) for the
# sanity and unit runs on the newest release; .venv keeps the oldest declared one (2.19 on 3.11).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv-2.21"
PYTHON="${BOOTSTRAP_NEWEST_PYTHON:-$HOME/.pyenv/versions/3.12.1/bin/python3}"
if [[ ! -x "$PYTHON" ]]; then
    PYTHON="$(command -v python3.12 || true)"
fi
if [[ -z "$PYTHON" ]]; then
    echo "bootstrap-newest: no Python 3.12 found (pyenv 3.12.1 or python3.12); ansible-core 2.21 needs it" >&2
    exit 1
fi

REQS="ansible-core>=2.21,<2.22 pytest>=9,<10 requests>=2.28 cryptography>=41 pyyaml>=6"
if [[ ! -x "$VENV/bin/python" ]]; then
    echo "bootstrap-newest: creating .venv-2.21 with $PYTHON"
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
