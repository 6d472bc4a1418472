package io.cutover.core.verify;

import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * An item as the verifier hashes and reports it: its key attributes (to name it in a difference and look it up), the
 * canonical text of its key (which decides its bucket) and of the whole item ({@link io.cutover.core.item.CanonicalItem}),
 * the latter as UTF-8 bytes, which is what its digest reads. A side may build it without building the item's attribute
 * values (the DynamoDB pass-through read).
 *
 * @param textUtf8 the item's canonical text in UTF-8; not copied, so not to be changed
 */
public record CanonicalForm(Map<String, AttributeValue> key, String keyText, byte[] textUtf8) {
}
