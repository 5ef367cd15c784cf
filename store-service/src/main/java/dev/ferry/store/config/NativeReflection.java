package dev.ferry.store.config;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.ChunkListCodec;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.store.rest.ApiBodies;
import dev.ferry.store.storage.MirrorIndex;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** The classes Jackson reads and writes by reflection, registered for the native image; no other reflection. */
@RegisterForReflection(targets = {
        Message.class, Message.Hello.class, Message.Welcome.class, Message.IndexBatch.class, Message.IndexEntry.class,
        Message.Need.class, Message.Changes.class, Message.Missing.class, Message.Ack.class, Message.Failure.class,
        Message.Check.class, Message.Checked.class, Message.Error.class,
        Change.class, Change.Upsert.class, Change.Delete.class, Change.Move.class,
        Manifest.class, ChunkRef.class, ChunkerParams.class, EntryType.class,
        ChunkListCodec.Serializer.class, ChunkListCodec.Deserializer.class,
        ChunkListCodec.HashesSerializer.class, ChunkListCodec.HashesDeserializer.class,
        MirrorIndex.JournalLine.class,
        ApiBodies.Error.class, ApiBodies.BatchError.class, ApiBodies.Stored.class, ApiBodies.BatchResult.class,
        ApiBodies.MissingRequest.class, ApiBodies.MissingResponse.class, ApiBodies.Status.class,
})
public final class NativeReflection {
    private NativeReflection() {
    }
}
