package dev.ferry.watcher.restore;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The TIME of {@code --at}: an instant with a zone ({@code 2026-12-07T14:00:00Z}, {@code ...+01:00}), a local
 * date-time taken in the machine's zone ({@code 2026-12-07T14:00}, {@code 2026-12-07 14:00:05}, a date alone is
 * its midnight), or a time ago ({@code 30s}, {@code 10m}, {@code 2h}, {@code 3d}, {@code 1w}).
 */
public final class RestoreTime {
    private static final Pattern AGO = Pattern.compile("([0-9]{1,9})\\s*([smhdw])");
    private static final DateTimeFormatter WIRE = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private RestoreTime() {
    }

    /**
     * The instant {@code text} names, seen at {@code now} in {@code zone}.
     *
     * @throws IllegalArgumentException saying what forms are accepted, or that the time lies in the future
     */
    public static Instant parse(String text, Instant now, ZoneId zone) {
        String t = text == null ? "" : text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("--at needs a TIME: " + forms());
        }
        Instant at = instant(t, now, zone);
        if (at.isAfter(now)) {
            throw new IllegalArgumentException("TIME " + text + " (" + wire(at) + ") is in the future");
        }
        return at;
    }

    /** The wire form of an instant: UTC with milliseconds, {@code 2026-12-07T14:00:00.123Z}. */
    public static String wire(Instant at) {
        return WIRE.format(at);
    }

    private static Instant instant(String t, Instant now, ZoneId zone) {
        Matcher ago = AGO.matcher(t.toLowerCase(Locale.ROOT));
        if (ago.matches()) {
            long n = Long.parseLong(ago.group(1));
            Duration unit = switch (ago.group(2)) {
                case "s" -> Duration.ofSeconds(1);
                case "m" -> Duration.ofMinutes(1);
                case "h" -> Duration.ofHours(1);
                case "d" -> Duration.ofDays(1);
                default -> Duration.ofDays(7);
            };
            return now.minus(unit.multipliedBy(n));
        }
        String iso = t.length() > 10 && t.charAt(10) == ' ' ? t.substring(0, 10) + "T" + t.substring(11) : t;
        try {
            if (iso.endsWith("Z") || iso.endsWith("z")) {
                return OffsetDateTime.parse(iso.substring(0, iso.length() - 1) + "Z").toInstant();
            }
            if (iso.length() > 10 && iso.substring(10).matches(".*[+-][0-9]{2}:?[0-9]{2}$")) {
                return OffsetDateTime.parse(iso).toInstant();
            }
            if (iso.length() == 10) {
                return LocalDate.parse(iso).atStartOfDay(zone).toInstant();
            }
            return LocalDateTime.parse(iso).atZone(zone).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("cannot read the TIME '" + t.replaceAll("\\p{Cntrl}", "?") + "': "
                    + forms());
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("TIME '" + t + "' is out of range: " + e.getMessage());
        }
    }

    private static String forms() {
        return "give an instant (2026-12-07T14:00:00Z), a local time (2026-12-07T14:00, '2026-12-07 14:00:05', "
                + "2026-12-07) or a time ago (30s, 10m, 2h, 3d, 1w)";
    }
}
