#!/usr/bin/env bash
# Run `make <step>` for every step given, ALL of them (no stop at the first failure), print a timing
# table, and end with one line `N passed, N failed[, N skipped]`. Exit 1 when any step failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
MAKE_CMD="${MAKE:-make}"


passed=0 failed=0 skipped=0
summary=()
for step in "$@"; do
    echo
    echo "==================== $step ===================="
    start=$(date +%s)
    if "$MAKE_CMD" --no-print-directory "$step" </dev/null; then
        result=PASSED; passed=$((passed + 1))
    else
        result=FAILED; failed=$((failed + 1))
    fi
    summary+=("$(printf '%-12s %-7s %5ss' "$step" "$result" "$(( $(date +%s) - start ))")")
done

echo
echo "==================== summary ===================="
printf '%s\n' "${summary[@]}"
line="$passed passed, $failed failed"
[[ $skipped -gt 0 ]] && line+=", $skipped skipped"
echo "$line"
[[ $failed -eq 0 ]]
