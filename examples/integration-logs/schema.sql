-- The logging example (docs/sql.md): a PostgreSQL table that becomes a DynamoDB table keyed by
-- ServiceName-Date and timestamp#id, with three GSIs and a 90-day TTL (mapping.yaml).
CREATE TABLE integration_logs (
    log_id          bigserial PRIMARY KEY,
    service_name    text        NOT NULL,
    application_id  text        NOT NULL,
    correlation_id  uuid        NOT NULL,
    is_success      boolean     NOT NULL,
    log_timestamp   timestamptz NOT NULL,
    http_status     smallint,
    duration_ms     numeric(12, 3),
    message         text,
    payload         jsonb,
    tags            text[]
);
-- The DynamoDB key is built from service_name and log_timestamp, which are not the primary key: deletes
-- and updates must carry the old row so that Cutover can remove the old item. cutover plan refuses the
-- mapping without this.
ALTER TABLE integration_logs REPLICA IDENTITY FULL;
