package dev.ferry.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** Encodes and decodes sync WebSocket frames. Thread-safe. */
public final class Wire {
    /** Largest frame either side accepts; a bigger one is refused with {@code error too-large}. */
    public static final int MAX_FRAME_BYTES = 16 * 1024 * 1024;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(MAX_FRAME_BYTES).maxNestingDepth(32).build());
    }

    private Wire() {
    }

    public static String encode(Message message) {
        try {
            return MAPPER.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + message.getClass().getSimpleName(), e);
        }
    }

    /** Parses one frame; a malformed or unknown one is a {@link ProtocolException} with code {@code bad-message}. */
    public static Message decode(String frame) throws ProtocolException {
        if (frame == null || frame.isEmpty()) {
            throw new ProtocolException(ErrorCode.BAD_MESSAGE, "empty frame");
        }
        if (frame.length() > MAX_FRAME_BYTES) {
            throw new ProtocolException(ErrorCode.TOO_LARGE, "frame of " + frame.length() + " characters exceeds " + MAX_FRAME_BYTES);
        }
        try {
            Message m = MAPPER.readValue(frame, Message.class);
            if (m == null) {
                throw new ProtocolException(ErrorCode.BAD_MESSAGE, "frame is JSON null");
            }
            return m;
        } catch (JsonProcessingException | IllegalArgumentException e) {
            String why = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new ProtocolException(ErrorCode.BAD_MESSAGE, "malformed message: " + why, e);
        }
    }

    /** The mapper, for other JSON the two sides exchange (REST bodies, state files). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
