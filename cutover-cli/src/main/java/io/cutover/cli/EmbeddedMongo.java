package io.cutover.cli;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;

/**
 * An in-memory MongoDB wire-protocol server (mongo-java-server) on a free loopback port, for the
 * demo and the benchmark; with its oplog on, it offers change streams. Not a real mongod: see
 * docs/mongodb.md for what it does not do.
 */
final class EmbeddedMongo implements AutoCloseable {
    private final MongoServer server;
    private final InetSocketAddress address;

    EmbeddedMongo(boolean changeStreams) {
        server = new MongoServer(new MemoryBackend());
        if (changeStreams) {
            server.enableOplog();
        }
        server.bind("127.0.0.1", 0);
        address = server.getLocalAddress();
    }

    String uri(String database) {
        return "mongodb://127.0.0.1:" + address.getPort() + "/" + database;
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
