#!/usr/bin/env bash
# Compression on the wire (issue 13): cold sync of a tree to an empty destination, Ferry --once with
# FERRY_WATCHER_COMPRESS=auto and off against rsync -a and rsync -az (to an rsync daemon), all through one counting
# TCP proxy. Figures and the command lines in docs/PERFORMANCE.md, "Compression on the wire".
#   scripts/bench-compression.sh                 the three trees below, one run each
#   scripts/bench-compression.sh TREE [TREE...]  other trees (--repeats N for more runs)
# The trees: /usr/share/doc as it lies (text and .gz), the JDK 17 sources unpacked from src.zip (Debian package
# openjdk-17-source), and 256 MiB of random bytes in 16 files; the last two are made under ${FERRY_BENCH_TREES:-/tmp/ferry-bench-trees}.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v rsync >/dev/null || { echo "bench-compression: rsync is not installed" >&2; exit 1; }
if [ ! -f benchmarks/target/benchmarks.jar ] || [ ! -f store-service/target/quarkus-app/quarkus-run.jar ] \
   || [ ! -f watcher-service/target/quarkus-app/quarkus-run.jar ] || [ "${FERRY_BENCH_REBUILD:-}" = 1 ]; then
  ./mvnw -B -q -pl store-service,watcher-service,benchmarks -am package -DskipTests
fi
scripts/cds-archive.sh --if-stale

trees=()
repeats=()
while [ $# -gt 0 ]; do
  case "$1" in
    --repeats) repeats=(--repeats "$2"); shift 2 ;;
    *) trees+=("$1"); shift ;;
  esac
done
if [ ${#trees[@]} -eq 0 ]; then
  base=${FERRY_BENCH_TREES:-/tmp/ferry-bench-trees}
  src_zip=/usr/lib/jvm/java-17-openjdk-amd64/lib/src.zip
  if [ ! -d "$base/jdk17-src" ]; then
    [ -f "$src_zip" ] || { echo "bench-compression: $src_zip missing (apt-get install openjdk-17-source)" >&2; exit 1; }
    mkdir -p "$base/jdk17-src" && (cd "$base/jdk17-src" && unzip -q "$src_zip")
  fi
  if [ ! -d "$base/random" ]; then
    mkdir -p "$base/random"
    for i in $(seq -w 1 16); do head -c $((16 * 1024 * 1024)) /dev/urandom > "$base/random/r$i.bin"; done
  fi
  trees=(/usr/share/doc "$base/jdk17-src" "$base/random")
fi
exec java -Xmx1g -cp benchmarks/target/benchmarks.jar dev.ferry.benchmarks.vsrsync.CompressionRun \
  --repo "$PWD" ${repeats[@]+"${repeats[@]}"} "${trees[@]}"
