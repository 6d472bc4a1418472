package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.bson.BsonInt32;
import org.bson.BsonValue;
import org.junit.jupiter.api.Test;

/** Split points from a sorted sample: evenly spaced, without repeats, and never the smallest _id (an empty first range). */
class SplitQuantilesTest {
    private static List<BsonValue> ints(int... values) {
        List<BsonValue> out = new ArrayList<>();
        for (int v : values) {
            out.add(new BsonInt32(v));
        }
        return out;
    }

    @Test
    void quantilesOfASortedSample() {
        assertEquals(ints(25, 50, 80), MongoCollectionSource.quantiles(ints(0, 10, 20, 25, 30, 40, 50, 60, 75, 80, 90, 95), 4, new BsonInt32(0)));
    }

    @Test
    void repeatsAndTheSmallestIdAreDropped() {
        assertEquals(ints(5), MongoCollectionSource.quantiles(ints(1, 1, 1, 1, 5, 5, 5, 5), 4, new BsonInt32(1)));
        assertEquals(List.of(), MongoCollectionSource.quantiles(List.of(), 4, new BsonInt32(1)));
    }
}
