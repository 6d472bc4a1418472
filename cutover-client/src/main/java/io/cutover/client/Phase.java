package io.cutover.client;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * Where an application stands in its cut-over (docs/decisions/0030-cut-over-phases.md). An application
 * moves one phase at a time, forwards with {@code cutover switch} when the gates pass, backwards with
 * {@code cutover rollback}. Every phase has one <em>primary</em> site: the one reads come from and
 * writes go to first; in the dual-write phases the other site is the <em>secondary</em>.
 */
public enum Phase {
    /** Reads and writes go to the source; the migration keeps the target in step. */
    SOURCE_ONLY(Site.SOURCE, Set.of(Site.SOURCE)),
    /** Writes go to the source, then the target; reads come from the source. */
    DUAL_WRITE(Site.SOURCE, Set.of(Site.SOURCE, Site.TARGET)),
    /** Writes go to the target, then the source; reads come from the target. */
    DUAL_WRITE_TARGET_READS(Site.TARGET, Set.of(Site.SOURCE, Site.TARGET)),
    /** Reads and writes go to the target only. */
    TARGET_ONLY(Site.TARGET, Set.of(Site.TARGET));

    private final Site primary;
    private final Set<Site> writes;

    Phase(Site primary, Set<Site> writes) {
        this.primary = primary;
        this.writes = writes;
    }

    /** The site reads come from and writes are acknowledged by first: the "active site". */
    public Site primary() {
        return primary;
    }

    /** The site a dual-write phase also writes to, if any. */
    public Optional<Site> secondary() {
        return writes.size() == 2 ? Optional.of(primary.other()) : Optional.empty();
    }

    public boolean writesTo(Site site) {
        return writes.contains(site);
    }

    public Optional<Phase> next() {
        return ordinal() + 1 < values().length ? Optional.of(values()[ordinal() + 1]) : Optional.empty();
    }

    public Optional<Phase> previous() {
        return ordinal() > 0 ? Optional.of(values()[ordinal() - 1]) : Optional.empty();
    }

    /** Parses a phase name, case-insensitively, with dashes allowed; names the flag and the choices on failure. */
    public static Phase parse(String text, String flag) {
        String norm = text == null ? "" : text.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        for (Phase p : values()) {
            if (p.name().equals(norm)) {
                return p;
            }
        }
        throw new CutoverException(ErrorCode.CONFIG_INVALID, flag + ": '" + text + "' is not a phase; use one of "
                + Arrays.toString(values()));
    }
}
