-- The append-only event log and its transactional outbox.
CREATE SCHEMA IF NOT EXISTS eventstore;

CREATE TABLE eventstore.events (
    position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Followers read in (tx_id, position) order and only below the oldest running
    -- transaction, so an event whose transaction commits late is never skipped.
    tx_id           xid8 NOT NULL DEFAULT pg_current_xact_id(),
    event_id        uuid NOT NULL,
    stream_type     text NOT NULL,
    stream_id       uuid NOT NULL,
    version         integer NOT NULL CHECK (version >= 1),
    event_type      text NOT NULL,
    schema_version  integer NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    site_id         text NOT NULL,
    actor           text NOT NULL,
    correlation_id  uuid NOT NULL,
    causation_id    uuid,
    data            jsonb NOT NULL,
    CONSTRAINT events_stream_version UNIQUE (stream_type, stream_id, version)
);

CREATE INDEX events_follow_order ON eventstore.events (tx_id, position);

CREATE FUNCTION eventstore.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'eventstore.events is append-only: % is refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON eventstore.events
    FOR EACH ROW EXECUTE FUNCTION eventstore.refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON eventstore.events
    FOR EACH STATEMENT EXECUTE FUNCTION eventstore.refuse_change();

-- Written in the same transaction as the events; the relay deletes a row once Kafka acked it.
-- The transactional outbox: each event row is its own outbox record, written by the same
-- statement, so the two can never disagree. The relay follows the log in (tx_id, position)
-- order and records here how far Kafka has acknowledged.
CREATE TABLE eventstore.publications (
    publisher   text PRIMARY KEY,
    tx_id       xid8 NOT NULL DEFAULT '0',
    position    bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
