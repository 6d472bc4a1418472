package io.cutover.dynamodb.export;

/**
 * One line of manifest-files.json: a data file and what it must hold.
 *
 * @param itemCount     items in the file
 * @param md5Checksum   base64 MD5 of the file's (compressed) bytes, or null when not given
 * @param etag          the S3 ETag DynamoDB recorded (hex MD5 for a single-part upload, {@code HEX-N} for a multipart one), or null
 * @param dataFileS3Key the file's key as DynamoDB wrote it ({@code AWSDynamoDB/ExportId/data/NAME.json.gz})
 */
public record ExportDataFile(long itemCount, String md5Checksum, String etag, String dataFileS3Key) {
    /** The file's name, the last part of its key. */
    public String name() {
        int slash = dataFileS3Key.lastIndexOf('/');
        return slash < 0 ? dataFileS3Key : dataFileS3Key.substring(slash + 1);
    }
}
