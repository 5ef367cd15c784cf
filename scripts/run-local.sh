#!/usr/bin/env bash
# Builds Ferry if needed, then runs a store for DEST and a watcher for SOURCE on this machine until Ctrl-C.
# Usage: scripts/run-local.sh SOURCE DEST   (relative paths are taken from the folder you run it in)
# It rebuilds when the jars are missing, when a source file or pom.xml is newer than the last build, or when the
# git commit changed since then (a `git pull`, a checkout): the last build's commit is kept in
# store-service/target/run-local.stamp. The build shows one line per module as it goes; its full output is in
# target/run-local-build.log.
# For tests: RUN_LOCAL_MVN replaces ./mvnw, and RUN_LOCAL_DRY_RUN=1 stops after the build, printing what it
# would run.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 SOURCE DEST   (mirrors folder SOURCE into folder DEST, live, until Ctrl-C)" >&2
  exit 2
fi

# SOURCE and DEST are relative to where the user typed the command, not to the repository.
absolute() {
  case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "$PWD/$1" ;;
  esac
}
source_dir=$(absolute "$1")
dest_dir=$(absolute "$2")
if [ ! -d "$source_dir" ]; then
  echo "run-local: source folder does not exist or is not a folder: $source_dir" >&2
  exit 2
fi
cd "$(dirname "$0")/.."

store_jar=store-service/target/quarkus-app/quarkus-run.jar
watcher_jar=watcher-service/target/quarkus-app/quarkus-run.jar
stamp=store-service/target/run-local.stamp
mvn=${RUN_LOCAL_MVN:-./mvnw}

head_commit() {
  git rev-parse HEAD 2>/dev/null || echo unknown
}

# Why a build is needed, or nothing when the jars are up to date.
why_build() {
  if [ ! -f "$store_jar" ] || [ ! -f "$watcher_jar" ]; then
    echo "the services are not built yet"
  elif [ ! -f "$stamp" ]; then
    echo "no record of the last build"
  elif [ "$(cat "$stamp")" != "$(head_commit)" ]; then
    echo "the git commit changed since the last build"
  elif [ -n "$(find pom.xml chunker protocol store-service watcher-service \
      \( -path '*/target' -prune \) -o \( \( -path '*/src/*' -o -name pom.xml \) -type f -newer "$stamp" -print \) \
      2>/dev/null | head -n 1)" ]; then
    echo "sources changed since the last build"
  fi
}

reason=$(why_build)
if [ -n "$reason" ]; then
  mkdir -p target
  log=$PWD/target/run-local-build.log
  echo "run-local: building Ferry ($reason): $mvn -B package -DskipTests, a few minutes the first time"
  commit=$(head_commit)
  # One line per module as Maven reaches it (the build is silent for minutes otherwise); all of it in the log.
  set +e
  "$mvn" -B package -DskipTests </dev/null 2>&1 | tee "$log" \
    | { grep --line-buffered -E '^\[INFO\] (Building Ferry|BUILD |Total time)' \
        | while IFS= read -r line; do echo "run-local:   ${line#\[INFO\] }"; done; true; }
  status=${PIPESTATUS[0]}
  set -e
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$log" >&2
    echo "run-local: the build failed; its full output is in $log" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$stamp")"
  echo "$commit" >"$stamp"
fi

if [ "${RUN_LOCAL_DRY_RUN:-}" = 1 ]; then
  echo "run-local: would mirror $source_dir into $dest_dir"
  exit 0
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
