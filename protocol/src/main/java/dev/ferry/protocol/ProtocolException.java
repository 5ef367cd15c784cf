package dev.ferry.protocol;

/** A frame or a value that breaks the protocol; {@link #code()} is the error code sent back to the peer. */
public class ProtocolException extends Exception {
    private final String code;

    public ProtocolException(String code, String message) {
        super(message);
        this.code = code;
    }

    public ProtocolException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
