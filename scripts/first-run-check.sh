#!/usr/bin/env bash
# Checks the README's first-run path: a fresh clone of the committed HEAD, `npm ci && npm start` with an
# empty jar cache and an empty Maven repository (so the Kafka and mongo-java-server jars are downloaded
# and built again), spare ports and the clone's own .local. Once the stack says it is ready: /docs,
# /openapi.json and a first authenticated call (admin JWT → integration → token → GET suppliers). Then
# Ctrl-C, a second (warm) start and stop, and the times of both starts. Everything it started is
# stopped, and the clone removed, also when a step fails.
#
#   bash scripts/first-run-check.sh [--keep]      --keep leaves the temporary folder for inspection
#
# Environment: FIRST_RUN_TIMEOUT_S (1800) per start, FIRST_RUN_MAX_SILENCE_S (60): the longest a start may
# print nothing. Not part of `npm test` (it takes minutes); .ci/run calls it after the tests.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TIMEOUT_S="${FIRST_RUN_TIMEOUT_S:-1800}"
MAX_SILENCE_S="${FIRST_RUN_MAX_SILENCE_S:-60}"
KEEP=0
[ "${1:-}" = "--keep" ] && KEEP=1
WORK="$(mktemp -d "${TMPDIR:-/tmp}/eudr-first-run.XXXXXX")"
REPO="$WORK/repo"
START_PID=""

say() { printf '[first-run] %s\n' "$*" >&2; }
fail() {
  say "FAILED: $*"
  exit 1
}

# Stops a running `npm start` like Ctrl-C (its whole session), then the stack's own stop commands for
# anything left in the clone's .local; reports (and kills) any process still running from the clone.
stop_start() {
  [ -n "$START_PID" ] || return 0
  if kill -0 "$START_PID" 2>/dev/null; then
    kill -INT -- "-$START_PID" 2>/dev/null || true
    for _ in $(seq 1 1200); do
      kill -0 "$START_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$START_PID" 2>/dev/null || true
  fi
  wait "$START_PID" 2>/dev/null || true
  START_PID=""
}

