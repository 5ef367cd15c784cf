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
 *
 * <p><b>Packages, top to bottom.</b> A package depends only on packages below it in this list, never on one above,
 * and no two form a cycle ({@code PackageRulesTest} holds this):
 * <ol>
 *   <li>{@code cli}, {@code dryrun}, {@code rest}, {@code health}, {@code metrics}: the shell (command line, the dry
 *       run, HTTP, health and metrics views of the running watcher);</li>
 *   <li>{@code runtime}: the composition root, the one package that builds the pipeline and the only one that may
 *       reach its top stage ({@code watch}) and so every package;</li>
 *   <li>{@code config}, {@code progress}: settings and the progress line;</li>
 *   <li>the pipeline, in the order a change travels: {@code watch} (file system events gathered into dirty paths)
 *       -> {@code sync} (detect: {@code ChangeDetector}; batch: {@code SyncEngine} with its {@code Batcher},
 *       {@code PatchEncoder} and {@code Reconciler}) -> {@code upload} (the chunks the store asks for) ->
 *       {@code store} (the connection);</li>
 *   <li>{@code scan}, {@code state}, {@code ignore}, {@code control}: reading the source, the local state cache,
 *       ignore rules, the send gate.</li>
 * </ol>
 * A lower stage talks to an upper one only through a small interface of its own package that the upper implements
 * and the runtime passes down: {@code sync.DirtyPaths} and {@code sync.WatchedTree} (implemented in {@code watch}),
 * {@code store.StoreLink.Listener} and {@code upload.UploadProgress} (implemented in {@code sync}).
 * To follow one file from its inotify event to the store: {@code watch.DirectoryWatcher} ->
 * {@code watch.ChangeAggregator} -> {@code sync.SyncEngine#flush} -> {@code sync.ChangeDetector} ->
 * {@code sync.Batcher} -> {@code store.StoreConnection} (the {@code changes} frame) and, for the chunks the store
 * lacks, {@code upload.ChunkUploader}.
 */
package dev.ferry.watcher;
