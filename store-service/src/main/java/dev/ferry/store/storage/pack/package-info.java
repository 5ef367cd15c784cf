/**
 * The pack store: chunks that no mirror file holds, appended as self-describing records to pack files.
 *
 * <p>On disk ({@link dev.ferry.store.storage.pack.LocalPackStore}): {@code .ferry/packs/<ff>/<16 hex id>.pack}, where
 * {@code ff} is the low byte of the id. Ids are handed out in order, so the low byte spreads packs evenly over 256
 * folders: a store with a terabyte of old versions (about 30,000 packs of 32 MiB) keeps about 120 entries per folder,
 * listing and lookups stay cheap on any file system, and the layout is the one restic uses for its {@code data/}
 * folder, which an object-store backend can copy as key prefixes. {@code .ferry/packs/last-id} holds the highest id
 * ever made, so ids are never reused. Folders are 0700 and files 0600, as everything under {@code .ferry}.
 *
 * <p>{@link dev.ferry.store.storage.pack.PackRepacker} copies the live records out of a partly dead pack, lets the
 * caller commit their new locations, and only then deletes the pack.
 */
package dev.ferry.store.storage.pack;
