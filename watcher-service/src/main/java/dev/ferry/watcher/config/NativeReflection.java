package dev.ferry.watcher.config;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.ChunkListCodec;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** Registers the wire classes Jackson reads and writes by reflection, for the native executable. */
@RegisterForReflection(targets = {
        Message.class, Message.Hello.class, Message.Welcome.class, Message.IndexBatch.class, Message.IndexEntry.class,
        Message.Need.class, Message.Changes.class, Message.Missing.class, Message.Ack.class, Message.Failure.class,
        Message.Check.class, Message.Checked.class, Message.Error.class,
        Change.class, Change.Upsert.class, Change.Delete.class, Change.Move.class,
        Manifest.class, ChunkRef.class, ChunkerParams.class, EntryType.class,
        ChunkListCodec.Serializer.class, ChunkListCodec.Deserializer.class,
        ChunkListCodec.HashesSerializer.class, ChunkListCodec.HashesDeserializer.class,
})
public final class NativeReflection {
    private NativeReflection() {
    }
}
