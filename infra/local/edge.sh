#!/usr/bin/env bash
# The local edge: nginx on loopback, one base URL routing path prefixes to the apps (infra/services.json).
#
#   bash infra/local/edge.sh start|stop|status
#   bash infra/local/edge.sh config             print the local nginx.conf that start would use
#   bash infra/local/edge.sh config --compose   rewrite infra/edge/nginx.compose.conf for docker-compose
#
# Environment:
#   EDGE_PORT      listen port (default 8080)
#   EDGE_DATA_DIR  generated nginx.conf, logs, temp files and pid file (default <repo>/.local/edge)
#   EDGE_REPLICAS  replicas per app balanced over (default 1; the local stack passes its EUDR_REPLICAS);
#                  replica k of an app on port P listens on P + 100·k, or see <NAME>_PORTS in
#                  infra/services.mjs
#
# `start` prints EDGE_URL=http://127.0.0.1:<port> once GET /healthz answers with the new config. When
# the edge is already running, a changed config (an app whose workspace appeared) is checked with
# `nginx -t` and applied with a reload; an unchanged one is left alone.
LOG_TAG=edge
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EDGE_PORT="${EDGE_PORT:-8080}"
require_port EDGE_PORT "$EDGE_PORT"
EDGE_REPLICAS="${EDGE_REPLICAS:-1}"
[[ "$EDGE_REPLICAS" =~ ^([1-9]|10)$ ]] || die "EDGE_REPLICAS must be a whole number from 1 to 10, got '$EDGE_REPLICAS'."
DATA_DIR="$(abs_path "${EDGE_DATA_DIR:-$EUDR_LOCAL_DIR/edge}")"
CONF="$DATA_DIR/nginx.conf"
PIDFILE="$DATA_DIR/nginx.pid"
ERROR_LOG="$DATA_DIR/logs/error.log"
OUTFILE="$DATA_DIR/logs/nginx.out"
URL="http://127.0.0.1:$EDGE_PORT"
RENDER="$EUDR_REPO_ROOT/infra/edge/render-nginx.mjs"
COMPOSE_CONF="$EUDR_REPO_ROOT/infra/edge/nginx.compose.conf"
PID_PATTERN="-c $CONF"

require_nginx() {
  require_tool nginx "Install nginx (Debian: apt-get install nginx); the local edge runs its own instance on port $EDGE_PORT."
}

render_local() {
  node "$RENDER" --mode local --port "$EDGE_PORT" --data-dir "$DATA_DIR" --replicas "$EDGE_REPLICAS"
}

config_hash() {
  sed -n 's/.*"config":"\([0-9a-f]*\)".*/\1/p' "$1" | head -n 1
}

nginx_cmd() {
  nginx -p "$DATA_DIR" -e "$ERROR_LOG" -c "$1" -g 'daemon off;' "${@:2}"
}

# Renders into nginx.conf.new and checks it with `nginx -t`; a bad config never replaces a good one.
prepare_config() {
  mkdir -p "$DATA_DIR/logs" "$DATA_DIR/tmp"
  render_local >"$CONF.new"
  local check
  if ! check="$(nginx_cmd "$CONF.new" -t 2>&1)"; then
    printf '%s\n' "$check" >&2
    die "nginx rejected the generated config $CONF.new (see above)"
  fi
}

cmd_start() {
  require_nginx
  require_tool node "Install Node.js 20 or newer."
  mkdir -p "$DATA_DIR"
  lock_start edge "$EDGE_PORT" "$DATA_DIR"
  local pid started hash
  started="$(date +%s%N)"
  prepare_config
  hash="$(config_hash "$CONF.new")"
  if pid="$(recorded_pid "$PIDFILE" "$PID_PATTERN")"; then
    grep -q "listen 127.0.0.1:$EDGE_PORT;" "$CONF" ||
      die "the edge of $DATA_DIR (pid $pid) listens on another port; stop it first or use another EDGE_DATA_DIR."
    if cmp -s "$CONF.new" "$CONF"; then
      rm -f "$CONF.new"
      log "already running: pid $pid on $URL"
    else
      mv "$CONF.new" "$CONF"
      mark_logs "$OUTFILE" "$ERROR_LOG"
      kill -HUP "$pid"
      log "config changed; reloading pid $pid"
    fi
    wait_ready "the edge (pid $pid)" "$pid" "$OUTFILE:$ERROR_LOG" http "$URL/healthz" --expect "\"config\":\"$hash\""
    echo "EDGE_URL=$URL"
    return 0
  fi
  if port_open "$EDGE_PORT"; then
    if probe http "$URL/healthz" --expect '"service":"edge"' >/dev/null 2>&1; then
      log "reusing the edge already answering on $URL (not started from $DATA_DIR; its routes may differ)"
      rm -f "$CONF.new"
      echo "EDGE_URL=$URL"
      return 0
    fi
    die "port $EDGE_PORT on 127.0.0.1 is taken by something that is not the edge; stop it or choose another EDGE_PORT."
  fi
  mv "$CONF.new" "$CONF"
  mark_logs "$OUTFILE" "$ERROR_LOG"
  # nginx writes its own pid file (the `pid` directive points at the same file) once it is up.
  spawn_detached "$PIDFILE" "$OUTFILE" nginx -p "$DATA_DIR" -e "$ERROR_LOG" -c "$CONF" -g 'daemon off;'
  pid="$(cat "$PIDFILE")"
  log "starting nginx (pid $pid) on $URL, config $CONF"
  wait_ready "the edge (pid $pid)" "$pid" "$OUTFILE:$ERROR_LOG" http "$URL/healthz" --expect "\"config\":\"$hash\""
  log "ready in $(elapsed_since "$started")s"
  echo "EDGE_URL=$URL"
}

cmd_stop() {
  mkdir -p "$DATA_DIR"
  lock_start edge "$EDGE_PORT" "$DATA_DIR"
  local pid
  if pid="$(recorded_pid "$PIDFILE" "$PID_PATTERN")"; then
    # SIGQUIT is nginx's graceful shutdown: in-flight requests finish first.
    stop_pid "nginx" "$pid" 10 QUIT
  elif port_open "$EDGE_PORT"; then
    log "not stopping the server on $URL: it was not started from $DATA_DIR"
  else
    log "not running ($DATA_DIR)"
  fi
  rm -f "$PIDFILE"
}

cmd_status() {
  local pid
  if pid="$(recorded_pid "$PIDFILE" "$PID_PATTERN")"; then
    if probe http "$URL/healthz" >/dev/null 2>&1; then
      log "running: pid $pid on $URL, config $CONF"
      echo "EDGE_URL=$URL"
      return 0
    fi
    log "pid $pid is running but $URL/healthz does not answer (see $ERROR_LOG)"
    return 1
  fi
  if port_open "$EDGE_PORT" && probe http "$URL/healthz" --expect '"service":"edge"' >/dev/null 2>&1; then
    log "an edge answers on $URL, not started from $DATA_DIR"
    echo "EDGE_URL=$URL"
    return 0
  fi
  log "not running ($DATA_DIR)"
  return 3
}

cmd_config() {
  if [ "${1:-}" = "--compose" ]; then
    node "$RENDER" --mode compose >"$COMPOSE_CONF.tmp"
    mv "$COMPOSE_CONF.tmp" "$COMPOSE_CONF"
    log "wrote ${COMPOSE_CONF#"$EUDR_REPO_ROOT"/}"
  else
    render_local
  fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  config) cmd_config "${2:-}" ;;
  *) die "usage: edge.sh start|stop|status|config [--compose]" ;;
esac
