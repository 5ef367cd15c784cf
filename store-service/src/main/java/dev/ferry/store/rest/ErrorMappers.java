package dev.ferry.store.rest;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.store.folder.FolderRefusal;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.io.IOException;

/** Turns exceptions into the API's JSON error bodies. */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        ErrorCode code = switch (status) {
            case 400 -> ErrorCode.BAD_REQUEST;
            case 404 -> ErrorCode.NOT_FOUND;
            case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
            case 413 -> ErrorCode.TOO_LARGE;
            case 415 -> ErrorCode.UNSUPPORTED_MEDIA_TYPE;
            default -> null;
        };
        // A status without a code of its own keeps it in the body: "http-" and the status.
        return ChunkResource.error(status, code == null ? "http-" + status : code.wire(), e.getMessage());
    }

    /** A request naming no folder, an unknown one, or one its token does not open (docs/PROTOCOL.md "Folders"). */
    @ServerExceptionMapper
    public Response folder(FolderRefusal e) {
        return ChunkResource.error(e.code(), e.getMessage());
    }

    private static volatile long lastDiskWarning;

    private static void warnAtMostEveryMinute(String message) {
        long now = System.currentTimeMillis();
        if (now - lastDiskWarning > 60_000) {
            lastDiskWarning = now;
            LOG.warn(message + " (repeats within a minute are logged at debug level)");
        } else {
            LOG.debug(message);
        }
    }

    @ServerExceptionMapper
    public Response io(IOException e) {
        String text = String.valueOf(e.getMessage());
        if (text.contains("No space left on device") || text.contains("Disk quota exceeded")) {
            warnAtMostEveryMinute("The store's disk is full (" + text + "): chunk uploads are refused with 507 until "
                    + "space is freed");
            return ChunkResource.error(ErrorCode.DISK_FULL, "the store's disk is full (" + text + "): free space on it; "
                    + "the watcher retries with backoff");
        }
        if (text.contains("Read-only file system")) {
            warnAtMostEveryMinute("The store's disk is read-only (" + text + "): chunk uploads are refused with 503");
            return ChunkResource.error(ErrorCode.READ_ONLY, "the store's disk is read-only (" + text + "); the watcher "
                    + "retries with backoff");
        }
        LOG.warnf("I/O error serving a request: %s", e);
        return ChunkResource.error(ErrorCode.INTERNAL, String.valueOf(e));
    }
}
