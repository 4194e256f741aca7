#!/usr/bin/env bash
# Contract fuzzing: schemathesis (pinned below, installed into a virtualenv under .local/tools on first
# use) generates requests from the stack's own /openapi.json and checks every answer against it, with
# all of its checks (no 5xx, documented status codes, content types, headers and schemas, schema-invalid
# input refused, schema-valid input accepted, undeclared methods answered 405 with an Allow header ...).
# It runs against a private stack (scripts/stack.mjs up on spare ports, with a data dir and an admin
# secret of its own), so the shared one is never touched: the integration routes with a token holding
# every scope, the admin routes with an admin JWT. Fails on any failure, and when no case ran at all.
#
#   bash scripts/fuzz-contract.sh
#
# Environment: FUZZ_MAX_EXAMPLES (25) cases per operation and phase, FUZZ_SEED (fixed, so a failure
# reproduces), STACK_SKIP_BUILD=1 when the caller has just built. .ci/run calls it after `npm test`.
set -euo pipefail

SCHEMATHESIS_VERSION=4.32.5
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-25}"
SEED="${FUZZ_SEED:-18}"
TOOLS="$ROOT/.local/tools/schemathesis-$SCHEMATHESIS_VERSION"
mkdir -p "$ROOT/.local/tmp"
WORK="$(mktemp -d "$ROOT/.local/tmp/fuzz-XXXXXX")"

say() { printf '[fuzz] %s\n' "$*" >&2; }
fail() {
  say "FAILED: $*"
  exit 1
}

if [ ! -x "$TOOLS/bin/schemathesis" ]; then
  say "installing schemathesis $SCHEMATHESIS_VERSION into ${TOOLS#"$ROOT"/}"
  rm -rf "$TOOLS"
  if python3 -m venv "$TOOLS" 2>/dev/null; then
    "$TOOLS/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
  else
    # No venv module (Debian without python3-venv): pip installs into a folder of its own instead.
    rm -rf "$TOOLS"
    python3 -m pip install --quiet --disable-pip-version-check --target "$TOOLS/site" \
      "schemathesis==$SCHEMATHESIS_VERSION"
    mkdir -p "$TOOLS/bin"
    printf '%s\n' '#!/usr/bin/env bash' \
      "PYTHONPATH='$TOOLS/site' exec python3 -c 'import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())' \"\$@\"" \
      >"$TOOLS/bin/schemathesis"
    chmod +x "$TOOLS/bin/schemathesis"
  fi
fi

# Spare ports for the edge, the infra, two replicas of every app of infra/services.json and the
# development OpenID provider, as `export` lines.
spare_ports() {
  node -e '
    const net = require("node:net");
    const one = () => new Promise((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
    });
    (async () => {
      const taken = new Set();
      const port = async () => { let p; do p = await one(); while (taken.has(p)); taken.add(p); return p; };
      const names = ["EDGE_PORT", "MONGO_PORT", "KAFKA_PORT", "KAFKA_CONTROLLER_PORT", "REDIS_PORT", "DEV_OIDC_PROVIDER_PORT"];
      for (const name of names) console.log(`export ${name}=${await port()}`);
      for (const app of require("./infra/services.json").apps) {
        const name = `${app.name.toUpperCase().replace(/-/g, "_")}_PORTS`;
        console.log(`export ${name}=${await port()},${await port()}`);
      }
    })();
  '
}

eval "$(spare_ports)"
export EUDR_LOCAL_DIR="$WORK/local" EUDR_REPLICAS=2 ADMIN_JWT_SECRET
ADMIN_JWT_SECRET="$(node -p 'require("node:crypto").randomBytes(32).toString("hex")')"
unset MONGO_URL KAFKA_BROKERS REDIS_URL
BASE="http://127.0.0.1:$EDGE_PORT"

