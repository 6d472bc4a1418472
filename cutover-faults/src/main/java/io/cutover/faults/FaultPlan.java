package io.cutover.faults;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which faults a {@link FaultInjectingInterceptor} injects, on what fraction of calls, and from which
 * seed. Immutable; validated once. Its text form ({@link #encode}, {@link #parse}) is how a test hands
 * the plan to a child process: {@code rate=0.15;seed=42;faults=throttle,500,lost-response;operations=PutItem,GetRecords}
 * ({@code operations} empty or absent: every operation).
 */
public record FaultPlan(double rate, long seed, Set<Fault> faults, Set<String> operations) {
    /** The kinds of fault, each as DynamoDB or DynamoDB Streams would answer it. */
    public enum Fault {
        /** ProvisionedThroughputExceededException, HTTP 400 (DynamoDB operations only). */
        THROTTLE("throttle"),
        /** LimitExceededException, HTTP 400: the Streams rate limit (Streams operations only). */
        LIMIT_EXCEEDED("limit-exceeded"),
        /** InternalServerError, HTTP 500. */
        SERVER_ERROR("500"),
        /** ServiceUnavailable, HTTP 503. */
        SERVICE_UNAVAILABLE("503"),
        /** The attempt timed out before any answer (nothing was done). */
        TIMEOUT("timeout"),
        /** The call went through and the write landed, then the response was lost (writes only). */
        LOST_RESPONSE("lost-response");

        private final String flag;

        Fault(String flag) {
            this.flag = flag;
        }

        public String flag() {
            return flag;
        }

        static Fault parse(String text) {
            for (Fault f : values()) {
                if (f.flag.equals(text.trim().toLowerCase(Locale.ROOT))) {
                    return f;
                }
            }
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "fault plan: unknown fault '" + text + "'; use one of "
                    + List.of(values()).stream().map(Fault::flag).toList());
        }
    }

    public FaultPlan {
        if (!(rate >= 0 && rate <= 1)) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "fault plan: rate must be between 0 and 1, was " + rate);
        }
        if (faults == null || faults.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "fault plan: name at least one fault (faults=throttle,500,...)");
        }
        faults = Set.copyOf(faults);
        operations = operations == null ? Set.of() : Set.copyOf(operations);
    }

    /** Every fault, on every operation. */
    public static FaultPlan all(double rate, long seed) {
        return new FaultPlan(rate, seed, EnumSet.allOf(Fault.class), Set.of());
    }

    public FaultPlan without(Fault fault) {
        Set<Fault> left = EnumSet.copyOf(faults);
        left.remove(fault);
        return new FaultPlan(rate, seed, left, operations);
    }

    public boolean appliesTo(String operation) {
        return operations.isEmpty() || operations.contains(operation);
    }

    public String encode() {
        List<String> f = new ArrayList<>();
        for (Fault x : Fault.values()) {
            if (faults.contains(x)) {
                f.add(x.flag());
            }
        }
        return "rate=" + rate + ";seed=" + seed + ";faults=" + String.join(",", f)
                + (operations.isEmpty() ? "" : ";operations=" + String.join(",", new java.util.TreeSet<>(operations)));
    }

    public static FaultPlan parse(String text) {
        double rate = -1;
        long seed = 0;
        Set<Fault> faults = EnumSet.noneOf(Fault.class);
        Set<String> operations = new LinkedHashSet<>();
        for (String part : text.split(";")) {
            if (part.isBlank()) {
                continue;
            }
            String[] kv = part.split("=", 2);
            String value = kv.length == 2 ? kv[1].trim() : "";
            try {
                switch (kv[0].trim()) {
                    case "rate" -> rate = Double.parseDouble(value);
                    case "seed" -> seed = Long.parseLong(value);
                    case "faults" -> {
                        for (String f : value.split(",")) {
                            faults.add(Fault.parse(f));
                        }
                    }
                    case "operations" -> {
                        for (String o : value.split(",")) {
                            if (!o.isBlank()) {
                                operations.add(o.trim());
                            }
                        }
                    }
                    default -> throw new CutoverException(ErrorCode.CONFIG_INVALID, "fault plan: unknown key '" + kv[0]
                            + "' in '" + text + "'; use rate, seed, faults, operations");
                }
            } catch (NumberFormatException e) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "fault plan: '" + part + "' is not a number; for example rate=0.15;seed=42");
            }
        }
        return new FaultPlan(rate, seed, faults, operations);
    }
}
