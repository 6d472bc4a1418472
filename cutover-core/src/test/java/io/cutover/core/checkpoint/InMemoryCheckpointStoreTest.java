package io.cutover.core.checkpoint;

class InMemoryCheckpointStoreTest extends CheckpointStoreContract {
    @Override
    protected CheckpointStore newStore() {
        return new InMemoryCheckpointStore();
    }
}
