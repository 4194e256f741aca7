#!/usr/bin/env bash
# The local MongoDB-protocol server: mongo-java-server with its H2 backend (one file), on loopback,
# standing in for MongoDB where no MongoDB server binary can be installed. How it differs from MongoDB:
# docs/local-servers.md.
#
#   bash infra/local/mongo.sh start|stop|status
#
# Environment:
#   MONGO_PORT       listen port (default 27017)
#   MONGO_DATA_DIR   the H2 file, log and pid file (default <repo>/.local/mongo)
#   MONGO_HEAP_OPTS  JVM heap flags (default -Xms128m -Xmx1g)
#   EUDR_CACHE_DIR   where the server's jars and compiled main are kept (default ~/.cache/eudr-platform)
#
# `start` prints MONGO_URL=mongodb://127.0.0.1:<port> on stdout once a `ping` command succeeds. A
# MongoDB-protocol server already answering on the port is reused; a port held by anything else is an
# error. The first start resolves the jars from Maven Central into the cache (needs Maven and a JDK).
LOG_TAG=mongo
# shellcheck source=infra/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MONGO_PORT="${MONGO_PORT:-27017}"
require_port MONGO_PORT "$MONGO_PORT"
DATA_DIR="$(abs_path "${MONGO_DATA_DIR:-$EUDR_LOCAL_DIR/mongo}")"
MONGO_HEAP_OPTS="${MONGO_HEAP_OPTS:--Xms128m -Xmx1g}"

SRC_DIR="$EUDR_REPO_ROOT/infra/local/mongo"
POM="$SRC_DIR/pom.xml"
MAIN_SRC="$SRC_DIR/LocalMongoServer.java"
SERVER_VERSION="$(sed -n 's:.*<mongo-java-server.version>\(.*\)</mongo-java-server.version>.*:\1:p' "$POM")"
# Keyed on the pom and the main's source: changing either gives a fresh build instead of a mixed one.
BUILD_DIR="$EUDR_CACHE_DIR/mongo-java-server-$SERVER_VERSION-$(sha_of "$POM" "$MAIN_SRC")"

DB_FILE="$DATA_DIR/data.mv.db"
PIDFILE="$DATA_DIR/mongo.pid"
LOGFILE="$DATA_DIR/mongo.log"
ADDRESS="127.0.0.1:$MONGO_PORT"
URL="mongodb://$ADDRESS"

# Resolves the jars and compiles the main once per (pom, main), under a lock, into a temporary folder
# renamed into place only when complete.
ensure_build() {
  [ -f "$BUILD_DIR/.complete" ] && return 0
  lock_fd 7 "$EUDR_CACHE_DIR/locks/mongo-build.lock"
  [ -f "$BUILD_DIR/.complete" ] && return 0
  require_tool mvn "Install Apache Maven (Debian: apt-get install maven); it fetches mongo-java-server $SERVER_VERSION once."
  require_tool javac "Install a Java 17+ JDK (Debian: apt-get install openjdk-17-jdk-headless); it compiles the server's main once."
  local started tmp
  started="$(date +%s%N)"
  tmp="$BUILD_DIR.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp/classes"
  log "resolving mongo-java-server $SERVER_VERSION jars from Maven Central into $BUILD_DIR (first use only)"
  if ! (cd "$SRC_DIR" && mvn -q -B dependency:copy-dependencies \
    -DoutputDirectory="$tmp/libs" -DincludeScope=runtime >"$tmp/mvn.log" 2>&1); then
    tail -n 40 "$tmp/mvn.log" >&2 || true
    die "mvn could not resolve the mongo-java-server jars (see above)"
  fi
  log "compiling LocalMongoServer.java"
  javac -nowarn -cp "$tmp/libs/*" -d "$tmp/classes" "$MAIN_SRC" >"$tmp/javac.log" 2>&1 || {
    cat "$tmp/javac.log" >&2
    die "compiling $MAIN_SRC failed (see above)"
  }
  touch "$tmp/.complete"
  rm -rf "$BUILD_DIR"
  mv "$tmp" "$BUILD_DIR"
  log "mongo-java-server ready in $(elapsed_since "$started")s ($(find "$BUILD_DIR/libs" -name '*.jar' | wc -l) jars)"
}

reuse_or_refuse_port() {
  local what
  if what="$(probe mongo "$ADDRESS" 2>/dev/null)"; then
    log "reusing the server already answering on $ADDRESS: $what (not started from $DATA_DIR; 'stop' leaves it alone)"
    echo "MONGO_URL=$URL"
    exit 0
  fi
  die "port $MONGO_PORT on 127.0.0.1 is taken by something that does not speak the MongoDB protocol; stop it or choose another MONGO_PORT."
}

cmd_start() {
  mkdir -p "$DATA_DIR"
  lock_start mongo "$MONGO_PORT" "$DATA_DIR"
  local pid started
  if pid="$(recorded_pid "$PIDFILE" "$DB_FILE")"; then
    case "$(process_cmdline "$pid")" in
      *" 127.0.0.1 $MONGO_PORT $DB_FILE"*) ;;
      *) die "the server of $DATA_DIR (pid $pid) listens on another port; stop it first or use another MONGO_DATA_DIR." ;;
    esac
    require_node_modules
    wait_ready "the MongoDB-protocol server (pid $pid)" "$pid" "$LOGFILE" mongo "$ADDRESS"
    log "already running: pid $pid on $ADDRESS"
    echo "MONGO_URL=$URL"
    return 0
  fi
  require_node_modules
  if port_open "$MONGO_PORT"; then reuse_or_refuse_port; fi
  require_tool java "Install a Java 17+ runtime (Debian: apt-get install openjdk-17-jdk-headless)."
  ensure_build
  started="$(date +%s%N)"
  mark_logs "$LOGFILE"
  # shellcheck disable=SC2086 # MONGO_HEAP_OPTS holds several flags
  spawn_detached "$PIDFILE" "$LOGFILE" java $MONGO_HEAP_OPTS -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$BUILD_DIR/classes:$BUILD_DIR/libs/*" LocalMongoServer 127.0.0.1 "$MONGO_PORT" "$DB_FILE"
  pid="$(cat "$PIDFILE")"
  log "starting mongo-java-server $SERVER_VERSION (pid $pid) on $ADDRESS, data in $DB_FILE"
  wait_ready "the MongoDB-protocol server (pid $pid)" "$pid" "$LOGFILE" mongo "$ADDRESS"
  log "ready in $(elapsed_since "$started")s"
  echo "MONGO_URL=$URL"
}

cmd_stop() {
  stop_server mongo "the MongoDB-protocol server" "$MONGO_PORT" "$DATA_DIR" "$PIDFILE" "$DB_FILE" 20
}

cmd_status() {
  server_status mongo "$MONGO_PORT" "$DATA_DIR" "$PIDFILE" "$DB_FILE" "MONGO_URL=$URL" \
    "a MongoDB-protocol server" "see $LOGFILE"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) die "usage: mongo.sh start|stop|status" ;;
esac
