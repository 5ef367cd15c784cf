package dev.ferry.store.sync;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.ChunkCodec;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.ignore.IgnoreSet;
import dev.ferry.store.audit.DestAuditor;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.SourceBinding;
import dev.ferry.store.storage.StoreIgnoreRules;
import dev.ferry.store.storage.StoreLayout;
import org.jboss.logging.Logger;

/**
 * Who may sync and on what terms: a hello's checks and the store's source ownership, the current session (a newer
 * hello replaces it), the ignore rules in force, and the answers to {@code check} (asked, or unasked when an
 * integrity repair made the mirror differ). Apply thread only, but for {@link #mirrorDiffers}.
 */
final class SessionGate {
    /** The store's sync log lines keep one category (the README shows it), whichever role writes them. */
    private static final Logger LOG = Logger.getLogger(SyncService.class);

    private final StoreLayout layout;
    private final MirrorIndex index;
    private final SourceBinding binding;
    private final StoreIgnoreRules ignore;
    private final DestAuditor auditor;
    private final PendingFiles pending;
    private final CurrentSession current;
    private final GroupCommit commits;
    /** The index was cleared of what the rules in force match since start (apply thread only). */
    private boolean forgotSinceStart;

    SessionGate(StoreLayout layout, MirrorIndex index, SourceBinding binding, StoreIgnoreRules ignore,
                DestAuditor auditor, PendingFiles pending, CurrentSession current, GroupCommit commits) {
        this.layout = layout;
        this.index = index;
        this.binding = binding;
        this.ignore = ignore;
        this.auditor = auditor;
        this.pending = pending;
        this.current = current;
        this.commits = commits;
    }

    /**
     * Tells the connected watcher that the mirror no longer matches its tree (an integrity repair marked entries
     * damaged that only the source can send again): an unsolicited {@code checked} "not in sync", on which it
     * checks and reconciles now rather than at its next periodic rescan (minutes later). No-op without a greeted
     * session; an older watcher ignores it.
     */
    void mirrorDiffers(String why) {
        SyncSession s = current.open();
        if (s != null && s.greeted()) {
            s.send(new Message.Checked(index.rootDigest(), false, why));
        }
    }

    /**
     * In sync means DEST itself equals the watcher's tree: when the index does, DEST is audited too (foreign
     * entries removed, damaged ones restored; skipped when an audit found it so and nothing since could have
     * changed that), and an entry the store cannot remove or rebuild makes the answer "not in sync", with why.
     */
    void check(SyncSession s, Message.Check c) {
        if (!commits.durable()) {
            return;
        }
        String problem = null;
        if (index.rootDigest().equals(c.rootDigest())) {
            index.markReconciled();
            ignore.settle();
            problem = auditor.destProblem();
            if (index.failure() != null) {
                commits.journalFailed();
                return;
            }
            if (problem != null) {
                LOG.warnf("Check from %s: the index matches its tree, but %s", s.describe(), problem);
            }
        }
        String mine = index.rootDigest();
        s.send(new Message.Checked(mine, problem == null && mine.equals(c.rootDigest()), problem));
    }

    void hello(SyncSession s, Message.Hello h) {
        HelloChecks.Refusal refused = HelloChecks.fields(h, Message.MIN_VERSION, "");
        if (refused != null) {
            refused.sendTo(s);
            return;
        }
        IgnoreSet rules = h.ignoreRules();
        if (!owns(s, h)) {
            return;
        }
        SyncSession old = current.get();
        if (old != null && old != s) {
            LOG.infof("Watcher %s replaces %s", h.clientId(), old.describe());
            old.fail(ErrorCode.REPLACED, "a newer hello (" + h.clientId() + ") replaced this session");
        }
        pending.clear();
        current.set(s);
        s.greet(h.clientId(), h.protocol(), h.sourceId());
        ignore.unsettle();
        if (!useRules(s, rules)) {
            current.set(null);
            s.fail(ErrorCode.INTERNAL, "the store cannot record the ignore rules; see its log");
            return;
        }
        boolean inSync = index.rootDigest().equals(h.rootDigest());
        if (inSync) {
            index.markReconciled();
        }
        LOG.infof("Watcher %s connected: %s", s.describe(), inSync ? "in sync" : "reconciling");
        // Coded chunk uploads are protocol 3's: older watchers never see the field.
        s.send(new Message.Welcome(h.protocol(), layout.storeId(), ChunkerParams.DEFAULT, inSync,
                h.protocol() >= 3 ? ChunkCodec.DECODED : null));
    }

