#!/usr/bin/env bash
# Syncs one random file of SIZE_MIB with --once and prints the peak RSS (VmHWM) of store and watcher.
# Usage: scripts/peak-rss.sh SIZE_MIB   (WJ / SJ: extra JVM options for watcher / store, e.g. WJ=-Xmx192m)
# Needs the packaged services (./mvnw -B package -DskipTests).
set -euo pipefail
size=${1:?usage: $0 SIZE_MIB}
cd "$(dirname "$0")/.."
d=$(mktemp -d)
trap 'kill ${sp:-} 2>/dev/null || true; rm -rf "$d"' EXIT
mkdir -p "$d/src"
head -c $((size * 1024 * 1024)) /dev/urandom > "$d/src/big.bin"
port=${PORT:-29801}
QUARKUS_HTTP_PORT=$port java ${SJ:-} -jar store-service/target/quarkus-app/quarkus-run.jar "$d/dst" > "$d/store.log" 2>&1 &
sp=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/q/health/ready" >/dev/null 2>&1 && break; sleep 0.1; done
start=$(date +%s.%N)
QUARKUS_HTTP_PORT=0 FERRY_WATCHER_STATE_DIR="$d/state" java ${WJ:-} -jar watcher-service/target/quarkus-app/quarkus-run.jar \
  "$d/src" --store "http://127.0.0.1:$port" --once > "$d/watcher.log" 2>&1 &
wp=$!
wpeak=0
while kill -0 $wp 2>/dev/null; do
  v=$(awk '/VmHWM/{print $2}' /proc/$wp/status 2>/dev/null || true)
  if [ -n "$v" ] && [ "$v" -gt "$wpeak" ]; then wpeak=$v; fi
  sleep 0.2
done
rc=0; wait $wp || rc=$?
end=$(date +%s.%N)
speak=$(awk '/VmHWM/{print $2}' /proc/$sp/status)
same=no; cmp -s "$d/src/big.bin" "$d/dst/big.bin" && same=yes
echo "size=${size}MiB once_exit=$rc identical=$same seconds=$(echo "$end - $start" | bc) watcher_peak_rss=$((wpeak / 1024))MiB store_peak_rss=$((speak / 1024))MiB"
