package dev.ferry.store.sync;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.ignore.IgnoreRules;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.session.StoreMessages;
import dev.ferry.store.storage.Materializer;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.SourceBinding;
import dev.ferry.store.storage.StoreLayout;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The store's side of a dry run ({@code hello.dryRun}): the same checks as a hello, then the source's tree in
 * {@code plan} frames and the {@link DryRunPlanner}'s answer in {@code planned} frames. A dry-run session is never
 * the current session (a running watcher keeps its own), binds no source, holds no pending work and changes
 * nothing on disk. Called on the apply thread by {@link SyncService}.
 */
final class DryRunSessions implements StoreMessages<SyncSession> {
    private static final Logger LOG = Logger.getLogger(DryRunSessions.class);
    private static final int PLANNED_FRAME_BYTES = 4 * 1024 * 1024;

    private final CurrentSession current;
    private final MirrorIndex index;
    private final Materializer materializer;
    private final StoreLayout layout;
    private final SourceBinding binding;
    private final int maxBatchItems;
    private final long maxSessionBytes;

    DryRunSessions(CurrentSession current, MirrorIndex index, Materializer materializer, StoreLayout layout,
                   SourceBinding binding, int maxBatchItems, long maxSessionBytes) {
        this.current = current;
        this.index = index;
        this.materializer = materializer;
        this.layout = layout;
        this.binding = binding;
        this.maxBatchItems = maxBatchItems;
        this.maxSessionBytes = maxSessionBytes;
    }

    @Override
    public void hello(SyncSession s, Message.Hello h) {
        if (s.greeted()) {
            s.fail(ErrorCode.BAD_MESSAGE, "a dry run needs a connection of its own, not one that said hello already");
            return;
        }
        HelloChecks.Refusal refused = HelloChecks.fields(h, 3, " for a dry run");
        if (refused == null) {
            // Read-only: an unbound store stays unbound, and a take-over is planned (while the owner is away), not made.
            refused = HelloChecks.ownership(binding.owner(), h, current.open() != null);
        }
        if (refused != null) {
            refused.sendTo(s);
            return;
        }
        s.greet(h.clientId(), h.protocol(), h.sourceId());
        s.dryRun = true;
        s.ignore = IgnoreRules.of(h.ignoreRules());
        boolean inSync = index.rootDigest().equals(h.rootDigest());
        LOG.infof("Dry run of watcher %s: planning, changing nothing", s.describe());
        s.send(new Message.Welcome(h.protocol(), layout.storeId(), ChunkerParams.DEFAULT, inSync));
    }

    @Override
    public void error(SyncSession s, Message.Error e) {
        LOG.warnf("Dry run %s reports %s: %s", s.describe(), RelativePaths.printable(e.code()),
                RelativePaths.printable(e.message()));
    }

    @Override
    public void index(SyncSession s, Message.IndexBatch index) {
        unexpected(s, index);
    }

    @Override
    public void changes(SyncSession s, Message.Changes changes) {
        unexpected(s, changes);
    }

    @Override
    public void check(SyncSession s, Message.Check check) {
        unexpected(s, check);
    }

    @Override
    public void ignore(SyncSession s, Message.Ignore ignore) {
        unexpected(s, ignore);
    }

    @Override
    public void unexpected(SyncSession s, Message m) {
        s.send(new Message.Error(ErrorCode.BAD_MESSAGE, "a dry-run session accepts plan frames only, not "
                + m.getClass().getSimpleName()));
    }

    @Override
    public void plan(SyncSession s, Message.Plan p) {
        if (p.entries().size() > maxBatchItems) {
            s.theirPlan = new TreeMap<>();
            s.theirPlanBytes = 0;
            s.send(new Message.Error(ErrorCode.TOO_LARGE, "a plan frame has at most " + maxBatchItems + " entries, not "
                    + p.entries().size() + ": the plan is dropped, start it again with smaller frames"));
            return;
        }
        for (Message.PlanEntry e : p.entries()) {
            if (e != null && e.path() != null && e.digest() != null && s.theirPlan.put(e.path(), e) == null) {
                s.theirPlanBytes += 160 + 2L * (e.path().length() + e.digest().length()
                        + (e.content() == null ? 0 : e.content().length()));
            }
        }
        if (s.theirPlanBytes > maxSessionBytes) {
            s.theirPlan = new TreeMap<>();
            s.theirPlanBytes = 0;
            s.fail(ErrorCode.TOO_LARGE, "the plan passes the store's limit of " + maxSessionBytes
                    + " bytes a session (ferry.store.max-session-bytes)");
            return;
        }
        if (!p.last()) {
            return;
        }
        java.util.SortedMap<String, Message.PlanEntry> theirs = s.theirPlan;
        s.theirPlan = new TreeMap<>();
        s.theirPlanBytes = 0;
        // The dry run's own rules, not the store's: a real run would bring these in its hello.
        List<Message.PlannedItem> items;
        try {
            items = new DryRunPlanner(index, materializer, layout.dest(), layout.stateDir(), s.ignore).plan(theirs);
        } catch (Exception e) {
            LOG.warnf("Dry run of %s failed: %s", s.describe(), e);
            s.fail(ErrorCode.INTERNAL, "the store cannot make the plan: " + RelativePaths.printable(String.valueOf(e)));
            return;
        }
        LOG.infof("Dry run of %s: %d entries of its tree, %d planned changes; nothing changed", s.describe(),
                theirs.size(), items.size());
        sendPlanned(s, items);
    }

    private static void sendPlanned(SyncSession s, List<Message.PlannedItem> items) {
        List<Message.PlannedItem> frame = new ArrayList<>();
        int bytes = 0;
        for (Message.PlannedItem item : items) {
            int size = 2 * (item.path().getBytes(StandardCharsets.UTF_8).length
                    + (item.from() == null ? 0 : item.from().getBytes(StandardCharsets.UTF_8).length)) + 80;
            if (!frame.isEmpty() && bytes + size > PLANNED_FRAME_BYTES) {
                s.send(new Message.Planned(frame, false));
                frame = new ArrayList<>();
                bytes = 0;
            }
            frame.add(item);
            bytes += size;
        }
        s.send(new Message.Planned(frame, true));
    }
}
