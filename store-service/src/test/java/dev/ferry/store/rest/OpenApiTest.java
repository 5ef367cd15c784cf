package dev.ferry.store.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Endpoints;
import dev.ferry.store.TempDestProfile;
import dev.ferry.store.TestData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Locale;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenAPI document at /q/openapi is accurate: it has every JAX-RS operation of the store (found by reflection),
 * the request content types of the chunk endpoints, and each status code and content type that real requests get
 * back is documented for its operation.
 */
@QuarkusTest
@TestProfile(TempDestProfile.class)
class OpenApiTest {
    private static final String OCTETS = "application/octet-stream";
    private JsonNode doc;

    @BeforeEach
    void load() throws Exception {
        String json = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract().asString();
        doc = new ObjectMapper().readTree(json);
    }

    @Test
    void everyResourceMethodIsDocumentedWithResponses() {
        for (Class<?> resource : List.of(ChunkResource.class, StatusResource.class, VerifyResource.class)) {
            String base = resource.getAnnotation(Path.class).value();
            for (Method m : resource.getDeclaredMethods()) {
                String verb = httpMethod(m);
                if (verb == null) {
                    continue;
                }
                Path sub = m.getAnnotation(Path.class);
                String path = sub == null ? base : base + "/" + sub.value();
                JsonNode op = doc.path("paths").path(path).path(verb.toLowerCase(Locale.ROOT));
                assertFalse(op.isMissingNode(), verb + " " + path + " is not in the OpenAPI document");
                assertTrue(op.path("responses").size() > 0, verb + " " + path + " documents no response");
            }
        }
        assertEquals("bearer", doc.path("components").path("securitySchemes").path("bearer").path("scheme").asText());
        assertFalse(doc.path("paths").path("/q/health/ready").isMissingNode(), "health endpoints are documented");
    }

    @Test
    void chunkEndpointsDocumentTheirBodies() {
        JsonNode put = op("put", Endpoints.CHUNKS + "/{hash}");
        assertTrue(put.path("requestBody").path("content").has(OCTETS), put.toString());
        JsonNode batch = op("post", Endpoints.CHUNK_BATCH);
        assertTrue(batch.path("requestBody").path("content").has(Endpoints.CHUNK_BATCH_TYPE), batch.toString());
        JsonNode missing = op("post", Endpoints.CHUNKS + "/missing");
        assertTrue(missing.path("requestBody").path("content").has("application/json"), missing.toString());
    }

    @Test
    void realAnswersAreDocumented() {
        byte[] data = TestData.random(5000);
        String put = Endpoints.CHUNKS + "/{hash}";
        String url = Endpoints.CHUNKS + "/" + TestData.hash(data).hex();
        documented("put", put, given().contentType(OCTETS).body(data).put(url));
        documented("put", put, given().contentType(OCTETS).body(data).put(url));
        documented("put", put, given().contentType(OCTETS).body(data).put(Endpoints.CHUNKS + "/nothex"));
        documented("put", put, given().contentType(OCTETS).body(TestData.random(10)).put(url));
        byte[] huge = TestData.random(ChunkerParams.DEFAULT.maxSize() + 1);
        documented("put", put, given().contentType(OCTETS).body(huge).put(Endpoints.CHUNKS + "/" + TestData.hash(huge).hex()));
        documented("head", put, given().head(url));
        documented("head", put, given().head(Endpoints.CHUNKS + "/" + TestData.hash(huge).hex()));
        documented("head", put, given().head(Endpoints.CHUNKS + "/nothex"));
        documented("post", Endpoints.CHUNK_BATCH, given().contentType(Endpoints.CHUNK_BATCH_TYPE)
                .body(TestData.batch(List.of(TestData.random(100)))).post(Endpoints.CHUNK_BATCH));
        documented("post", Endpoints.CHUNK_BATCH, given().contentType(Endpoints.CHUNK_BATCH_TYPE)
                .body(new byte[] {1, 2, 3}).post(Endpoints.CHUNK_BATCH));
        documented("post", Endpoints.CHUNK_BATCH, given().contentType("text/plain").body("x").post(Endpoints.CHUNK_BATCH));
        String missing = Endpoints.CHUNKS + "/missing";
        documented("post", missing, given().contentType("application/json").body("{\"chunks\":[\"" + TestData.hash(data).hex() + "\"]}").post(missing));
        documented("post", missing, given().contentType("application/json").body("{\"chunks\":[\"zz\"]}").post(missing));
        documented("get", Endpoints.STATUS, given().get(Endpoints.STATUS));
        documented("post", Endpoints.VERIFY, given().contentType("application/json").post(Endpoints.VERIFY));
        documented("post", Endpoints.VERIFY, given().contentType("application/x-www-form-urlencoded").post(Endpoints.VERIFY));
        documented("post", Endpoints.VERIFY, given().header("Origin", "http://evil.example").contentType("application/json")
                .post(Endpoints.VERIFY));
    }

    private JsonNode op(String verb, String path) {
        JsonNode op = doc.path("paths").path(path).path(verb);
        assertFalse(op.isMissingNode(), verb + " " + path + " missing");
        return op;
    }

    private void documented(String verb, String path, Response r) {
        JsonNode response = op(verb, path).path("responses").path(Integer.toString(r.statusCode()));
        assertFalse(response.isMissingNode(), verb + " " + path + " answered " + r.statusCode() + ", which the document lacks");
        String type = r.contentType();
        if (type != null && !type.isEmpty() && !"head".equals(verb)) {
            String bare = type.split(";")[0].trim();
            assertNotNull(response.path("content").get(bare), verb + " " + path + " " + r.statusCode() + " answered " + bare
                    + ", the document says " + response.path("content"));
        }
    }

    private static String httpMethod(Method m) {
        for (Annotation a : m.getAnnotations()) {
            HttpMethod hm = a.annotationType().getAnnotation(HttpMethod.class);
            if (hm != null) {
                return hm.value();
            }
        }
        return null;
    }
}
