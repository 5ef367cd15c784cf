package dev.ferry.watcher.restore;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.FastCdc;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.FileNames;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Wire;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A store's version endpoints served from maps by a JDK HttpServer: {@code versions/tree} lists the manifests it
 * was given (those under {@code dir}, in path order), {@code chunks/{hash}} serves the chunks, {@code versions}
 * answers a fixed JSON. Counts chunk GETs and records every request's query.
 */
public final class FakeVersionStore implements AutoCloseable {
    public final TreeMap<String, String> lines = new TreeMap<>();
    public final List<String> raw = new CopyOnWriteArrayList<>();
    public final Map<ChunkHash, byte[]> chunks = new ConcurrentHashMap<>();
    /** Chunks served: one a {@code GET chunks/{hash}}, one a record of a {@code POST chunks/fetch} answer. */
    public final AtomicInteger chunkGets = new AtomicInteger();
    /** Requests for chunks: single GETs and fetches. */
    public final AtomicInteger chunkRequests = new AtomicInteger();
    /** {@code POST chunks/fetch} requests. */
    public final AtomicInteger fetches = new AtomicInteger();
    /** Chunks a fetch answer leaves out (as a store that lacks them would); a GET still serves them. */
    public final Set<ChunkHash> withheld = ConcurrentHashMap.newKeySet();
    /** When set, {@code POST chunks/fetch} answers 404 (a store from before the endpoint). */
    public volatile boolean noFetch;
    /** When set, a fetch answer stops after its first record though its length promises more (a store stopped). */
    public volatile boolean breakFetch;
    public final List<String> requests = new CopyOnWriteArrayList<>();
    public volatile String versionsAnswer = "{\"path\":\"x\",\"current\":null,\"versions\":[]}";
    public volatile String token;
    /** When set, the tree listing stops short of what its length says. */
    public volatile boolean breakTree;
    private final HttpServer server;

