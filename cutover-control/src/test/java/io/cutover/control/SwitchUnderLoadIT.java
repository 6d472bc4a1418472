package io.cutover.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.client.EndpointRegistry;
import io.cutover.client.Phase;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Handovers under load: a heartbeat writer (a new item and an increment per beat) while the site of record moves six times. */
class SwitchUnderLoadIT {
    @TempDir
    Path journals;

    @Test
    void noWriteFailsOrIsLostWhileSwitchingForwardAndBack() throws Exception {
        try (DynamoDbClient client = LocalTables.client(LocalTables.shared())) {
            String source = LocalTables.uniqueName("hb-src");
            String target = LocalTables.uniqueName("hb-tgt");
            LocalTables.create(client, SampleItems.plainTable(source));
            LocalTables.create(client, SampleItems.plainTable(target));
            EndpointRegistry registry = new EndpointRegistry(client, LocalTables.uniqueName("registry")).ensureTable();
            SwitchBench.Result r = new SwitchBench(client, registry, source, target, journals, Duration.ofMillis(100), s -> { })
                    .run(7, 2);
            System.out.println(SwitchBench.text(r));
            SwitchBench.Run run = r.switching();
            assertEquals(0, run.failed(), run.failures().toString());
            assertEquals(0, run.lost(), run.lostExamples().toString());
            assertEquals(0, r.baseline().lost(), r.baseline().lostExamples().toString());
            assertTrue(run.acknowledged() > 100, "the writer kept writing: " + run.acknowledged());
            // three fenced handovers of the site of record to the target and three failbacks (decision 0101)
            assertEquals(List.of(Phase.DUAL_WRITE_TARGET_READS, Phase.DUAL_WRITE, Phase.DUAL_WRITE_TARGET_READS, Phase.DUAL_WRITE,
                    Phase.DUAL_WRITE_TARGET_READS, Phase.DUAL_WRITE), r.switches().stream().map(SwitchBench.Switch::to).toList());
            assertEquals(0, run.countersOff(), "the counter equals the " + run.increments() + " acknowledged increments on both sites:"
                    + " source " + run.counterSource() + ", target " + run.counterTarget());
            // Loose on purpose (a shared 2-core machine): the bench reports the real figure; a stall of seconds is a bug.
            assertTrue(run.maxGapMillis() < 5000, "longest gap " + run.maxGapMillis() + " ms");
        }
    }
}
