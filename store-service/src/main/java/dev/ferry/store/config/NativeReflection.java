package dev.ferry.store.config;

import dev.ferry.store.rest.ApiBodies;
import dev.ferry.store.rest.FoldersResource;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.SourceBinding;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The store's own classes that Jackson reads and writes by reflection, registered for the native image. The wire
 * messages and manifests are registered once, for both services, by the protocol jar's
 * META-INF/native-image/dev.ferry/ferry-protocol/reflect-config.json (checked by its NativeImageConfigTest).
 */
@RegisterForReflection(targets = {
        MirrorIndex.JournalLine.class,
        ApiBodies.Error.class, ApiBodies.BatchError.class, ApiBodies.Stored.class, ApiBodies.BatchResult.class,
        ApiBodies.MissingRequest.class, ApiBodies.MissingResponse.class, ApiBodies.Status.class,
        ApiBodies.Watcher.class, ApiBodies.Change.class, SourceBinding.Owner.class,
        ApiBodies.VersionsSummary.class, ApiBodies.Versions.class, ApiBodies.Current.class, ApiBodies.Version.class,
        ApiBodies.RecentVersions.class, ApiBodies.RecentVersion.class,
        FoldersResource.Folder.class, FoldersResource.FolderList.class,
})
public final class NativeReflection {
    private NativeReflection() {
    }
}