    public FakeVersionStore() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Adds every entry of {@code root} (its chunks too) under wire path {@code prefix} ("" = the root itself). */
    public void addTree(Path root, String prefix) throws IOException {
        FastCdc cdc = new FastCdc();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String rel = FileNames.relative(root, p);
                String path = rel.isEmpty() ? prefix : prefix.isEmpty() ? rel : prefix + "/" + rel;
                add(manifest(cdc, p, path));
            }
        }
    }

    public void add(Manifest m) {
        lines.put(m.path(), Wire.mapper().valueToTree(m).toString());
    }

    /** A raw line listed after the others whatever the dir, for what a well-behaved store never sends. */
    public void addRaw(String line) {
        raw.add(line);
    }

    public Manifest manifest(FastCdc cdc, Path p, String path) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        long mtime = a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
        if (a.isSymbolicLink()) {
            return Manifest.symlink(path, mtime, Files.readSymbolicLink(p).toString());
        }
        int mode = mode(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
        if (a.isDirectory()) {
            return Manifest.directory(path, mode, mtime);
        }
        List<ChunkRef> refs = new ArrayList<>();
        byte[] bytes = Files.readAllBytes(p);
        cdc.split(new java.io.ByteArrayInputStream(bytes), (chunk, buf, off) -> {
            refs.add(ChunkRef.of(chunk));
            chunks.put(chunk.hash(), java.util.Arrays.copyOfRange(buf, off, off + chunk.length()));
        });
        return Manifest.file(path, mode, mtime, bytes.length, refs);
    }

    /** Answers a fetch as the store does: the held chunks of the request, in its order, as batch records. */
    private void fetch(HttpExchange ex) throws IOException {
        chunkRequests.incrementAndGet();
        fetches.incrementAndGet();
        if (noFetch) {
            send(ex, 404, "application/json", "{\"error\":\"not-found\",\"message\":\"no such endpoint\"}");
            return;
        }
        com.fasterxml.jackson.databind.JsonNode body = Wire.mapper().readTree(ex.getRequestBody());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (com.fasterxml.jackson.databind.JsonNode hex : body.get("chunks")) {
            ChunkHash hash = ChunkHash.parse(hex.asText());
            byte[] bytes = chunks.get(hash);
            if (bytes != null && !withheld.contains(hash)) {
                chunkGets.incrementAndGet();
                dev.ferry.protocol.ChunkBatchFormat.writeRecord(out, hash, bytes, 0, bytes.length);
            }
        }
        byte[] answer = out.toByteArray();
        if (breakFetch && answer.length > 0) {
            int first = dev.ferry.protocol.ChunkBatchFormat.HEADER + ((answer[32] & 0xff) << 24 | (answer[33] & 0xff) << 16
                    | (answer[34] & 0xff) << 8 | (answer[35] & 0xff));
            ex.getResponseHeaders().set("Content-Type", dev.ferry.protocol.Endpoints.CHUNK_BATCH_TYPE);
            ex.sendResponseHeaders(200, answer.length);
            ex.getResponseBody().write(answer, 0, first + 10);
            ex.getResponseBody().flush();
            return;
        }
        send(ex, 200, dev.ferry.protocol.Endpoints.CHUNK_BATCH_TYPE, answer);
    }

    static int mode(Set<PosixFilePermission> perms) {
        int mode = 0;
        PosixFilePermission[] bits = PosixFilePermission.values();
        for (int i = 0; i < bits.length; i++) {
            if (perms.contains(bits[i])) {
                mode |= 0400 >> i;
            }
        }
        return mode;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String query = ex.getRequestURI().getRawQuery();
            requests.add(path + (query == null ? "" : "?" + query));
            if (token != null && !("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                send(ex, 401, "application/json", "{\"error\":\"unauthorized\",\"message\":\"a token is required\"}");
                return;
            }
            Map<String, String> params = params(query);
            if (path.equals("/api/v1/chunks/fetch") && ex.getRequestMethod().equals("POST")) {
                fetch(ex);
            } else if (path.startsWith("/api/v1/chunks/")) {
                chunkGets.incrementAndGet();
                chunkRequests.incrementAndGet();
                byte[] bytes = chunks.get(ChunkHash.parse(path.substring("/api/v1/chunks/".length())));
                if (bytes == null) {
                    send(ex, 404, "application/json", "{\"error\":\"not-found\",\"message\":\"chunk not held\"}");
                } else {
                    send(ex, 200, "application/octet-stream", bytes);
                }
            } else if (path.equals("/api/v1/versions/tree")) {
                String dir = params.getOrDefault("dir", "");
                StringBuilder body = new StringBuilder();
                for (Map.Entry<String, String> e : lines.entrySet()) {
                    String p = e.getKey();
                    if (dir.isEmpty() || p.equals(dir) || p.startsWith(dir + "/")) {
                        body.append(e.getValue()).append('\n');
                    }
                }
                for (String line : raw) {
                    body.append(line).append('\n');
                }
                if (breakTree) {
                    // Promises more than it sends, then closes: the listing breaks off.
                    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
                    ex.sendResponseHeaders(200, bytes.length + 1000);
                    ex.getResponseBody().write(bytes);
                    ex.getResponseBody().flush();
                    return;
                }
                if (body.length() == 0) {
                    send(ex, 404, "application/json", "{\"error\":\"not-found\",\"message\":\"nothing there\"}");
                } else {
                    send(ex, 200, "application/x-ndjson", body.toString());
                }
            } else if (path.equals("/api/v1/versions")) {
                send(ex, 200, "application/json", versionsAnswer);
            } else {
                send(ex, 404, "application/json", "{\"error\":\"not-found\"}");
            }
        }
    }

    /** The query parameters (the last value of each). */
    public static Map<String, String> params(String query) {
        Map<String, String> out = new TreeMap<>();
        if (query == null) {
            return out;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        send(ex, status, type, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    public List<String> requests() {
        return Collections.unmodifiableList(requests);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
