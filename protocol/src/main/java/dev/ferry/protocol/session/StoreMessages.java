package dev.ferry.protocol.session;

import dev.ferry.protocol.Message;

/**
 * What a store does with each message a watcher sends, one method per message (Syncthing's {@code Model}):
 * {@link MessageDispatch#toStore} calls exactly one of them for each message received. {@code P} is the peer the
 * message came from (the store's session of that connection).
 */
public interface StoreMessages<P> {
    void hello(P from, Message.Hello hello);

    void index(P from, Message.IndexBatch index);

    void changes(P from, Message.Changes changes);

    void check(P from, Message.Check check);

    void ignore(P from, Message.Ignore ignore);

    void plan(P from, Message.Plan plan);

    void error(P from, Message.Error error);

    /** A message only a store sends (welcome, need, missing, ack, checked, planned). */
    void unexpected(P from, Message message);
}
