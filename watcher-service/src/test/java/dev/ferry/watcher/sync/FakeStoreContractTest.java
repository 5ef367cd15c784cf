package dev.ferry.watcher.sync;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.session.Frame;
import dev.ferry.protocol.session.FrameCodec;
import dev.ferry.protocol.session.StoreContract;
import org.junit.jupiter.api.AfterEach;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The watcher tests' {@link FakeStore} keeps the same sync contract as the real store (StoreContractTest). */
class FakeStoreContractTest extends StoreContract {
    private final FakeStore store = new FakeStore();

    @AfterEach
    void stop() {
        store.io.shutdownNow();
    }

    @Override
    protected Connection connect() {
        BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
        FakeStore.Link link = store.connect(frames::add);
        return new Connection() {
            @Override
            public void send(Message message) {
                link.send(message);
            }

            @Override
            public Message poll(long millis) throws Exception {
                Frame f = frames.poll(millis, TimeUnit.MILLISECONDS);
                return f == null ? null : FrameCodec.decode(f);
            }

            @Override
            public void close() {
                link.close("contract test done");
            }
        };
    }

    @Override
    protected void upload(List<byte[]> chunks) {
        List<ChunkHash> hashes = new ArrayList<>();
        for (byte[] c : chunks) {
            hashes.add(ChunkHash.compute(c, 0, c.length));
        }
        store.stored(hashes);
    }
}
