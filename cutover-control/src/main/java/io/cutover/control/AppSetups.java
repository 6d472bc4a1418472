package io.cutover.control;

import io.cutover.client.RegistryEntry;
import java.util.List;

/**
 * Where server-side work finds each application's state directories and tables ({@link AppSetup}). Called on any
 * thread, for every gate evaluation and view; implementations are immutable and never block.
 */
public interface AppSetups {
    /** The setup of the entry's application. */
    AppSetup of(RegistryEntry entry);

    /** What the entry says that this setup does not use (shown beside the view, never acted on). */
    List<String> warnings(RegistryEntry entry);

    /** The operator's own entry: the CLI's switch, rollback and failback (decision 0120). */
    AppSetups FROM_REGISTRY = new AppSetups() {
        @Override
        public AppSetup of(RegistryEntry entry) {
            return AppSetup.ofEntry(entry);
        }

        @Override
        public List<String> warnings(RegistryEntry entry) {
            return List.of();
        }
    };
}
