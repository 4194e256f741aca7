# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts that source this file
# Shared helpers for the local launchers (kafka.sh, mongo.sh, edge.sh, infra.sh). Sourced, not run.
#
# Conventions every launcher follows:
# - progress and errors go to stderr; stdout carries only machine-readable KEY=value lines;
# - everything a launcher writes (data, logs, pid files, generated config) lives in its data dir,
#   by default under $EUDR_LOCAL_DIR (<repo>/.local/, git-ignored); downloaded or built tools live in
#   the cache dir outside the repo so a fresh checkout starts in seconds;
# - a start holds a lock (flock) on the port and the data dir, so concurrent starts end with one server;
# - a server is only ever stopped through the process id its launcher recorded.

set -euo pipefail

EUDR_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Where every data dir is by default: a second stack (a test) points it elsewhere with other ports.
EUDR_LOCAL_DIR="${EUDR_LOCAL_DIR:-$EUDR_REPO_ROOT/.local}"
case "$EUDR_LOCAL_DIR" in /*) ;; *) EUDR_LOCAL_DIR="$PWD/$EUDR_LOCAL_DIR" ;; esac
# Debian installs nginx in /usr/sbin, which is not on an ordinary user's PATH.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac
EUDR_CACHE_DIR="${EUDR_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/eudr-platform}"
EUDR_PROBE="$EUDR_REPO_ROOT/infra/local/probe.mjs"
# How long a server may take to answer its first real request after it was started.
EUDR_READY_TIMEOUT_S="${EUDR_READY_TIMEOUT_S:-120}"
# How long a start waits for another start of the same server to finish (a cold build can take minutes).
EUDR_LOCK_TIMEOUT_S="${EUDR_LOCK_TIMEOUT_S:-900}"
LOG_TAG="${LOG_TAG:-infra}"


log() { printf '[%s] %s\n' "$LOG_TAG" "$*" >&2; }

die() {
  printf '[%s] error: %s\n' "$LOG_TAG" "$*" >&2
  exit 1
}

# require_tool NAME HINT: fails with a message that names the missing tool and how to get it.
require_tool() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is required but was not found on PATH. $2"
}

require_node_modules() {
  require_tool node "Install Node.js 20 or newer."
  [ -d "$EUDR_REPO_ROOT/node_modules/kafkajs" ] && [ -d "$EUDR_REPO_ROOT/node_modules/mongodb" ] ||
    die "the readiness probe needs the workspace's node_modules: run 'npm ci' in $EUDR_REPO_ROOT first."
}

# require_port NAME VALUE: a TCP port number, 1..65535.
require_port() {
  [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ "$2" -le 65535 ] || die "$1 must be a TCP port number, got '$2'."
}

# abs_path PATH: an absolute path (the directory need not exist yet), so recorded command lines and
# generated config never depend on the caller's working directory.
abs_path() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$PWD" "$1" ;;
  esac
}

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# lock_fd FD FILE: takes an exclusive lock on FILE through file descriptor FD (8 or 9), waiting while
# another launcher holds it. The lock is released when this shell exits; servers are started with
# these descriptors closed so they never inherit (and keep) the lock.
lock_fd() {
  local fd="$1" file="$2"
  mkdir -p "$(dirname "$file")"
  eval "exec $fd>\"\$file\""
  if ! flock -n "$fd"; then
    log "waiting for another launcher that holds $file"
    flock -w "$EUDR_LOCK_TIMEOUT_S" "$fd" || die "timed out after ${EUDR_LOCK_TIMEOUT_S}s waiting for the lock $file"
  fi
}

# lock_start KIND PORT DATA_DIR: the locks a start or stop holds: one per port (two data dirs cannot
# race for a port) and one per data dir (two ports cannot share a data dir).
lock_start() {
  require_tool flock "Install util-linux (Debian: apt-get install util-linux)."
  lock_fd 8 "$EUDR_CACHE_DIR/locks/$1-port-$2.lock"
  lock_fd 9 "$3/.launcher.lock"
}

# process_cmdline PID: the command line of a live process, or nothing.
process_cmdline() {
  if [ -r "/proc/$1/cmdline" ]; then
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
  else
    ps -o args= -p "$1" 2>/dev/null || true
  fi
}

# alive PID: the process exists and has not exited (an exited child that its parent has not reaped yet
# is a zombie: kill -0 still succeeds on it).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local state
  state="$(ps -o stat= -p "$1" 2>/dev/null || true)"
  [[ "$state" != Z* ]]
}

# recorded_pid PIDFILE PATTERN: prints the recorded pid when that process is alive and its command line
# still contains PATTERN (so a pid reused by an unrelated process after a reboot is never signalled).
recorded_pid() {
  local pidfile="$1" pattern="$2" pid
  [ -s "$pidfile" ] || return 1
  pid="$(tr -dc '0-9' <"$pidfile")"
  [ -n "$pid" ] && alive "$pid" || return 1
  case "$(process_cmdline "$pid")" in
    *"$pattern"*) printf '%s\n' "$pid" ;;
    *) return 1 ;;
  esac
}

# spawn_detached PIDFILE LOGFILE CMD...: starts CMD as a daemon: its own session (a Ctrl-C in the
# caller's terminal does not reach it), stdin closed, output appended to LOGFILE, and every other
# inherited descriptor closed (a lock, or a pipe of whoever ran the launcher, would otherwise stay open
# for the server's whole life). The process writes its own pid before exec'ing CMD, so the recorded pid
# is the server's, not a wrapper's.
spawn_detached() {
  local pidfile="$1" logfile="$2"
  shift 2
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # $$, $fd and $@ expand in the child shell
  setsid bash -c '
    echo $$ >"$0"
    for fd in /proc/$$/fd/*; do
      case "${fd##*/}" in 0 | 1 | 2 | *[!0-9]*) ;; *) eval "exec ${fd##*/}>&-" ;; esac
    done
    exec "$@"' "$pidfile" "$@" </dev/null >>"$logfile" 2>&1 7>&- 8>&- 9>&- &
  for _ in $(seq 1 500); do
    [ -s "$pidfile" ] && return 0
    sleep 0.01
  done
  die "the process did not record its pid in $pidfile"
}

