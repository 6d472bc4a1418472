package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.dynamodb.DynamoDbMigration;
import io.cutover.mongodb.MongoMigration;
import io.cutover.mongodb.MongoSourceUri;
import io.cutover.sql.migrate.SqlMigration;
import io.cutover.sql.source.SqlEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one place where a URI's scheme picks the store that serves a command (docs/decisions/0210-one-dispatch-on-the-uri-scheme.md).
 * {@code migrate}, {@code verify} and {@code status} ask it which connector a {@code --source} or {@code --target} names
 * (absent: a DynamoDB table) and hand the command to that connector's runner; no command tests a scheme itself.
 *
 * <p>A connector says what it can do as a source (a forward migration into DynamoDB, a verify against a DynamoDB table) and
 * as a target of the reverse direction (the capture-only migration of a DynamoDB table applied into it). What it cannot do
 * is refused here with the same message for every command.
 */
enum Connector {
    /** A DynamoDB table, named by --source-table / --target-table; no URI. */
    DYNAMODB("a DynamoDB table") {
        @Override
        int migrate(MigrateCommand c) throws Exception {
            return c.migrateDynamoDb();
        }

        @Override
        int verify(VerifyCommand c) {
            return c.verifyDynamoDb();
        }

        @Override
        int status(StatusCommand c) {
            return c.statusDynamoDb();
        }

        @Override
        AutoCloseable reverseInto(MigrateCommand c, DynamoDbMigration migration, String table) {
            return () -> { }; // the capture-only migration writes the DynamoDB --target-table itself
        }
    },
    /** A MongoDB collection: mongodb:// or mongodb+srv://, the database in the path, the collection by flag. */
    MONGODB("a MongoDB collection (mongodb://)") {
        @Override
        int migrate(MigrateCommand c) throws Exception {
            return MongoMigrateRunner.run(c);
        }

        @Override
        int verify(VerifyCommand c) {
            return c.verifyMongo();
        }

        @Override
        int status(StatusCommand c) {
            return MongoStatus.print(c);
        }

        @Override
        AutoCloseable reverseInto(MigrateCommand c, DynamoDbMigration migration, String table) {
            return MongoMigrateRunner.reverseInto(c, migration);
        }
    },
    /** A PostgreSQL or MySQL/MariaDB table: postgresql://, postgres://, mysql://, mariadb:// (or their jdbc: forms). */
    SQL("a SQL table (postgresql://, mysql://, mariadb://)") {
        @Override
        int migrate(MigrateCommand c) throws Exception {
            return SqlRunner.migrate(c);
        }

        @Override
        int verify(VerifyCommand c) {
            return SqlRunner.verify(c);
        }

        @Override
        int status(StatusCommand c) {
            return SqlRunner.status(c.stateDir, c.source, c.printer());
        }

        @Override
        AutoCloseable reverseInto(MigrateCommand c, DynamoDbMigration migration, String table) {
            return SqlRunner.reverseInto(c, migration, table);
        }
    };

    private final String describe;

    Connector(String describe) {
        this.describe = describe;
    }

    /** A forward migration from this store into a DynamoDB table; resumable from its state directory. */
    abstract int migrate(MigrateCommand c) throws Exception;

    /** A verify of this store against a DynamoDB table. */
    abstract int verify(VerifyCommand c);

    /** The status of a migration whose state directory this connector wrote. */
    abstract int status(StatusCommand c);

    /**
     * Points a capture-only migration of a DynamoDB table at this store: the reverse direction of a cut-over. Returns what
     * to close once the migration has stopped (the store's connections).
     */
    abstract AutoCloseable reverseInto(MigrateCommand c, DynamoDbMigration migration, String table);

    /** What this connector is, for messages. */
    String describe() {
        return describe;
    }

    /**
     * The connector a URI names; null or blank is a DynamoDB table. An unknown scheme is refused naming {@code flag}, with the
     * password masked.
     */
    static Connector of(String flag, String uri) {
        if (uri == null) {
            return DYNAMODB;
        }
        if (MongoSourceUri.isMongo(uri)) {
            return MONGODB;
        }
        if (SqlEndpoint.isSqlUri(uri)) {
            return SQL;
        }
        // Only the scheme is echoed: the rest may hold a password, and an unknown scheme's URI has no known shape to mask.
        int colon = uri.indexOf(':');
        String shown = colon > 0 && uri.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]{0,30}") ? uri.substring(0, colon) + ":..." : "...";
        throw new CutoverException(ErrorCode.CONFIG_INVALID, flag + " '" + shown + "' is not a store this build knows:"
                + " use mongodb://..., postgresql://..., mysql://... or mariadb://..., or leave " + flag + " out for a DynamoDB table");
    }

    /** The connector whose migration left its state in {@code dir}: SQL, MongoDB, else DynamoDB (also the reverse directions). */
    static Connector ofStateDir(Path dir) {
        if (SqlMigration.isSqlState(dir)) {
            return SQL;
        }
        if (Files.exists(dir.resolve(MongoMigration.STATE_FILE))) {
            return MONGODB;
        }
        return DYNAMODB;
    }

    /** True for the stores a DynamoDB table's changes can be applied back into (the reverse direction of a cut-over). */
    boolean takesTheReverse() {
        return this != DYNAMODB;
    }
}
