package io.cutover.mongodb;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;

/** An in-memory MongoDB wire-protocol server (mongo-java-server) on a free loopback port, with or without its oplog (change streams). */
final class TestMongo implements AutoCloseable {
    private final MongoServer server;
    private final InetSocketAddress address;

    TestMongo(boolean oplog) {
        server = new MongoServer(new MemoryBackend());
        if (oplog) {
            server.enableOplog();
        }
        server.bind("127.0.0.1", 0);
        address = server.getLocalAddress();
    }

    String uri(String database) {
        return "mongodb://127.0.0.1:" + address.getPort() + "/" + database;
    }

    MongoClient client() {
        return MongoClients.create("mongodb://127.0.0.1:" + address.getPort());
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
