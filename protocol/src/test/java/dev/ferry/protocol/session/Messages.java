package dev.ferry.protocol.session;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.ignore.IgnoreSet;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** One message of each {@link Message.Kind}, with a field or two set, for the session layer's tests. */
final class Messages {
    private static final String DIGEST = "0f".repeat(32);

    private Messages() {
    }

    static Map<Message.Kind, Message> oneOfEachKind() {
        byte[] chunk = "a chunk".getBytes(StandardCharsets.UTF_8);
        Map<Message.Kind, Message> m = new EnumMap<>(Message.Kind.class);
        put(m, new Message.Hello(Message.VERSION, "laptop", ChunkerParams.DEFAULT, DIGEST, 3, "src-1", null,
                new IgnoreSet(List.of(), List.of("*.tmp"))));
        put(m, new Message.Welcome(Message.VERSION, "store-1", ChunkerParams.DEFAULT, false, List.of("zstd")));
        put(m, new Message.IndexBatch(List.of(new Message.IndexEntry("a/b.txt", DIGEST)), true));
        put(m, new Message.Need(List.of("a/b.txt"), true));
        put(m, new Message.Changes(7, List.of(new Change.Delete("old.txt"))));
        put(m, new Message.Missing(7, List.of(ChunkHash.compute(chunk, 0, chunk.length))));
        put(m, new Message.Ack(7, List.of(new Message.Failure("x", "bad-path: no", ErrorCode.BAD_PATH.wire()))));
        put(m, new Message.Check(DIGEST));
        put(m, new Message.Checked(DIGEST, false, "DEST holds lost+found"));
        put(m, new Message.Error(ErrorCode.TOO_LARGE, "a frame too many"));
        put(m, new Message.Ignore(new IgnoreSet(List.of(), List.of("build/"))));
        put(m, new Message.Plan(List.of(new Message.PlanEntry("a/b.txt", DIGEST, DIGEST, false)), true));
        put(m, new Message.Planned(List.of(new Message.PlannedItem("create", "a/b.txt", null, null, false)), true));
        return m;
    }

    private static void put(Map<Message.Kind, Message> m, Message message) {
        if (m.put(message.kind(), message) != null) {
            throw new IllegalStateException("two samples of " + message.kind());
        }
    }
}
