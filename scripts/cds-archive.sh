#!/usr/bin/env bash
# Makes the class-data-sharing archives (JDK AppCDS) that cut the JVM start of both services by about a third of
# its CPU (docs/MEASUREMENTS.md): one training sync on this machine, a store and a `watcher --once` over a few
# generated files, each JVM writing the classes it loaded to `quarkus-app/ferry-cds.jsa` when it exits.
#   scripts/cds-archive.sh              (re)make both archives (~10-20 s)
#   scripts/cds-archive.sh --if-stale   only when an archive is missing or older than its jars
# Then start each service with its archive (an absolute path to the jar, as below; the JVM ignores an archive that
# does not match its jars or its own build, with one warning line, so the flag is always safe to pass):
#   java -XX:SharedArchiveFile=$PWD/store-service/target/quarkus-app/ferry-cds.jsa \
#        -jar $PWD/store-service/target/quarkus-app/quarkus-run.jar DEST
# Needs the packaged services (./mvnw -B package -DskipTests) and a free loopback port.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
store_app=$root/store-service/target/quarkus-app
watcher_app=$root/watcher-service/target/quarkus-app
for app in "$store_app" "$watcher_app"; do
  if [ ! -f "$app/quarkus-run.jar" ]; then
    echo "cds-archive: $app/quarkus-run.jar is missing: build first (./mvnw -B package -DskipTests)" >&2
    exit 1
  fi
done

stale() {
  local app=$1
  [ -f "$app/ferry-cds.jsa" ] || return 0
  [ -z "$(find "$app" -name '*.jar' -newer "$app/ferry-cds.jsa" -print -quit)" ] || return 0
  return 1
}
if [ "${1:-}" = "--if-stale" ] && ! stale "$store_app" && ! stale "$watcher_app"; then
  exit 0
fi

work=$(mktemp -d)
store_pid=""
cleanup() {
  if [ -n "$store_pid" ]; then kill "$store_pid" 2>/dev/null || true; wait "$store_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/src/docs/deeper"
for i in 1 2 3 4 5 6 7 8; do head -c $((i * 40000)) /dev/urandom > "$work/src/docs/file-$i.bin"; done
head -c 3000000 /dev/urandom > "$work/src/large.bin"
echo "a small text file" > "$work/src/docs/deeper/notes.txt"
ln -s docs/deeper/notes.txt "$work/src/link"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 29877)
rm -f "$store_app/ferry-cds.jsa" "$watcher_app/ferry-cds.jsa"
QUARKUS_HTTP_PORT=$port java -XX:ArchiveClassesAtExit="$store_app/ferry-cds.jsa" -jar "$store_app/quarkus-run.jar" \
  "$work/dest" > "$work/store.log" 2>&1 &
store_pid=$!
for _ in $(seq 1 600); do
  curl -fsS "http://127.0.0.1:$port/q/health/ready" >/dev/null 2>&1 && break
  if ! kill -0 "$store_pid" 2>/dev/null; then echo "cds-archive: the store did not start:" >&2; cat "$work/store.log" >&2; exit 1; fi
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/api/v1/status" >/dev/null
if ! QUARKUS_HTTP_PORT=0 FERRY_WATCHER_STATE_DIR="$work/state" java -XX:ArchiveClassesAtExit="$watcher_app/ferry-cds.jsa" \
    -jar "$watcher_app/quarkus-run.jar" "$work/src" --store "http://127.0.0.1:$port" --once > "$work/watcher.log" 2>&1; then
  echo "cds-archive: the training sync failed:" >&2; cat "$work/watcher.log" >&2; exit 1
fi
kill -TERM "$store_pid"
wait "$store_pid" 2>/dev/null || true
store_pid=""
for app in "$store_app" "$watcher_app"; do
  if [ ! -s "$app/ferry-cds.jsa" ]; then echo "cds-archive: no archive written to $app" >&2; exit 1; fi
done
echo "cds-archive: wrote $store_app/ferry-cds.jsa ($(du -h "$store_app/ferry-cds.jsa" | cut -f1)) and $watcher_app/ferry-cds.jsa ($(du -h "$watcher_app/ferry-cds.jsa" | cut -f1))"
