package dev.ferry.store.storage;

import java.io.IOException;

/** The store cannot be opened at DEST for a reason the user must fix (the message says which). */
public class StoreOpenException extends IOException {
    public StoreOpenException(String message) {
        super(message);
    }
}
