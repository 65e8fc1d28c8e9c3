#!/usr/bin/env bash
# Create/refresh the development virtualenv in .venv (idempotent, cheap when up to date).
#  - .venv with Python 3.11 (pyenv 3.11.7 when present, else python3)
#  - requirements-dev.txt installed (skipped when .venv/.requirements.sha256 matches)
#  - .venv/collections/ansible_collections/webnic/ssl -> repo root (symlink, for ANSIBLE_COLLECTIONS_PATH)
#  - offline get-pip stand-ins for ansible-test in ~/.ansible/test/cache/
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"

PYTHON="${BOOTSTRAP_PYTHON:-}"
if [[ -z "$PYTHON" ]]; then
    if [[ -x "$HOME/.pyenv/versions/3.11.7/bin/python3" ]]; then
        PYTHON="$HOME/.pyenv/versions/3.11.7/bin/python3"
    else
        PYTHON="$(command -v python3)"
    fi
fi

if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    echo "bootstrap: creating .venv with $PYTHON"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
fi

STAMP="$VENV/.requirements.sha256"
HASH="$(cat requirements-dev.txt requirements.txt | sha256sum | cut -d' ' -f1)"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$HASH" ]]; then
    echo "bootstrap: installing requirements-dev.txt"
    # (this machine's pip.conf names local index dirs that may not exist: drop that noise)
    {
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements-dev.txt
    } 2> >(grep -v "^WARNING: Location 'file://" >&2)
    echo "$HASH" >"$STAMP"
fi

# Collections tree for ANSIBLE_COLLECTIONS_PATH=.venv/collections (a symlink is fine for
# ansible-playbook/ansible-doc/pytest; ansible-test needs the real copy from sync-collection.sh).
LINK="$VENV/collections/ansible_collections/webnic/ssl"
mkdir -p "$(dirname "$LINK")"
if [[ "$(readlink "$LINK" 2>/dev/null || true)" != "$ROOT" ]]; then
    rm -rf "$LINK"
    ln -s "$ROOT" "$LINK"
fi

# ansible-test downloads get-pip.py from a host we cannot reach: provide offline stand-ins.
CACHE="$HOME/.ansible/test/cache"
mkdir -p "$CACHE"
for name in get_pip_24_2.py get_pip_25_2.py; do
    cat >"$CACHE/$name" <<'PY'
import subprocess, sys
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "-q", *args]))
PY
done

"$VENV/bin/python" -c 'import sys, importlib.metadata as m; print("bootstrap: ok (Python %d.%d.%d, ansible-core %s)" % (*sys.version_info[:3], m.version("ansible-core")))'
