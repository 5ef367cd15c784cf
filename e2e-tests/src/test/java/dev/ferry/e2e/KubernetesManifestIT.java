package dev.ferry.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parses every manifest under k8s/ with the fabric8 Kubernetes model and checks it against the store: env names
 * it really reads (from its config mapping and application.properties), the port it listens on, the volume at
 * DEST, a non-root security context, resources, the image the Dockerfile builds; then runs the packaged store
 * with the manifest's environment and asks each probe path and the token-guarded API, as the kubelet and a
 * watcher would.
 */
class KubernetesManifestIT {
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of("Secret", Secret.class,
            "ConfigMap", ConfigMap.class, "Service", Service.class, "StatefulSet", StatefulSet.class);
    private static final List<HasMetadata> RESOURCES = new ArrayList<>();

    @BeforeAll
    static void parse() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try (Stream<Path> files = Files.list(ConfigKeys.root().resolve("k8s"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList()) {
                for (JsonNode doc : yaml.readerFor(JsonNode.class).<JsonNode>readValues(f.toFile()).readAll()) {
                    if (doc == null || doc.isNull() || doc.isEmpty()) {
                        continue;
                    }
                    Class<? extends HasMetadata> type = KINDS.get(doc.path("kind").asText());
                    assertNotNull(type, f + ": a " + doc.path("kind").asText() + " this test does not check yet");
                    RESOURCES.add(yaml.treeToValue(doc, type));
                }
            }
        }
    }

    private static <T extends HasMetadata> T one(Class<T> type) {
        List<T> found = RESOURCES.stream().filter(type::isInstance).map(type::cast).toList();
        assertEquals(1, found.size(), "one " + type.getSimpleName() + " in k8s/");
        return found.get(0);
    }

    /** The Service watchers dial: the one with a cluster IP (the other is the StatefulSet's headless one). */
    private static Service clientService() {
        List<Service> found = RESOURCES.stream().filter(Service.class::isInstance).map(Service.class::cast)
                .filter(s -> !"None".equals(s.getSpec().getClusterIP())).toList();
        assertEquals(1, found.size(), "one Service with a cluster IP in k8s/");
        return found.get(0);
    }

    private static Container store() {
        List<Container> containers = one(StatefulSet.class).getSpec().getTemplate().getSpec().getContainers();
        assertEquals(1, containers.size());
        return containers.get(0);
    }

