package dev.ferry.store.folder;

import dev.ferry.protocol.ErrorCode;

/**
 * A request that names no folder, an unknown one, or one its token does not open: answered with the code's HTTP
 * status and {@code {"error":code,"message":...}} over REST, a close with the code's close code on the WebSocket.
 */
public final class FolderRefusal extends RuntimeException {
    private final ErrorCode code;

    public FolderRefusal(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
