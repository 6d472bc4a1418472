package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.apply.ChangeWriter;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.copy.WriteOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import software.amazon.awssdk.services.dynamodb.model.DeleteRequest;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/** Applies changes to a DynamoDB table: a PUT writes the new image whole, a DELETE deletes the key; batched, in parallel. */
public final class DynamoDbChangeWriter implements ChangeWriter {
    private final DynamoDbBatchWriter writer;

    public DynamoDbChangeWriter(DynamoDbBatchWriter writer) {
        this.writer = writer;
    }

    @Override
    public WriteOutcome apply(List<ChangeRecord> distinctKeys) {
        List<WriteRequest> requests = new ArrayList<>(distinctKeys.size());
        for (ChangeRecord c : distinctKeys) {
            requests.add(c.operation() == ChangeRecord.Operation.PUT
                    ? WriteRequest.builder().putRequest(PutRequest.builder().item(c.image()).build()).build()
                    : WriteRequest.builder().deleteRequest(DeleteRequest.builder().key(c.key()).build()).build());
        }
        try {
            return writer.writeRequests(requests).join();
        } catch (CompletionException e) {
            Throwable c = e.getCause();
            throw c instanceof CutoverException ce ? ce : new CutoverException(ErrorCode.INTERNAL, "apply failed: " + c, c);
        }
    }
}
