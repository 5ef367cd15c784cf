package dev.ferry.watcher.rest;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.watcher.control.BandwidthRate;
import dev.ferry.watcher.runtime.WatcherRuntime;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The watcher's controls: {@code POST /api/v1/pause}, {@code POST /api/v1/resume}, and {@code GET/PUT
 * /api/v1/bwlimit}. {@link ControlGuard} keeps web pages away from them (JSON bodies only, no foreign Origin).
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class ControlResource {
    private final WatcherRuntime runtime;

    public ControlResource(WatcherRuntime runtime) {
        this.runtime = runtime;
    }

    @POST
    @Path("pause")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response pause() {
        try {
            boolean changed = runtime.pause();
            return Response.ok(paused(true, changed)).build();
        } catch (IllegalStateException e) {
            return conflict(e);
        }
    }

    @POST
    @Path("resume")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response resume() {
        try {
            boolean changed = runtime.resume();
            return Response.ok(paused(false, changed)).build();
        } catch (IllegalStateException e) {
            return conflict(e);
        }
    }

    @GET
    @Path("bwlimit")
    public Response bwlimit() {
        return runtime.bwlimit().map(r -> Response.ok(limit(r, null)).build())
                .orElseGet(() -> conflict(new IllegalStateException("the watcher is still starting")));
    }

    /** Body {@code {"rate":"2M"}} in rsync's units ({@code "0"}: no limit). */
    @PUT
    @Path("bwlimit")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response bwlimit(Map<String, Object> body) {
        Object given = body == null ? null : body.get("rate");
        BandwidthRate rate;
        try {
            rate = BandwidthRate.parse(given == null ? null : given.toString());
        } catch (IllegalArgumentException e) {
            return Response.status(Response.Status.BAD_REQUEST)
                    .entity(Map.of("error", ErrorCode.BAD_RATE.wire(), "message", e.getMessage())).build();
        }
        BandwidthRate before = runtime.bwlimit().orElse(null);
        if (before == null || !runtime.bwlimit(rate)) {
            return conflict(new IllegalStateException("the watcher is still starting"));
        }
        return Response.ok(limit(rate, before)).build();
    }

    private Map<String, Object> paused(boolean paused, boolean changed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("paused", paused);
        m.put("changed", changed);
        runtime.status().ifPresent(s -> m.put("pausedSince", s.pausedSince() == null ? null : s.pausedSince().toString()));
        return m;
    }

    /** {@code rate} as RATE, {@code bytesPerSecond} (0: none), {@code text} for people; {@code was} after a change. */
    static Map<String, Object> limit(BandwidthRate rate, BandwidthRate before) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rate", rate.argument());
        m.put("bytesPerSecond", rate.bytesPerSecond());
        m.put("text", rate.toString());
        if (before != null) {
            m.put("was", before.argument());
        }
        return m;
    }

    private static Response conflict(IllegalStateException e) {
        return Response.status(Response.Status.CONFLICT).entity(Map.of("error", ErrorCode.NOT_RUNNING.wire(), "message", e.getMessage()))
                .build();
    }
}
