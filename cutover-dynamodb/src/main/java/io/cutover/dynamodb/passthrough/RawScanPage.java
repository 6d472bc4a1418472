package io.cutover.dynamodb.passthrough;

import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A Scan response read by {@link RawScanParser}: the items as raw slices, and the response's other fields.
 *
 * @param items            the page's items, in the order of the response
 * @param lastEvaluatedKey where the next page starts; empty on the last page
 * @param count            the response's {@code Count}, or -1 when absent
 * @param scannedCount     the response's {@code ScannedCount}, or -1 when absent
 * @param capacityUnits    {@code ConsumedCapacity.CapacityUnits}, or NaN when absent
 */
public record RawScanPage(List<RawItem> items, Map<String, AttributeValue> lastEvaluatedKey, int count, int scannedCount,
                          double capacityUnits) {
}
