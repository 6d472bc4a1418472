package io.cutover.core.changelog;

import java.time.Duration;
import java.util.function.LongSupplier;

class InMemoryChangeLogTest extends ChangeLogContract {
    @Override
    ChangeLog log() {
        return new InMemoryChangeLog();
    }

    @Override
    ChangeLog log(Duration retention, LongSupplier clock) {
        return new InMemoryChangeLog(retention, clock);
    }
}
