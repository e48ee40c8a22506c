package dev.xdpdump.sink;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.time.temporal.ChronoField;
import java.time.temporal.IsoFields;
import java.util.Locale;

/**
 * strftime(3) in the C locale, for {@code -G}'s file names as tcpdump makes them: the POSIX conversions and glibc's
 * {@code %k %l %P %s}, no flags or modifiers ({@code %-d}, {@code %Ez}). A conversion it does not know is refused up
 * front ({@link #check}) rather than written differently from glibc. Stateless; allocates, so for rotations only.
 */
final class Strftime {
    private static final String KNOWN = "aAbBcCdDeFgGhHIjklmMnpPrRsStTuUVwWxXyYzZ%";
    private static final DateTimeFormatter ZONE_NAME = DateTimeFormatter.ofPattern("zzz", Locale.ENGLISH);

    private Strftime() {}

    /**
     * Checks that every {@code %} in {@code pattern} starts a known conversion.
     *
     * @throws IllegalArgumentException naming the first unknown one, e.g. {@code %q is not a strftime conversion}
     */
    static void check(String pattern) {
        for (int i = 0; i < pattern.length(); i++) {
            if (pattern.charAt(i) != '%') {
                continue;
            }
            if (i + 1 == pattern.length()) {
                throw new IllegalArgumentException("a lone % ends it; write %% for a percent sign");
            }
            char c = pattern.charAt(++i);
            if (KNOWN.indexOf(c) < 0) {
                throw new IllegalArgumentException("%" + c + " is not a strftime conversion xdpdump knows (it knows"
                        + " %Y %m %d %H %M %S %j %s %F %T and the other POSIX ones, no flags); write %% for a"
                        + " percent sign");
            }
        }
    }

    /** {@code pattern} with each conversion replaced by {@code time}'s fields; {@link #check} it first. */
    static String format(String pattern, ZonedDateTime time) {
        StringBuilder out = new StringBuilder(pattern.length() + 16);
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 == pattern.length()) {
                out.append(c);
                continue;
            }
            conversion(out, pattern.charAt(++i), time);
        }
        return out.toString();
    }

    private static void conversion(StringBuilder out, char c, ZonedDateTime t) {
        switch (c) {
            case 'a' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
            case 'A' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
            case 'b', 'h' -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
            case 'B' -> out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
            case 'c' -> {
                conversion(out, 'a', t);
                out.append(' ');
                conversion(out, 'b', t);
                out.append(' ');
                conversion(out, 'e', t);
                out.append(' ');
                conversion(out, 'T', t);
                out.append(' ');
                conversion(out, 'Y', t);
            }
            case 'C' -> padded(out, Math.floorDiv(t.getYear(), 100), 2, '0');
            case 'd' -> padded(out, t.getDayOfMonth(), 2, '0');
            case 'D', 'x' -> {
                conversion(out, 'm', t);
                out.append('/');
                conversion(out, 'd', t);
                out.append('/');
                conversion(out, 'y', t);
            }
            case 'e' -> padded(out, t.getDayOfMonth(), 2, ' ');
            case 'F' -> {
                conversion(out, 'Y', t);
                out.append('-');
                conversion(out, 'm', t);
                out.append('-');
                conversion(out, 'd', t);
            }
            case 'g' -> padded(out, Math.floorMod(t.get(IsoFields.WEEK_BASED_YEAR), 100), 2, '0');
            case 'G' -> out.append(t.get(IsoFields.WEEK_BASED_YEAR));
            case 'H' -> padded(out, t.getHour(), 2, '0');
            case 'I' -> padded(out, twelveHour(t), 2, '0');
            case 'j' -> padded(out, t.getDayOfYear(), 3, '0');
            case 'k' -> padded(out, t.getHour(), 2, ' ');
            case 'l' -> padded(out, twelveHour(t), 2, ' ');
            case 'm' -> padded(out, t.getMonthValue(), 2, '0');
            case 'M' -> padded(out, t.getMinute(), 2, '0');
            case 'n' -> out.append('\n');
            case 'p' -> out.append(t.getHour() < 12 ? "AM" : "PM");
            case 'P' -> out.append(t.getHour() < 12 ? "am" : "pm");
            case 'r' -> {
                conversion(out, 'I', t);
                out.append(':');
                conversion(out, 'M', t);
                out.append(':');
                conversion(out, 'S', t);
                out.append(' ');
                conversion(out, 'p', t);
            }
            case 'R' -> {
                conversion(out, 'H', t);
                out.append(':');
                conversion(out, 'M', t);
            }
            case 's' -> out.append(t.toEpochSecond());
            case 'S' -> padded(out, t.getSecond(), 2, '0');
            case 't' -> out.append('\t');
            case 'T', 'X' -> {
                conversion(out, 'H', t);
                out.append(':');
                conversion(out, 'M', t);
                out.append(':');
                conversion(out, 'S', t);
            }
            case 'u' -> out.append(t.getDayOfWeek().getValue());
            case 'U' -> padded(out, (t.getDayOfYear() - 1 + 7 - sundayBased(t)) / 7, 2, '0');
            case 'V' -> padded(out, t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), 2, '0');
            case 'w' -> out.append(sundayBased(t));
            case 'W' -> padded(out, (t.getDayOfYear() - 1 + 7 - (t.getDayOfWeek().getValue() - 1)) / 7, 2, '0');
            case 'y' -> padded(out, Math.floorMod(t.getYear(), 100), 2, '0');
            case 'Y' -> out.append(t.getYear());
            case 'z' -> {
                int offset = t.getOffset().getTotalSeconds();
                out.append(offset < 0 ? '-' : '+');
                int minutes = Math.abs(offset) / 60;
                padded(out, minutes / 60, 2, '0');
                padded(out, minutes % 60, 2, '0');
            }
            case 'Z' -> out.append(ZONE_NAME.format(t));
            case '%' -> out.append('%');
            default -> out.append('%').append(c); // refused by check; glibc copies what it does not know
        }
    }

    /** Day of the week with Sunday 0, as tm_wday. */
    private static int sundayBased(ZonedDateTime t) {
        return t.getDayOfWeek().getValue() % 7;
    }

    private static int twelveHour(ZonedDateTime t) {
        return t.get(ChronoField.CLOCK_HOUR_OF_AMPM);
    }

    private static void padded(StringBuilder out, long value, int width, char pad) {
        String digits = Long.toString(value);
        for (int i = digits.length(); i < width; i++) {
            out.append(pad);
        }
        out.append(digits);
    }
}
