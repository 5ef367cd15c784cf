package dev.ferry.benchmarks.vsrsync;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

/** Every measured value of every repeat, the failures, and the medians the table shows. */
final class Results {
    /** One value: repeat, case, tool ("ferry" or "rsync"), metric (seconds, bytes, up, down, ...). */
    record Value(int repeat, int caseId, String tool, String metric, double value) {
    }

    private final List<Value> values = new ArrayList<>();
    private final Map<Integer, List<String>> failures = new TreeMap<>();
    private final List<String> notes = new ArrayList<>();

    synchronized void add(int repeat, int caseId, String tool, String metric, double value) {
        values.add(new Value(repeat, caseId, tool, metric, value));
    }

    synchronized void fail(int caseId, String message) {
        failures.computeIfAbsent(caseId, k -> new ArrayList<>()).add(message);
    }

    synchronized void note(String line) {
        notes.add(line);
    }

    synchronized List<Value> values() {
        return List.copyOf(values);
    }

    synchronized Map<Integer, List<String>> failures() {
        return new TreeMap<>(failures);
    }

    synchronized List<String> notes() {
        return List.copyOf(notes);
    }

    synchronized List<Double> series(int caseId, String tool, String metric) {
        List<Double> out = new ArrayList<>();
        for (Value v : values) {
            if (v.caseId() == caseId && v.tool().equals(tool) && v.metric().equals(metric)) {
                out.add(v.value());
            }
        }
        return out;
    }

    OptionalDouble median(int caseId, String tool, String metric) {
        return median(series(caseId, tool, metric));
    }

    static OptionalDouble median(List<Double> xs) {
        if (xs.isEmpty()) {
            return OptionalDouble.empty();
        }
        List<Double> s = new ArrayList<>(xs);
        s.sort(Double::compare);
        int n = s.size();
        return OptionalDouble.of(n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2);
    }

    /** Nearest-rank percentile (p in 0..100) of a sample: the ceil(p/100 * n)-th smallest value. */
    static double percentile(List<Double> xs, double p) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(Double::compare);
        int rank = (int) Math.ceil(p / 100.0 * s.size());
        return s.get(Math.max(0, Math.min(s.size() - 1, rank - 1)));
    }

    String csv() {
        StringBuilder sb = new StringBuilder("repeat,case,tool,metric,value\n");
        for (Value v : values()) {
            sb.append(v.repeat()).append(',').append(v.caseId()).append(',').append(v.tool()).append(',')
                    .append(v.metric()).append(',').append(v.value()).append('\n');
        }
        return sb.toString();
    }
}
