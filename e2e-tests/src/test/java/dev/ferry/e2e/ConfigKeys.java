package dev.ferry.e2e;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import io.smallrye.config.WithParentName;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The settings the services really read, derived from their code: every {@code @ConfigMapping} interface found in
 * a service's compiled classes, walked like SmallRye Config does (kebab-case names, nested groups), and the keys of
 * its application.properties. So docs and manifests are checked against the code, not against a hand list.
 */
final class ConfigKeys {
    /** One key of a config mapping, its env form and its {@code @WithDefault} (null when none). */
    record Key(String name, String env, String defaultValue) {
    }

    private ConfigKeys() {
    }

    static Path root() {
        return Path.of(System.getProperty("ferry.root", "..")).toAbsolutePath().normalize();
    }

    /** Every key of every config mapping in {@code <module>/target/classes}. */
    static List<Key> mappingKeys(String module) {
        Path classes = root().resolve(module).resolve("target/classes");
        List<Key> keys = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                String name = classes.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> c;
                try {
                    c = Class.forName(name, false, ConfigKeys.class.getClassLoader());
                } catch (ClassNotFoundException | LinkageError e) {
                    continue;
                }
                ConfigMapping mapping = c.getAnnotation(ConfigMapping.class);
                if (mapping != null) {
                    walk(mapping.prefix(), c, keys);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (keys.isEmpty()) {
            throw new IllegalStateException("no @ConfigMapping in " + classes + ": package the services first");
        }
        keys.sort(Comparator.comparing(Key::name));
        return keys;
    }

    private static void walk(String prefix, Class<?> group, List<Key> out) {
        for (Method m : group.getMethods()) {
            if (m.getParameterCount() > 0 || m.isDefault() || Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            String name = m.isAnnotationPresent(WithParentName.class) ? ""
                    : m.isAnnotationPresent(WithName.class) ? m.getAnnotation(WithName.class).value() : kebab(m.getName());
            String key = name.isEmpty() ? prefix : prefix + "." + name;
            Class<?> type = m.getReturnType();
            if (type.isInterface() && type.getName().startsWith("dev.ferry.")) {
                walk(key, type, out);
            } else {
                WithDefault d = m.getAnnotation(WithDefault.class);
                out.add(new Key(key, env(key), d == null ? null : d.value()));
            }
        }
    }

    /** The env form SmallRye Config maps to {@code key}: upper case, every non-alphanumeric a '_'. */
    static String env(String key) {
        return key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** The keys set in {@code <module>/src/main/resources/application.properties}, profile prefixes dropped. */
    static List<String> propertyKeys(String module) {
        Properties p = new Properties();
        try (var in = Files.newInputStream(root().resolve(module).resolve("src/main/resources/application.properties"))) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.stringPropertyNames().stream().map(k -> k.startsWith("%") ? k.substring(k.indexOf('.') + 1) : k)
                .distinct().sorted().toList();
    }
}
