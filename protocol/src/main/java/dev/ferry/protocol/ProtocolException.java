package dev.ferry.protocol;

/** A frame or a value that breaks the protocol; {@link #errorCode()} is the error sent back to the peer. */
public class ProtocolException extends Exception {
    private final ErrorCode code;

    public ProtocolException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public ProtocolException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode errorCode() {
        return code;
    }

    /** The error code's wire string. */
    public String code() {
        return code.wire();
    }
}
