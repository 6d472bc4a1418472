package io.cutover.mongodb;

import com.mongodb.ConnectionString;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;

/**
 * A {@code mongodb://} or {@code mongodb+srv://} source URI with its database, and a form safe to
 * print: the password (and any user info) never appears in a message or a log line.
 */
public record MongoSourceUri(String uri, String database) {
    public MongoSourceUri {
        if (uri == null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source needs a mongodb:// URI");
        }
    }

    public static boolean isMongo(String uri) {
        return uri != null && (uri.startsWith("mongodb://") || uri.startsWith("mongodb+srv://"));
    }

    /** Parses {@code --source}; the database comes from the URI's path ({@code mongodb://host:27017/shop}). */
    public static MongoSourceUri parse(String uri) {
        if (!isMongo(uri)) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source '" + mask(uri) + "' is not a MongoDB URI; use for example"
                    + " mongodb://user:password@host:27017/shop");
        }
        ConnectionString cs;
        try {
            cs = new ConnectionString(uri);
        } catch (IllegalArgumentException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source '" + mask(uri) + "' is not a valid MongoDB URI: "
                    + mask(String.valueOf(e.getMessage())));
        }
        if (cs.getDatabase() == null || cs.getDatabase().isBlank()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source '" + mask(uri) + "' names no database: add it as the path,"
                    + " for example mongodb://host:27017/shop");
        }
        return new MongoSourceUri(uri, cs.getDatabase());
    }

    /** The URI with any user info replaced by {@code ***}, for messages. */
    public static String mask(String uri) {
        if (uri == null) {
            return "null";
        }
        // user info ends at the last '@' before the path; passwords may contain '/' only percent-encoded
        // then any URI later in the text (a driver message quoting the server's address, say)
        return io.cutover.core.SecretMask.uris(uri.replaceAll("^([A-Za-z0-9+.-]+://)[^@]*@", "$1***@"));
    }

    public String masked() {
        return mask(uri);
    }

    @Override
    public String toString() {
        return masked();
    }
}
