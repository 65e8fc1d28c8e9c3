#!/usr/bin/env bash
# Run the ansible-test integration targets against a freshly started simulator.
#
#   tests/integration/run.sh [extra ansible-test args, e.g. a target name or -v]
#
# 1. starts `python -m webnic_sim --port 0 --state $tmp` and reads its WEBNIC_SIM_URL= line
# 2. writes tests/integration/integration_config.yml (vars every target gets: webnic_api_endpoint,
#    webnic_api_username, webnic_api_password, webnic_sim_url, webnic_sim_ca_path)
# 3. syncs the checkout to .venv/ac-integration/ansible_collections/webnic/ssl (ansible-test needs a
#    real copy; its own, so that `make sanity` running at the same time is not disturbed)
# 4. runs ansible-test integration --local --python 3.11 --allow-destructive there
# Fails when ansible-test fails OR when it skipped every target. Stops the simulator on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
[[ -x "$PY" ]] || hack/bootstrap.sh

TMP="$(mktemp -d "${TMPDIR:-/tmp}/webnic-integration.XXXXXX")"
SIM_PID=""
cleanup() {
    if [[ -n "$SIM_PID" ]] && kill -0 "$SIM_PID" 2>/dev/null; then
        kill -TERM "$SIM_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SIM_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SIM_PID" 2>/dev/null || true
    fi
    if [[ "${KEEP_SIM_STATE:-}" == 1 ]]; then echo "integration: simulator state kept in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. simulator ----------------------------------------------------------------------------
mkdir -p "$TMP/state"
PYTHONPATH="$ROOT/tests/simulator" "$PY" -m webnic_sim --port 0 --state "$TMP/state" \
    >"$TMP/sim.out" 2>"$TMP/sim.err" </dev/null &
SIM_PID=$!
SIM_URL=""
for _ in $(seq 300); do  # up to 30 s
    SIM_URL="$(sed -n 's/^WEBNIC_SIM_URL=//p' "$TMP/sim.out" | head -1)"
    [[ -n "$SIM_URL" ]] && break
    if ! kill -0 "$SIM_PID" 2>/dev/null; then break; fi
    sleep 0.1
done
if [[ -z "$SIM_URL" ]]; then
    echo "integration: FAILED: the simulator did not print WEBNIC_SIM_URL=" >&2
    echo "--- simulator stdout:" >&2; cat "$TMP/sim.out" >&2 || true
    echo "--- simulator stderr:" >&2; tail -50 "$TMP/sim.err" >&2 || true
    exit 1
fi
echo "integration: simulator at $SIM_URL (pid $SIM_PID)"

# The simulator's root CA (PEM): a file in the state dir, else its admin endpoint.
CA_PATH="$TMP/sim-ca.pem"
for cand in "$TMP/state/ca.pem" "$TMP/state/root-ca.pem" "$TMP/state/ca/root.pem"; do
    if [[ -s "$cand" ]]; then cp "$cand" "$CA_PATH"; break; fi
done
if [[ ! -s "$CA_PATH" ]]; then
    "$PY" - "$SIM_URL" "$CA_PATH" <<'PY' || true
import json, sys, urllib.request
url, dest = sys.argv[1].rstrip("/"), sys.argv[2]
for path in ("/_sim/ca.pem", "/_sim/ca"):
    try:
        with urllib.request.urlopen(url + path, timeout=5) as r:
            body = r.read().decode()
    except Exception:
        continue
    if body.lstrip().startswith("{"):  # JSON: take the first PEM-looking string value
        data = json.loads(body)
        stack, body = [data], ""
        while stack:
            v = stack.pop()
            if isinstance(v, dict):
                stack.extend(v.values())
            elif isinstance(v, list):
                stack.extend(v)
            elif isinstance(v, str) and "-----BEGIN CERTIFICATE-----" in v:
                body = v
                break
    if "-----BEGIN CERTIFICATE-----" in body:
        open(dest, "w").write(body)
        break
PY
fi
[[ -s "$CA_PATH" ]] || echo "integration: warning: simulator root CA not found; webnic_sim_ca_path points to a missing file" >&2

# --- 2. config ---------------------------------------------------------------------------------
CONFIG="$ROOT/tests/integration/integration_config.yml"
cat >"$CONFIG" <<YAML
---
# Written by tests/integration/run.sh for one run (git-ignored).
webnic_api_endpoint: "$SIM_URL"
webnic_api_username: api-demo
webnic_api_password: demo-secret
webnic_sim_url: "$SIM_URL"
webnic_sim_ca_path: "$CA_PATH"
webnic_sim_state_dir: "$TMP/state"
YAML

# --- 3. sync -----------------------------------------------------------------------------------
DEST="$(SYNC_DEST="$ROOT/.venv/ac-integration/ansible_collections/webnic/ssl" hack/sync-collection.sh)"
cp "$CONFIG" "$DEST/tests/integration/integration_config.yml"  # git-ignored, so not synced

# --- 4. ansible-test -----------------------------------------------------------------------------
LOG="$TMP/ansible-test.log"
set +e
(
    cd "$DEST"
    export PATH="$ROOT/.venv/bin:$PATH" VIRTUAL_ENV="$ROOT/.venv"
    ansible-test integration --local --python 3.11 --allow-destructive --color no "$@"
) 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
set -e

if grep -qiE 'all targets skipped|WARNING: All targets skipped' "$LOG"; then
    echo "integration: FAILED: ansible-test skipped every target" >&2
    exit 1
fi
if [[ $rc -ne 0 ]]; then
    echo "integration: FAILED (ansible-test exit $rc)" >&2
    echo "--- simulator stderr (last 30 lines):" >&2; tail -30 "$TMP/sim.err" >&2 || true
    exit "$rc"
fi
echo "integration: ok"
