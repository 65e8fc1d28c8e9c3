#!/usr/bin/env bash
# Copy the checkout (tracked + untracked-but-not-ignored files) into
# .venv/ac/ansible_collections/webnic/ssl — a real copy, as ansible-test requires.
# Prints the destination path on stdout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${SYNC_DEST:-$ROOT/.venv/ac/ansible_collections/webnic/ssl}"
cd "$ROOT"

rm -rf "$DEST"
mkdir -p "$DEST"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Files deleted in the work tree but still in the index are skipped.
    git ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' f; do [[ -e "$f" || -L "$f" ]] && printf '%s\0' "$f"; done \
        | xargs -0 -r cp --parents -P -t "$DEST"
else
    # Not a git checkout (e.g. an unpacked tarball): copy everything but dev state.
    tar -C "$ROOT" --exclude=./.venv --exclude=./.git --exclude='__pycache__' --exclude=./tests/output \
        -cf - . | tar -C "$DEST" -xf -
fi
# ansible-test lists files through git when it finds a .git walking up from the collection; the
# enclosing checkout ignores .venv/, so without a repo of its own the copy looks EMPTY to it.
git -C "$DEST" init -q
echo "$DEST"
