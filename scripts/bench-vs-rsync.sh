#!/usr/bin/env bash
# Ferry against rsync and Syncthing on loopback, side by side (issues 4 and 12): one command, see docs/PERFORMANCE.md.
#   scripts/bench-vs-rsync.sh                 all 9 cases, 3 repeats, table of medians (~40 min on 2 cores)
#   scripts/bench-vs-rsync.sh --quick --repeats 1           a 1/16-size trial of the harness (~3 min)
#   scripts/bench-vs-rsync.sh --cases 3,4 --repeats 5       some cases only
#   scripts/bench-vs-rsync.sh --scale                       the 1,000,000-file scale run (long)
#   scripts/bench-vs-rsync.sh --no-syncthing                Ferry and rsync only
#   scripts/bench-vs-rsync.sh --help                        every option
# Installs rsync and Syncthing from Debian when missing (Syncthing not with --no-syncthing) and (re)builds Ferry and the harness when a source is newer than the jars.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v rsync >/dev/null 2>&1; then
  echo "bench-vs-rsync: installing rsync (apt-get)" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq rsync >/dev/null
fi
want_syncthing=1
for a in "$@"; do
  case "$a" in --no-syncthing|-h|--help) want_syncthing=0 ;; esac
done
if [ "$want_syncthing" = 1 ] && ! command -v syncthing >/dev/null 2>&1; then
  echo "bench-vs-rsync: installing syncthing (apt-get; --no-syncthing to run without it)" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq syncthing >/dev/null
fi

# Each jar with the sources it is built from: rebuild when one is missing or older than one of its sources.
stale=""
check() {
  local jar=$1; shift
  if [ ! -f "$jar" ]; then stale="$jar is missing"; return; fi
  local newer
  newer=$(find pom.xml "$@" -path '*/target' -prune -o -type f -newer "$jar" -print 2>/dev/null | head -1)
  [ -z "$newer" ] || stale="$newer is newer than $jar"
}
check store-service/target/quarkus-app/quarkus-run.jar chunker protocol store-service
[ -n "$stale" ] || check watcher-service/target/quarkus-app/quarkus-run.jar chunker protocol watcher-service
[ -n "$stale" ] || check benchmarks/target/benchmarks.jar chunker benchmarks
if [ -n "$stale" ] || [ "${FERRY_BENCH_REBUILD:-}" = 1 ]; then
  echo "bench-vs-rsync: building Ferry and the harness (${stale:-FERRY_BENCH_REBUILD=1})" >&2
  ./mvnw -B -q -pl store-service,watcher-service,benchmarks -am package -DskipTests
fi
# The class-data archives of the JVM flags the README recommends (the harness's defaults): remade after a build.
scripts/cds-archive.sh --if-stale

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$commit+uncommitted"; fi
exec java -Xmx3g -cp benchmarks/target/benchmarks.jar dev.ferry.benchmarks.vsrsync.BenchVsRsync \
  --repo "$PWD" --commit "$commit" "$@"
