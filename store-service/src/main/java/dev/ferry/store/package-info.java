/**
 * Ferry's store service: keeps a deduplicated chunk store and materializes DEST from it.
 *
 * <ul>
 *   <li><b>Chunk store</b> ({@code storage.ChunkStore}): each chunk kept once, in a region of a mirror file or
 *       in a pack under DEST/.ferry/packs (locations in DEST/.ferry/state.mv.db), verified on the way in and on
 *       every read.</li>
 *   <li><b>Mirror index</b> ({@code storage.MirrorIndex}): the manifests applied to DEST and the mirror regions of
 *       their chunks, in the state database DEST/.ferry/state.mv.db; its root digest is compared with the
 *       watcher's.</li>
 *   <li><b>Materializer</b> ({@code storage.Materializer}): the only writer of DEST; never follows a link.</li>
 *   <li><b>Apply thread</b> ({@code sync.ApplyExecutor}): the single thread on which DEST and the index change.</li>
 *   <li><b>Sync session</b> ({@code sync.SyncSession}): one watcher connection; {@code sync.SyncService} speaks the
 *       protocol with it.</li>
 *   <li><b>Pending file</b>: a file upsert waiting for chunks; applied when its last chunk arrives.</li>
 *   <li><b>Auditor</b> ({@code audit.DestAuditor}): repairs DEST when someone else changed it.</li>
 * </ul>
 */
package dev.ferry.store;
