package io.cutover.sql.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import org.junit.jupiter.api.Test;

/** sslmode/sslMode in a --source URI, and what each mode asks of the JDBC drivers and of Debezium. */
class SqlEndpointTlsTest {

    @Test
    void theDefaultVerifiesTheCertificateAndHostName() {
        SqlEndpoint maria = SqlEndpoint.parse("mariadb://app:pw@db.example:3306/shop");
        assertEquals(SqlEndpoint.Tls.AUTO, maria.tls());
        assertTrue(maria.jdbcUrl().contains("sslMode=verify-full"), maria.jdbcUrl());
        assertFalse(maria.jdbcUrl().contains("allowPublicKeyRetrieval"), "no RSA key fetch where TLS is expected: " + maria.jdbcUrl());
        assertEquals("verify-full", maria.debeziumSslMode(), "the MariaDB connector spells its modes as the MariaDB driver does");
        assertEquals("verify_identity", SqlEndpoint.parse("mysql://app:pw@db.example:3306/shop").debeziumSslMode());
        SqlEndpoint pg = SqlEndpoint.parse("postgresql://app:pw@pg.example/shop");
        assertTrue(pg.jdbcUrl().contains("sslmode=verify-full") && pg.jdbcUrl().contains("DefaultJavaSSLFactory"), pg.jdbcUrl());
        assertEquals("verify-full", pg.debeziumSslMode());
    }

    @Test
    void everyModeAndSpellingIsUnderstood() {
        assertEquals(SqlEndpoint.Tls.DISABLE, SqlEndpoint.parse("mysql://u@h/d?sslMode=DISABLED").tls());
        assertEquals(SqlEndpoint.Tls.REQUIRE, SqlEndpoint.parse("mysql://u@h/d?sslmode=required").tls());
        assertEquals(SqlEndpoint.Tls.REQUIRE, SqlEndpoint.parse("mariadb://u@h/d?x=1&sslMode=trust").tls());
        assertEquals(SqlEndpoint.Tls.VERIFY_CA, SqlEndpoint.parse("postgresql://u@h/d?sslmode=verify-ca").tls());
        assertEquals(SqlEndpoint.Tls.VERIFY_FULL, SqlEndpoint.parse("mysql://u@h/d?sslMode=VERIFY_IDENTITY").tls());

        SqlEndpoint plain = SqlEndpoint.parse("mysql://u@h/d?sslMode=disable");
        assertTrue(plain.jdbcUrl().contains("sslMode=disable&allowPublicKeyRetrieval=true"), plain.jdbcUrl());
        assertEquals("disabled", plain.debeziumSslMode());
        SqlEndpoint encrypted = SqlEndpoint.parse("mysql://u@h/d?sslMode=require");
        assertTrue(encrypted.jdbcUrl().endsWith("sslMode=trust"), encrypted.jdbcUrl());
        assertEquals("required", encrypted.debeziumSslMode());
        assertEquals("require", SqlEndpoint.parse("postgresql://u@h/d?sslmode=require").debeziumSslMode());
        assertEquals("verify_ca", SqlEndpoint.parse("mysql://u@h/d?sslmode=verify-ca").debeziumSslMode());
        assertEquals("disable", SqlEndpoint.parse("mariadb://u@h/d?sslMode=disable").debeziumSslMode());
        assertEquals("trust", SqlEndpoint.parse("mariadb://u@h/d?sslMode=require").debeziumSslMode());
        assertEquals("verify-ca", SqlEndpoint.parse("mariadb://u@h/d?sslMode=verify-ca").debeziumSslMode());
    }

    @Test
    void anUnknownModeIsAUsageErrorWithoutThePassword() {
        CutoverException e = assertThrows(CutoverException.class, () -> SqlEndpoint.parse("mysql://u:hunter2@h/d?sslmode=maybe"));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains("sslmode=maybe is not a TLS mode"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"));
    }
}
