package dev.ferry.store.metrics;

import java.util.HashMap;
import java.util.Map;

/** The samples of a Prometheus text exposition, by metric name (labels dropped, values of one name added up). */
public final class PrometheusText {
    private final Map<String, Double> samples = new HashMap<>();
    private final Map<String, String> types = new HashMap<>();

    public PrometheusText(String text) {
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] p = line.substring(7).split(" ");
                types.put(p[0], p[1]);
            } else if (!line.isBlank() && !line.startsWith("#")) {
                int brace = line.indexOf('{');
                int space = line.lastIndexOf(' ');
                String name = line.substring(0, brace >= 0 && brace < space ? brace : line.indexOf(' '));
                samples.merge(name, Double.parseDouble(line.substring(space + 1)), Double::sum);
            }
        }
    }

    /** Every sample name that starts with {@code prefix}. */
    public java.util.Set<String> names(String prefix) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (String n : samples.keySet()) {
            if (n.startsWith(prefix)) {
                out.add(n);
            }
        }
        return out;
    }

    /** The value of {@code name}; fails when the scrape does not have it. */
    public double value(String name) {
        Double v = samples.get(name);
        if (v == null) {
            throw new AssertionError("no metric " + name + " in the scrape; it has " + new java.util.TreeSet<>(samples.keySet()));
        }
        return v;
    }

    /** The declared type of {@code name} (the TYPE line may name the counter without its _total suffix). */
    public String type(String name) {
        String t = types.get(name);
        return t != null || !name.endsWith("_total") ? t : types.get(name.substring(0, name.length() - "_total".length()));
    }
}