cleanup() {
  local rc=$?
  trap - EXIT
  node scripts/stack.mjs down >"$WORK/down.log" 2>&1 || { cat "$WORK/down.log" >&2; rc=1; }
  [ "$rc" -eq 0 ] && rm -rf "$WORK" || say "stack logs kept in ${WORK#"$ROOT"/}/local/stack/logs"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "starting a private stack on $BASE"
node scripts/stack.mjs up >"$WORK/up.log" 2>&1 || {
  tail -n 40 "$WORK/up.log" >&2
  fail "stack:up"
}

json() { node -pe "JSON.parse(require('fs').readFileSync(0, 'utf8'))$1"; }
post() { curl -sf -X POST "$BASE$1" -H "Authorization: Bearer $2" -H 'content-type: application/json' -d "$3"; }

# The integration whose token fuzzes the integration routes belongs to another organisation than the
# admin JWT that fuzzes the admin routes, so nothing the admin fuzzing deletes or revokes can reach it.
setup_admin="$(node scripts/admin-token.mjs --org org_fuzz_integration --ttl 7200)"
admin="$(node scripts/admin-token.mjs --org org_fuzz_admin --ttl 7200)"
scopes="$(curl -sf "$BASE/api/v1/admin/scopes" -H "Authorization: Bearer $setup_admin" |
  json '.map((s) => s.scope)')" || fail "GET /api/v1/admin/scopes"
integration="$(post /api/v1/admin/integrations "$setup_admin" '{"name":"Contract fuzzing","rateLimitPerMinute":100000}' | json .id)" ||
  fail "POST /api/v1/admin/integrations"
token="$(post "/api/v1/admin/integrations/$integration/tokens" "$setup_admin" \
  "{\"name\":\"fuzz\",\"scopes\":$(node -pe "JSON.stringify($scopes)"),\"expiresInDays\":1}" | json .token)" ||
  fail "POST /api/v1/admin/integrations/{id}/tokens"
for _ in $(seq 1 100); do
  status="$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v1/integration/token" -H "Authorization: Bearer $token")"
  [ "$status" = 200 ] && break
  sleep 0.2
done
[ "$status" = 200 ] || fail "GET /api/v1/integration/token with the new token answered $status"

# fuzz NAME PATH_REGEX BEARER: one schemathesis run over the operations whose path matches.
fuzz() {
  say "schemathesis $SCHEMATHESIS_VERSION: $1 routes, at most $MAX_EXAMPLES cases per operation and phase"
  # One worker: hypothesis describes its strategies with ast.parse, which is not thread-safe in every
  # Python 3.11 release ("AST constructor recursion depth mismatch").
  "$TOOLS/bin/schemathesis" --config-file "$ROOT/scripts/fuzz-contract.toml" run "$BASE/openapi.json" \
    --url "$BASE" --include-path-regex "$2" -H "Authorization: Bearer $3" \
    --checks all --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers 1 \
    --request-timeout 10 --no-color --output-truncate true \
    --report ndjson --report-ndjson-path "$WORK/$1.ndjson" || return 1
}
rc=0
fuzz integration '^/api/v1/integration/' "$token" || rc=1
fuzz admin '^/api/v1/admin/' "$admin" || rc=1

# Not vacuous: each run must have sent cases.
count_cases() {
  node -e '
    let n = 0;
    for (const line of require("fs").readFileSync(process.argv[1], "utf8").split("\n")) {
      const done = line ? JSON.parse(line).ScenarioFinished : undefined;
      if (done) n += Object.keys(done.recorder?.cases ?? {}).length;
    }
    console.log(n);
  ' "$1"
}
total=0
for run in integration admin; do
  cases="$(count_cases "$WORK/$run.ndjson" 2>/dev/null || echo 0)"
  say "$run routes: $cases cases sent"
  [ "$cases" -gt 0 ] || fail "no case ran against the $run routes"
  total=$((total + cases))
done
[ "$rc" -eq 0 ] || fail "schemathesis reported failures (above)"
say "OK: $total cases, no failure"
