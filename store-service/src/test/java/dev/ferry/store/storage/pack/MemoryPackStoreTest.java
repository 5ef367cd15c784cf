package dev.ferry.store.storage.pack;

import java.io.IOException;

class MemoryPackStoreTest extends PackStoreContract {
    @Override
    protected PackStore open(long targetSize, int maxRecord) {
        return new MemoryPackStore(targetSize, maxRecord);
    }

    @Override
    protected PackStore reopen(PackStore old) throws IOException {
        return ((MemoryPackStore) old).reopen();
    }
}
