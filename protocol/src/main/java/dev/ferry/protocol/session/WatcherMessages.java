package dev.ferry.protocol.session;

import dev.ferry.protocol.Message;

/**
 * What a watcher does with each message a store sends, one method per message (Syncthing's {@code Model}):
 * {@link MessageDispatch#toWatcher} calls exactly one of them for each message received. {@code P} is the peer the
 * message came from (the watcher's link to that store connection).
 */
public interface WatcherMessages<P> {
    void welcome(P from, Message.Welcome welcome);

    void need(P from, Message.Need need);

    void missing(P from, Message.Missing missing);

    void ack(P from, Message.Ack ack);

    void checked(P from, Message.Checked checked);

    void planned(P from, Message.Planned planned);

    void error(P from, Message.Error error);

    /** A message only a watcher sends (hello, index, changes, check, ignore, plan). */
    void unexpected(P from, Message message);
}
