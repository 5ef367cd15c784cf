/**
 * The sync protocol's session layer, shared by store and watcher (Syncthing's {@code lib/protocol} is the model):
 * {@link dev.ferry.protocol.session.FrameCodec} turns messages into frames and back (text, or compressed binary from
 * protocol 2 on), and {@link dev.ferry.protocol.session.MessageDispatch} hands each received message to one method
 * of a typed handler, {@link dev.ferry.protocol.session.StoreMessages} on the store and
 * {@link dev.ferry.protocol.session.WatcherMessages} on the watcher. The transport (the WebSocket) stays with each
 * side; errors are {@link dev.ferry.protocol.ErrorCode}s.
 */
package dev.ferry.protocol.session;
