package io.cutover.sql.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import org.junit.jupiter.api.Test;

/** Every refusal of a --source URI keeps the password out, even one holding '/', '@' or ':' unencoded. */
class SqlEndpointSecretsTest {

    @Test
    void everyRefusalKeepsAnUnencodedPasswordOut() {
        String[] passwords = {"pa/ss", "pa@ss", "p@ss/w0rd", "pa:ss/x", "a b", "x%zz", "p/@/q"};
        String[] shapes = {"postgresql://app:PW@db.example:5432/shop", "mariadb://app:PW@db.example/shop", "mysql://app:PW@db.example",
            "postgresql://app:PW@", "jdbc:mysql://app:PW@db.example:3306"};
        int refused = 0;
        for (String pw : passwords) {
            for (String shape : shapes) {
                String uri = shape.replace("PW", pw);
                try {
                    SqlEndpoint e = SqlEndpoint.parse(uri);
                    assertFalse(e.toString().contains(pw), e.toString());
                } catch (CutoverException e) {
                    refused++;
                    assertEquals(2, e.exitCode(), e.getMessage());
                    assertFalse(e.getMessage().contains(pw), "password shown: " + e.getMessage());
                    assertFalse(e.getMessage().contains(pw.substring(0, 2) + pw.substring(2, 3)) && pw.length() > 3
                            && e.getMessage().contains(pw.substring(pw.length() - 2)), "part of the password shown: " + e.getMessage());
                    assertTrue(e.getMessage().startsWith("--source "), e.getMessage());
                }
            }
        }
        assertTrue(refused > 10, "most of these are refused: " + refused);
    }

    @Test
    void noHostMessageMasksAPasswordWithASlash() {
        CutoverException e = assertThrows(CutoverException.class, () -> SqlEndpoint.parse("postgresql://app:se/cret@db.example:5432/shop"));
        assertTrue(e.getMessage().contains("postgresql://app:***@db.example:5432/shop"), e.getMessage());
        assertFalse(e.getMessage().contains("cret"), e.getMessage());
    }
}
