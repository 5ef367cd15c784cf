package dev.ferry.watcher.sync;

import dev.ferry.protocol.Change;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.RelativePaths;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A store's index as the contract describes it, applying change items in order: path -> manifest digest. */
final class MirrorModel {
    final TreeMap<String, String> index = new TreeMap<>();
    int movesApplied;
    int movesFallenBack;

    void apply(List<Change> changes) {
        for (Change c : changes) {
            if (c instanceof Change.Upsert) {
                Manifest m = ((Change.Upsert) c).entry();
                requireParent(m.path());
                if (m.type() != dev.ferry.protocol.EntryType.DIRECTORY) {
                    removeSubtree(m.path());
                }
                index.put(m.path(), m.digest());
            } else if (c instanceof Change.Delete) {
                removeSubtree(c.path());
            } else {
                Change.Move move = (Change.Move) c;
                String to = move.entry().path();
                requireParent(to);
                if (move.entry().digest().equals(index.get(move.from()))) {
                    TreeMap<String, String> moved = new TreeMap<>();
                    for (Map.Entry<String, String> e : index.entrySet()) {
                        if (RelativePaths.isUnder(e.getKey(), move.from())) {
                            moved.put(RelativePaths.rebase(e.getKey(), move.from(), to), e.getValue());
                        }
                    }
                    removeSubtree(move.from());
                    removeSubtree(to);
                    index.putAll(moved);
                    movesApplied++;
                } else {
                    removeSubtree(move.from());
                    removeSubtree(to);
                    index.put(to, move.entry().digest());
                    movesFallenBack++;
                }
            }
        }
    }

    private void requireParent(String path) {
        String parent = RelativePaths.parent(path);
        if (parent != null && !index.containsKey(parent)) {
            throw new AssertionError("parent of " + path + " does not exist when it is created");
        }
    }

    private void removeSubtree(String path) {
        index.keySet().removeIf(p -> RelativePaths.isUnder(p, path));
    }
}
