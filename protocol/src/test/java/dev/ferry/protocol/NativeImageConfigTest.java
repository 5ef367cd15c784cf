package dev.ferry.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The protocol jar's reflect-config.json (read by native-image from every jar, so both services get it) must
 * register exactly the classes Jackson reaches by reflection from the wire messages and the manifest: derived here
 * from the code (sealed hierarchies, record components, custom (de)serializers), so a new message cannot be
 * forgotten.
 */
class NativeImageConfigTest {
    private static final String CONFIG = "/META-INF/native-image/dev.ferry/ferry-protocol/reflect-config.json";
    private static final List<String> FLAGS = List.of("allDeclaredConstructors", "allDeclaredMethods", "allDeclaredFields");

    @Test
    void reflectConfigRegistersEveryClassJacksonReaches() throws IOException {
        Set<String> expected = new TreeSet<>();
        visit(Message.class, expected);
        visit(Manifest.class, expected);

        TreeMap<String, JsonNode> registered = new TreeMap<>();
        try (InputStream in = NativeImageConfigTest.class.getResourceAsStream(CONFIG)) {
            assertNotNull(in, CONFIG + " is missing");
            for (JsonNode entry : new ObjectMapper().readTree(in)) {
                registered.put(entry.get("name").asText(), entry);
            }
        }
        assertEquals(expected, registered.keySet(), "reflect-config.json must list exactly these classes:\n" + render(expected));
        registered.forEach((name, entry) -> {
            for (String flag : FLAGS) {
                assertEquals(true, entry.path(flag).asBoolean(false), name + " needs \"" + flag + "\": true");
            }
        });
    }

    @Test
    void fileNamesIsInitializedAtRunTime() throws IOException {
        try (InputStream in = NativeImageConfigTest.class.getResourceAsStream(
                "/META-INF/native-image/dev.ferry/ferry-protocol/native-image.properties")) {
            assertNotNull(in);
            String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(true, text.contains("--initialize-at-run-time=" + FileNames.class.getName()), text);
        }
    }

    private static void visit(Class<?> c, Set<String> out) {
        if (c.isArray()) {
            visit(c.getComponentType(), out);
            return;
        }
        if (c.isPrimitive() || !c.getName().startsWith("dev.ferry.") || !out.add(c.getName())) {
            return;
        }
        if (c.isSealed()) {
            for (Class<?> sub : c.getPermittedSubclasses()) {
                visit(sub, out);
            }
        }
        JsonSubTypes subTypes = c.getAnnotation(JsonSubTypes.class);
        if (subTypes != null) {
            for (JsonSubTypes.Type t : subTypes.value()) {
                visit(t.value(), out);
            }
        }
        if (c.isRecord()) {
            for (RecordComponent rc : c.getRecordComponents()) {
                List<Class<?>> custom = customCodecs(rc.getAccessor());
                try {
                    custom.addAll(customCodecs(c.getDeclaredField(rc.getName())));
                } catch (NoSuchFieldException e) {
                    throw new AssertionError(e);
                }
                if (custom.isEmpty()) {
                    visit(rc.getGenericType(), out);
                } else {
                    custom.forEach(codec -> out.add(codec.getName()));
                }
            }
        }
    }

    private static void visit(Type t, Set<String> out) {
        if (t instanceof Class<?> c) {
            visit(c, out);
        } else if (t instanceof ParameterizedType p) {
            visit(p.getRawType(), out);
            for (Type arg : p.getActualTypeArguments()) {
                visit(arg, out);
            }
        }
    }

    private static List<Class<?>> customCodecs(AnnotatedElement e) {
        List<Class<?>> codecs = new ArrayList<>();
        JsonSerialize ser = e.getAnnotation(JsonSerialize.class);
        if (ser != null && ser.using() != com.fasterxml.jackson.databind.JsonSerializer.None.class) {
            codecs.add(ser.using());
        }
        JsonDeserialize de = e.getAnnotation(JsonDeserialize.class);
        if (de != null && de.using() != com.fasterxml.jackson.databind.JsonDeserializer.None.class) {
            codecs.add(de.using());
        }
        return codecs;
    }

    private static String render(Set<String> names) {
        StringBuilder sb = new StringBuilder("[\n");
        for (String n : names) {
            sb.append("  {\"name\": \"").append(n).append("\", \"allDeclaredConstructors\": true, \"allDeclaredMethods\": true, ")
                    .append("\"allDeclaredFields\": true},\n");
        }
        sb.setLength(sb.length() - 2);
        return sb.append("\n]").toString();
    }
}
