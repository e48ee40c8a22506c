package dev.xdpdump.sink;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A strict parser for one flat JSON object (RFC 8259 values; arrays as values, as {@link java.util.List}; no nested
 * objects, no whitespace, since our records have none): for checking that every line a sink writes is JSON that jq and any other parser
 * accept. Strings come back unescaped, numbers as {@link java.math.BigDecimal}, null as {@link #NULL}. Throws
 * {@link AssertionError} naming the position on anything a strict parser would reject.
 */
final class StrictJson {
    static final Object NULL = new Object() {
        @Override
        public String toString() { return "null"; }
    };

    private final String text;
    private int at;

    private StrictJson(String text) {
        this.text = text;
    }

    /** Parses {@code text} as exactly one object, keys in order; duplicate keys are an error. */
    static Map<String, Object> parseObject(String text) {
        StrictJson parser = new StrictJson(text);
        Map<String, Object> object = parser.object();
        if (parser.at != text.length()) {
            throw parser.error("text after the object");
        }
        return object;
    }

    private Map<String, Object> object() {
        expect('{');
        Map<String, Object> members = new LinkedHashMap<>();
        if (peek() == '}') {
            at++;
            return members;
        }
        while (true) {
            String key = string();
            expect(':');
            if (members.put(key, value()) != null) {
                throw error("duplicate key " + key);
            }
            char c = next();
            if (c == '}') {
                return members;
            }
            if (c != ',') {
                throw error("expected ',' or '}'");
            }
        }
    }

    private Object value() {
        char c = peek();
        if (c == '"') {
            return string();
        }
        if (c == 'n') {
            literal("null");
            return NULL;
        }
        if (c == 't') {
            literal("true");
            return Boolean.TRUE;
        }
        if (c == 'f') {
            literal("false");
            return Boolean.FALSE;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return number();
        }
        if (c == '[') {
            return array();
        }
        throw error("expected a value");
    }

    private java.util.List<Object> array() {
        expect('[');
        java.util.List<Object> elements = new java.util.ArrayList<>();
        if (peek() == ']') {
            at++;
            return elements;
        }
        while (true) {
            elements.add(value());
            char c = next();
            if (c == ']') {
                return elements;
            }
            if (c != ',') {
                throw error("expected ',' or ']'");
            }
        }
    }

    private String string() {
        expect('"');
        StringBuilder out = new StringBuilder();
        while (true) {
            char c = next();
            if (c == '"') {
                return out.toString();
            }
            if (c < 0x20) {
                throw error("unescaped control character");
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char e = next();
            switch (e) {
                case '"': case '\\': case '/': out.append(e); break;
                case 'b': out.append('\b'); break;
                case 'f': out.append('\f'); break;
                case 'n': out.append('\n'); break;
                case 'r': out.append('\r'); break;
                case 't': out.append('\t'); break;
                case 'u':
                    if (at + 4 > text.length()) {
                        throw error("short \\u escape");
                    }
                    String hex = text.substring(at, at + 4);
                    if (!hex.matches("[0-9a-fA-F]{4}")) {
                        throw error("bad \\u escape");
                    }
                    out.append((char) Integer.parseInt(hex, 16));
                    at += 4;
                    break;
                default:
                    throw error("bad escape \\" + e);
            }
        }
    }

    private java.math.BigDecimal number() {
        int start = at;
        if (peek() == '-') {
            at++;
        }
        if (peek() == '0') {
            at++;
        } else {
            digits();
        }
        if (at < text.length() && text.charAt(at) == '.') {
            at++;
            digits();
        }
        if (at < text.length() && (text.charAt(at) == 'e' || text.charAt(at) == 'E')) {
            at++;
            if (peek() == '+' || peek() == '-') {
                at++;
            }
            digits();
        }
        return new java.math.BigDecimal(text.substring(start, at));
    }

    private void digits() {
        int start = at;
        while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
            at++;
        }
        if (at == start) {
            throw error("expected a digit");
        }
    }

    private void literal(String word) {
        if (!text.startsWith(word, at)) {
            throw error("expected " + word);
        }
        at += word.length();
    }

    private void expect(char c) {
        if (next() != c) {
            throw error("expected '" + c + "'");
        }
    }

    private char peek() {
        if (at >= text.length()) {
            throw error("unexpected end");
        }
        return text.charAt(at);
    }

    private char next() {
        char c = peek();
        at++;
        return c;
    }

    private AssertionError error(String what) {
        return new AssertionError("invalid JSON at " + at + ": " + what + " in " + text);
    }
}
