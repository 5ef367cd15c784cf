package dev.ferry.store.sync;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** What every test of one role of the store's sync starts from: a store on a fresh DEST, closed after the test. */
abstract class SyncRoleTest {
    @TempDir
    Path dest;
    SyncRolesFixture store;

    @BeforeEach
    void openStore() throws Exception {
        store = new SyncRolesFixture(dest);
    }

    @AfterEach
    void closeStore() throws Exception {
        store.close();
    }
}
