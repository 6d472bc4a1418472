package io.cutover.sql.source;

import io.cutover.core.copy.Position;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;

/**
 * The last primary key a key-range unit copied, as typed values (Long, BigDecimal, String, dates and
 * times). Encoded as tagged text, one value a line: {@code L:42}, {@code S:abc}, {@code T:2024-05-01T10:00}.
 */
public record KeysetPosition(List<Object> lastKey) implements Position {
    public KeysetPosition {
        lastKey = java.util.Collections.unmodifiableList(new ArrayList<>(lastKey));
    }

    @Override
    public String encode() {
        StringBuilder b = new StringBuilder();
        for (Object v : lastKey) {
            if (b.length() > 0) {
                b.append('\n');
            }
            b.append(tag(v)).append(':').append(v instanceof String s ? s.replace("\\", "\\\\").replace("\n", "\\n") : v.toString());
        }
        return b.toString();
    }

    private static char tag(Object v) {
        if (v instanceof Long) {
            return 'L';
        }
        if (v instanceof BigDecimal) {
            return 'D';
        }
        if (v instanceof LocalDateTime) {
            return 'T';
        }
        if (v instanceof LocalDate) {
            return 'd';
        }
        if (v instanceof LocalTime) {
            return 't';
        }
        if (v instanceof Instant) {
            return 'Z';
        }
        if (v instanceof Boolean) {
            return 'B';
        }
        if (v instanceof Double || v instanceof Float) {
            return 'F';
        }
        return 'S';
    }

    public static KeysetPosition decode(String text) {
        List<Object> out = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            String v = line.substring(2);
            out.add(switch (line.charAt(0)) {
                case 'L' -> Long.parseLong(v);
                case 'D' -> new BigDecimal(v);
                case 'T' -> LocalDateTime.parse(v);
                case 'd' -> LocalDate.parse(v);
                case 't' -> LocalTime.parse(v);
                case 'Z' -> Instant.parse(v);
                case 'B' -> Boolean.parseBoolean(v);
                case 'F' -> Double.parseDouble(v);
                default -> v.replace("\\n", "\n").replace("\\\\", "\\");
            });
        }
        return new KeysetPosition(out);
    }
}
