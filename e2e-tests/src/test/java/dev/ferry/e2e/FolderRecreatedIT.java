package dev.ferry.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Found by CrashTortureIT (seed 20261207, cycle 7): a folder deleted and made again at once with other content
 * (ext4 gives the new folder the old one's freed inode). Every file made in the new folder must reach DEST.
 */
class FolderRecreatedIT {
    @Test
    void aFolderDeletedAndMadeAgainWithOtherContentIsMirrored(@TempDir Path root) throws Exception {
        try (FerryPair pair = new FerryPair(root, "recreated")) {
            Files.createDirectories(pair.source.resolve("d/s1"));
            Files.writeString(pair.source.resolve("d/s1/old.txt"), "old");
            pair.startStore().startWatcher();
            pair.awaitMirror();
            for (int round = 0; round < 5; round++) {
                Trees.deleteTree(pair.source.resolve("d/s1"));
                Files.createDirectories(pair.source.resolve("d/s1"));
                for (int i = 0; i < 3; i++) {
                    Files.writeString(pair.source.resolve("d/s1/new-" + round + "-" + i + ".txt"), "new " + round);
                }
                pair.awaitMirror(Duration.ofSeconds(30));
            }
        }
    }
}
