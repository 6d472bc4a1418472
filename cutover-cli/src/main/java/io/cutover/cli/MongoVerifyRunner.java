package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.result.VerifyResult;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.mongodb.MongoSourceUri;
import io.cutover.mongodb.MongoVerification;
import java.nio.file.Path;
import java.util.Optional;

/** {@code cutover verify --source mongodb://...}: the collection, through the mapping, against the target table. */
final class MongoVerifyRunner {
    private MongoVerifyRunner() {
    }

    static int run(VerifyCommand c, VerifyOptions options, Path reportFile) {
        if (c.targetTable == null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--target-table is required with a mongodb:// --source");
        }
        try (ProgressBar bar = new ProgressBar(System.err, ProgressBar.isTerminal(), c.output.progress());
             MongoVerification verification = new MongoVerification(MongoSourceUri.parse(c.source), c.mongo.collection, c.mongo.mapping(),
                     c.connection.target(), 2 * options.maxParallelism() + 4)) {
            VerifyResult result = verification.run(c.targetTable, options, bar, reportFile, Optional.of(c.stateDir));
            bar.finish();
            c.printer().result(result, VerifyCommand::text);
            return result.identical() ? 0 : 1;
        }
    }
}
