#!/usr/bin/env bash
# Builds Ferry if needed, then runs a store for DEST and a watcher for SOURCE on this machine until Ctrl-C.
# Usage: scripts/run-local.sh SOURCE DEST
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 SOURCE DEST   (mirrors folder SOURCE into folder DEST, live, until Ctrl-C)" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
source_dir=$1
dest_dir=$2
if [ ! -d "$source_dir" ]; then
  echo "run-local: source folder does not exist or is not a folder: $source_dir" >&2
  exit 2
fi

store_jar=store-service/target/quarkus-app/quarkus-run.jar
watcher_jar=watcher-service/target/quarkus-app/quarkus-run.jar
if [ ! -f "$store_jar" ] || [ ! -f "$watcher_jar" ]; then
  echo "run-local: building Ferry (./mvnw -B -q package -DskipTests) ..."
  ./mvnw -B -q package -DskipTests
fi

# The JVM flags the README recommends: small-heap collector, less JIT work at start, and the class-data archives
# (made once after each build by a short training sync; the JVM ignores a stale one).
scripts/cds-archive.sh --if-stale || echo "run-local: no class-data archives (the services start slower)" >&2
tuning="-XX:+UseSerialGC -XX:CompileThresholdScaling=4"
store_jvm="-Xmx128m $tuning -XX:SharedArchiveFile=$PWD/store-service/target/quarkus-app/ferry-cds.jsa"
watcher_jvm="-Xmx192m $tuning -XX:SharedArchiveFile=$PWD/watcher-service/target/quarkus-app/ferry-cds.jsa"
store_jar=$PWD/$store_jar
watcher_jar=$PWD/$watcher_jar

port=${QUARKUS_HTTP_PORT:-9181}
QUARKUS_HTTP_PORT=$port java $store_jvm -jar "$store_jar" "$dest_dir" &
store_pid=$!
trap 'kill $store_pid 2>/dev/null; wait $store_pid 2>/dev/null' EXIT INT TERM

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/q/health/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 $store_pid 2>/dev/null; then echo "run-local: the store did not start" >&2; exit 1; fi
  sleep 0.2
done

QUARKUS_HTTP_PORT=${FERRY_WATCHER_HTTP_PORT:-9182} java $watcher_jvm -jar "$watcher_jar" "$source_dir" --store "http://127.0.0.1:$port"
