import com.fasterxml.jackson.databind.ObjectMapper;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.type.ByteArrayDataType;
import org.h2.mvstore.type.StringDataType;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Throwaway measurement for issue 12 (index brief, item 1): the store's index (path ~40 B -> manifest ~150 B) in
 * H2 MVStore, HSQLDB 2.7.4 (CACHED table) and today's JSON-lines journal + TreeMap. One store per JVM run:
 * {@code java -Xmx128m -cp <jars> IndexStoreBench.java <mvstore|hsqldb|journal> <entries> <dir>}.
 */
public class IndexStoreBench {
    static final int GETS = 100_000;

    interface Store extends AutoCloseable {
        void put(String path, byte[] manifest) throws Exception;

        byte[] get(String path) throws Exception;

        /** Every entry in path order, into {@code md}. */
        long iterate(MessageDigest md) throws Exception;

        void commit() throws Exception;

        @Override
        void close() throws Exception;
    }

    static String path(int i) {
        return String.format("photos/%04d/album-%03d/IMG_%08d.jpeg", i / 10_000, (i / 100) % 100, i);
    }

    static byte[] manifest(Random r) {
        byte[] m = new byte[150];
        r.nextBytes(m);
        return m;
    }

    public static void main(String[] args) throws Exception {
        String kind = args[0];
        int n = Integer.parseInt(args[1]);
        Path dir = Path.of(args[2]);
        Files.createDirectories(dir);
        Random r = new Random(42);
        StringBuilder out = new StringBuilder(kind + " n=" + n);
        long t0 = System.nanoTime();
        try (Store s = open(kind, dir)) {
            for (int i = 0; i < n; i++) {
                s.put(path(i), manifest(r));
            }
            s.commit();
        }
        out.append(String.format(" load=%.1fs", (System.nanoTime() - t0) / 1e9));
        t0 = System.nanoTime();
        try (Store s = open(kind, dir)) {
            out.append(String.format(" reopen=%.2fs", (System.nanoTime() - t0) / 1e9));
            Random q = new Random(7);
            t0 = System.nanoTime();
            for (int i = 0; i < GETS; i++) {
                if (s.get(path(q.nextInt(n))) == null) {
                    throw new IllegalStateException("missing");
                }
            }
            out.append(String.format(" get=%.1fus", (System.nanoTime() - t0) / 1e3 / GETS));
            t0 = System.nanoTime();
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            long count = s.iterate(md);
            if (count != n) {
                throw new IllegalStateException("iterated " + count);
            }
            out.append(String.format(" iterate=%.2fs", (System.nanoTime() - t0) / 1e9));
            long[] ms = new long[10];
            for (int round = 0; round < ms.length; round++) {
                t0 = System.nanoTime();
                for (int i = 0; i < 1000; i++) {
                    s.put(path(q.nextInt(n)), manifest(r));
                }
                s.commit();
                ms[round] = (System.nanoTime() - t0) / 1_000_000;
            }
            Arrays.sort(ms);
            out.append(" 1000puts+commit=" + ms[ms.length / 2] + "ms(median),max=" + ms[ms.length - 1] + "ms");
            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            out.append(String.format(" heapAfterGC=%dMiB", heap >> 20));
        }
        long bytes;
        try (Stream<Path> files = Files.walk(dir)) {
            bytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        out.append(String.format(" files=%dMiB", bytes >> 20));
        out.append(" " + status("VmHWM") + " " + status("VmRSS"));
        System.out.println(out);
    }

    static String status(String key) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key + ":")) {
                return key + "=" + (Long.parseLong(line.replaceAll("[^0-9]", "")) >> 10) + "MiB";
            }
        }
        return key + "=?";
    }

    static Store open(String kind, Path dir) throws Exception {
        return switch (kind) {
            case "mvstore" -> new MvStore(dir.resolve("state.mv.db"));
            case "hsqldb" -> new Hsqldb(dir.resolve("hsql"));
            case "journal" -> new Journal(dir.resolve("index.log"));
            default -> throw new IllegalArgumentException(kind);
        };
    }

    static final class MvStore implements Store {
        final MVStore store;
        final MVMap<String, byte[]> map;

        MvStore(Path file) {
            store = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled()
                    .cacheSize(Integer.getInteger("cacheMiB", 16)).open();
            map = store.openMap("index", new MVMap.Builder<String, byte[]>().keyType(StringDataType.INSTANCE)
                    .valueType(ByteArrayDataType.INSTANCE));
        }

        public void put(String path, byte[] m) {
            map.put(path, m);
        }

        public byte[] get(String path) {
            return map.get(path);
        }

        public long iterate(MessageDigest md) {
            long n = 0;
            Cursor<String, byte[]> c = map.cursor(null);
            while (c.hasNext()) {
                md.update(c.next().getBytes(StandardCharsets.UTF_8));
                md.update(c.getValue(), 0, 16);
                n++;
            }
            return n;
        }

        public void commit() {
            store.commit();
            store.sync();
        }

        public void close() {
            store.close();
        }
    }

    static final class Hsqldb implements Store {
        final Connection c;
        final PreparedStatement put;
        final PreparedStatement get;
        int pending;
        int batches;

        Hsqldb(Path base) throws Exception {
            c = DriverManager.getConnection("jdbc:hsqldb:file:" + base + ";hsqldb.default_table_type=cached;"
                    + "hsqldb.write_delay=false;hsqldb.cache_size=16384;shutdown=true", "SA", "");
            try (Statement st = c.createStatement()) {
                st.execute("CREATE CACHED TABLE IF NOT EXISTS idx(path VARCHAR(4096) PRIMARY KEY, m VARBINARY(65536))");
            }
            c.setAutoCommit(false);
            put = c.prepareStatement("MERGE INTO idx USING (VALUES(CAST(? AS VARCHAR(4096)), CAST(? AS VARBINARY(65536)))) "
                    + "AS v(p, m) ON idx.path = v.p WHEN MATCHED THEN UPDATE SET idx.m = v.m "
                    + "WHEN NOT MATCHED THEN INSERT VALUES v.p, v.m");
            get = c.prepareStatement("SELECT m FROM idx WHERE path = ?");
        }

        public void put(String path, byte[] m) throws Exception {
            put.setString(1, path);
            put.setBytes(2, m);
            put.addBatch();
            if (++pending == 1000) {
                put.executeBatch();
                pending = 0;
                if (++batches % 10 == 0) {
                    c.commit(); // one transaction of 1M rows does not fit a 128 MiB heap
                }
            }
        }

        public byte[] get(String path) throws Exception {
            get.setString(1, path);
            try (ResultSet rs = get.executeQuery()) {
                return rs.next() ? rs.getBytes(1) : null;
            }
        }

        public long iterate(MessageDigest md) throws Exception {
            long n = 0;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT path, m FROM idx ORDER BY path")) {
                while (rs.next()) {
                    md.update(rs.getString(1).getBytes(StandardCharsets.UTF_8));
                    md.update(rs.getBytes(2), 0, 16);
                    n++;
                }
            }
            return n;
        }

        public void commit() throws Exception {
            if (pending > 0) {
                put.executeBatch();
                pending = 0;
            }
            c.commit();
        }

        public void close() throws Exception {
            commit();
            c.close();
        }
    }

    /** Today's model: a TreeMap on the heap, JSON lines appended and fsynced, replayed and compacted at open. */
    static final class Journal implements Store {
        record Line(Map<String, Object> put) {
        }

        static final ObjectMapper JSON = new ObjectMapper();
        final TreeMap<String, byte[]> map = new TreeMap<>();
        final FileChannel ch;
        final OutputStream out;

        Journal(Path file) throws Exception {
            if (Files.exists(file)) {
                try (BufferedReader r = Files.newBufferedReader(file)) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        Map<?, ?> put = (Map<?, ?>) JSON.readValue(line, Map.class).get("put");
                        map.put((String) put.get("path"), Base64.getDecoder().decode((String) put.get("m")));
                    }
                }
            }
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            out = new BufferedOutputStream(Channels.newOutputStream(ch), 64 * 1024);
        }

        public void put(String path, byte[] m) throws Exception {
            map.put(path, m);
            out.write(JSON.writeValueAsBytes(Map.of("put", Map.of("path", path, "m", Base64.getEncoder().encodeToString(m)))));
            out.write('\n');
        }

        public byte[] get(String path) {
            return map.get(path);
        }

        public long iterate(MessageDigest md) {
            long n = 0;
            for (Map.Entry<String, byte[]> e : map.entrySet()) {
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                md.update(e.getValue(), 0, 16);
                n++;
            }
            return n;
        }

        public void commit() throws Exception {
            out.flush();
            ch.force(false);
        }

        public void close() throws Exception {
            commit();
            out.close();
        }
    }
}