# probe KIND TARGET [ARGS...]: one real request (Kafka metadata, MongoDB ping, HTTP GET). Exit 0 = ready.
probe() {
  node "$EUDR_PROBE" "$@"
}

# mark_logs FILE...: remembers how long each log is now, so a failed start shows only what it wrote.
declare -A LOG_OFFSETS=()
mark_logs() {
  local file
  for file in "$@"; do
    LOG_OFFSETS["$file"]="$(stat -c %s "$file" 2>/dev/null || echo 0)"
  done
}

# wait_ready WHAT PID LOGFILES KIND TARGET [ARGS...]: waits until the probe succeeds; when the process
# exits first or the timeout passes, fails with the end of each log in LOGFILES (colon-separated),
# counting only what was written since mark_logs.
wait_ready() {
  local what="$1" pid="$2" logfiles="$3" rc=0 file recent
  shift 3
  node "$EUDR_PROBE" "$@" --timeout-ms "$((EUDR_READY_TIMEOUT_S * 1000))" --pid "$pid" >/dev/null || rc=$?
  [ "$rc" -eq 0 ] && return 0
  if [ "$rc" -eq 2 ]; then
    log "error: $what exited during start-up"
  else
    log "error: $what did not answer within ${EUDR_READY_TIMEOUT_S}s"
  fi
  IFS=: read -ra files <<<"$logfiles"
  for file in "${files[@]}"; do
    recent="$(tail -c +"$((${LOG_OFFSETS[$file]:-0} + 1))" "$file" 2>/dev/null | tail -n 25)"
    [ -n "$recent" ] || continue
    log "last lines of $file:"
    printf '%s\n' "$recent" >&2
  done
  exit 1
}

# stop_pid WHAT PID [GRACE_S] [SIGNAL]: SIGNAL (default TERM), wait up to GRACE_S (default 30) for a
# clean exit, then SIGKILL.
stop_pid() {
  local what="$1" pid="$2" grace="${3:-30}" signal="${4:-TERM}"
  kill -"$signal" "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 $((grace * 10))); do
    alive "$pid" || {
      log "$what (pid $pid) stopped"
      return 0
    }
    sleep 0.1
  done
  log "$what (pid $pid) did not stop within ${grace}s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    alive "$pid" || return 0
    sleep 0.1
  done
}

# stop_server KIND NAME PORT DATA_DIR PIDFILE MARKER GRACE: the `stop` of a launcher. Under the start
# locks, stops the process recorded in PIDFILE (if it is still the one whose command line holds MARKER),
# giving it GRACE seconds; a server on PORT that this data dir did not start is left alone.
stop_server() {
  local kind="$1" name="$2" port="$3" data_dir="$4" pidfile="$5" marker="$6" grace="$7" pid
  mkdir -p "$data_dir"
  lock_start "$kind" "$port" "$data_dir"
  if pid="$(recorded_pid "$pidfile" "$marker")"; then
    stop_pid "$name" "$pid" "$grace"
  elif port_open "$port"; then
    log "not stopping the server on 127.0.0.1:$port: it was not started from $data_dir"
  else
    log "not running ($data_dir)"
  fi
  rm -f "$pidfile"
}

# server_status PROBE PORT DATA_DIR PIDFILE MARKER ENV_LINE WHAT STUCK_HINT: the `status` of a launcher.
# Exit 0 and print ENV_LINE when a server answers PROBE on PORT (started from DATA_DIR, or another one:
# WHAT names it), 1 when the recorded process runs but does not answer (STUCK_HINT says where to look),
# 3 when nothing runs.
server_status() {
  local kind="$1" port="$2" data_dir="$3" pidfile="$4" marker="$5" env_line="$6" what="$7" hint="$8" pid
  local address="127.0.0.1:$port"
  if pid="$(recorded_pid "$pidfile" "$marker")"; then
    if probe "$kind" "$address" >/dev/null 2>&1; then
      log "running: pid $pid on $address, data in $data_dir"
      echo "$env_line"
      return 0
    fi
    log "pid $pid is running but $address does not answer ($hint)"
    return 1
  fi
  if port_open "$port" && probe "$kind" "$address" >/dev/null 2>&1; then
    log "$what answers on $address, not started from $data_dir"
    echo "$env_line"
    return 0
  fi
  log "not running ($data_dir)"
  return 3
}

# elapsed_since START_NS: seconds since a `date +%s%N` timestamp, with one decimal.
elapsed_since() {
  local now
  now="$(date +%s%N)"
  awk -v a="$1" -v b="$now" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'
}

# sha_of FILE...: a short content hash, used to key caches on the files that define them.
sha_of() {
  cat "$@" | sha256sum | cut -c1-12
}
