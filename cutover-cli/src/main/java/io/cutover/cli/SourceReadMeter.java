package io.cutover.cli;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * {@code bench export}'s meter of one table's reads, added to the engine's own clients while the bench runs
 * ({@code DynamoDbClients.observeNewClients}): every Scan, Query, GetItem and BatchGetItem that names the table is
 * counted and asks DynamoDB (Local) for {@code ReturnConsumedCapacity.TOTAL}, whose read units are summed. So a path
 * that reads nothing from the source is seen to read nothing, not assumed to. Thread-safe (SDK calling threads).
 */
final class SourceReadMeter implements ExecutionInterceptor {
    private final String table;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong consistent = new AtomicLong();
    private final DoubleAdder units = new DoubleAdder();

    SourceReadMeter(String table) {
        this.table = table;
    }

    /** Requests that read the table since the last reset. */
    long requests() {
        return requests.get();
    }

    /** Read capacity units DynamoDB reported for them. */
    double units() {
        return units.sum();
    }

    /** Of {@link #requests}, those with ConsistentRead (they cost twice the units). */
    long consistentRequests() {
        return consistent.get();
    }

    void reset() {
        consistent.set(0);
        requests.set(0);
        units.reset();
    }

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        SdkRequest r = context.request();
        if (r instanceof ScanRequest s && table.equals(s.tableName())) {
            return s.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.TOTAL).build();
        }
        if (r instanceof QueryRequest q && table.equals(q.tableName())) {
            return q.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.TOTAL).build();
        }
        if (r instanceof GetItemRequest g && table.equals(g.tableName())) {
            return g.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.TOTAL).build();
        }
        if (r instanceof BatchGetItemRequest b && b.requestItems().containsKey(table)) {
            return b.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.TOTAL).build();
        }
        return r;
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        SdkRequest r = context.request();
        SdkResponse response = context.response();
        if (r instanceof ScanRequest s && table.equals(s.tableName())) {
            if (Boolean.TRUE.equals(s.consistentRead())) {
                consistent.incrementAndGet();
            }
            count(((ScanResponse) response).consumedCapacity());
        } else if (r instanceof QueryRequest q && table.equals(q.tableName())) {
            count(((QueryResponse) response).consumedCapacity());
        } else if (r instanceof GetItemRequest g && table.equals(g.tableName())) {
            count(((GetItemResponse) response).consumedCapacity());
        } else if (r instanceof BatchGetItemRequest b && b.requestItems().containsKey(table)) {
            requests.incrementAndGet();
            for (ConsumedCapacity c : ((BatchGetItemResponse) response).consumedCapacity()) {
                if (table.equals(c.tableName()) && c.capacityUnits() != null) {
                    units.add(c.capacityUnits());
                }
            }
        }
    }

    private void count(ConsumedCapacity c) {
        requests.incrementAndGet();
        if (c != null && c.capacityUnits() != null) {
            units.add(c.capacityUnits());
        }
    }
}
