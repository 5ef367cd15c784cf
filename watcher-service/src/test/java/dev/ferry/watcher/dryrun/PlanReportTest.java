package dev.ferry.watcher.dryrun;

import dev.ferry.protocol.Message;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The words of a dry run: one line per change in the store's order, a note for the brake, the summary. */
class PlanReportTest {

    private static Message.PlannedItem item(String op, String path, String from, String detail, boolean dir) {
        return new Message.PlannedItem(op, path, from, detail, dir);
    }

    @Test
    void everyKindHasItsLineAndTheSummaryCountsThem() {
        List<String> lines = PlanReport.lines(List.of(
                item("create", "docs", null, null, true),
                item("create", "docs/new.md", null, null, false),
                item("update", "keep/meta.txt", null, "metadata", false),
                item("move", "new.txt", "old.txt", null, false),
                item("update", "src/main.c", null, "contents", false),
                item("update", "src/x.bin", null, "damaged", false),
                item("foreign", "stray", null, null, true),
                item("delete", "tmp/x\nlog", null, null, false)),
                new PlanReport.Upload(3, 5_000, null), null, 40);
        assertEquals(List.of(
                "create  docs/",
                "create  docs/new.md",
                "update  keep/meta.txt (mode or mtime only)",
                "move    old.txt -> new.txt",
                "update  src/main.c",
                "update  src/x.bin (damaged in DEST: rebuilt from the store's chunks)",
                "delete  stray/ (only in DEST)",
                "delete  tmp/x\\x0alog",
                "dry run: 2 to create, 3 to update, 1 to move, 2 to delete (1 only in DEST); "
                        + "4.9 KiB to upload (3 chunks the store lacks); nothing was changed"), lines);
    }

    @Test
    void aCleanTreeIsInSyncAndABrakeIsSaid() {
        assertEquals(List.of("dry run: DEST is in sync with SOURCE (7 entries); nothing was changed"),
                PlanReport.lines(List.of(), new PlanReport.Upload(0, 0, null), null, 7));
        assertEquals(List.of("delete  a", "note: a real run would stop here: holding 1 deletions",
                        "dry run: 0 to create, 0 to update, 0 to move, 1 to delete; bytes to upload unknown (no store); "
                                + "nothing was changed"),
                PlanReport.lines(List.of(item("delete", "a", null, null, false)), PlanReport.Upload.unknown("no store"),
                        "holding 1 deletions", 7));
    }
}
