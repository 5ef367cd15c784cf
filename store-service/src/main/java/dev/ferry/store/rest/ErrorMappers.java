package dev.ferry.store.rest;

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
        String code = switch (status) {
            case 400 -> "bad-request";
            case 404 -> "not-found";
            case 405 -> "method-not-allowed";
            case 413 -> "too-large";
            case 415 -> "unsupported-media-type";
            default -> "http-" + status;
        };
        return ChunkResource.error(status, code, e.getMessage());
    }

    @ServerExceptionMapper
    public Response io(IOException e) {
        LOG.warnf("I/O error serving a request: %s", e);
        return ChunkResource.error(500, "internal", String.valueOf(e));
    }
}
