package dev.ferry.watcher.sync;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.RootDigest;
import dev.ferry.protocol.session.Frame;
import dev.ferry.protocol.session.FrameCodec;
import dev.ferry.protocol.session.MessageDispatch;
import dev.ferry.protocol.session.StoreMessages;
import dev.ferry.watcher.store.StoreLink;
import dev.ferry.watcher.upload.BatchRecord;
import dev.ferry.watcher.upload.ChunkUploads;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * An in-memory store speaking the sync contract: an index of manifests, a chunk set, pending upserts waiting for
 * chunks. Frames to the watcher are delivered on its own thread, like a WebSocket I/O thread.
 */
final class FakeStore implements ChunkUploads, StoreMessages<FakeStore.Link> {
    /** The chunk codecs its welcome lists (null: none, as a store before protocol 3). */
    volatile List<String> codecs = List.of("zstd");
    /** Every welcome the engine handed its uploader, in order. */
    final List<Message.Welcome> welcomes = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void welcomed(Message.Welcome welcome) {
        welcomes.add(welcome);
    }
    final TreeMap<String, Manifest> index = new TreeMap<>();
    final Set<ChunkHash> chunks = new HashSet<>();
    final List<Message> received = new CopyOnWriteArrayList<>();
    final ExecutorService io = Executors.newSingleThreadExecutor();
    private final Map<Long, List<Manifest>> pending = new HashMap<>();
    private final Set<String> indexPaths = new HashSet<>();
    private final Map<String, String> indexDigests = new HashMap<>();
    private SyncEngine engine;
    private Link link;
    int uploadedChunks;
    /** Every patch the watcher sent. */
    final List<Change.Patch> patches = new CopyOnWriteArrayList<>();
    /** The store id its welcome carries. */
    volatile String id = "fake";
    /** Answer every patch with base-unknown, as a store that lost its index would. */
    volatile boolean forgetBases;
    /** The ignore rules the watcher gave (hello, then ignore messages). */
    volatile dev.ferry.protocol.ignore.IgnoreSet rules = dev.ferry.protocol.ignore.IgnoreSet.NONE;
    /** When set, a check whose digest matches is still not in sync, for this reason (DEST holds a foreign entry). */
    volatile String destProblem;

    /** The store's end of one connection. */
    final class Link implements StoreLink {
        volatile boolean open = true;
        /** Where this store's frames go: the engine's {@code received}, or a contract test's queue. */
        private final Consumer<Frame> toWatcher;

        Link(Consumer<Frame> toWatcher) {
            this.toWatcher = toWatcher;
        }

        @Override
        public void send(Message sent) {
            Message m;
            try {
                // Through the wire's framing, as the store reads it.
                m = FrameCodec.decode(FrameCodec.encode(sent, true));
            } catch (ProtocolException e) {
                throw new AssertionError("watcher sent a bad frame: " + e.getMessage());
            }
            received.add(m);
            io.execute(() -> {
                synchronized (FakeStore.this) {
                    MessageDispatch.toStore(this, m, FakeStore.this);
                }
            });
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close(String reason) {
            if (open) {
                open = false;
                if (engine != null) {
                    io.execute(() -> engine.closed(this, reason));
                }
            }
        }
    }

    Link connect(SyncEngine watcher) {
        this.engine = watcher;
        Link[] self = new Link[1];
        link = new Link(frame -> watcher.received(self[0], frame));
        self[0] = link;
        watcher.opened(link, StoreLink.ConnectionControl.NONE);
        return link;
    }

    /** A connection without an engine: the store's frames go to {@code toWatcher} (the contract suite's). */
    Link connect(Consumer<Frame> toWatcher) {
        link = new Link(toWatcher);
        return link;
    }

    /** Sends the connected watcher a {@code checked} it did not ask for, as a store whose mirror changed under it. */
    void checkedUnasked(String problem) {
        Link l = link;
        io.execute(() -> reply(l, new Message.Checked(rootDigest(), false, problem)));
    }

    private void reply(Link l, Message m) {
        l.toWatcher.accept(FrameCodec.encode(m, true));
    }

    synchronized String rootDigest() {
        Map<String, String> digests = new HashMap<>();
        index.forEach((p, m) -> digests.put(p, m.digest()));
        return RootDigest.of(digests);
    }

    @Override
    public void hello(Link l, Message.Hello h) {
        if (!ChunkerParams.DEFAULT.equals(h.chunker())) {
            reply(l, new Message.Error(ErrorCode.CHUNKER_MISMATCH, "no"));
            return;
        }
        pending.clear();
        rules = h.ignoreRules();
        reply(l, new Message.Welcome(h.protocol(), id, ChunkerParams.DEFAULT, rootDigest().equals(h.rootDigest()),
                codecs));
    }

    @Override
    public void index(Link l, Message.IndexBatch b) {
        for (Message.IndexEntry e : b.entries()) {
            indexPaths.add(e.path());
            indexDigests.put(e.path(), e.digest());
        }
        if (b.last()) {
            index.keySet().removeIf(p -> !indexPaths.contains(p));
            List<String> need = new ArrayList<>();
            for (String p : indexPaths) {
                Manifest have = index.get(p);
                if (have == null || !have.digest().equals(indexDigests.get(p))) {
                    need.add(p);
                }
            }
            indexPaths.clear();
            indexDigests.clear();
            reply(l, new Message.Need(need, true));
        }
    }

