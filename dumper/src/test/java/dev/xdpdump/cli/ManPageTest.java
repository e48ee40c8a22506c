package dev.xdpdump.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The man page (packaging/xdpdump.8, the one source the package installs) and the bash completion name exactly the
 * flags {@code --help} names: a flag added to one and not the others fails here.
 */
class ManPageTest {
    static final Path MAN_PAGE = Path.of("..", "packaging", "xdpdump.8");
    private static final Path COMPLETION = Path.of("..", "packaging", "bash-completion");
    /** A flag in running text: a dash or two and a letter, not inside a word (pcap-filter, xdpdump-IFACE). */
    private static final Pattern FLAG = Pattern.compile("(?<![\\w-])(-{1,2}[a-zA-Z][\\w-]*)");

    @Test
    void theManPageDefinesEveryFlagHelpNamesAndNoOther() throws IOException {
        assertEquals(helpFlags(), manPageFlags());
    }

    @Test
    void theCompletionOffersEveryFlagHelpNamesAndNoOther() throws IOException {
        String script = Files.readString(COMPLETION);
        Matcher words = Pattern.compile("local words=\"([^\"]*)\"").matcher(script);
        assertTrue(words.find(), "the completion's word list");
        Set<String> offered = new TreeSet<>(List.of(words.group(1).trim().split("\\s+")));
        Set<String> expected = new TreeSet<>(helpFlags());
        expected.addAll(List.of("hex", "json"));
        assertEquals(expected, offered);
    }

    @Test
    void theManPageHasTheSectionsAnOperatorLooksFor() throws IOException {
        String page = Files.readString(MAN_PAGE);
        for (String section : List.of("NAME", "SYNOPSIS", "OPTIONS", "COMMANDS", "SUMMARY", "JSON FIELDS",
                "EXIT STATUS")) {
            assertTrue(page.contains("\n.SH " + section + "\n") || page.contains("\n.SH \"" + section + "\"\n"),
                    "section " + section);
        }
    }

    /** The flags in --help's text. */
    static Set<String> helpFlags() {
        Set<String> flags = new TreeSet<>();
        Matcher m = FLAG.matcher(Options.HELP);
        while (m.find()) {
            flags.add(m.group(1));
        }
        return flags;
    }

    /** The flags the man page defines: bold words on the line after each .TP in the OUTPUT and OPTIONS sections. */
    static Set<String> manPageFlags() throws IOException {
        List<String> lines = Files.readAllLines(MAN_PAGE);
        Set<String> flags = new TreeSet<>();
        String section = "";
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith(".SH ")) {
                section = line.substring(4);
            } else if (line.equals(".TP") && i + 1 < lines.size()
                    && (section.equals("OUTPUT") || section.equals("OPTIONS"))) {
                for (String word : boldWords(lines.get(i + 1))) {
                    if (word.startsWith("-")) {
                        flags.add(word);
                    }
                }
            }
        }
        return flags;
    }

    /** The words a .B, .BR or .BI line sets in bold (with .BR and .BI every other argument), roff's \\- made plain. */
    private static List<String> boldWords(String line) {
        List<String> words = new ArrayList<>();
        String text = line.replace("\\-", "-");
        String macro = text.contains(" ") ? text.substring(0, text.indexOf(' ')) : text;
        if (!macro.equals(".B") && !macro.equals(".BR") && !macro.equals(".BI")) {
            return words;
        }
        List<String> arguments = arguments(text.substring(macro.length()));
        for (int k = 0; k < arguments.size(); k++) {
            if (macro.equals(".B") || k % 2 == 0) {
                words.add(arguments.get(k).replaceAll("\\\\f.", "").trim());
            }
        }
        return words;
    }

    /** A macro line's arguments: split on spaces outside double quotes, the quotes taken off. */
    private static List<String> arguments(String text) {
        List<String> arguments = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (char c : text.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (c == ' ' && !quoted) {
                if (any || current.length() > 0) {
                    arguments.add(current.toString());
                }
                current.setLength(0);
                any = false;
            } else {
                current.append(c);
            }
        }
        if (any || current.length() > 0) {
            arguments.add(current.toString());
        }
        return arguments;
    }
}
