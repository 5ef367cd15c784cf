/**
 * The contract between watcher and store.
 *
 * <ul>
 *   <li><b>Manifest</b>: one entry of the tree (file, directory or symlink) with mode, mtime, size and, for a
 *       file, its ordered chunk list. Its <b>digest</b> names its content and metadata but not its path, so a
 *       moved entry keeps its digest.</li>
 *   <li><b>Root digest</b>: the hash of the sorted (path, digest) pairs of a whole tree; equal roots mean equal
 *       trees, so a reconnect over an unchanged tree costs one message.</li>
 *   <li><b>Message</b>: a JSON text frame on the sync WebSocket; {@link dev.ferry.protocol.Wire} encodes and
 *       decodes them.</li>
 *   <li><b>Relative path</b>: a '/'-separated path inside the mirror, checked by
 *       {@link dev.ferry.protocol.RelativePaths} before anything touches the disk.</li>
 * </ul>
 */
package dev.ferry.protocol;
