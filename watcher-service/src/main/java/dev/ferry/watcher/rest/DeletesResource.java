package dev.ferry.watcher.rest;

import dev.ferry.watcher.runtime.WatcherRuntime;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.Map;

/**
 * POST /api/v1/deletes/release: lets the deletions the delete brake holds go. Only a JSON request without an
 * {@code Origin} header is taken: a web page can neither send one cross-site without a preflight nor leave out
 * its origin, so no page in the user's browser can release a brake.
 */
@Path("/api/v1/deletes")
public class DeletesResource {
    private final WatcherRuntime runtime;

    public DeletesResource(WatcherRuntime runtime) {
        this.runtime = runtime;
    }

    @POST
    @Path("release")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response release(@HeaderParam("Origin") String origin) {
        if (origin != null) {
            return Response.status(Response.Status.FORBIDDEN)
                    .entity(Map.of("error", "requests from web pages may not release deletions")).build();
        }
        return Response.ok(Map.of("released", runtime.releaseDeletes())).build();
    }
}
