#!/usr/bin/env bash
# Kafka and FerretDB together, for tests and the local stack.
#
#   bash infra/local/infra.sh up|down|status
#
# `up` is idempotent (running servers are reused) and ends with exactly two lines on stdout:
#   MONGO_URL=mongodb://127.0.0.1:<port>
#   KAFKA_BROKERS=127.0.0.1:<port>
# All progress goes to stderr. Ports and data dirs come from the variables of kafka.sh and ferretdb.sh
# (KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_DATA_DIR, MONGO_PORT, FERRETDB_DATA_DIR).
LOG_TAG=infra
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HERE="$EUDR_REPO_ROOT/infra/local"

# Runs `<launcher> <action>` for both servers at once (a first start builds FerretDB while Maven fetches
# the Kafka jars) and prints their stdout, FerretDB's first. Fails when either fails.
both() {
  local action="$1" out rc_kafka=0 rc_mongo=0 pid_kafka pid_mongo
  out="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand now: the folder is this call's
  trap "rm -rf '$out'" EXIT
  bash "$HERE/kafka.sh" "$action" >"$out/kafka" &
  pid_kafka=$!
  bash "$HERE/ferretdb.sh" "$action" >"$out/mongo" &
  pid_mongo=$!
  wait "$pid_kafka" || rc_kafka=$?
  wait "$pid_mongo" || rc_mongo=$?
  cat "$out/mongo" "$out/kafka"
  if [ "$action" = status ]; then
    [ "$rc_kafka" -eq 0 ] && [ "$rc_mongo" -eq 0 ] && return 0
    [ "$rc_kafka" -eq 3 ] && [ "$rc_mongo" -eq 3 ] && return 3
    return 1
  fi
  [ "$rc_kafka" -eq 0 ] || die "Kafka did not $action (see above)"
  [ "$rc_mongo" -eq 0 ] || die "FerretDB did not $action (see above)"
}

case "${1:-}" in
  up)
    started="$(date +%s%N)"
    both start
    log "Kafka and FerretDB ready in $(elapsed_since "$started")s"
    ;;
  down) both stop ;;
  status) both status ;;
  *) die "usage: infra.sh up|down|status" ;;
esac
