package dev.ferry.store.folder;

import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Singleton;

/**
 * The scheduled jobs of the named folders, at the intervals of the unnamed folder's own: each folder's auditor,
 * garbage collector and version pruner run in turn, each on its folder's apply thread; none once the store stops
 * (its stacks close: a job would meet a shut apply thread).
 */
@Singleton
public class FolderJobs {
    private final Folders folders;

    public FolderJobs(Folders folders) {
        this.folders = folders;
    }

    @Scheduled(every = "${ferry.store.audit-interval:2s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void audit() {
        folders.eachNamed(f -> f.auditor().scheduled());
    }

    @Scheduled(every = "${ferry.store.gc-interval:1h}", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void collect() {
        folders.eachNamed(f -> f.collector().scheduled());
    }

    @Scheduled(every = "${ferry.store.versions.prune-interval:1m}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void prune() {
        folders.eachNamed(f -> f.pruner().scheduled());
    }
}
