package dev.xdpdump.sink;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Strftime against fixed values and against glibc's own, through date(1) in the C locale. */
class StrftimeTest {
    private static final String DATE = "/usr/bin/date";
    /** Every conversion Strftime knows, each between markers. */
    private static final String ALL = "a%a|A%A|b%b|B%B|c%c|C%C|d%d|D%D|e%e|F%F|g%g|G%G|h%h|H%H|I%I|j%j|k%k|l%l|m%m|"
            + "M%M|n%n|p%p|P%P|r%r|R%R|s%s|S%S|t%t|T%T|u%u|U%U|V%V|w%w|W%W|x%x|X%X|y%y|Y%Y|z%z|Z%Z|%%";

    @Test
    void fillsInTheUsualFileNameFields() {
        ZonedDateTime t = Instant.ofEpochSecond(1_795_319_384L).atZone(ZoneOffset.UTC); // 2026-11-22T03:49:44Z
        assertEquals("syns-20261122-034944.pcap", Strftime.format("syns-%Y%m%d-%H%M%S.pcap", t));
        assertEquals("2026-11-22T03:49:44 326 1795319384 100%", Strftime.format("%FT%T %j %s 100%%", t));
    }

    @Test
    void knowsNoFlagsOrModifiers() {
        assertThrows(IllegalArgumentException.class, () -> Strftime.check("%-d"));
        assertThrows(IllegalArgumentException.class, () -> Strftime.check("%Ey"));
        assertThrows(IllegalArgumentException.class, () -> Strftime.check("%"));
        Strftime.check(ALL);
    }

    /** Moments that test week numbers, 12-hour clocks, padding and offsets: year ends, noon, midnight, zones. */
    @Test
    void agreesWithGlibcOnEveryConversion() throws Exception {
        ExternalTool.requireInstalled(DATE);
        Map<String, List<Long>> moments = Map.of(
                "UTC", List.of(1_795_319_384L, 0L, 1_609_459_199L, 1_609_459_200L, 1_704_067_199L, 1_735_689_600L,
                        1_767_225_600L, 1_893_456_000L, 1_700_000_000L + 12 * 3600),
                "Europe/Berlin", List.of(1_795_319_384L, 1_711_846_800L, 1_719_792_000L),
                "America/St_Johns", List.of(1_795_319_384L, 1_720_000_000L),
                "Asia/Kolkata", List.of(1_795_319_384L));
        for (Map.Entry<String, List<Long>> zone : moments.entrySet()) {
            for (long second : zone.getValue()) {
                ProcessBuilder date = new ProcessBuilder(DATE, "-d", "@" + second, "+" + ALL);
                date.environment().put("TZ", zone.getKey());
                date.environment().put("LC_ALL", "C");
                Process process = date.start();
                String glibc = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertEquals(0, process.waitFor());
                String ours = Strftime.format(ALL, Instant.ofEpochSecond(second).atZone(ZoneId.of(zone.getKey())));
                assertEquals(glibc, ours + "\n", zone.getKey() + " @" + second);
            }
        }
    }
}