    /** The environment the container gets: its ConfigMap and Secret (envFrom) and its env entries. */
    private static Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvFromSource from : store().getEnvFrom()) {
            if (from.getConfigMapRef() != null) {
                ConfigMap cm = one(ConfigMap.class);
                assertEquals(cm.getMetadata().getName(), from.getConfigMapRef().getName());
                env.putAll(cm.getData());
            }
            if (from.getSecretRef() != null) {
                Secret s = one(Secret.class);
                assertEquals(s.getMetadata().getName(), from.getSecretRef().getName());
                env.putAll(s.getStringData());
            }
        }
        for (EnvVar e : store().getEnv()) {
            env.put(e.getName(), e.getValue());
        }
        return env;
    }

    @Test
    void everyEnvNameIsASettingTheStoreReads() {
        Set<String> known = new TreeSet<>();
        ConfigKeys.mappingKeys("store-service").forEach(k -> known.add(k.env()));
        ConfigKeys.propertyKeys("store-service").forEach(k -> known.add(ConfigKeys.env(k)));
        for (String name : environment().keySet()) {
            assertTrue(known.contains(name), name + " is not a setting of the store; it reads " + known);
        }
        assertTrue(environment().containsKey("FERRY_TOKEN"), "the token comes from the Secret");
        assertEquals(Set.of("FERRY_TOKEN", "FERRY_STORE_FOLDER_TOKENS"), one(Secret.class).getStringData().keySet(),
                "the tokens, and only they, come from the Secret");
    }

    @Test
    void portsAgreeFromServiceToContainerToApplication() {
        int port = Integer.parseInt(environment().get("QUARKUS_HTTP_PORT"));
        List<ContainerPort> ports = store().getPorts();
        assertEquals(1, ports.size());
        assertEquals(port, ports.get(0).getContainerPort());
        assertEquals("0.0.0.0", environment().get("QUARKUS_HTTP_HOST"), "reachable from the Service");
        ServicePort sp = clientService().getSpec().getPorts().get(0);
        assertTrue(matches(sp.getTargetPort(), ports.get(0)), "the Service targets the container's port");
        assertEquals(one(StatefulSet.class).getSpec().getSelector().getMatchLabels(), clientService().getSpec().getSelector());
        for (Probe probe : probes().values()) {
            assertTrue(matches(probe.getHttpGet().getPort(), ports.get(0)), "probes ask the application's port");
        }
    }

    @Test
    void theStatefulSetIsGovernedByAHeadlessService() {
        StatefulSet set = one(StatefulSet.class);
        String name = set.getSpec().getServiceName();
        Service governing = RESOURCES.stream().filter(Service.class::isInstance).map(Service.class::cast)
                .filter(s -> s.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("serviceName " + name + " is no Service in k8s/"));
        assertEquals("None", governing.getSpec().getClusterIP(), "serviceName " + name + " must be a headless Service");
        assertEquals(set.getSpec().getSelector().getMatchLabels(), governing.getSpec().getSelector());
    }

    @Test
    void destIsTheClaimedVolume() {
        String dest = environment().get("FERRY_STORE_DEST");
        assertNotNull(dest, "FERRY_STORE_DEST is set");
        StatefulSet set = one(StatefulSet.class);
        String claim = set.getSpec().getVolumeClaimTemplates().get(0).getMetadata().getName();
        VolumeMount mount = store().getVolumeMounts().stream().filter(m -> m.getMountPath().equals(dest)).findFirst()
                .orElseThrow(() -> new AssertionError("nothing is mounted at DEST " + dest));
        assertEquals(claim, mount.getName(), "DEST is the PersistentVolumeClaim's volume");
        assertEquals("ReadWriteOnce", set.getSpec().getVolumeClaimTemplates().get(0).getSpec().getAccessModes().get(0));
        assertEquals(1, set.getSpec().getReplicas(), "one store per DEST");
    }

    @Test
    void runsAsNonRootWithResourcesSet() throws IOException {
        PodSecurityContext pod = one(StatefulSet.class).getSpec().getTemplate().getSpec().getSecurityContext();
        assertEquals(Boolean.TRUE, pod.getRunAsNonRoot());
        assertTrue(pod.getRunAsUser() != null && pod.getRunAsUser() > 0);
        assertEquals("OnRootMismatch", pod.getFsGroupChangePolicy(),
                "fsGroup without OnRootMismatch re-chowns every file of DEST on each mount");
        var c = store().getSecurityContext();
        assertEquals(Boolean.FALSE, c.getAllowPrivilegeEscalation());
        assertEquals(Boolean.TRUE, c.getReadOnlyRootFilesystem());
        assertTrue(store().getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp")),
                "a writable /tmp beside the read-only root");
        assertTrue(c.getCapabilities().getDrop().contains("ALL"));
        var r = store().getResources();
        for (String what : List.of("cpu", "memory")) {
            assertNotNull(r.getRequests().get(what), "request " + what);
            assertNotNull(r.getLimits().get(what), "limit " + what);
        }
        Dockerfile docker = Dockerfile.of("Dockerfile.store.jvm");
        assertEquals(docker.tag, store().getImage(), "the image src/main/docker/Dockerfile.store.jvm builds");
        assertEquals(Long.toString(pod.getRunAsUser()), docker.user, "the Dockerfile's user");
        assertEquals(environment().get("FERRY_STORE_DEST"), docker.volume, "the Dockerfile's volume");
    }

    @Test
    void theStoreServesEveryProbeAndTheTokenWorks(@TempDir Path tmp) throws Exception {
        Map<String, String> env = new HashMap<>(environment());
        env.remove("QUARKUS_HTTP_PORT");
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        env.put("FERRY_STORE_DEST", tmp.resolve("data").toString());
        env.put("FERRY_TOKEN", "k8s-" + java.util.UUID.randomUUID());
        // A real token for every folder the ConfigMap names (the Secret ships placeholders).
        List<String> folders = List.of(env.get("FERRY_STORE_FOLDERS").split(","));
        Map<String, String> folderTokens = new LinkedHashMap<>();
        folders.forEach(f -> folderTokens.put(f.trim(), "k8s-" + f.trim() + "-" + java.util.UUID.randomUUID()));
        env.put("FERRY_STORE_FOLDER_TOKENS", String.join(",", folderTokens.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).toList()));
        try (FerryProcess store = FerryProcess.start("k8s-store", FerryProcess.storeJar(), List.of(), FerryProcess.freePort(), env)) {
            store.awaitReady(Duration.ofSeconds(60));
            HttpClient http = HttpClient.newHttpClient();
            for (Map.Entry<String, Probe> p : probes().entrySet()) {
                assertEquals(200, get(http, store.url() + p.getValue().getHttpGet().getPath(), null),
                        p.getKey() + " probe " + p.getValue().getHttpGet().getPath());
            }
            assertEquals(401, get(http, store.url() + "/api/v1/status", null));
            assertEquals(200, get(http, store.url() + "/api/v1/folders", env.get("FERRY_TOKEN")));
            assertEquals(404, get(http, store.url() + "/api/v1/status", env.get("FERRY_TOKEN")), "folder-required");
            List<String> names = new java.util.ArrayList<>(folderTokens.keySet());
            for (int i = 0; i < names.size(); i++) {
                String own = "/api/v1/status?folder=" + names.get(i);
                assertEquals(200, get(http, store.url() + own, env.get("FERRY_TOKEN")), "the admin token opens " + own);
                assertEquals(200, get(http, store.url() + own, folderTokens.get(names.get(i))), "its token opens " + own);
                String other = names.get((i + 1) % names.size());
                if (!other.equals(names.get(i))) {
                    assertEquals(403, get(http, store.url() + "/api/v1/status?folder=" + other, folderTokens.get(names.get(i))),
                            "the token of " + names.get(i) + " does not open " + other);
                }
            }
            assertEquals(200, get(http, store.url() + "/q/metrics", env.get("FERRY_TOKEN")), "what Prometheus scrapes");
            Map<String, String> annotations = one(StatefulSet.class).getSpec().getTemplate().getMetadata().getAnnotations();
            if (annotations != null && "true".equals(annotations.get("prometheus.io/scrape"))) {
                // An annotation-driven scrape sends no token: the path it names must answer without one.
                String path = annotations.getOrDefault("prometheus.io/path", "/metrics");
                assertEquals(200, get(http, store.url() + path, null),
                        "the pod is annotated for Prometheus, which scrapes " + path + " without a token");
            }
            String firstLine = store.log().lines().filter(l -> !l.isBlank()).findFirst().orElse("");
            assertTrue(firstLine.startsWith("{"), "the ConfigMap asks for JSON logs: " + firstLine);
        }
    }

    @Test
    void theStoreRefusesTheManifestsPlaceholderTokenAndAShortOne(@TempDir Path tmp) throws Exception {
        Map<String, String> env = new HashMap<>(environment());
        env.remove("QUARKUS_HTTP_PORT");
        env.put("FERRY_STORE_DEST", tmp.resolve("data").toString());
        String placeholder = env.get("FERRY_TOKEN");
        try (FerryProcess store = FerryProcess.start("k8s-placeholder", FerryProcess.storeJar(), List.of(), FerryProcess.freePort(), env)) {
            assertTrue(store.awaitExit(Duration.ofSeconds(60)) != 0, "the Secret as shipped must not start a store");
            assertTrue(store.log().contains("placeholder") && store.log().contains(placeholder), store.logTail());
            assertFalse(store.log().contains("Ferry store serving"), store.logTail());
        }
        env.put("FERRY_TOKEN", "k8s-" + java.util.UUID.randomUUID());
        try (FerryProcess store = FerryProcess.start("k8s-folder-placeholder", FerryProcess.storeJar(), List.of(), FerryProcess.freePort(), env)) {
            assertTrue(store.awaitExit(Duration.ofSeconds(60)) != 0, "the folder tokens as shipped must not start a store");
            assertTrue(store.log().contains("placeholder") && store.log().contains("FERRY_STORE_FOLDER_TOKENS"), store.logTail());
        }
        env.put("FERRY_TOKEN", "short-token");
        try (FerryProcess store = FerryProcess.start("k8s-short-token", FerryProcess.storeJar(), List.of(), FerryProcess.freePort(), env)) {
            assertTrue(store.awaitExit(Duration.ofSeconds(60)) != 0, "a short token on 0.0.0.0 must not start a store");
            assertTrue(store.log().contains("FERRY_TOKEN is too short"), store.logTail());
        }
    }

    private static Map<String, Probe> probes() {
        Map<String, Probe> probes = new LinkedHashMap<>();
        probes.put("startup", store().getStartupProbe());
        probes.put("liveness", store().getLivenessProbe());
        probes.put("readiness", store().getReadinessProbe());
        probes.forEach((k, v) -> {
            assertNotNull(v, k + " probe");
            assertNotNull(v.getHttpGet(), k + " probe is an HTTP GET");
        });
        assertEquals("/q/health/live", probes.get("liveness").getHttpGet().getPath());
        assertEquals("/q/health/ready", probes.get("readiness").getHttpGet().getPath());
        return probes;
    }

    private static boolean matches(IntOrString ref, ContainerPort port) {
        return ref.getStrVal() != null ? ref.getStrVal().equals(port.getName()) : ref.getIntVal().equals(port.getContainerPort());
    }

    private static int get(HttpClient http, String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** What a Dockerfile's header says it builds, and its USER and VOLUME. */
    record Dockerfile(String tag, String user, String volume) {
        static Dockerfile of(String name) throws IOException {
            String text = Files.readString(ConfigKeys.root().resolve("src/main/docker").resolve(name));
            Matcher tag = Pattern.compile("docker build .* -t (\\S+) ").matcher(text);
            assertTrue(tag.find(), name + " names the image it builds");
            Matcher user = Pattern.compile("(?m)^USER (\\S+)\\s*$").matcher(text);
            String lastUser = null;
            while (user.find()) {
                lastUser = user.group(1);
            }
            Matcher volume = Pattern.compile("(?m)^VOLUME (\\S+)").matcher(text);
            assertFalse(lastUser == null || !volume.find(), name + " has a USER and a VOLUME");
            return new Dockerfile(tag.group(1), lastUser, volume.group(1));
        }
    }
}
