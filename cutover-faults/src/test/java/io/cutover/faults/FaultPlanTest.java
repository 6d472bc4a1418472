package io.cutover.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.faults.FaultPlan.Fault;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FaultPlanTest {
    @Test
    void encodesAndParsesBackTheSamePlan() {
        FaultPlan plan = new FaultPlan(0.15, 42, Set.of(Fault.THROTTLE, Fault.LOST_RESPONSE), Set.of("PutItem", "GetRecords"));
        assertEquals("rate=0.15;seed=42;faults=throttle,lost-response;operations=GetRecords,PutItem", plan.encode());
        assertEquals(plan, FaultPlan.parse(plan.encode()));
        FaultPlan all = FaultPlan.all(0.1, 7);
        assertEquals(all, FaultPlan.parse(all.encode()));
        assertTrue(all.appliesTo("Scan"));
        assertFalse(plan.appliesTo("Scan"));
        assertFalse(all.without(Fault.LIMIT_EXCEEDED).faults().contains(Fault.LIMIT_EXCEEDED));
    }

    @Test
    void refusesABadPlanNamingTheProblem() {
        assertTrue(assertThrows(CutoverException.class, () -> FaultPlan.parse("rate=2;seed=1;faults=500")).getMessage().contains("rate"));
        assertTrue(assertThrows(CutoverException.class, () -> FaultPlan.parse("rate=0.1;faults=teapot")).getMessage().contains("teapot"));
        assertTrue(assertThrows(CutoverException.class, () -> FaultPlan.parse("rate=0.1;seed=1")).getMessage().contains("at least one fault"));
        assertTrue(assertThrows(CutoverException.class, () -> FaultPlan.parse("rate=x;faults=500")).getMessage().contains("not a number"));
    }
}