    /** The watcher's ignore rules changed: they replace those of its hello (or of its previous {@code ignore}). */
    void ignore(SyncSession s, Message.Ignore i) {
        IgnoreSet rules;
        try {
            rules = i.rules().check();
        } catch (ProtocolException e) {
            s.send(new Message.Error(e.code(), "ignore: " + e.getMessage() + ": the rules in force stay"));
            return;
        }
        if (!useRules(s, rules)) {
            s.send(new Message.Error(ErrorCode.INTERNAL, "the store cannot record the ignore rules (see its log): the rules "
                    + "in force stay"));
        }
    }

    /**
     * Makes {@code rules} the store's (kept in .ferry/ignore.json) and forgets the index entries they match: they
     * leave the index (journaled), DEST keeps them. Forgetting runs at the first hello since start too, so entries
     * a crash kept in the index after the rules were written go then. False when the rules cannot be written
     * (nothing changed).
     */
    private boolean useRules(SyncSession s, IgnoreSet rules) {
        boolean changed;
        try {
            changed = ignore.replace(rules);
        } catch (Exception e) {
            LOG.errorf(e, "Cannot record the ignore rules in %s", layout.stateDir());
            return false;
        }
        if (changed) {
            auditor.invalidate();
            LOG.infof("Ignore rules from %s: %d .ferryignore files, %d patterns", s.describe(), rules.files().size(),
                    rules.excludes().size());
        }
        if (!changed && forgotSinceStart) {
            return true;
        }
        forgotSinceStart = true;
        try {
            int forgotten = ignore.forgetIgnored(index);
            if (forgotten > 0) {
                LOG.infof("Forgot %d entries the ignore rules now match (left in DEST as they are)", forgotten);
            }
        } catch (Exception e) {
            // The journal failed: the next commit sees index.failure() and closes the session.
            LOG.warnf("Cannot forget the entries the ignore rules match: %s", e);
        }
        return true;
    }

    /**
     * Whether the hello's source may drive this store: it is the bound owner, or the store has none yet (the first
     * hello binds it), or it asks to take over while the owner is not connected. Otherwise the session is refused
     * with {@code wrong-source} and closed; nothing is changed.
     */
    private boolean owns(SyncSession s, Message.Hello h) {
        SourceBinding.Owner owner = binding.owner();
        String who = RelativePaths.printable(h.clientId());
        if (owner != null && owner.sourceId().equals(h.sourceId())) {
            return true;
        }
        if (h.sourceId() == null && owner == null) {
            LOG.warnf("Watcher %s sends no source id (an older watcher): the store stays unbound until one does", who);
            return true;
        }
        SyncSession connected = current.open();
        HelloChecks.Refusal refused = HelloChecks.ownership(owner, h, connected != null && connected != s);
        if (refused != null) {
            LOG.warnf("Refused watcher %s (source %s): %s", who, h.sourceId(), refused.message());
            refused.sendTo(s);
            return false;
        }
        try {
            binding.bind(h.sourceId(), h.clientId());
        } catch (Exception e) {
            LOG.errorf(e, "Cannot record the store's source in %s", layout.sourceFile());
            s.fail(ErrorCode.INTERNAL, "the store cannot record its source; see its log");
            return false;
        }
        if (owner == null) {
            LOG.infof("This store now belongs to source %s (watcher %s): any other source is refused", h.sourceId(), who);
        } else {
            LOG.warnf("TAKE-OVER: source %s (watcher %s) replaces the owner %s; the mirror will follow the new source",
                    h.sourceId(), who, HelloChecks.describe(owner));
        }
        return true;
    }

}