cleanup() {
  local rc=$? left
  trap - EXIT
  stop_start
  if [ -d "$REPO/node_modules" ]; then
    (cd "$REPO" && node scripts/stack.mjs down && bash infra/local/infra.sh down) >/dev/null 2>&1 || true
  fi
  left="$(pgrep -f -- "$WORK/" || true)"
  if [ -n "$left" ]; then
    say "processes still running from $WORK after the stop (killed now):"
    ps -o pid=,args= -p "$(tr '\n' ',' <<<"$left" | sed 's/,$//')" >&2 || true
    kill -KILL $left 2>/dev/null || true
    rc=1
  fi
  if [ "$KEEP" = 1 ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
  [ "$rc" -eq 0 ] && say "OK" || say "exit $rc"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_ports() {
  node -e '
    const net = require("node:net");
    const one = () => new Promise((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
    });
    (async () => { const ports = new Set(); while (ports.size < Number(process.argv[1])) ports.add(await one()); console.log([...ports].join(" ")); })();
  ' "$1"
}

# shellcheck disable=SC2046 # one word per port
set -- $(free_ports 14)
export EUDR_CACHE_DIR="$WORK/cache" MAVEN_OPTS="-Dmaven.repo.local=$WORK/m2"
export EDGE_PORT="$1" MONGO_PORT="$2" KAFKA_PORT="$3" KAFKA_CONTROLLER_PORT="$4" REDIS_PORT="$5"
export AUTH_SERVICE_PORTS="$6,$7" SUPPLIERS_SERVICE_PORTS="$8,$9" BATCHES_SERVICE_PORTS="${10},${11}"
export WEBHOOKS_SERVICE_PORTS="${12},${13}" DEV_OIDC_PROVIDER_PORT="${14}"
unset EUDR_LOCAL_DIR EUDR_REPLICAS MONGO_URL KAFKA_BROKERS REDIS_URL ADMIN_JWT_SECRET CONSOLE_OIDC_ISSUER
BASE="http://127.0.0.1:$EDGE_PORT"

say "cloning $(git -C "$ROOT" rev-parse --short HEAD) into $REPO; caches in $WORK (empty)"
git clone --quiet "$ROOT" "$REPO"
cd "$REPO"

started="$(date +%s)"
say "npm ci"
npm ci --no-audit --no-fund --loglevel=error >"$WORK/npm-ci.log" 2>&1 || {
  tail -n 30 "$WORK/npm-ci.log" >&2
  fail "npm ci"
}
NPM_CI_S=$(($(date +%s) - started))

# start_stack LABEL: runs `npm start` in its own session, showing and time-stamping its output, until it
# prints that it is ready; sets READY_S. Fails when it exits first, takes longer than TIMEOUT_S, or
# stays silent longer than MAX_SILENCE_S.
start_stack() {
  local label="$1" log="$WORK/start-$1.log" t0 now last gap
  : >"$log"
  t0="$(date +%s)"
  setsid bash -c 'exec npm start' > >(while IFS= read -r line; do
    printf '%s %s\n' "$(date +%s)" "$line" >>"$log"
    printf '  | %s\n' "$line" >&2
  done) 2>&1 &
  START_PID=$!
  last="$t0"
  while :; do
    now="$(date +%s)"
    grep -q '\[stack\] ready in ' "$log" && break
    kill -0 "$START_PID" 2>/dev/null || fail "npm start ($label) exited before it was ready"
    [ $((now - t0)) -lt "$TIMEOUT_S" ] || fail "npm start ($label) not ready within ${TIMEOUT_S}s"
    [ -s "$log" ] && last="$(tail -n 1 "$log" | cut -d' ' -f1)"
    gap=$((now - last))
    [ "$gap" -le "$MAX_SILENCE_S" ] || fail "npm start ($label) printed nothing for ${gap}s"
    sleep 1
  done
  READY_S=$(($(date +%s) - t0))
  say "npm start ($label) ready after ${READY_S}s"
}

check_api() {
  local admin integration token status
  curl -sf -o /dev/null -w '%{content_type}' "$BASE/docs" | grep -q text/html || fail "GET /docs"
  curl -sf -o "$WORK/openapi.json" "$BASE/openapi.json" && grep -q '"openapi": *"3\.' "$WORK/openapi.json" ||
    fail "GET /openapi.json"
  admin="$(npm run -s admin-token -- --org org_first_run)"
  integration="$(curl -sf -X POST "$BASE/api/v1/admin/integrations" -H "Authorization: Bearer $admin" \
    -H 'content-type: application/json' -d '{"name":"First run ERP"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).id')" ||
    fail "POST /api/v1/admin/integrations"
  token="$(curl -sf -X POST "$BASE/api/v1/admin/integrations/$integration/tokens" -H "Authorization: Bearer $admin" \
    -H 'content-type: application/json' -d '{"name":"first","scopes":["integration:suppliers:read"],"expiresInDays":1}' |
    node -pe 'JSON.parse(require("fs").readFileSync(0)).token')" || fail "POST /api/v1/admin/integrations/:id/tokens"
  # The services learn a new token through Kafka within moments.
  for _ in $(seq 1 100); do
    status="$(curl -s -o /dev/null -w '%{http_code}' "$BASE/api/v1/integration/suppliers" -H "Authorization: Bearer $token")"
    [ "$status" = 200 ] && break
    sleep 0.2
  done
  [ "$status" = 200 ] || fail "GET /api/v1/integration/suppliers with the new token answered $status"
  say "/docs, /openapi.json, admin JWT → integration → token → GET /api/v1/integration/suppliers: all 200"
  curl -sf -D "$WORK/console.headers" -o /dev/null "$BASE/console/" && grep -qi "^content-security-policy: default-src 'none'" "$WORK/console.headers" ||
    fail "GET /console/ (with its Content-Security-Policy)"
  curl -sf "$BASE/console/config.json" | grep -q "\"issuer\":\"http://127.0.0.1:$DEV_OIDC_PROVIDER_PORT\"" || fail "GET /console/config.json"
  curl -sf "http://127.0.0.1:$DEV_OIDC_PROVIDER_PORT/.well-known/openid-configuration" >/dev/null ||
    fail "the development OpenID provider's discovery document"
  say "/console/, its config and the development OpenID provider answer"
}

start_stack first
FIRST_S="$READY_S"
check_api
stop_start
start_stack warm
WARM_S="$READY_S"
check_api
stop_start
say "npm ci ${NPM_CI_S}s; first npm start (empty caches) ready after ${FIRST_S}s; warm start ${WARM_S}s"
