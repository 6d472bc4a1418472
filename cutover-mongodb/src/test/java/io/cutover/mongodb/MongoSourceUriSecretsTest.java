package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.cutover.core.CutoverException;
import org.junit.jupiter.api.Test;

/** Every refusal of a mongodb:// --source keeps the password out, even one holding '/', '@', ':' or a space unencoded. */
class MongoSourceUriSecretsTest {

    @Test
    void everyRefusalKeepsAnUnencodedPasswordOut() {
        String[] passwords = {"pa/ss", "pa@ss", "p@ss/w0rd", "pa:ss/x", "a b", "p/@/q"};
        String[] shapes = {"mongodb://app:PW@db.example:27017/shop", "mongodb://app:PW@db.example:27017", "mongodb://app:PW@",
            "mongodb://app:PW@db1:27017,db2:x/shop"};
        for (String pw : passwords) {
            for (String shape : shapes) {
                String uri = shape.replace("PW", pw);
                try {
                    MongoSourceUri parsed = MongoSourceUri.parse(uri);
                    assertFalse(parsed.toString().contains(pw), parsed.toString());
                } catch (CutoverException e) {
                    assertEquals(2, e.exitCode(), e.getMessage());
                    assertFalse(e.getMessage().contains(pw), "password shown: " + e.getMessage());
                } catch (RuntimeException e) {
                    throw new AssertionError(uri.replace(pw, "PW") + " gave " + e.getClass().getSimpleName() + " instead of a usage error", e);
                }
            }
        }
    }
}
