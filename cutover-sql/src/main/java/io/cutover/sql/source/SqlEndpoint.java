package io.cutover.sql.source;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Properties;

/**
 * A PostgreSQL or MySQL/MariaDB server from a {@code --source} URI such as
 * {@code postgresql://user:pass@host:5432/db} or {@code mariadb://root@127.0.0.1:3306/shop}.
 * The password is kept out of every message: {@link #describe()} and {@link #toString()} mask it.
 *
 * @param flavor   which server
 * @param host     host name
 * @param port     port
 * @param database database name (PostgreSQL database, MySQL schema)
 * @param user     user name
 * @param password password, possibly empty
 */
public record SqlEndpoint(Flavor flavor, String host, int port, String database, String user, String password) {
    /** The kinds of SQL server Cutover reads. */
    public enum Flavor {
        POSTGRESQL, MYSQL, MARIADB;

        public boolean mysqlFamily() {
            return this != POSTGRESQL;
        }
    }

    /** True when {@code uri} names a SQL source (any scheme this class parses). */
    public static boolean isSqlUri(String uri) {
        String u = uri == null ? "" : uri.toLowerCase(Locale.ROOT);
        return u.startsWith("postgresql://") || u.startsWith("postgres://") || u.startsWith("jdbc:postgresql://")
                || u.startsWith("mysql://") || u.startsWith("mariadb://") || u.startsWith("jdbc:mysql://") || u.startsWith("jdbc:mariadb://");
    }

    public static SqlEndpoint parse(String text) {
        if (!isSqlUri(text)) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source " + maskText(text) + " is not a SQL URI: write"
                    + " postgresql://user:password@host:5432/database or mariadb://user:password@host:3306/database");
        }
        String t = text.startsWith("jdbc:") ? text.substring(5) : text;
        URI uri;
        try {
            uri = URI.create(t);
        } catch (IllegalArgumentException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source " + maskText(text) + " is not a valid URI (" + maskText(e.getMessage().replace(t, maskText(t)))
                    + "): percent-encode special characters in the password");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        Flavor flavor = scheme.startsWith("postgres") ? Flavor.POSTGRESQL : scheme.equals("mysql") ? Flavor.MYSQL : Flavor.MARIADB;
        if (uri.getHost() == null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source " + maskText(text) + " has no host: write " + scheme + "://user@host:port/database");
        }
        String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        if (path.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source " + maskText(text) + " names no database: add /database at the end");
        }
        String user = "";
        String password = "";
        String info = uri.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? "" : decode(info.substring(colon + 1));
        }
        if (user.isEmpty()) {
            user = flavor == Flavor.POSTGRESQL ? "postgres" : "root";
        }
        int port = uri.getPort() > 0 ? uri.getPort() : flavor == Flavor.POSTGRESQL ? 5432 : 3306;
        return new SqlEndpoint(flavor, uri.getHost(), port, path, user, password);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** A {@code --source} value with its password replaced by *** (even one holding '/', '@' or a space). */
    public static String maskText(String text) {
        return io.cutover.core.SecretMask.uri(text);
    }

    public String jdbcUrl() {
        return flavor == Flavor.POSTGRESQL
                ? "jdbc:postgresql://" + host + ":" + port + "/" + database
                : "jdbc:mariadb://" + host + ":" + port + "/" + database + "?permitMysqlScheme&allowPublicKeyRetrieval=true";
    }

    /** A new connection; the caller closes it. MySQL sessions run in UTC so that TIMESTAMP columns read as instants. */
    public Connection connect() {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        if (flavor == Flavor.POSTGRESQL) {
            p.setProperty("ApplicationName", "cutover");
            p.setProperty("connectTimeout", "10");
        } else {
            p.setProperty("connectTimeout", "10000");
        }
        try {
            Connection c = DriverManager.getConnection(jdbcUrl(), p);
            if (flavor.mysqlFamily()) {
                try (var s = c.createStatement()) {
                    s.execute("SET time_zone = '+00:00'");
                }
            }
            return c;
        } catch (SQLException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage().replace(password.isEmpty() ? "\u0000" : password, "***");
            ErrorCode code = msg.toLowerCase(Locale.ROOT).contains("password") || msg.toLowerCase(Locale.ROOT).contains("access denied")
                    ? ErrorCode.CREDENTIALS : ErrorCode.ENDPOINT_UNREACHABLE;
            throw new CutoverException(code, "cannot connect to " + describe() + ": " + msg, e);
        }
    }

    /** For messages: never shows the password. */
    public String describe() {
        return flavor.name().toLowerCase(Locale.ROOT) + "://" + user + (password.isEmpty() ? "" : ":***") + "@" + host + ":" + port + "/" + database;
    }

    @Override
    public String toString() {
        return describe();
    }
}
