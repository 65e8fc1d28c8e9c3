#!/usr/bin/env bash
# Install the Debian packages a make target needs, when this machine lets us: as root, or with
# passwordless sudo, and with apt-get. Packages already installed cost nothing (no apt-get update).
# Usage: hack/system-packages.sh PACKAGE...   Exit 0 when every package is installed afterwards,
# 1 when some are missing (the message names them and how to install them). Never prompts.
set -uo pipefail

missing=()
for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
        sudo_cmd=(sudo -n)
    else
        echo "system-packages: not installed: ${missing[*]} (not root and no passwordless sudo)." >&2
        echo "system-packages: install them with: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi
if ! command -v apt-get >/dev/null; then
    echo "system-packages: not installed: ${missing[*]} (no apt-get on this machine); install them with your package manager." >&2
    exit 1
fi

echo "system-packages: installing ${missing[*]} (apt-get)"
log=$(mktemp)
# Like .ci/run: noninteractive, no recommends, one retry after a transient mirror error.
for attempt in 1 2; do
    if DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get update -q >"$log" 2>&1 \
        && DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
        rm -f "$log"
        echo "system-packages: installed ${missing[*]}"
        exit 0
    fi
    [[ $attempt -eq 1 ]] && sleep 5
done
tail -20 "$log" >&2
rm -f "$log"
echo "system-packages: apt-get could not install ${missing[*]}" >&2
exit 1
