package io.cutover.client;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.version.Version;
import io.cutover.core.version.VersionAttribute;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** A real {@link DynamoDbStore} with a fault injected into its writes: the faults the cut-over must survive. */
public final class FaultyStore implements VersionedStore {
    public enum Fault {
        NONE,
        /** The write lands, then the caller sees a timeout: the ambiguous failure. */
        LAND_THEN_TIME_OUT,
        /** The process dies before the write, with no shutdown hook or finally block running: kill -9 at that instruction. */
        HALT_BEFORE_WRITE,
        /** The write fails without landing. */
        FAIL,
        /** The write takes {@link #slowMillis} before it is made: a slow site. */
        SLOW
    }

    public volatile long slowMillis = 3000;

    private final VersionedStore real;
    public volatile Fault fault = Fault.NONE;

    public FaultyStore(VersionedStore real) {
        this.real = real;
    }

    private void before() {
        if (fault == Fault.SLOW) {
            try {
                Thread.sleep(slowMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (fault == Fault.HALT_BEFORE_WRITE) {
            Runtime.getRuntime().halt(137);
        }
        if (fault == Fault.FAIL) {
            throw new CutoverException(ErrorCode.TRANSIENT, "injected: " + real.name() + " is unavailable");
        }
    }

    private <T> T after(T result) {
        if (fault == Fault.LAND_THEN_TIME_OUT) {
            throw new CutoverException(ErrorCode.TRANSIENT, "injected: the write to " + real.name() + " timed out (it landed)");
        }
        return result;
    }

    @Override
    public String name() {
        return real.name();
    }

    @Override
    public List<String> keyNames() {
        return real.keyNames();
    }

    @Override
    public void put(Map<String, AttributeValue> item) {
        before();
        real.put(item);
        after(null);
    }

    @Override
    public Optional<Map<String, AttributeValue>> get(Map<String, AttributeValue> key) {
        return real.get(key);
    }

    @Override
    public void delete(Map<String, AttributeValue> key) {
        before();
        real.delete(key);
        after(null);
    }

    @Override
    public Map<String, AttributeValue> update(Map<String, AttributeValue> key, Update update) {
        before();
        return after(real.update(key, update));
    }

    @Override
    public boolean putIfNewer(Map<String, AttributeValue> item, VersionAttribute version, Condition condition) {
        before();
        return after(real.putIfNewer(item, version, condition));
    }

    @Override
    public Optional<Map<String, AttributeValue>> updateIfNewer(Map<String, AttributeValue> key, Update update, Version newVersion,
                                                               VersionAttribute version, Condition condition) {
        before();
        return after(real.updateIfNewer(key, update, newVersion, version, condition));
    }

    @Override
    public boolean transactIfNewer(List<Write> writes, Version newVersion, VersionAttribute version) {
        before();
        return after(real.transactIfNewer(writes, newVersion, version));
    }

    @Override
    public boolean deleteUnversioned(Map<String, AttributeValue> key, VersionAttribute version) {
        before();
        return after(real.deleteUnversioned(key, version));
    }
}
