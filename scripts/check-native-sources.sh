#!/usr/bin/env bash
# Prepares both services' native builds without GraalVM (Quarkus' sources-only mode) and checks what native-image
# would get: its arguments, no JNI, the reflection registrations of the wire classes and REST bodies, the run-time
# initialization of FileNames, the status page's resources. Run from the repository root:
#   scripts/check-native-sources.sh
# It builds into store-service/target and watcher-service/target (run ./mvnw package again afterwards to test).
set -euo pipefail
cd "$(dirname "$0")/.."

./mvnw -B -q package -DskipTests -Dnative -Dquarkus.native.sources-only=true -pl store-service,watcher-service -am

fail() { echo "FAIL: $*" >&2; exit 1; }
entry() { unzip -p "$1" "$2" 2>/dev/null || true; }

for service in store-service watcher-service; do
  dir=$service/target/native-sources
  runner=$(ls "$dir"/*-runner.jar)
  [ -f "$dir/native-image.args" ] || fail "$service: no native-image.args"
  grep -q -- '--no-fallback' "$dir/native-image.args" || fail "$service: not a real native build (fallback allowed)"
  [ "$(entry "$runner" META-INF/native-image/jni-config.json | tr -d '[:space:]')" = "[]" ] || fail "$service: JNI config is not empty"
  protocol=$(ls "$dir"/lib/dev.ferry.ferry-protocol-*.jar)
  entry "$protocol" META-INF/native-image/dev.ferry/ferry-protocol/native-image.properties \
    | grep -q -- '--initialize-at-run-time=dev.ferry.protocol.FileNames' || fail "$service: FileNames not initialized at run time"
  for c in 'Message$Hello' 'Message$Changes' 'Change$Upsert' 'Manifest' 'ChunkListCodec$Serializer'; do
    entry "$protocol" META-INF/native-image/dev.ferry/ferry-protocol/reflect-config.json \
      | grep -q "dev.ferry.protocol.$c\"" || fail "$service: dev.ferry.protocol.$c is not registered"
  done
  # aircompressor's zstd (chunk compression) finds sun.misc.Unsafe and java.nio.Buffer.address by reflection.
  entry "$protocol" META-INF/native-image/dev.ferry/ferry-protocol-zstd/reflect-config.json \
    | grep -q '"sun.misc.Unsafe"' || fail "$service: the zstd codec's reflection is not registered"
  echo "$service: native-image.args $(wc -w < "$dir/native-image.args") words, no JNI, protocol classes registered"
done

store_reflect=$(entry "$(ls store-service/target/native-sources/*-runner.jar)" META-INF/native-image/reflect-config.json)
for c in 'ApiBodies$Status' 'ApiBodies$Watcher' 'ApiBodies$Change' 'MirrorIndex$JournalLine'; do
  grep -q "\"dev.ferry.store.[a-z]*.$c\"" <<<"$store_reflect" || fail "store: $c is not registered"
done
watcher_reflect=$(entry "$(ls watcher-service/target/native-sources/*-runner.jar)" META-INF/native-image/reflect-config.json)
for c in 'rest.WatcherStatus' 'progress.Progress'; do
  grep -q "\"dev.ferry.watcher.$c\"" <<<"$watcher_reflect" || fail "watcher: $c is not registered"
done
store_resources=$(entry "$(ls store-service/target/native-sources/*-runner.jar)" META-INF/native-image/resource-config.json)
for r in index.html status.js status.css; do
  grep -q "META-INF/resources/$r" <<<"$store_resources" || fail "store: the status page's $r is not a native resource"
done
echo "store and watcher: REST bodies registered; the status page's files are native resources"
echo "OK: the native builds are prepared as expected (not built: that needs GraalVM or Mandrel)"
