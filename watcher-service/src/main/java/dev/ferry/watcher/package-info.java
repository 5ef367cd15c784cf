/**
 * The watcher: keeps a store's mirror equal to a source folder.
 *
 * <ul>
 *   <li><b>Source</b>: the folder being mirrored; every path here is relative to it, in wire form.</li>
 *   <li><b>Scan</b>: one look at (part of) the source; it yields entries with their stat data.</li>
 *   <li><b>Local state cache</b>: what the watcher last saw of each entry (manifest, inode, size, mtime), kept
 *       outside the source so that a restart over an unchanged tree neither re-hashes nor re-uploads.</li>
 *   <li><b>Flush</b>: turning a set of dirty paths into change items (upsert, delete, move) by diffing a fresh
 *       scan against the cache.</li>
 *   <li><b>Session</b>: one WebSocket connection to the store, from hello to close; batches belong to a session.</li>
 * </ul>
 */
package dev.ferry.watcher;
