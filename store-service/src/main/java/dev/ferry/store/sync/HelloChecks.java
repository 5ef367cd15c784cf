package dev.ferry.store.sync;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.store.storage.SourceBinding;

/**
 * What the store decides about a hello before it acts on it, alike for a real session and a dry run: the hello's
 * own fields (version, chunker, ids, ignore rules), and whether its source may use this store. Read-only: binding
 * an owner is the real session's business.
 */
final class HelloChecks {
    private static final int MAX_CLIENT_ID = 256;
    private static final int MAX_SOURCE_ID = 128;

    /** Why a hello is refused: the error code and message it gets, and how its connection is closed. */
    record Refusal(ErrorCode code, String message) {
        void sendTo(SyncSession s) {
            s.fail(code, message);
        }
    }

    private HelloChecks() {
    }

    /**
     * The refusal of a hello whose fields this store cannot take, or null. {@code minVersion} is the oldest protocol
     * the session accepts, {@code session} names it in the message ("" for a real one).
     */
    static Refusal fields(Message.Hello h, int minVersion, String session) {
        if (h.protocol() < minVersion || h.protocol() > Message.VERSION) {
            return new Refusal(ErrorCode.VERSION, "this store speaks protocol " + minVersion + " to " + Message.VERSION
                    + session + ", the watcher " + h.protocol());
        }
        if (!ChunkerParams.DEFAULT.equals(h.chunker())) {
            return new Refusal(ErrorCode.CHUNKER_MISMATCH, "this store cuts chunks with " + ChunkerParams.DEFAULT
                    + ", the watcher with " + RelativePaths.printable(String.valueOf(h.chunker())));
        }
        String problem = clientIdProblem(h.clientId());
        if (problem == null && h.sourceId() != null) {
            problem = sourceIdProblem(h.sourceId());
        }
        if (problem != null) {
            return new Refusal(ErrorCode.BAD_MESSAGE, problem);
        }
        try {
            h.ignoreRules().check();
        } catch (ProtocolException e) {
            return new Refusal(e.errorCode(), "hello: " + e.getMessage());
        }
        return null;
    }

    /**
     * The refusal of a hello whose source may not use a store that belongs to {@code owner} (null: unbound), or
     * null: the owner itself, an unbound store, or a take-over while the owner's watcher is away
     * ({@code ownerConnected} false).
     */
    static Refusal ownership(SourceBinding.Owner owner, Message.Hello h, boolean ownerConnected) {
        if (owner == null || owner.sourceId().equals(h.sourceId())) {
            return null;
        }
        if (h.sourceId() == null) {
            return new Refusal(ErrorCode.WRONG_SOURCE, "this store belongs to " + describe(owner)
                    + " and this watcher sends no source id: upgrade it");
        }
        if (!h.takesOver()) {
            return new Refusal(ErrorCode.WRONG_SOURCE, "this store's mirror belongs to " + describe(owner) + ", not to this "
                    + "watcher's source " + h.sourceId() + ". Nothing was changed. Point this watcher at its own store, "
                    + "or, to replace the mirror with this source, stop the other watcher and run this one once with "
                    + "--take-over");
        }
        if (ownerConnected) {
            return new Refusal(ErrorCode.WRONG_SOURCE, "--take-over refused: the owner " + describe(owner) + " is connected "
                    + "now. Stop that watcher first, then run this one with --take-over again");
        }
        return null;
    }

    static String describe(SourceBinding.Owner owner) {
        return "source " + owner.sourceId() + " (watcher " + RelativePaths.printable(owner.clientId()) + ", bound "
                + owner.boundAt() + ")";
    }

    private static String sourceIdProblem(String id) {
        if (id.isEmpty() || id.length() > MAX_SOURCE_ID) {
            return "hello's sourceId must have 1.." + MAX_SOURCE_ID + " characters";
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')) {
                return "hello's sourceId may hold letters, digits, '-', '_' and '.' only";
            }
        }
        return null;
    }

    private static String clientIdProblem(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_CLIENT_ID) {
            return "hello needs a clientId of 1.." + MAX_CLIENT_ID + " characters";
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return "clientId has a control character";
            }
        }
        return null;
    }
}
