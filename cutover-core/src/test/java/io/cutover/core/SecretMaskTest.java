package io.cutover.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class SecretMaskTest {

    @Test
    void masksAPlainPassword() {
        assertEquals("postgresql://u:***@h:5432/d", SecretMask.uris("postgresql://u:pw@h:5432/d"));
    }

    @Test
    void masksPasswordsHoldingSlashesAtSignsAndColons() {
        for (String pw : new String[] {"p/w", "p@w", "a/b@c", "@/@", "x:y", "s3cr%40t", "/", "@"}) {
            String masked = SecretMask.uris("--source 'mysql://app:" + pw + "@db.example:3306/shop' has no host");
            assertEquals("--source 'mysql://app:***@db.example:3306/shop' has no host", masked, pw);
        }
    }

    @Test
    void masksEveryUriInAText() {
        String text = "Unmatched arguments: postgresql://a:one@h1/d, mongodb://b:t/w@o@h2/d";
        String masked = SecretMask.uris(text);
        assertFalse(masked.contains("one") || masked.contains("t/w@o"), masked);
        assertEquals("Unmatched arguments: postgresql://a:***@h1/d, mongodb://b:***@h2/d", masked);
    }

    @Test
    void keepsAUserWithoutPasswordAndTextWithoutUris() {
        assertEquals("mariadb://root@127.0.0.1:3306/shop", SecretMask.uris("mariadb://root@127.0.0.1:3306/shop"));
        assertEquals("mail me at a@b.c", SecretMask.uris("mail me at a@b.c"));
        assertEquals("mongodb://h:27017/d", SecretMask.uris("mongodb://h:27017/d"));
        assertNull(SecretMask.uris(null));
    }

    @Test
    void masksAWholeValueToItsLastAtSign() {
        assertEquals("postgresql://app:***@db:5432/shop", SecretMask.uri("postgresql://app:a b/c@d:e@db:5432/shop"));
        assertEquals("mongodb://root@h/d", SecretMask.uri("mongodb://root@h/d"));
        assertEquals("mongodb://h/d", SecretMask.uri("mongodb://h/d"));
    }
}
