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
 * @param tls      TLS mode, from {@code sslmode=} (or {@code sslMode=}) in the URI; {@link Tls#AUTO} when absent
 */
public record SqlEndpoint(Flavor flavor, String host, int port, String database, String user, String password, Tls tls) {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SqlEndpoint.class);
    /** What AUTO settled on per server (host:port): VERIFY_FULL, or DISABLE for a server that offers no TLS. */
    private static final java.util.Map<String, Tls> RESOLVED = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * TLS to the source server (docs/sql.md#tls). The default, AUTO, verifies the server's certificate
     * and host name whenever the server offers TLS, and falls back to clear text (with a warning) only
     * for a server that offers none.
     */
    public enum Tls {
        AUTO, DISABLE, REQUIRE, VERIFY_CA, VERIFY_FULL;

        static Tls parse(String value) {
            return switch (value.toLowerCase(Locale.ROOT).replace('_', '-')) {
                case "auto" -> AUTO;
                case "disable", "disabled" -> DISABLE;
                case "require", "required", "trust", "prefer", "preferred" -> REQUIRE;
                case "verify-ca" -> VERIFY_CA;
                case "verify-full", "verify-identity" -> VERIFY_FULL;
                default -> throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source: sslmode=" + value + " is not a TLS mode: use disable,"
                        + " require (encrypt, do not verify), verify-ca, verify-full, or leave it out (verify whenever the server offers TLS)");
            };
        }
    }

    public SqlEndpoint(Flavor flavor, String host, int port, String database, String user, String password) {
        this(flavor, host, port, database, user, password, Tls.AUTO);
    }

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
        return new SqlEndpoint(flavor, uri.getHost(), port, path, user, password, tlsOf(uri.getRawQuery()));
    }

    private static Tls tlsOf(String query) {
        if (query == null) {
            return Tls.AUTO;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equalsIgnoreCase("sslmode")) {
                return Tls.parse(decode(pair.substring(eq + 1)));
            }
        }
        return Tls.AUTO;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** A {@code --source} value with its password replaced by *** (even one holding '/', '@' or a space). */
    public static String maskText(String text) {
        return io.cutover.core.SecretMask.uri(text);
    }

    public String jdbcUrl() {
        return jdbcUrl(effectiveTls());
    }

    /**
     * The JDBC URL for a TLS mode. Certificates are checked against the JVM's trust store. Only a clear-text
     * MySQL connection may fetch the server's RSA key for caching_sha2_password (allowPublicKeyRetrieval):
     * over TLS the password needs no such key, and the key could come from a man in the middle.
     */
    String jdbcUrl(Tls mode) {
        if (flavor == Flavor.POSTGRESQL) {
            String ssl = switch (mode) {
                case DISABLE -> "disable";
                case REQUIRE -> "require";
                case VERIFY_CA -> "verify-ca&sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory";
                case AUTO, VERIFY_FULL -> "verify-full&sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory";
            };
            return "jdbc:postgresql://" + host + ":" + port + "/" + database + "?sslmode=" + ssl;
        }
        String ssl = switch (mode) {
            case DISABLE -> "disable&allowPublicKeyRetrieval=true";
            case REQUIRE -> "trust";
            case VERIFY_CA -> "verify-ca";
            case AUTO, VERIFY_FULL -> "verify-full";
        };
        return "jdbc:mariadb://" + host + ":" + port + "/" + database + "?permitMysqlScheme&sslMode=" + ssl;
    }

    /** The mode connections use: the URI's, or for AUTO what the first connection found (VERIFY_FULL until then). */
    public Tls effectiveTls() {
        return tls != Tls.AUTO ? tls : RESOLVED.getOrDefault(host + ":" + port, Tls.VERIFY_FULL);
    }

    /** Debezium's name for {@link #effectiveTls()}: {@code database.sslmode} (PostgreSQL) or {@code database.ssl.mode} (MySQL/MariaDB). */
    public String debeziumSslMode() {
        Tls mode = effectiveTls();
        if (flavor == Flavor.POSTGRESQL) {
            return switch (mode) {
                case DISABLE -> "disable";
                case REQUIRE -> "require";
                case VERIFY_CA -> "verify-ca";
                case AUTO, VERIFY_FULL -> "verify-full";
            };
        }
        if (flavor == Flavor.MARIADB) {
            // Debezium's MariaDB connector names its modes as the MariaDB driver does (disable, trust, verify-ca,
            // verify-full); the MySQL connector as MySQL does.
            return switch (mode) {
                case DISABLE -> "disable";
                case REQUIRE -> "trust";
                case VERIFY_CA -> "verify-ca";
                case AUTO, VERIFY_FULL -> "verify-full";
            };
        }
        return switch (mode) {
            case DISABLE -> "disabled";
            case REQUIRE -> "required";
            case VERIFY_CA -> "verify_ca";
            case AUTO, VERIFY_FULL -> "verify_identity";
        };
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
        // A connection reset while the session is set up is a blip and is retried; a refused connection (nothing
        // listening) and a refused login are not.
        return CONNECT_RETRY.execute("connect to " + describe(), a -> {
            try {
                Connection c = open(p);
                if (flavor.mysqlFamily()) {
                    try (var s = c.createStatement()) {
                        s.execute("SET time_zone = '+00:00'");
                    }
                }
                return c;
            } catch (SQLException e) {
                String msg = e.getMessage() == null ? e.toString() : e.getMessage().replace(password.isEmpty() ? "\u0000" : password, "***");
                String lower = msg.toLowerCase(Locale.ROOT);
                ErrorCode code = lower.contains("password") || lower.contains("access denied") ? ErrorCode.CREDENTIALS
                        : refused(e) || lower.contains("offers no tls") || lower.contains("ssl") || lower.contains("certificate")
                        || lower.contains("does not exist") ? ErrorCode.ENDPOINT_UNREACHABLE : ErrorCode.TRANSIENT;
                throw new CutoverException(code, "cannot connect to " + describe() + ": " + msg, e);
            }
        }, e -> e instanceof CutoverException ce ? ce : new CutoverException(ErrorCode.TRANSIENT, "cannot connect to " + describe(), e),
                io.cutover.core.retry.RetryListener.NONE);
    }

    private static final io.cutover.core.retry.RetryPolicy CONNECT_RETRY = new io.cutover.core.retry.RetryPolicy(5,
            java.time.Duration.ofMillis(200), java.time.Duration.ofSeconds(2));

    /** Nothing listening, or a host that cannot be found: a wrong URI or a server that is down, not a blip. */
    private static boolean refused(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
                    || t instanceof java.net.NoRouteToHostException) {
                return true;
            }
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (m.contains("connection refused") || m.contains("connection to") && m.contains("refused")) {
                return true;
            }
        }
        return false;
    }

    private Connection open(Properties p) throws SQLException {
        Tls mode = effectiveTls();
        try {
            return DriverManager.getConnection(jdbcUrl(mode), p);
        } catch (SQLException e) {
            String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            boolean noTlsOnServer = m.contains("does not support ssl") || m.contains("ssl not enabled");
            if (tls == Tls.AUTO && mode != Tls.DISABLE && noTlsOnServer) {
                if (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]")) {
                    LOG.info("{} offers no TLS: connecting in clear text on loopback", describe());
                } else {
                    LOG.warn("{} offers no TLS: connecting in clear text; pass sslmode=verify-full in --source to refuse that", describe());
                }
                RESOLVED.put(host + ":" + port, Tls.DISABLE);
                return DriverManager.getConnection(jdbcUrl(Tls.DISABLE), p);
            }
            String named = mode.name().toLowerCase(Locale.ROOT).replace('_', '-');
            if (noTlsOnServer && mode != Tls.DISABLE) {
                throw new SQLException("the server offers no TLS, and sslmode=" + named + " in --source asks for it: enable TLS on the"
                        + " server, or pass sslmode=disable", e.getSQLState(), e);
            }
            if (mode != Tls.DISABLE && (m.contains("certificat") || m.contains("pkix") || m.contains("hostname") || m.contains("ssl"))) {
                throw new SQLException(e.getMessage() + " (TLS " + named + ": add the server's CA to"
                        + " the JVM trust store with CUTOVER_JAVA_OPTS=-Djavax.net.ssl.trustStore=FILE, or pass sslmode=require in --source to"
                        + " encrypt without verifying)", e.getSQLState(), e);
            }
            throw e;
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
