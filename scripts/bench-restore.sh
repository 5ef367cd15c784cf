#!/usr/bin/env bash
# Measures the issue's "a deleted folder of 10,000 files comes back in one command": a store and a watcher mirror a
# folder of N files, the folder is deleted (and the deletion mirrored), then one `ferry-watcher restore --tree` brings
# it back into SOURCE as it stood before. Reports the restore's time and bytes, the bytes the store received for the
# restored folder (none should be uploaded again), and whether SOURCE and DEST equal the tree before the delete.
# Usage: scripts/bench-restore.sh [--files N] [--file-size BYTES] [--keep] [--jars DIR]
#   (defaults 10000 files of 4096 bytes; --jars DIR takes DIR/store/quarkus-run.jar and DIR/watcher/quarkus-run.jar,
#   copies of the two quarkus-app folders, e.g. to measure an older build)
# Needs the jars (./mvnw -B -q -o package -DskipTests), python3, curl.
set -euo pipefail
files=10000
size=4096
keep=0
jars=
while [ $# -gt 0 ]; do
  case $1 in
    --files) files=$2; shift 2 ;;
    --file-size) size=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --jars) jars=$(cd "$2" && pwd); shift 2 ;;
    *) echo "usage: $0 [--files N] [--file-size BYTES] [--keep] [--jars DIR]" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
store_jar=$PWD/store-service/target/quarkus-app/quarkus-run.jar
watcher_jar=$PWD/watcher-service/target/quarkus-app/quarkus-run.jar
if [ -n "$jars" ]; then
  store_jar=$jars/store/quarkus-run.jar
  watcher_jar=$jars/watcher/quarkus-run.jar
fi
for j in "$store_jar" "$watcher_jar"; do
  [ -f "$j" ] || { echo "bench-restore: $j is missing: build with ./mvnw -B package -DskipTests" >&2; exit 2; }
done

work=$(mktemp -d /tmp/ferry-bench-restore.XXXXXX)
src=$work/source
dest=$work/dest
ref=$work/reference
mkdir -p "$src/project" "$dest"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$keep" = 1 ]; then echo "bench-restore: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
store_port=$(free_port)
watcher_port=$(free_port)
url=http://127.0.0.1:$store_port

echo "bench-restore: $files files of $size bytes in $work"
python3 - "$src/project" "$files" "$size" <<'PY'
import os, sys
root, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    d = os.path.join(root, "d%03d" % (i // 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.bin" % i), "wb") as f:
        f.write(os.urandom(size))
os.symlink("d000/f00000.bin", os.path.join(root, "link"))
os.chmod(os.path.join(root, "d000"), 0o750)
PY
cp -a "$src/project" "$ref"
# SOURCE keeps a file besides the folder: a source that becomes empty is held by the watcher's empty-source guard.
echo "not restored" >"$src/keep.txt"

QUARKUS_HTTP_PORT=$store_port java -jar "$store_jar" "$dest" >"$work/store.log" 2>&1 &
pids+=($!)
FERRY_WATCHER_MAX_DELETE=off QUARKUS_HTTP_PORT=$watcher_port java -jar "$watcher_jar" "$src" --store "$url" >"$work/watcher.log" 2>&1 &
pids+=($!)

# $2 (minus a top .ferry) equals $1: paths, types, bytes, modes, link targets, mtimes (files' and folders'); with
# $3 = explain, the first difference goes to stderr.
same_tree() {
  python3 - "$1" "$2" "${3:-}" <<'PY'
import os, sys, stat, hashlib
def listing(root):
    out = {}
    for d, dirs, fs in os.walk(root):
        dirs[:] = [x for x in dirs if not (d == root and x == ".ferry")]
        for name in dirs + fs:
            p = os.path.join(d, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("l", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("d", stat.S_IMODE(st.st_mode), int(st.st_mtime))
            else:
                out[rel] = ("f", stat.S_IMODE(st.st_mode), int(st.st_mtime), hashlib.sha256(open(p, "rb").read()).hexdigest())
    return out
a, b = listing(sys.argv[1]), listing(sys.argv[2])
if a != b:
    for k in sorted(set(a) | set(b)) if sys.argv[3] == "explain" else []:
        if a.get(k) != b.get(k):
            print("bench-restore: %s: %s against %s" % (k, a.get(k), b.get(k)), file=sys.stderr)
            break
    sys.exit(1)
PY
}
wait_until() {
  local what=$1 deadline=$((SECONDS + $2)); shift 2
  until "$@"; do
    if [ $SECONDS -ge $deadline ]; then echo "bench-restore: timed out waiting for $what" >&2; exit 1; fi
    sleep 0.5
  done
}
received() { curl -fsS "$url/api/v1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytesReceived"])'; }
project_gone() { [ ! -e "$dest/project" ]; }
dest_has_project() { [ -d "$dest/project" ] && same_tree "$ref" "$dest/project"; }
dest_has_restored() { [ -d "$dest/project" ] && same_tree "$src/project" "$dest/project"; }

wait_until "the first sync" 900 dest_has_project
echo "bench-restore: mirrored; deleting the folder"
sleep 1
at=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
sleep 1
rm -rf "$src/project"
wait_until "the delete to reach DEST" 300 project_gone
before=$(received)

start=$(date +%s.%N)
java -jar "$watcher_jar" restore --tree "$src/project" --at "$at" --to "$src/project" --source "$src" --store "$url" \
  | tee "$work/restore.out"
end=$(date +%s.%N)
restore_s=$(python3 -c "print(f'{$end - $start:.2f}')")
same_tree "$ref" "$src/project" explain \
  || { echo "bench-restore: SOURCE differs from the tree before the delete" >&2; exit 1; }
wait_until "the restored folder to reach DEST" 600 dest_has_restored
leftovers=$(find "$src" "$dest" -name '.ferry-restore-*.tmp' | wc -l)
after=$(received)
echo "bench-restore: restore command ${restore_s} s (JVM start included); SOURCE byte-exact; DEST back in sync"
echo "bench-restore: restore temp files the watcher synced (upserts in its log): $(grep -o 'upsert [^,]*\.ferry-restore-[^,]*\.tmp' "$work/watcher.log" | wc -l); left in SOURCE or DEST: $leftovers"
echo "bench-restore: bytes the store received for the restored folder: $((after - before)) (the folder is $((files * size)) bytes)"
