package dev.ferry.store.storage;

import dev.ferry.protocol.Manifest;

import java.util.Iterator;

/**
 * The entries of a folder (or one entry) as they stood at a moment: the index's current entries applied by then
 * ({@code since <= at}) merged, in path order, with the kept versions whose interval holds it
 * ({@code from <= at < to}). Both are read by cursor: one page of each on the heap, whatever the tree's size.
 */
public final class TreeAt extends LookaheadIterator<Manifest> {
    private final VersionHistory versions;
    private final long at;
    private final Iterator<Manifest> current;
    private final Iterator<VersionHistory.Version> kept;
    private Manifest c;
    private VersionHistory.Version v;

    /** {@code dir} itself and everything below it ({@code ""}: the whole folder) at {@code atMillis}. */
    public TreeAt(MirrorIndex index, String dir, long atMillis) {
        this.versions = index.versions();
        this.at = atMillis;
        Manifest self = dir.isEmpty() ? null : index.get(dir);
        Iterator<Manifest> below = index.below(dir).iterator();
        this.current = self == null ? below : new Iterator<>() {
            private boolean first = true;

            @Override
            public boolean hasNext() {
                return first || below.hasNext();
            }

            @Override
            public Manifest next() {
                if (first) {
                    first = false;
                    return self;
                }
                return below.next();
            }
        };
        this.kept = versions.under(dir, true);
        c = current.hasNext() ? current.next() : null;
        v = kept.hasNext() ? kept.next() : null;
    }

    @Override
    protected Manifest advance() {
        while (c != null || v != null) {
            int cmp = c == null ? 1 : v == null ? -1 : c.path().compareTo(v.path());
            String path = cmp <= 0 ? c.path() : v.path();
            Manifest chosen = null;
            if (cmp <= 0) {
                if (versions.since(path) <= at) {
                    chosen = c;
                }
                c = current.hasNext() ? current.next() : null;
            }
            while (v != null && v.path().equals(path)) {
                if (chosen == null && v.fromMillis() <= at && at < v.toMillis()) {
                    chosen = v.manifest();
                }
                v = kept.hasNext() ? kept.next() : null;
            }
            if (chosen != null) {
                return chosen;
            }
        }
        return null;
    }
}
