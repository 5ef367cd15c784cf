package dev.ferry.protocol.session;

import dev.ferry.protocol.Message;

/**
 * Hands a received message to the one handler method made for it. The {@code switch} over {@link Message.Kind}
 * is an expression without a default: a new message does not compile until each direction says what it does
 * with it. The casts are safe: each record returns its own kind.
 */
public final class MessageDispatch {
    private MessageDispatch() {
    }

    /** Delivers a message a watcher sent to the store's {@code handler}. */
    public static <P> void toStore(P from, Message m, StoreMessages<P> handler) {
        Runnable call = switch (m.kind()) {
            case HELLO -> () -> handler.hello(from, (Message.Hello) m);
            case INDEX -> () -> handler.index(from, (Message.IndexBatch) m);
            case CHANGES -> () -> handler.changes(from, (Message.Changes) m);
            case CHECK -> () -> handler.check(from, (Message.Check) m);
            case IGNORE -> () -> handler.ignore(from, (Message.Ignore) m);
            case PLAN -> () -> handler.plan(from, (Message.Plan) m);
            case ERROR -> () -> handler.error(from, (Message.Error) m);
            case WELCOME, NEED, MISSING, ACK, CHECKED, PLANNED -> () -> handler.unexpected(from, m);
        };
        call.run();
    }

    /** Delivers a message a store sent to the watcher's {@code handler}. */
    public static <P> void toWatcher(P from, Message m, WatcherMessages<P> handler) {
        Runnable call = switch (m.kind()) {
            case WELCOME -> () -> handler.welcome(from, (Message.Welcome) m);
            case NEED -> () -> handler.need(from, (Message.Need) m);
            case MISSING -> () -> handler.missing(from, (Message.Missing) m);
            case ACK -> () -> handler.ack(from, (Message.Ack) m);
            case CHECKED -> () -> handler.checked(from, (Message.Checked) m);
            case PLANNED -> () -> handler.planned(from, (Message.Planned) m);
            case ERROR -> () -> handler.error(from, (Message.Error) m);
            case HELLO, INDEX, CHANGES, CHECK, IGNORE, PLAN -> () -> handler.unexpected(from, m);
        };
        call.run();
    }
}
