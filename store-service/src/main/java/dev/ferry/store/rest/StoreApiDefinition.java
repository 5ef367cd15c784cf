package dev.ferry.store.rest;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.Components;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/**
 * The OpenAPI document's header (/q/openapi): every operation takes the store's bearer token when it has one. An
 * {@link Application} only so that SmallRye OpenAPI reads the annotation; it adds no path and selects no resource.
 */
@OpenAPIDefinition(
        info = @Info(title = "Ferry store API", version = "1", description = "Chunk uploads and look-ups, and the "
                + "store's status. The sync conversation itself is a WebSocket at /api/v1/sync (docs/PROTOCOL.md)."),
        security = @SecurityRequirement(name = StoreApiDefinition.BEARER),
        components = @Components(securitySchemes = @SecurityScheme(securitySchemeName = StoreApiDefinition.BEARER,
                type = SecuritySchemeType.HTTP, scheme = "bearer",
                description = "FERRY_TOKEN, when the store has one: Authorization: Bearer TOKEN")))
public class StoreApiDefinition extends Application {
    static final String BEARER = "bearer";
}
