package io.cutover.sql.verify;

import io.cutover.core.result.VerifyResult;
import io.cutover.sql.source.SqlEndpoint;
import java.util.Optional;

/**
 * {@link SqlPairVerification} in a process of its own, for a test that runs it under a small heap. Arguments: source URI,
 * source table, target URI, target table, tombstone column. Prints the counts ({@code counts ...}) and each listed
 * difference ({@code difference ...}); exits 0 when the verify ran (identical or not), non-zero when it failed (an
 * OutOfMemoryError among others).
 */
public final class SqlPairVerifyProcess {
    private SqlPairVerifyProcess() {
    }

    public static void main(String[] args) {
        SqlPairVerification.Result r = SqlPairVerification.run(SqlEndpoint.parse(args[0]), args[1], SqlEndpoint.parse(args[2]), args[3],
                args[4], Optional.empty());
        VerifyResult v = r.verify();
        System.out.printf("counts source=%d target=%d missing=%d extra=%d different=%d identical=%s heap=%dMB%n", v.sourceItems(),
                v.targetItems(), v.missing(), v.extra(), v.different(), r.identical(), Runtime.getRuntime().maxMemory() >> 20);
        r.differences().forEach(d -> System.out.println("difference " + d));
        System.out.flush();
        System.exit(0);
    }
}