    @Override
    public void changes(Link l, Message.Changes c) {
        Set<ChunkHash> lacking = new LinkedHashSet<>();
        List<Manifest> waiting = new ArrayList<>();
        List<Message.Failure> failed = new ArrayList<>();
        for (Change item : c.items()) {
            if (item instanceof Change.Patch p) {
                patches.add(p);
                Manifest base = index.get(p.base());
                if (base == null || !base.digest().equals(p.baseDigest())) {
                    base = pendingAt(p.base(), p.baseDigest());
                }
                if (base == null || forgetBases) {
                    failed.add(new Message.Failure(p.path(), "no base", ErrorCode.BASE_UNKNOWN.wire()));
                    continue;
                }
                Manifest full = p.resolve(base.chunks(), Integer.MAX_VALUE);
                item = p.move() ? new Change.Move(p.base(), full) : new Change.Upsert(full);
            }
            apply(item, lacking, waiting);
        }
        reply(l, new Message.Missing(c.batch(), new ArrayList<>(lacking)));
        if (waiting.isEmpty()) {
            reply(l, new Message.Ack(c.batch(), failed));
        } else {
            pending.put(c.batch(), waiting);
        }
    }

    @Override
    public void ignore(Link l, Message.Ignore ignore) {
        // As the store does: forget (drop from the index, leave in DEST) what the new rules ignore.
        rules = ignore.rules();
        dev.ferry.protocol.ignore.IgnoreRules matcher = dev.ferry.protocol.ignore.IgnoreRules.of(rules);
        index.values().removeIf(e -> matcher.ignored(e.path(), e.type() == EntryType.DIRECTORY));
    }

    @Override
    public void check(Link l, Message.Check check) {
        String root = rootDigest();
        String problem = destProblem;
        reply(l, new Message.Checked(root, problem == null && root.equals(check.rootDigest()), problem));
    }

    @Override
    public void plan(Link l, Message.Plan plan) {
        unexpected(l, plan);
    }

    @Override
    public void error(Link l, Message.Error error) {
    }

    @Override
    public void unexpected(Link l, Message m) {
        reply(l, new Message.Error(ErrorCode.BAD_MESSAGE, "a store does not accept " + m.getClass().getSimpleName()));
    }

    private Manifest pendingAt(String path, String digest) {
        for (List<Manifest> list : pending.values()) {
            for (Manifest m : list) {
                if (m.path().equals(path) && m.digest().equals(digest)) {
                    return m;
                }
            }
        }
        return null;
    }

    private void apply(Change item, Set<ChunkHash> lacking, List<Manifest> waiting) {
        if (item instanceof Change.Delete) {
            removeSubtree(item.path());
        } else if (item instanceof Change.Move) {
            Change.Move mv = (Change.Move) item;
            Manifest from = index.get(mv.from());
            if (from != null && from.digest().equals(mv.entry().digest())) {
                TreeMap<String, Manifest> moved = new TreeMap<>();
                index.forEach((p, man) -> {
                    if (RelativePaths.isUnder(p, mv.from())) {
                        String to = RelativePaths.rebase(p, mv.from(), mv.entry().path());
                        moved.put(to, man.withPath(to));
                    }
                });
                removeSubtree(mv.from());
                removeSubtree(mv.entry().path());
                index.putAll(moved);
            } else {
                removeSubtree(mv.from());
                upsert(mv.entry(), lacking, waiting);
            }
        } else {
            upsert(((Change.Upsert) item).entry(), lacking, waiting);
        }
    }

    private void upsert(Manifest m, Set<ChunkHash> lacking, List<Manifest> waiting) {
        if (m.type() == EntryType.FILE) {
            boolean complete = true;
            for (ChunkRef c : m.chunks()) {
                if (!chunks.contains(c.hash())) {
                    lacking.add(c.hash());
                    complete = false;
                }
            }
            if (!complete) {
                waiting.add(m);
                return;
            }
        }
        if (m.type() != EntryType.DIRECTORY) {
            removeSubtree(m.path());
        }
        index.put(m.path(), m);
    }

    private void removeSubtree(String path) {
        index.keySet().removeIf(p -> RelativePaths.isUnder(p, path));
    }

    /** Uploads go straight into the chunk set, then waiting files are applied and their batches acknowledged. */
    @Override
    public void upload(BatchRecord batch, List<ChunkHash> missing) {
        stored(missing);
    }

    /** Chunks arrived (an upload): files waiting for them are applied, their batches acknowledged. */
    void stored(List<ChunkHash> missing) {
        io.execute(() -> {
            synchronized (this) {
                chunks.addAll(missing);
                uploadedChunks += missing.size();
                for (Map.Entry<Long, List<Manifest>> e : new ArrayList<>(pending.entrySet())) {
                    e.getValue().removeIf(m -> {
                        if (m.chunks().stream().allMatch(c -> chunks.contains(c.hash()))) {
                            index.put(m.path(), m);
                            return true;
                        }
                        return false;
                    });
                    if (e.getValue().isEmpty()) {
                        pending.remove(e.getKey());
                        reply(link, new Message.Ack(e.getKey(), List.of()));
                    }
                }
            }
        });
    }

    @Override
    public void cancelAll() {
    }
}
