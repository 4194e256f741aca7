#!/usr/bin/env bash
# Kafka, the MongoDB-protocol server and Redis together, for tests and the local stack.
#
#   bash infra/local/infra.sh up|down|status
#
# `up` is idempotent (running servers are reused) and ends with exactly three lines on stdout:
#   MONGO_URL=mongodb://127.0.0.1:<port>
#   KAFKA_BROKERS=127.0.0.1:<port>
#   REDIS_URL=redis://127.0.0.1:<port>
# All progress goes to stderr. Ports and data dirs come from the variables of kafka.sh, mongo.sh and
# redis.sh (KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_DATA_DIR, MONGO_PORT, MONGO_DATA_DIR, REDIS_PORT,
# REDIS_DATA_DIR).
LOG_TAG=infra
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HERE="$EUDR_REPO_ROOT/infra/local"

# The Maven repository the launchers resolve jars into (-Dmaven.repo.local in MAVEN_OPTS, else ~/.m2).
maven_repo() {
  local repo
  repo="$(sed -n 's/.*-Dmaven\.repo\.local=\([^ ]*\).*/\1/p' <<<"${MAVEN_OPTS:-}")"
  printf '%s\n' "${repo:-$HOME/.m2/repository}"
}

# Runs `<launcher> <action>` for all servers at once (a first start resolves both servers' jars side by
# side) and prints their stdout: the MongoDB server's, Kafka's, then Redis's. Fails when any fails.
# `status` returns 0 when all run, 3 when none does, 1 otherwise. A start that takes long (the first
# one downloads jars) says every 15 s which servers it still waits for, so it never sits silent.
all_servers() {
  local action="$1" out name rc running=0 stopped=0 waited=0 pending failed=()
  local -A pids=()
  out="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand now: the folder is this call's
  trap "rm -rf '$out'" EXIT
  for name in mongo kafka redis; do
    bash "$HERE/$name.sh" "$action" >"$out/$name" &
    pids[$name]=$!
  done
  if [ "$action" = start ]; then
    while :; do
      pending=()
      for name in mongo kafka redis; do
        kill -0 "${pids[$name]}" 2>/dev/null && pending+=("$name")
      done
      [ "${#pending[@]}" -gt 0 ] || break
      sleep 1
      waited=$((waited + 1))
      [ $((waited % 15)) -eq 0 ] || continue
      local downloaded=""
      [ -d "$(maven_repo)" ] && downloaded="; Maven repository $(du -sm "$(maven_repo)" 2>/dev/null | cut -f1) MB"
      log "still starting ${pending[*]} (${waited}s${downloaded})"
    done
  fi
  for name in mongo kafka redis; do
    rc=0
    wait "${pids[$name]}" || rc=$?
    case "$rc" in
      0) running=$((running + 1)) ;;
      3) stopped=$((stopped + 1)) ;;
    esac
    [ "$rc" -eq 0 ] || failed+=("$name")
  done
  cat "$out/mongo" "$out/kafka" "$out/redis"
  if [ "$action" = status ]; then
    [ "$running" -eq 3 ] && return 0
    [ "$stopped" -eq 3 ] && return 3
    return 1
  fi
  [ "${#failed[@]}" -eq 0 ] || die "${failed[*]} did not $action (see above)"
}

case "${1:-}" in
  up)
    started="$(date +%s%N)"
    all_servers start
    log "Kafka, the MongoDB-protocol server and Redis ready in $(elapsed_since "$started")s"
    ;;
  down) all_servers stop ;;
  status) all_servers status ;;
  *) die "usage: infra.sh up|down|status" ;;
esac
