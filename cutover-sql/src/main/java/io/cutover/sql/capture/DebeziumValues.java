package io.cutover.sql.capture;

import io.cutover.sql.mapping.ColumnKind;
import io.cutover.sql.mapping.SqlValues;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Debezium's row images as canonical values (see {@link SqlValues}). Debezium encodes dates and times
 * as numbers tagged with a semantic schema name (io.debezium.time.MicroTimestamp: microseconds since
 * the epoch, io.debezium.time.Date: days, ...); the connectors run with decimal.handling.mode=string and
 * binary.handling.mode=bytes so that numbers stay exact and binary stays binary.
 */
public final class DebeziumValues {
    /** What Debezium puts in place of an unchanged TOASTed column it did not receive. */
    public static final String UNAVAILABLE = "__debezium_unavailable_value";

    private DebeziumValues() {
    }

    /** A row image of canonical values; columns missing from the image are absent from the map. */
    public static Map<String, Object> row(Struct image, Map<String, ColumnKind> kinds) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (Field f : image.schema().fields()) {
            ColumnKind kind = kinds.get(f.name());
            if (kind == null) {
                continue; // a column added after plan; not mapped
            }
            Object v = image.get(f);
            if (v instanceof String s && s.equals(UNAVAILABLE) || v instanceof ByteBuffer b && isUnavailable(b)
                    || v instanceof byte[] bytes && isUnavailable(ByteBuffer.wrap(bytes))) {
                row.put(f.name(), Unavailable.INSTANCE);
                continue;
            }
            row.put(f.name(), SqlValues.canonical(decode(v, f.schema()), kind));
        }
        return row;
    }

    private static boolean isUnavailable(ByteBuffer b) {
        return b.remaining() == UNAVAILABLE.length() && java.nio.charset.StandardCharsets.UTF_8.decode(b.duplicate()).toString().equals(UNAVAILABLE);
    }

    /** Placeholder for a value the event did not carry. */
    public enum Unavailable {
        INSTANCE
    }

    static Object decode(Object v, Schema schema) {
        if (v == null || schema.name() == null) {
            return v;
        }
        switch (schema.name()) {
            case "io.debezium.time.Date":
                return LocalDate.ofEpochDay(((Number) v).longValue());
            case "io.debezium.time.Timestamp":
                return LocalDateTime.ofInstant(Instant.ofEpochMilli(((Number) v).longValue()), ZoneOffset.UTC);
            case "io.debezium.time.MicroTimestamp": {
                long micros = ((Number) v).longValue();
                return LocalDateTime.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), (int) Math.floorMod(micros, 1_000_000L) * 1000, ZoneOffset.UTC);
            }
            case "io.debezium.time.NanoTimestamp": {
                long nanos = ((Number) v).longValue();
                return LocalDateTime.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), (int) Math.floorMod(nanos, 1_000_000_000L), ZoneOffset.UTC);
            }
            case "io.debezium.time.ZonedTimestamp":
                return java.time.OffsetDateTime.parse(v.toString()).toInstant();
            case "io.debezium.time.Time":
                return LocalTime.ofNanoOfDay(((Number) v).longValue() * 1_000_000L);
            case "io.debezium.time.MicroTime":
                return LocalTime.ofNanoOfDay(((Number) v).longValue() * 1_000L);
            case "io.debezium.time.NanoTime":
                return LocalTime.ofNanoOfDay(((Number) v).longValue());
            case "io.debezium.time.Year":
                return ((Number) v).longValue();
            case "org.apache.kafka.connect.data.Timestamp":
                return LocalDateTime.ofInstant(((java.util.Date) v).toInstant(), ZoneOffset.UTC);
            case "org.apache.kafka.connect.data.Date":
                return ((java.util.Date) v).toInstant().atOffset(ZoneOffset.UTC).toLocalDate();
            default:
                return v;
        }
    }
}
