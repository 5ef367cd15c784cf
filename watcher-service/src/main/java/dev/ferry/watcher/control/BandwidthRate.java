package dev.ferry.watcher.control;


/**
 * A bandwidth limit in rsync's {@code --bwlimit} units: a number, maybe fractional ({@code 1.5m}), with an optional
 * suffix B, K, M, G, T or P (1024-based; also {@code KiB}, {@code MiB} ...; two letters ending in B, {@code KB},
 * {@code MB} ..., are 1000-based), and an optional {@code +1} or {@code -1} byte offset; no suffix means KiB.
 * Like rsync, the result is rounded to the nearest KiB, a rate below 512 bytes a second is refused, and 0 means no
 * limit.
 *
 * @param bytesPerSecond the limit, a multiple of 1024; 0 = unlimited
 */
public record BandwidthRate(long bytesPerSecond) {
    public static final BandwidthRate UNLIMITED = new BandwidthRate(0);
    private static final String UNITS = "BKMGTP";
    /** rsync's largest size, 8192P - 1 bytes (a signed 64-bit count). */
    private static final double MAX = Long.MAX_VALUE;

    public BandwidthRate {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("a bandwidth limit cannot be negative");
        }
    }

    /** True for 0: no limit. */
    public boolean unlimited() {
        return bytesPerSecond == 0;
    }

    /**
     * Parses {@code text} as rsync does; {@link IllegalArgumentException} with a message that names the value and
     * says what is allowed.
     */
    public static BandwidthRate parse(String text) {
        if (text == null || text.isBlank()) {
            throw invalid(text, "it is empty");
        }
        String s = text.trim();
        int i = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) {
            i++;
        }
        if (i < s.length() && s.charAt(i) == '.') {
            i++;
            while (i < s.length() && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) {
                i++;
            }
        }
        String number = s.substring(0, i);
        if (number.isEmpty() || number.equals(".")) {
            throw invalid(text, "it does not start with a number");
        }
        int reps = 1;
        int mult = 1024;
        if (i < s.length() && s.charAt(i) != '+' && s.charAt(i) != '-') {
            reps = UNITS.indexOf(Character.toUpperCase(s.charAt(i)));
            if (reps < 0) {
                throw invalid(text, "unknown unit '" + s.charAt(i) + "'");
            }
            i++;
            if (i < s.length() && Character.toUpperCase(s.charAt(i)) == 'B') {
                mult = 1000;
                i++;
            } else if (s.regionMatches(true, i, "ib", 0, 2)) {
                i += 2;
            }
        }
        double limit = Double.parseDouble(number);
        for (int r = 0; r < reps; r++) {
            limit *= mult;
        }
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-') && s.startsWith("1", i + 1)) {
            limit += s.charAt(i) == '+' ? 1 : -1;
            i += 2;
        }
        if (i != s.length()) {
            throw invalid(text, "unexpected '" + s.substring(i) + "'");
        }
        if (limit > MAX) {
            throw invalid(text, "it is too large");
        }
        if (limit == 0) {
            return UNLIMITED;
        }
        if (limit < 512) {
            throw invalid(text, "it is below the smallest limit, 512 bytes a second (or 0 for no limit)");
        }
        long bytes = (long) limit;
        return new BandwidthRate((bytes + 512) / 1024 * 1024);
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException("bad bandwidth limit '" + text + "': " + why + "; give a rate like rsync's "
                + "--bwlimit: 500 (KiB/s), 1.5M, 2MB (1000-based), 100K, or 0 for no limit");
    }

    /** For people: {@code unlimited}, {@code 1.0 MiB/s}. */
    @Override
    public String toString() {
        return unlimited() ? "unlimited" : ByteSize.format(bytesPerSecond) + "/s";
    }

    /** The rate as a RATE argument that parses back to it: {@code 0}, or a whole number of KiB ({@code 1536K}). */
    public String argument() {
        if (unlimited()) {
            return "0";
        }
        long kib = bytesPerSecond / 1024;
        return kib % 1024 == 0 ? kib / 1024 + "M" : kib + "K";
    }
}
