package io.cutover.core.archive;

/**
 * The archive's file format, version 1 (docs/restore.md): a gzip stream of UTF-8 JSON lines. The first line is
 * the header {@code {"format":"cutover-archive","version":1,"kind":"SNAPSHOT"|"CHANGES"}}; then a snapshot holds
 * one {@code {"item":{...}}} per item and a change segment one
 * {@code {"seq":N,"op":"PUT"|"DELETE","time":MS,"sourceTime":MS,"key":{...},"image":{...}}} per change (no image for a
 * DELETE), items in DynamoDB JSON; {@code time} is when Cutover captured the change, {@code sourceTime} the source's own
 * (rounded) time.
 */
public final class ArchiveFormat {
    public static final String NAME = "cutover-archive";
    public static final int VERSION = 1;

    private ArchiveFormat() {
    }
}
