-- Consumer-side bookkeeping shared by every service: what each consumer has applied,
-- how far its catch-up from the event store has read, and the messages it parked.
CREATE SCHEMA IF NOT EXISTS consumers;

-- The last version of each stream a consumer applied; written in the effect's transaction.
CREATE TABLE consumers.stream_positions (
    consumer     text NOT NULL,
    stream_type  text NOT NULL,
    stream_id    uuid NOT NULL,
    version      integer NOT NULL,
    PRIMARY KEY (consumer, stream_type, stream_id)
);

CREATE TABLE consumers.checkpoints (
    consumer    text PRIMARY KEY,
    tx_id       xid8 NOT NULL DEFAULT '0',
    position    bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE consumers.dead_letters (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    consumer      text NOT NULL,
    event_id      uuid,
    event_type    text,
    stream_type   text,
    stream_id     uuid,
    version       integer,
    topic         text,
    kafka_partition integer,
    kafka_offset  bigint,
    headers       jsonb,
    payload       bytea,
    error         text NOT NULL,
    attempts      integer NOT NULL,
    parked_at     timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX dead_letters_once_per_event
    ON consumers.dead_letters (consumer, event_id) WHERE event_id IS NOT NULL;
