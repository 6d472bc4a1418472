package io.cutover.core.changelog;

class InMemoryChangeLogTest extends ChangeLogContract {
    @Override
    ChangeLog log() {
        return new InMemoryChangeLog();
    }
}
